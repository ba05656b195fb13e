"""Image datasets: MNIST, Fashion-MNIST and CelebA as batched `tf.data`.

Sources, in order: local files in the `keras.datasets` cache layout (fast and
offline, see `local_files`; for Fashion-MNIST this includes Debian's
`dataset-fashion-mnist` package in /usr/share/datasets), then TensorFlow
Datasets. CelebA has no Keras
layout and comes from TensorFlow Datasets only. When neither source works, a
`DatasetNotFoundError` says which file to put where.
"""

import os

import tensorflow as tf

from keras_gans import checks
from keras_gans.datasets import local_files
from keras_gans.datasets import pixels

IMAGE_DATASET_NAMES = ("mnist", "fashion_mnist", "celeb_a")
# Side of the images a dataset yields when `image_size` is None.
DEFAULT_IMAGE_SIZES = {"mnist": 28, "fashion_mnist": 28, "celeb_a": 64}
# CelebA protocol (DCGAN code, Lucic et al. 2018): crop the central 108x108
# of the 218x178 aligned faces, then resize.
CELEB_A_CROP = 108
# Shuffle buffers for streamed (TFDS) data, in examples. A 28x28 uint8 buffer
# of 60,000 is 47 MB; a 108x108x3 crop is 35 KB, so CelebA keeps 4,096.
_TFDS_SHUFFLE_BUFFERS = {"mnist": 60_000, "fashion_mnist": 60_000, "celeb_a": 4_096}

_HOW_TO_GET = {
    "mnist": (
        "put `mnist.npz` (the keras.datasets.mnist layout: uint8 arrays "
        "x_train, y_train, x_test, y_test) into $KERAS_GANS_DATA_DIR, into "
        "the `data_dir` you pass, or into ~/.keras/datasets/. On a machine "
        "with network, `python -c \"import keras; "
        "keras.datasets.mnist.load_data()\"` writes it to "
        "~/.keras/datasets/mnist.npz; copy it from there."
    ),
    "fashion_mnist": (
        "on Debian or Ubuntu install the packaged copy, which puts the four "
        "files in /usr/share/datasets/fashion-mnist/ where keras_gans looks: "
        "`sudo apt-get update && sudo apt-get install -y "
        "dataset-fashion-mnist`. Or put the four files "
        "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz into a "
        "`fashion-mnist/` folder inside $KERAS_GANS_DATA_DIR, inside the "
        "`data_dir` you pass, or inside ~/.keras/datasets/. On a machine with "
        "network, `python -c \"import keras; "
        "keras.datasets.fashion_mnist.load_data()\"` writes them to "
        "~/.keras/datasets/fashion-mnist/; copy that folder."
    ),
    "celeb_a": (
        "prepare it with TensorFlow Datasets on a machine with network "
        "(`tfds build celeb_a --data_dir=DIR`, or "
        "`tfds.load('celeb_a', data_dir=DIR)`), copy DIR/celeb_a/ to this "
        "machine, and pass `data_dir=DIR` or set $KERAS_GANS_DATA_DIR=DIR."
    ),
}


class DatasetNotFoundError(FileNotFoundError):
    """Raised when a dataset is neither on disk nor downloadable."""


