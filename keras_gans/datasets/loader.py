"""`load`: one entry point for every dataset the benchmarks use."""

from keras_gans import checks
from keras_gans.datasets import images
from keras_gans.datasets import pixels
from keras_gans.datasets import stacked_mnist
from keras_gans.datasets import synthetic

DATASET_NAMES = synthetic.MIXTURE_NAMES + images.IMAGE_DATASET_NAMES + ("stacked_mnist",)
# Dataset-specific keyword arguments accepted through `**kwargs`.
_EXTRA_ARGUMENTS = {
    "ring": (),
    "grid": (),
    "mnist": ("download", "shuffle_buffer"),
    "fashion_mnist": ("download", "shuffle_buffer"),
    "celeb_a": ("download", "shuffle_buffer"),
    "stacked_mnist": (),
}


def load(
    name,
    split="train",
    batch_size=64,
    value_range=(-1, 1),
    with_labels=False,
    shuffle=True,
    seed=0,
    data_dir=None,
    image_size=None,
    num_examples=None,
    drop_remainder=True,
    repeat=False,
    **kwargs,
):
    """Loads a dataset as a shuffled, batched, prefetched `tf.data.Dataset`.

    Datasets:

    - `"ring"`, `"grid"`: the 2D Gaussian mixtures of the mode-collapse
      protocol (see `keras_gans.datasets.synthetic`), generated from `seed`
      without files; `num_examples` points (100,000 by default). Their
      points are not rescaled: `value_range` does not apply to them (it is
      still validated), and `data_dir` is ignored. Labels are component
      indices.
    - `"mnist"`, `"fashion_mnist"`: 28x28x1 images, labels 0..9. Read from
      local files in the `keras.datasets` layout when present (offline),
      otherwise from TensorFlow Datasets.
    - `"celeb_a"`: 64x64x3 faces (central 108x108 crop, resized), from
      TensorFlow Datasets; no labels.
    - `"stacked_mnist"`: 28x28x3 images whose channels are three MNIST
      digits drawn independently (`seed`), built from the local `mnist.npz`;
      labels are the 1000 modes `100 a + 10 b + c` (see
      `keras_gans.datasets.stacked_mnist`).

    Args:
        name: one of `DATASET_NAMES`.
        split: `"train"` or `"test"`.
        batch_size: examples per batch.
        value_range: `(low, high)` target range of image pixels (uint8 0..255
            is mapped linearly, exactly onto it), e.g. `(-1, 1)` for a tanh
            generator or `(0, 1)` for a sigmoid one.
        with_labels: yield `(x, labels)` with int32 labels instead of `x`.
        shuffle: reshuffle every epoch with a seeded order.
        seed: seed of the shuffle order (and of the mixture points).
        data_dir: directory searched first for local files and passed to
            TFDS; defaults to `$KERAS_GANS_DATA_DIR`.
        image_size: side of the square output images (image datasets only);
            None keeps 28 (MNIST-like) or 64 (CelebA).
        num_examples: number of examples: the first ones of an image split,
            or the number of mixture points to draw.
        drop_remainder: drop the last incomplete batch, so every training
            step sees `batch_size` examples.
        repeat: repeat the batches endlessly (reshuffled every pass), for
            `fit(..., steps_per_epoch=k)`: Keras does not restart a finite
            dataset between epochs when `steps_per_epoch` is set, and `fit`
            refuses a dataset that holds fewer than `epochs * k` batches.
        **kwargs: image datasets also accept `download` (bool, default True:
            let TFDS download when no local copy exists) and
            `shuffle_buffer` (int).

    Returns:
        A `tf.data.Dataset` of float32 batches, or of `(x, labels)` pairs.

    Raises:
        ValueError: unknown name or invalid argument.
        DatasetNotFoundError: an image dataset is neither on disk nor
            loadable through TFDS; the message says which file to put where.

    Example:

    >>> ds = load("ring", batch_size=512)
    >>> tuple(next(iter(ds)).shape)
    (512, 2)
    """
    if name not in DATASET_NAMES:
        raise ValueError(
            f"Unknown dataset {name!r}. Valid names: "
            f"{', '.join(repr(n) for n in DATASET_NAMES)}."
        )
    unexpected = sorted(set(kwargs) - set(_EXTRA_ARGUMENTS[name]))
    if unexpected:
        accepted = ", ".join(_EXTRA_ARGUMENTS[name]) or "none"
        raise TypeError(
            f"load({name!r}) got unexpected keyword arguments {unexpected}. "
            f"Extra arguments accepted for {name!r}: {accepted}."
        )
    checks.choice("split", split, pixels.SPLITS)
    checks.value_range(value_range)
    batch_size = checks.positive_int("batch_size", batch_size)
    for argument, value in (("with_labels", with_labels), ("shuffle", shuffle),
                            ("drop_remainder", drop_remainder), ("repeat", repeat)):
        checks.boolean(argument, value)
    checks.non_negative_int("seed", seed)
    checks.string("data_dir", data_dir, allow_none=True)
    if "download" in kwargs:
        checks.boolean("download", kwargs["download"])
    ds = _load(name, split, batch_size, value_range, with_labels, shuffle, seed,
               data_dir, image_size, num_examples, drop_remainder, kwargs)
    return ds.repeat() if repeat else ds


def _load(name, split, batch_size, value_range, with_labels, shuffle, seed, data_dir,
          image_size, num_examples, drop_remainder, kwargs):
    """The dataset `load` describes, before repeating."""
    if name == "stacked_mnist":
        return stacked_mnist.load_stacked_mnist(
            split=split,
            batch_size=batch_size,
            value_range=value_range,
            with_labels=with_labels,
            shuffle=shuffle,
            seed=seed,
            data_dir=data_dir,
            image_size=image_size,
            num_examples=num_examples,
            drop_remainder=drop_remainder,
        )
    if name in synthetic.MIXTURE_NAMES:
        if image_size is not None:
            raise ValueError(
                f"`image_size` applies to image datasets only; {name!r} is a "
                "2D mixture. Pass image_size=None."
            )
        return synthetic.load_mixture(
            name,
            split=split,
            batch_size=batch_size,
            with_labels=with_labels,
            shuffle=shuffle,
            seed=seed,
            num_examples=num_examples,
            drop_remainder=drop_remainder,
        )
    return images.load_images(
        name,
        split=split,
        batch_size=batch_size,
        value_range=value_range,
        with_labels=with_labels,
        shuffle=shuffle,
        seed=seed,
        data_dir=data_dir,
        image_size=image_size,
        num_examples=num_examples,
        drop_remainder=drop_remainder,
        **kwargs,
    )
