"""Stacked MNIST: three MNIST digits as the channels of one 28x28x3 image.

Metz et al. 2017 ("Unrolled GANs") and VEEGAN (Srivastava et al. 2017) use
it to count modes: each of the 1000 digit triples `(a, b, c)` is a mode,
labelled `100 a + 10 b + c` (`evaluation.stacked_mnist_labels` recovers it
from per-channel classifier labels). An example draws three MNIST images
independently and uniformly, so every mode is about equally likely (MNIST's
digit frequencies run from 9.0% to 11.2%: 26,000 real stacks score a mode KL
of 0.023 to uniform, `tools/reference_scores.py --dataset=stacked_mnist`).

Built on the fly from the MNIST files (`local_files`), so it needs nothing
beyond `mnist.npz`.
"""

import numpy as np
import tensorflow as tf

from keras_gans import checks
from keras_gans.datasets import local_files
from keras_gans.datasets import pixels

NUM_MODES = 1000
DEFAULT_NUM_EXAMPLES = {"train": 60_000, "test": 10_000}
# The VEEGAN/PacGAN evaluation draws triples independently of the data
# order, so any buffer works; 20k keeps a 60k-example shuffle cheap.
_SHUFFLE_BUFFER = 20_000


def stack(images, labels, num_examples, seed):
    """Draws digit triples and stacks them as channels.

    Args:
        images: uint8 `(n, 28, 28, 1)` MNIST images.
        labels: int `(n,)` digit labels.
        num_examples: Number of stacked images.
        seed: Seed of the draw (anything `np.random.default_rng` takes).

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


def load_stacked_mnist(
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
):
    """Stacked MNIST as a batched `tf.data.Dataset` in `value_range`.

    Args: as `keras_gans.datasets.load`; labels are the 1000 modes, and
    `num_examples` (default 60,000 train, 10,000 test) is the number of
    triples drawn with `seed` (test triples are drawn apart from train ones).

    Raises:
        DatasetNotFoundError: `mnist.npz` is not on disk (`data_dir`,
            `$KERAS_GANS_DATA_DIR` or the Keras cache).
    """
    from keras_gans.datasets.images import DatasetNotFoundError

    checks.choice("split", split, pixels.SPLITS)
    value_range = checks.value_range(value_range)
    num_examples = checks.optional_positive_int("num_examples", num_examples)
    if image_size not in (None, 28):
        raise ValueError(
            f"Stacked MNIST images are 28x28x3; got image_size={image_size}. "
            "Pass image_size=None."
        )
    arrays = local_files.load_local_arrays("mnist", split=split, data_dir=data_dir)
    if arrays is None:
        raise DatasetNotFoundError(
            "Stacked MNIST is built from MNIST, which was not found: put "
            "mnist.npz (the keras.datasets.mnist file) into `data_dir`, into "
            f"${local_files.DATA_DIR_ENV} or into ~/.keras/datasets/."
        )
    num_examples = num_examples or DEFAULT_NUM_EXAMPLES[split]
    stream = 0 if split == "train" else 1
    images, modes = stack(*arrays, num_examples, seed=[seed, stream])
    # uint8 until batched: a quarter of the memory of float pixels.
    ds = tf.data.Dataset.from_tensor_slices((images, modes))
    if shuffle:
        ds = ds.shuffle(min(num_examples, _SHUFFLE_BUFFER), seed=seed)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def scale(batch, labels):
        batch = pixels.scale_pixels(batch, value_range)
        return (batch, labels) if with_labels else batch

    return ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
