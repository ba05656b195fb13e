"""k-NN manifold metrics: precision/recall and density/coverage.

FID mixes sample quality and diversity into one number. These metrics split
them, estimating each distribution's support as a union of balls around its
samples, each ball reaching the sample's k-th nearest neighbour:

- precision (quality): fraction of generated samples inside the real
  manifold; recall (diversity): fraction of real samples inside the
  generated manifold. Kynkaanniemi et al. 2019, "Improved Precision and
  Recall Metric for Assessing Generative Models".
- density: how many real balls contain each generated sample, divided by k
  (about 1 when the distributions match, > 1 when samples crowd into dense
  real regions); coverage: fraction of real balls holding at least one
  generated sample. Naeem et al. 2020, "Reliable Fidelity and Diversity
  Metrics for Generative Models". Both use only real-sample balls, which
  makes them robust to generated outliers.

Distances are computed in row blocks, so 10k x 10k sets need a few tens of
MB at a time rather than the full 800 MB distance matrix.
"""

import dataclasses

import numpy as np

from keras_gans.evaluation._validation import as_feature_matrix
from keras_gans.evaluation._validation import check_same_dim

_BLOCK_ROWS = 1024


@dataclasses.dataclass(frozen=True)
class PrecisionRecall:
    """Improved precision and recall (each in [0, 1]).

    Attributes:
        precision: Fraction of generated samples within the real manifold.
        recall: Fraction of real samples within the generated manifold.
        k: Neighbourhood size used for the manifold radii.
    """

    precision: float
    recall: float
    k: int


@dataclasses.dataclass(frozen=True)
class DensityCoverage:
    """Density (>= 0, about 1 for matching distributions) and coverage ([0, 1]).

    Attributes:
        density: Mean number of real k-NN balls containing a generated
            sample, divided by k. On identical sets it is exactly (k + 1) / k
            (each ball holds its centre and k neighbours).
        coverage: Fraction of real samples whose k-NN ball contains at least
            one generated sample.
        k: Neighbourhood size used for the ball radii.
    """

    density: float
    coverage: float
    k: int


def _exact_distances(a, b):
    """Row-wise ||a_i - b_i||, computed from differences.

    Unlike the Gram-matrix shortcut this is bitwise symmetric
    (||a - b|| == ||b - a||), which decides ties at a ball's boundary the
    same way whichever set the pair was computed from.
    """
    diff = a - b
    return np.sqrt(np.sum(diff * diff, axis=-1))


def _distance_blocks(a, b):
    """Yields (start, block, distances) over row blocks of the a-to-b matrix.

    Uses |x|^2 + |y|^2 - 2 x.y (one matrix product per block, fast); its
    round-off is handled at ball boundaries by `_inside_balls`.
    """
    b_sq = np.sum(b * b, axis=1)
    for start in range(0, a.shape[0], _BLOCK_ROWS):
        block = a[start : start + _BLOCK_ROWS]
        sq = np.sum(block * block, axis=1)[:, None] + b_sq[None, :] - 2.0 * block @ b.T
        # Round-off can make a zero squared distance slightly negative.
        yield start, block, np.sqrt(np.maximum(sq, 0.0))


def _inside_balls(block, distances, centres, radii):
    """Boolean (rows, num_centres): is block[i] within radii[j] of centres[j]?

    Pairs whose fast distance is within round-off of the radius are
    recomputed exactly, so a point sitting exactly on a boundary (as in
    identical sets, where every ball's k-th neighbour is such a point) is
    counted consistently.
    """
    inside = distances <= radii[None, :]
    scale = np.sqrt(np.sum(block * block, axis=1))[:, None] + np.sqrt(
        np.sum(centres * centres, axis=1)
    )[None, :]
    rows, cols = np.nonzero(np.abs(distances - radii[None, :]) <= 1e-7 * (scale + 1e-30))
    if rows.size:
        inside[rows, cols] = _exact_distances(block[rows], centres[cols]) <= radii[cols]
    return inside


def knn_radii(features, k):
    """Distance from each sample to its k-th nearest other sample.

    Args:
        features: Array (num_samples, dim), num_samples > k.
        k: Neighbour rank (1 = nearest other sample).

    Returns:
        Array (num_samples,) of radii, float64.
    """
    features = np.asarray(features, dtype=np.float64)
    radii = np.empty(features.shape[0])
    for start, block, distances in _distance_blocks(features, features):
        # Sorted row: index 0 is the sample itself (distance 0), so index k
        # is its k-th nearest neighbour (duplicates count as neighbours).
        neighbour = np.argpartition(distances, k, axis=1)[:, k]
        radii[start : start + block.shape[0]] = _exact_distances(
            block, features[neighbour]
        )
    return radii


def _check_inputs(real, fake, k):
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`k` must be a positive integer; got {k!r}.")
    real = as_feature_matrix(real, "real_features", min_rows=k + 1)
    fake = as_feature_matrix(fake, "fake_features", min_rows=1)
    check_same_dim(real, fake, "real_features", "fake_features")
    return real, fake


def _fraction_inside(points, centres, radii):
    """Fraction of `points` inside at least one ball (centres[i], radii[i])."""
    inside = 0
    for _, block, distances in _distance_blocks(points, centres):
        inside += int(np.sum(np.any(_inside_balls(block, distances, centres, radii), axis=1)))
    return inside / points.shape[0]


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    Args:
        real_features: Array (num_real, dim), num_real > k.
        fake_features: Array (num_fake, dim), num_fake > k.
        k: Neighbourhood size of the manifold estimate (3 in the paper).

    Returns:
        A `PrecisionRecall` with fields `precision`, `recall`, `k`.
        Identical sets give 1 and 1; sets far apart relative to their
        spreads give 0 and 0.
    """
    real, fake = _check_inputs(real_features, fake_features, k)
    if fake.shape[0] <= k:
        raise ValueError(
            f"`fake_features` needs more than k={k} samples for recall; got "
            f"{fake.shape[0]}."
        )
    precision = _fraction_inside(fake, real, knn_radii(real, k))
    recall = _fraction_inside(real, fake, knn_radii(fake, k))
    return PrecisionRecall(precision=float(precision), recall=float(recall), k=int(k))


def density_coverage(real_features, fake_features, k=5):
    """Density and coverage (Naeem et al. 2020).

    Args:
        real_features: Array (num_real, dim), num_real > k.
        fake_features: Array (num_fake, dim).
        k: Neighbourhood size of the real balls (5 in the paper).

    Returns:
        A `DensityCoverage` with fields `density`, `coverage`, `k`.
    """
    real, fake = _check_inputs(real_features, fake_features, k)
    radii = knn_radii(real, k)
    balls_per_fake = 0
    covered = np.zeros(real.shape[0], dtype=bool)
    for _, block, distances in _distance_blocks(fake, real):
        inside = _inside_balls(block, distances, real, radii)
        balls_per_fake += int(inside.sum())
        covered |= inside.any(axis=0)
    density = balls_per_fake / (k * fake.shape[0])
    return DensityCoverage(
        density=float(density), coverage=float(covered.mean()), k=int(k)
    )
