"""Frechet distance: closed forms, streaming moments and input checks."""

import numpy as np
import pytest

from keras_gans.evaluation import FeatureMoments
from keras_gans.evaluation import frechet_distance
from keras_gans.evaluation import frechet_distance_from_moments


def _samples_with_exact_moments(rng, n, mean, cov):
    """n samples whose sample mean and (ddof=1) covariance equal mean, cov."""
    z = rng.normal(size=(n, len(mean)))
    z -= z.mean(axis=0)
    # Whiten exactly, then colour: the sample covariance becomes `cov`.
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return mean + z @ np.linalg.cholesky(cov).T


@pytest.mark.parametrize("method", ["eigh", "sqrtm"])
def test_diagonal_covariances_match_closed_form(method):
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    var1, var2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    # For commuting (diagonal) covariances the trace term is
    # sum (sqrt(a_i) - sqrt(b_i))^2: here 4 + 1 + 0 = 5; means add 1 + 6.25.
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    assert expected == pytest.approx(12.25)
    got = frechet_distance_from_moments(mu1, np.diag(var1), mu2, np.diag(var2), method=method)
    assert got == pytest.approx(12.25, rel=1e-12)


@pytest.mark.parametrize("method", ["eigh", "sqrtm"])
def test_scaled_full_covariance_matches_closed_form(method):
    # sigma2 = c^2 sigma1 gives Tr(sigma1 + c^2 sigma1 - 2 c sigma1)
    # = (1 - c)^2 Tr(sigma1), for any (non-diagonal) sigma1.
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 5))
    sigma1 = a @ a.T + 0.1 * np.eye(5)
    c = 3.0
    mu1, mu2 = np.zeros(5), np.full(5, 0.5)
    expected = 5 * 0.25 + (1 - c) ** 2 * np.trace(sigma1)
    got = frechet_distance_from_moments(mu1, sigma1, mu2, c**2 * sigma1, method=method)
    assert got == pytest.approx(expected, rel=1e-9)


def test_samples_with_exact_moments_give_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = np.array([0.0, 0.0, 1.0]), np.array([2.0, -1.0, 1.0])
    cov1, cov2 = np.diag([1.0, 2.0, 3.0]), np.diag([4.0, 2.0, 0.5])
    real = _samples_with_exact_moments(rng, 1000, mu1, cov1)
    fake = _samples_with_exact_moments(rng, 700, mu2, cov2)
    expected = 5.0 + (1 - 2) ** 2 + 0 + (np.sqrt(3) - np.sqrt(0.5)) ** 2
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=1e-9)


def test_identical_sets_give_zero():
    features = np.random.default_rng(0).normal(size=(300, 16))
    assert abs(frechet_distance(features, features)) < 1e-9


def test_eigh_and_sqrtm_agree_on_random_features():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(400, 8)), rng.gamma(2.0, size=(300, 8))
    assert frechet_distance(real, fake, method="eigh") == pytest.approx(
        frechet_distance(real, fake, method="sqrtm"), rel=1e-8
    )


def test_rank_deficient_covariances_stay_real_and_non_negative():
    # Fewer samples than dimensions: singular covariances, where sqrtm
    # produces complex round-off.
    rng = np.random.default_rng(4)
    real, fake = rng.normal(size=(10, 32)), rng.normal(size=(12, 32)) + 0.1
    value = frechet_distance(real, fake)
    assert isinstance(value, float) and value > 0
    assert frechet_distance(real, fake, method="sqrtm") == pytest.approx(value, rel=1e-3)


def test_moments_accept_feature_moments_and_match_arrays():
    rng = np.random.default_rng(5)
    real, fake = rng.normal(size=(500, 6)), rng.normal(size=(250, 6)) * 2
    streamed = FeatureMoments()
    for start in range(0, 500, 64):
        streamed.update(real[start : start + 64])
    assert frechet_distance(streamed, fake) == pytest.approx(
        frechet_distance(real, fake), rel=1e-10
    )


def test_feature_moments_streaming_is_accurate_with_a_large_offset():
    rng = np.random.default_rng(6)
    features = rng.normal(size=(1000, 4)) + 1e6
    moments = FeatureMoments()
    for start in range(0, 1000, 37):
        moments.update(features[start : start + 37])
    assert moments.count == 1000
    np.testing.assert_allclose(moments.mean, features.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(
        moments.covariance, np.cov(features, rowvar=False), rtol=1e-8, atol=1e-8
    )


def test_feature_moments_errors():
    with pytest.raises(ValueError, match="at least 2"):
        FeatureMoments().update(np.zeros((1, 3))).covariance
    with pytest.raises(ValueError, match="dimension changed"):
        FeatureMoments().update(np.zeros((2, 3))).update(np.zeros((2, 4)))


def test_input_errors():
    with pytest.raises(ValueError, match="same feature dimension"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="num_samples, feature_dim"):
        frechet_distance(np.zeros((5, 3, 1)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full((5, 3), np.nan), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="method"):
        frechet_distance_from_moments([0.0], [[1.0]], [0.0], [[1.0]], method="svd")
