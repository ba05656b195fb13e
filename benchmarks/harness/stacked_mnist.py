"""Stacked MNIST: three MNIST digits as the channels of one 28x28x3 image.

Metz et al. 2017 ("Unrolled GANs") and VEEGAN (Srivastava et al. 2017) use
it to count modes: each of the 1000 digit triples `(a, b, c)` is a mode,
labelled `100 a + 10 b + c`. An example draws three MNIST images
independently and uniformly, so every mode is equally likely.

Built on the fly from MNIST (`keras_gans.datasets.load_local_arrays`), so
it needs no extra files. A candidate for `keras_gans.datasets` once the
harness has shown how it is used.
"""

import numpy as np

NUM_MODES = 1000
DEFAULT_NUM_EXAMPLES = {"train": 60_000, "test": 10_000}


def stack(images, labels, num_examples, seed):
    """Draws digit triples and stacks them as channels.

    Args:
        images: uint8 `(n, 28, 28, 1)` MNIST images.
        labels: int `(n,)` digit labels.
        num_examples: Number of stacked images.
        seed: Seed of the draw.

    Returns:
        `(stacked, modes)`: uint8 `(num_examples, 28, 28, 3)` with channel
        `k` the `k`-th digit, and int32 `(num_examples,)` mode labels
        `100 a + 10 b + c`.
    """
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(images), size=(num_examples, 3))
    stacked = np.concatenate([images[index[:, k]] for k in range(3)], axis=-1)
    digits = labels[index].astype(np.int32)
    modes = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    return stacked, modes


def load(
    split="train",
    batch_size=64,
    value_range=(-1.0, 1.0),
    with_labels=False,
    shuffle=True,
    seed=0,
    num_examples=None,
    data_dir=None,
    drop_remainder=True,
):
    """Stacked MNIST as a batched `tf.data.Dataset` in `value_range`.

    Args: as `keras_gans.datasets.load`; labels are the 1000 modes.

    Raises:
        FileNotFoundError: MNIST is not on disk (`mnist.npz` in `data_dir`,
            `$KERAS_GANS_DATA_DIR` or the Keras cache).
    """
    import tensorflow as tf

    from keras_gans import datasets

    arrays = datasets.load_local_arrays("mnist", split=split, data_dir=data_dir)
    if arrays is None:
        raise FileNotFoundError(
            "Stacked MNIST is built from MNIST, which was not found: put "
            "mnist.npz (the keras.datasets.mnist file) in --data_dir or in "
            f"${datasets.DATA_DIR_ENV}."
        )
    num_examples = num_examples or DEFAULT_NUM_EXAMPLES[split]
    # A split-specific stream: the test triples are not the training ones.
    stream = 0 if split == "train" else 1
    images, modes = stack(*arrays, num_examples, seed=[seed, stream])
    low, high = value_range
    pixels = images.astype(np.float32) * ((high - low) / 255.0) + low
    ds = tf.data.Dataset.from_tensor_slices((pixels, modes) if with_labels else pixels)
    if shuffle:
        ds = ds.shuffle(min(num_examples, 20_000), seed=seed)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
