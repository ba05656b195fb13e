"""Input checks shared by the metric functions (private)."""

import numpy as np


def as_feature_matrix(x, name, min_rows=1):
    """Returns `x` as a finite float64 array of shape (num_samples, dim).

    Args:
        x: Array-like of shape (num_samples, dim); tensors are converted.
        name: Argument name used in error messages.
        min_rows: Smallest number of samples the caller can work with.

    Returns:
        A float64 numpy array.
    """
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must have shape (num_samples, feature_dim); got shape "
            f"{array.shape}. Flatten images or pass extractor features "
            "(see keras_gans.evaluation.compute_features)."
        )
    if array.shape[0] < min_rows:
        raise ValueError(
            f"`{name}` needs at least {min_rows} samples; got {array.shape[0]}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"`{name}` contains NaN or infinite values; the generator or the "
            "feature extractor produced non-finite outputs."
        )
    return array


def check_same_dim(a, b, name_a, name_b):
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same feature dimension; "
            f"got {a.shape[1]} and {b.shape[1]}. Extract both with the same "
            "extractor."
        )