def load_images(
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
    download=True,
    shuffle_buffer=None,
):
    """A batched `tf.data.Dataset` of images scaled to `value_range`.

    Args:
        name: `"mnist"`, `"fashion_mnist"` (28x28x1) or `"celeb_a"` (RGB,
            central 108x108 crop resized to 64x64).
        split: `"train"` or `"test"`.
        batch_size: images per batch.
        value_range: `(low, high)`; pixel 0 maps to `low` and 255 to `high`
            exactly, linearly in between (TRICKS 1.1).
        with_labels: if True, yield `(images, labels)` with int32 class
            labels (MNIST digits, Fashion-MNIST classes). CelebA has no class
            labels and raises.
        shuffle: reshuffle every epoch (seeded) and shuffle TFDS files.
        seed: seed of the shuffle order.
        data_dir: directory searched first for local files and used as the
            TFDS `data_dir`; defaults to `$KERAS_GANS_DATA_DIR`, then to the
            Keras cache for local files and TFDS's own default.
        image_size: side of the square output images; None keeps the
            dataset's default (28, or 64 for CelebA). Resizing is bilinear
            with antialiasing.
        num_examples: use only the first `num_examples` examples of the
            split (before shuffling); None uses all.
        drop_remainder: drop the last incomplete batch.
        download: let TFDS download and prepare missing data. Local files
            are always tried first.
        shuffle_buffer: shuffle buffer in examples; by default the whole
            split for local files, 60,000 for streamed MNIST-like data and
            4,096 for CelebA.

    Returns:
        A prefetched `tf.data.Dataset` of float32 `(batch, size, size,
        channels)` images, or of `(images, labels)` pairs.

    Raises:
        DatasetNotFoundError: no local copy and TFDS could not load it.
    """
    if name not in IMAGE_DATASET_NAMES:
        raise ValueError(
            f"Unknown image dataset {name!r}. Valid names: "
            f"{', '.join(repr(n) for n in IMAGE_DATASET_NAMES)}."
        )
    checks.choice("split", split, pixels.SPLITS)
    value_range = checks.value_range(value_range)
    image_size = checks.optional_positive_int("image_size", image_size)
    num_examples = checks.optional_positive_int("num_examples", num_examples)
    shuffle_buffer = checks.optional_positive_int("shuffle_buffer", shuffle_buffer)
    if with_labels and name == "celeb_a":
        raise ValueError(
            "`with_labels=True` is not supported for 'celeb_a': it has binary "
            "attributes, not class labels. Use with_labels=False."
        )
    if data_dir is None:
        data_dir = os.environ.get(local_files.DATA_DIR_ENV) or None

    arrays = None
    if name in local_files.LOCAL_DATASETS:
        arrays = local_files.load_local_arrays(name, split, data_dir)
    if arrays is not None:
        images, labels = arrays
        if num_examples is not None:
            images, labels = images[:num_examples], labels[:num_examples]
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        default_buffer = len(images)
    else:
        ds = _load_tfds(name, split, data_dir, download, shuffle, seed)
        if num_examples is not None:
            ds = ds.take(num_examples)
        default_buffer = _TFDS_SHUFFLE_BUFFERS[name]

    if name == "celeb_a":
        ds = ds.map(_center_crop, num_parallel_calls=tf.data.AUTOTUNE)
    elif not with_labels:
        ds = ds.map(lambda image, label: image)
    if shuffle:
        ds = ds.shuffle(
            shuffle_buffer or default_buffer,
            seed=seed,
            reshuffle_each_iteration=True,
        )
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    size = image_size or DEFAULT_IMAGE_SIZES[name]

    def postprocess(images):
        images = tf.cast(images, tf.float32)
        if images.shape[1] != size or images.shape[2] != size:
            images = tf.image.resize(
                images, (size, size), method="bilinear", antialias=True
            )
            # Bilinear weights are convex, but keep the promised range exact
            # under float rounding.
            images = tf.clip_by_value(images, 0.0, 255.0)
        return pixels.scale_pixels(images, value_range)

    if with_labels:
        ds = ds.map(
            lambda images, labels: (postprocess(images), labels),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    else:
        ds = ds.map(postprocess, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def _load_tfds(name, split, data_dir, download, shuffle, seed):
    """Loads a split from TFDS as `(uint8 image, int32 label)` or images.

    Any TFDS failure (no network, no prepared data, missing optional
    dependency) is re-raised as a `DatasetNotFoundError` that says where to
    put local files, chained to the original error.
    """
    searched = local_files.search_dirs(data_dir)
    try:
        import tensorflow_datasets as tfds

        ds = tfds.load(
            name,
            split=split,
            data_dir=data_dir,
            download=download,
            shuffle_files=shuffle,
            read_config=tfds.ReadConfig(shuffle_seed=seed),
        )
    except Exception as err:  # TFDS raises many unrelated types offline.
        local = ""
        if name in local_files.LOCAL_DATASETS:
            local = (
                f"No local copy: looked for "
                f"{', '.join(local_files.expected_files(name, split))} in "
                f"{', '.join(searched)}. "
            )
        raise DatasetNotFoundError(
            f"Could not load dataset {name!r} (split {split!r}). {local}"
            f"TensorFlow Datasets failed too (data_dir={data_dir!r}, "
            f"download={download}): {type(err).__name__}: {str(err).rstrip('.')}. "
            "To fix it, "
            f"{_HOW_TO_GET[name]}"
        ) from err
    if name == "celeb_a":
        return ds.map(lambda example: example["image"])
    return ds.map(
        lambda example: (example["image"], tf.cast(example["label"], tf.int32))
    )


def _center_crop(image):
    """The central `CELEB_A_CROP` square of one image."""
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    top = (height - CELEB_A_CROP) // 2
    left = (width - CELEB_A_CROP) // 2
    crop = image[top : top + CELEB_A_CROP, left : left + CELEB_A_CROP, :]
    # Dynamic offsets hide the static shape; restore it (and fail clearly on
    # images smaller than the crop).
    return tf.ensure_shape(crop, (CELEB_A_CROP, CELEB_A_CROP, image.shape[-1]))
