"""Inception Score on hand-computable predictions."""

import numpy as np
import pytest

from keras_gans.evaluation import inception_score


def test_perfect_balanced_classifier_scores_number_of_classes():
    probabilities = np.eye(10)[np.arange(1000) % 10]
    score = inception_score(probabilities, splits=10)
    assert score.mean == pytest.approx(10.0, rel=1e-12)
    assert score.std == pytest.approx(0.0, abs=1e-12)
    assert score.splits == 10


def test_uniform_or_single_class_predictions_score_one():
    assert inception_score(np.full((20, 4), 0.25), splits=2).mean == pytest.approx(1.0)
    assert inception_score(np.eye(4)[np.zeros(20, int)], splits=2).mean == pytest.approx(1.0)


def test_hand_computed_value():
    p = np.array([[0.5, 0.5], [1.0, 0.0]])
    marginal = np.array([0.75, 0.25])
    kl1 = 0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(0.5 / 0.25)
    kl2 = np.log(1.0 / 0.75)
    assert np.allclose(p.mean(axis=0), marginal)
    assert inception_score(p, splits=1).mean == pytest.approx(np.exp((kl1 + kl2) / 2))


def test_splits_score_separately():
    # Split 1 uses classes {0, 1}, split 2 only class 2: scores 2 and 1.
    p = np.eye(3)[[0, 1, 2, 2]]
    score = inception_score(p, splits=2)
    assert score.mean == pytest.approx(1.5)
    assert score.std == pytest.approx(0.5)


def test_parts_are_cut_at_i_times_n_over_splits():
    # N=5, splits=2: the reference code cuts at 0, 2, 5, so part one is
    # classes (0, 1) (score 2) and part two (0, 0, 0) (score 1).
    # np.array_split would cut at 3: (0, 1, 0) scores (3/2)^(2/3) 3^(1/3).
    p = np.eye(2)[[0, 1, 0, 0, 0]]
    score = inception_score(p, splits=2)
    assert score.mean == pytest.approx(1.5, rel=1e-12)
    assert score.std == pytest.approx(0.5, rel=1e-12)
    # N=10, splits=3: parts of 3, 3 and 4 samples.
    p = np.eye(4)[[0, 1, 2, 0, 0, 0, 0, 1, 2, 3]]
    score = inception_score(p, splits=3)
    assert score.mean == pytest.approx((3.0 + 1.0 + 4.0) / 3, rel=1e-12)


def test_logits_are_rejected_with_advice():
    with pytest.raises(ValueError, match="softmax"):
        inception_score(np.array([[2.0, -1.0], [0.3, 0.1]]), splits=1)
    with pytest.raises(ValueError, match="splits"):
        inception_score(np.eye(2), splits=3)
