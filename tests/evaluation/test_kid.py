"""KID: equals a direct evaluation of the unbiased MMD^2 estimator."""

import itertools

import numpy as np
import pytest

from keras_gans.evaluation import kernel_inception_distance
from keras_gans.evaluation import mmd2_unbiased


def _direct_mmd2(x, y):
    """The unbiased estimator written as explicit sums over pairs."""
    d = x.shape[1]

    def k(a, b):
        return (np.dot(a, b) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n))
    return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2.0 * xy / (m * n)


def test_mmd2_matches_direct_sums():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(5, 3)) + 0.5
    assert mmd2_unbiased(x, y) == pytest.approx(_direct_mmd2(x, y), rel=1e-12)


def test_kid_with_full_subsets_equals_direct_estimator():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(7, 4)), rng.normal(size=(7, 4)) * 1.5
    kid = kernel_inception_distance(real, fake, num_subsets=3, subset_size=7)
    # Every subset is a permutation of the whole set, and the estimator is
    # permutation invariant: all three estimates are the direct value.
    assert kid.mean == pytest.approx(_direct_mmd2(real, fake), rel=1e-12)
    assert kid.std == pytest.approx(0.0, abs=1e-12)
    assert (kid.num_subsets, kid.subset_size) == (3, 7)


def test_subset_size_shrinks_to_the_smaller_set():
    rng = np.random.default_rng(2)
    kid = kernel_inception_distance(
        rng.normal(size=(50, 2)), rng.normal(size=(20, 2)), num_subsets=2, subset_size=1000
    )
    assert kid.subset_size == 20


def test_kid_separates_same_and_shifted_distributions():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(400, 8))
    same = kernel_inception_distance(real, rng.normal(size=(400, 8)), 20, 200)
    shifted = kernel_inception_distance(real, rng.normal(size=(400, 8)) + 1.0, 20, 200)
    # Unbiased: centred on 0 for equal distributions (so it can be negative).
    assert abs(same.mean) < 0.05
    assert shifted.mean > 0.5
    assert kernel_inception_distance(real, real + 1.0, 20, 200, seed=7) == (
        kernel_inception_distance(real, real + 1.0, 20, 200, seed=7)
    )


def test_kid_input_errors():
    with pytest.raises(ValueError, match="`subset_size` must be an integer >= 2"):
        kernel_inception_distance(np.zeros((5, 2)), np.zeros((5, 2)), subset_size=1)
    with pytest.raises(ValueError, match="same feature dimension"):
        kernel_inception_distance(np.zeros((5, 2)), np.zeros((5, 3)))
