"""The pixel scaling shared by the image pipelines."""

import tensorflow as tf

SPLITS = ("train", "test")


def scale_pixels(images, value_range):
    """Maps pixel intensities from [0, 255] linearly onto `value_range`.

    Computed as `x / 255 * (high - low) + low`, which maps 0 to `low` and 255
    to `high` exactly in float32 (multiplying by a rounded `2 / 255` first
    would turn 255 into 1.0000001).

    Args:
        images: tensor of intensities in [0, 255], any numeric dtype.
        value_range: `(low, high)`, already checked.

    Returns:
        A float32 tensor of the same shape with values in `[low, high]`.
    """
    low, high = value_range
    images = tf.cast(images, tf.float32)
    return images / 255.0 * (high - low) + low
