"""Argument checks and the pixel scaling shared by the image pipelines."""

import math
import numbers

import tensorflow as tf

SPLITS = ("train", "test")


def check_value_range(value_range):
    """Validates a target pixel range.

    Args:
        value_range: two finite numbers `(low, high)` with `low < high`, e.g.
            `(-1, 1)` for a tanh generator or `(0, 1)` for a sigmoid one.

    Returns:
        `(low, high)` as Python floats.
    """
    message = (
        "`value_range` must be two finite numbers (low, high) with low < high, "
        "e.g. (-1, 1) for a tanh generator or (0, 1) for a sigmoid one. "
        f"Received: {value_range!r}."
    )
    try:
        low, high = value_range
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(message)
    return low, high


def check_split(split):
    """Raises a `ValueError` unless `split` is `"train"` or `"test"`."""
    if split not in SPLITS:
        raise ValueError(
            f"Invalid `split`={split!r}. Valid options: 'train', 'test'."
        )
    return split


def check_optional_positive_int(argument, value):
    """Raises a `ValueError` unless `value` is None or an integer >= 1."""
    if value is None:
        return None
    # numbers.Integral also admits NumPy integers.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"`{argument}` must be None or a positive integer. Received: {value!r}."
        )
    return int(value)


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
