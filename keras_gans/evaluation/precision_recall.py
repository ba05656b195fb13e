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

Ball edges: precision/recall count a point on the edge as inside (`<=`,
Kynkaanniemi et al.'s code), density/coverage as outside (`<`, Naeem et
al.'s `prdc`); the two only differ on exact ties (duplicated samples).
"""

import dataclasses

import numpy as np

from keras_gans import checks

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
            sample, divided by k. On identical sets it is exactly 1 (a ball
            holds its centre and its k - 1 nearest neighbours strictly
            inside; the k-th sits on the edge, which is outside).
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


# Pairs whose fast squared distance lies within this fraction of
# |a|^2 + |b|^2 of a squared radius are recomputed exactly. The Gram-matrix
# round-off is about dim * eps * (|a|^2 + |b|^2) (eps = 2.2e-16), so 1e-9
# covers feature dimensions far beyond 2048 while leaving a handful of pairs
# (the exact ties of duplicated points) to recompute.
_TIE_BAND = 1e-9


def _squared_distance_blocks(a, b, a_sq=None, b_sq=None):
    """Yields (start, stop, squared distances) over row blocks of a-to-b.

    Uses |x|^2 + |y|^2 - 2 x.y: one matrix product per block, the fast path
    that keeps 10k x 10k sets at a few BLAS calls (no square roots: balls
    are compared as squared distances with squared radii). Its round-off is
    settled at ball boundaries by `_within`.
    """
    a_sq = np.einsum("ij,ij->i", a, a) if a_sq is None else a_sq
    b_sq = np.einsum("ij,ij->i", b, b) if b_sq is None else b_sq
    for start in range(0, a.shape[0], _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, a.shape[0])
        sq = a[start:stop] @ b.T
        sq *= -2.0
        sq += a_sq[start:stop, None]
        sq += b_sq[None, :]
        yield start, stop, sq


def _within(sq, radii_sq, radii, rows, cols, row_sq, col_sq, strict, centre_axis):
    """Boolean matrix: does each pair lie inside the ball of its centre?

    Args:
        sq: (r, c) fast squared distances between points `rows` and `cols`.
        radii_sq, radii: squared radii and radii of the centres, shaped to
            broadcast against `sq` (centres along `centre_axis`).
        rows, cols: the points, (r, dim) and (c, dim).
        row_sq, col_sq: their squared norms.
        strict: `<` (outside on the edge) instead of `<=`.
        centre_axis: 0 if the rows are the centres, 1 if the columns are.

    Pairs within round-off of the boundary are decided with the exact
    distance, so a point exactly on an edge (every k-th neighbour of a set
    compared with itself) is classified the same way every time.
    """
    inside = sq < radii_sq if strict else sq <= radii_sq
    band = _TIE_BAND * (row_sq[:, None] + col_sq[None, :] + 1e-300)
    r, c = np.nonzero(np.abs(sq - radii_sq) <= band)
    if r.size:
        exact = _exact_distances(rows[r], cols[c])
        radius = radii[r] if centre_axis == 0 else radii[c]
        inside[r, c] = exact < radius if strict else exact <= radius
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
    norms = np.einsum("ij,ij->i", features, features)
    radii = np.empty(features.shape[0])
    for start, stop, sq in _squared_distance_blocks(features, features, norms, norms):
        # The sample itself goes first whatever the round-off, so index k of
        # the partition is its k-th nearest other sample (duplicates count
        # as neighbours at distance 0).
        rows = np.arange(stop - start)
        sq[rows, start + rows] = -1.0
        neighbour = np.argpartition(sq, k, axis=1)[:, k]
        radii[start:stop] = _exact_distances(features[start:stop], features[neighbour])
    return radii


def _check_inputs(real, fake, k):
    k = checks.positive_int("k", k)
    real = checks.feature_matrix(real, "real_features", min_rows=k + 1)
    fake = checks.feature_matrix(fake, "fake_features", min_rows=1)
    checks.same_feature_dim(real, fake, "real_features", "fake_features")
    return real, fake


def precision_recall(real_features, fake_features, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019).

    A point is inside a ball when its distance is at most the radius
    (`<=`, as in the paper's code); on continuous features ties have
    probability zero, so this matches `prdc`'s `<` except on duplicates.

    Cost: three passes of blocked distance products (real-real and
    fake-fake for the radii, one real-fake pass shared by precision and
    recall), the same work as `prdc.compute_prdc`.

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
    real_radii, fake_radii = knn_radii(real, k), knn_radii(fake, k)
    real_sq = np.einsum("ij,ij->i", real, real)
    fake_sq = np.einsum("ij,ij->i", fake, fake)
    fake_in_real = 0
    real_in_fake = np.zeros(real.shape[0], dtype=bool)
    # Rows: fake samples (a block at a time); columns: all real samples.
    for start, stop, sq in _squared_distance_blocks(fake, real, fake_sq, real_sq):
        block = fake[start:stop]
        inside_real = _within(
            sq, (real_radii**2)[None, :], real_radii, block, real,
            fake_sq[start:stop], real_sq, strict=False, centre_axis=1,
        )
        fake_in_real += int(np.count_nonzero(inside_real.any(axis=1)))
        radii = fake_radii[start:stop]
        inside_fake = _within(
            sq, (radii**2)[:, None], radii, block, real,
            fake_sq[start:stop], real_sq, strict=False, centre_axis=0,
        )
        real_in_fake |= inside_fake.any(axis=0)
    return PrecisionRecall(
        precision=fake_in_real / fake.shape[0],
        recall=float(real_in_fake.mean()),
        k=int(k),
    )


def density_coverage(real_features, fake_features, k=5):
    """Density and coverage (Naeem et al. 2020).

    A point on a ball's edge counts as outside (`<`), as in the authors'
    `prdc` package, so a generator that copies the data scores density
    exactly 1 and coverage 1 (with `<=` the density would be (k + 1) / k:
    every ball's k-th neighbour sits on its edge).

    Args:
        real_features: Array (num_real, dim), num_real > k.
        fake_features: Array (num_fake, dim).
        k: Neighbourhood size of the real balls (5 in the paper).

    Returns:
        A `DensityCoverage` with fields `density`, `coverage`, `k`.
    """
    real, fake = _check_inputs(real_features, fake_features, k)
    radii = knn_radii(real, k)
    radii_sq = (radii**2)[None, :]
    real_sq = np.einsum("ij,ij->i", real, real)
    fake_sq = np.einsum("ij,ij->i", fake, fake)
    balls_per_fake = 0
    covered = np.zeros(real.shape[0], dtype=bool)
    for start, stop, sq in _squared_distance_blocks(fake, real, fake_sq, real_sq):
        inside = _within(
            sq, radii_sq, radii, fake[start:stop], real,
            fake_sq[start:stop], real_sq, strict=True, centre_axis=1,
        )
        balls_per_fake += int(np.count_nonzero(inside))
        covered |= inside.any(axis=0)
    density = balls_per_fake / (k * fake.shape[0])
    return DensityCoverage(
        density=float(density), coverage=float(covered.mean()), k=int(k)
    )
