"""Mode counts on hand-built samples, and sample diversity."""

import numpy as np
import pytest

from keras_gans.evaluation import class_modes
from keras_gans.evaluation import diversity_ratio
from keras_gans.evaluation import mean_pairwise_distance
from keras_gans.evaluation import mixture_modes
from keras_gans.evaluation import mode_kl_parts
from keras_gans.evaluation import stacked_mnist_digits
from keras_gans.evaluation import stacked_mnist_labels

ANGLES = 2 * np.pi * np.arange(8) / 8
RING = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)


def test_mixture_modes_on_hand_built_ring_samples():
    samples = np.array(
        [
            RING[0],
            RING[0],
            RING[1],
            RING[2] + [0.02, 0.0],  # 2 std away: high quality
            RING[3] + [0.0, 0.031],  # just beyond 3 std: not high quality
            [0.0, 0.0],  # between modes
        ]
    )
    result = mixture_modes(samples, RING, std=0.01)
    assert result.modes == 3
    assert result.high_quality == pytest.approx(4 / 6)
    assert result.counts == (2, 1, 1, 0, 0, 0, 0, 0)
    p = np.array([0.5, 0.25, 0.25])
    assert result.kl == pytest.approx(np.sum(p * np.log(p * 8)))
    assert result.num_modes == 8


def test_mixture_modes_extremes():
    perfect = mixture_modes(np.repeat(RING, 5, axis=0), RING, std=0.01)
    assert (perfect.modes, perfect.high_quality) == (8, 1.0)
    assert perfect.kl == pytest.approx(0.0, abs=1e-12)
    collapsed = mixture_modes(np.repeat(RING[:1], 10, axis=0), RING, std=0.01)
    assert collapsed.modes == 1 and collapsed.kl == pytest.approx(np.log(8))
    nothing = mixture_modes(np.zeros((10, 2)), RING, std=0.01)
    assert (nothing.modes, nothing.high_quality) == (0, 0.0)
    assert nothing.kl == pytest.approx(np.log(8))


def test_mixture_modes_per_mode_std():
    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.5, 0.0], [10.5, 0.0]])
    result = mixture_modes(samples, centers, std=[0.1, 1.0])
    # 5 std from mode 0 (rejected), 0.5 std from mode 1 (kept).
    assert result.counts == (0, 1)
    assert result.high_quality == 0.5


def test_mixture_modes_errors():
    with pytest.raises(ValueError, match="dimension"):
        mixture_modes(np.zeros((4, 3)), RING, std=0.01)
    with pytest.raises(ValueError, match="`std` must be a finite number > 0"):
        mixture_modes(np.zeros((4, 2)), RING, std=0.0)
    with pytest.raises(ValueError, match="`std` must hold numbers > 0"):
        mixture_modes(np.zeros((4, 2)), RING, std=[0.01] * 7 + [-0.01])


def test_class_modes_from_labels_and_probabilities():
    labels = np.array([0, 1, 1, 2])
    result = class_modes(labels, num_classes=10)
    assert result.classes == 3
    assert result.counts[:3] == (1, 2, 1) and sum(result.counts) == 4
    p = np.array([0.25, 0.5, 0.25])
    assert result.kl == pytest.approx(np.sum(p * np.log(p * 10)))
    assert class_modes(np.eye(10)[labels] * 0.9 + 0.01, 10) == result
    balanced = class_modes(np.arange(100) % 10, 10)
    assert (balanced.classes, balanced.kl) == (10, pytest.approx(0.0, abs=1e-12))


def test_class_modes_against_reference_histogram():
    reference = np.array([0, 0, 0, 1])  # 75% / 25%
    assert class_modes(np.array([0, 0, 0, 1] * 3), 2, reference).kl == pytest.approx(0.0)
    uniform = class_modes(np.array([0, 1]), 2, reference).kl
    assert uniform == pytest.approx(0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25))


def test_class_modes_errors():
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        class_modes(np.array([0, 10]), 10)
    with pytest.raises(ValueError, match="columns"):
        class_modes(np.zeros((3, 4)), 10)


def test_stacked_mnist_labels():
    digits = np.array([[1, 2, 3], [9, 9, 9], [0, 0, 7]])
    np.testing.assert_array_equal(stacked_mnist_labels(digits), [123, 999, 7])
    np.testing.assert_array_equal(stacked_mnist_labels(np.eye(10)[digits]), [123, 999, 7])
    np.testing.assert_array_equal(stacked_mnist_digits([123, 999, 7]), digits)
    assert class_modes(stacked_mnist_labels(digits), 1000).classes == 3


def test_mean_pairwise_distance_and_ratio():
    assert mean_pairwise_distance([[0.0, 0.0], [3.0, 4.0]]) == pytest.approx(5.0)
    # Pairs: 5, 10, 5 -> mean 20/3.
    three = [[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]
    assert mean_pairwise_distance(three) == pytest.approx(20 / 3)
    assert mean_pairwise_distance(np.ones((10, 3))) == 0.0
    assert diversity_ratio(three, np.array(three) * 0.5) == pytest.approx(0.5)
    assert diversity_ratio(three, np.ones((5, 2))) == 0.0


def test_mode_kl_parts_one_biased_channel():
    # Channel 0 is always 0, channels 1 and 2 take each pair once: p is
    # uniform over 4 of 8 modes and equals the product of its marginals.
    labels = np.array([[0, 0, 0], [0, 1, 1], [0, 0, 1], [0, 1, 0]])
    parts = mode_kl_parts(labels, num_classes=2)
    assert parts.total == pytest.approx(np.log(2))  # log 8 - log 4
    assert parts.channels == pytest.approx((np.log(2), 0.0, 0.0))
    assert parts.dependence == pytest.approx(0.0, abs=1e-12)


def test_mode_kl_parts_dependent_channels():
    # Every channel alone is uniform, but the three always agree: 2 of 8
    # modes, all of the KL is dependence (log 8 - log 2 = log 4).
    labels = np.array([[0, 0, 0], [1, 1, 1]] * 3)
    parts = mode_kl_parts(labels, num_classes=2)
    assert parts.channels == pytest.approx((0.0, 0.0, 0.0))
    assert parts.dependence == pytest.approx(np.log(4))
    assert parts.total == pytest.approx(np.log(4))


def test_mode_kl_parts_adds_up_and_matches_class_modes():
    rng = np.random.default_rng(0)
    # Channel 0 favours low digits; channels 1 and 2 copy each other 30% of the time.
    first = np.minimum(rng.geometric(0.3, 5000) - 1, 9)
    second = rng.integers(0, 10, 5000)
    third = np.where(rng.random(5000) < 0.3, second, rng.integers(0, 10, 5000))
    labels = np.stack([first, second, third], axis=1)
    parts = mode_kl_parts(labels)
    assert parts.total == pytest.approx(sum(parts.channels) + parts.dependence)
    assert parts.total == pytest.approx(class_modes(stacked_mnist_labels(labels), 1000).kl)
    assert parts.channels[0] > 0.3 and max(parts.channels[1:]) < 0.01
    assert parts.dependence > 0.1
    probabilities = np.eye(10)[labels]  # (5000, 3, 10)
    assert mode_kl_parts(probabilities) == parts


def test_mode_kl_parts_errors():
    with pytest.raises(ValueError, match="shape"):
        mode_kl_parts(np.zeros(5, np.int64))
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        mode_kl_parts(np.array([[0, 10, 1]]))
    with pytest.raises(ValueError, match="integer"):
        mode_kl_parts(np.array([[0.5, 1.0, 2.0]]))
