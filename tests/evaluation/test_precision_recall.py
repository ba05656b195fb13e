"""Precision/recall and density/coverage on sets with known answers."""

import importlib

import numpy as np
import pytest

from keras_gans.evaluation import density_coverage
from keras_gans.evaluation import knn_radii
from keras_gans.evaluation import precision_recall

# The package re-exports the function under the module's name.
pr_module = importlib.import_module("keras_gans.evaluation.precision_recall")


def test_identical_sets():
    features = np.random.default_rng(0).normal(size=(300, 16))
    pr = precision_recall(features, features, k=3)
    assert (pr.precision, pr.recall, pr.k) == (1.0, 1.0, 3)
    dc = density_coverage(features, features, k=5)
    assert dc.coverage == 1.0
    # Each real ball holds its centre and k - 1 neighbours strictly inside;
    # the k-th is on the edge, which prdc counts as outside: density 1.
    assert dc.density == 1.0


def test_disjoint_far_away_sets():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(100, 4)), rng.normal(size=(80, 4)) + 100.0
    pr = precision_recall(real, fake)
    dc = density_coverage(real, fake)
    assert (pr.precision, pr.recall) == (0.0, 0.0)
    assert (dc.density, dc.coverage) == (0.0, 0.0)


def test_hand_built_one_dimensional_sets():
    real = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    fake = np.array([[0.5], [10.0]])
    # k=1: every real radius is 1; the two fake radii are 9.5.
    np.testing.assert_allclose(knn_radii(real, 1), np.ones(5))
    pr = precision_recall(real, fake, k=1)
    assert pr.precision == 0.5  # 0.5 is in the real manifold, 10 is not
    assert pr.recall == 1.0  # every real point is within 9.5 of 0.5
    dc = density_coverage(real, fake, k=1)
    assert dc.density == 1.0  # 0.5 lies in the balls of 0 and 1: 2 / (1 * 2)
    assert dc.coverage == 0.4  # balls of 0 and 1 hold a fake sample


def test_points_on_a_ball_edge():
    real = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    fake = np.array([[1.0], [1.0], [2.5]])
    # k=1: every real radius is 1. Fake 1.0 is the centre of ball 1 and on
    # the edges of balls 0 and 2; 2.5 is inside balls 2 and 3.
    dc = density_coverage(real, fake, k=1)
    assert dc.density == pytest.approx((1 + 1 + 2) / 3, rel=1e-12)  # edges are out
    assert dc.coverage == pytest.approx(3 / 5)  # balls 1, 2, 3
    pr = precision_recall(real, fake, k=1)
    # Precision counts edges as in (Kynkaanniemi et al.'s <=). Fake radii:
    # 0 for the duplicated 1.0s, 1.5 for 2.5; real 0..4 are all within.
    assert pr.precision == 1.0
    assert pr.recall == pytest.approx(4 / 5)  # 0 is 1.0 from a radius-0 ball


def _brute_force(real, fake, k_pr, k_dc):
    """The four metrics from full distance matrices, as the papers define
    them: P/R with <= (Kynkaanniemi et al.), density/coverage with <
    (Naeem et al.'s prdc)."""

    def dist(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    def radii(x, k):
        return np.sort(dist(x, x), axis=1)[:, k]

    rf = dist(real, fake)  # (real, fake)
    r3, f3, r5 = radii(real, k_pr), radii(fake, k_pr), radii(real, k_dc)
    precision = (rf <= r3[:, None]).any(axis=0).mean()
    recall = (rf <= f3[None, :]).any(axis=1).mean()
    density = (rf < r5[:, None]).sum(axis=0).mean() / k_dc
    coverage = (rf.min(axis=1) < r5).mean()
    return precision, recall, density, coverage


def test_matches_the_definitions_on_data_with_duplicates():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(120, 6)).round(1)  # rounding makes ties likely
    fake = np.concatenate([real[:40], rng.normal(size=(60, 6)).round(1) * 1.2])
    expected = _brute_force(real, fake, 3, 5)
    pr, dc = precision_recall(real, fake, k=3), density_coverage(real, fake, k=5)
    assert (pr.precision, pr.recall, dc.density, dc.coverage) == pytest.approx(
        expected, rel=1e-12
    )


def test_block_processing_gives_the_same_answer(monkeypatch):
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(50, 3)), rng.normal(size=(40, 3)) * 1.3
    whole = precision_recall(real, fake), density_coverage(real, fake)
    monkeypatch.setattr(pr_module, "_BLOCK_ROWS", 7)
    assert (precision_recall(real, fake), density_coverage(real, fake)) == whole


def test_knn_radii_counts_duplicates_as_neighbours():
    points = np.array([[0.0], [0.0], [5.0]])
    np.testing.assert_allclose(knn_radii(points, 1), [0.0, 0.0, 5.0])


def test_input_errors():
    with pytest.raises(ValueError, match="positive integer"):
        precision_recall(np.zeros((5, 2)), np.zeros((5, 2)), k=0)
    with pytest.raises(ValueError, match="at least 4 samples"):
        precision_recall(np.zeros((3, 2)), np.zeros((5, 2)), k=3)
    with pytest.raises(ValueError, match="same feature dimension"):
        density_coverage(np.zeros((9, 2)), np.zeros((5, 3)))
