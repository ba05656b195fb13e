"""Kernel Inception Distance (KID).

Binkowski et al. 2018, "Demystifying MMD GANs": the squared maximum mean
discrepancy between real and generated features under the cubic polynomial
kernel k(x, y) = (x.y / d + 1)^3, estimated without bias. Unlike the Frechet
distance, the estimator is unbiased, so values from different sample sizes
can be compared, and it can be negative when the two sets are close.
"""

import dataclasses

import numpy as np

from keras_gans import checks


@dataclasses.dataclass(frozen=True)
class KernelDistance:
    """KID estimate.

    Attributes:
        mean: Mean of the unbiased MMD^2 estimates over the subsets (the
            reported KID).
        std: Standard deviation of those estimates across subsets.
        num_subsets: Number of subsets averaged.
        subset_size: Samples drawn from each set per subset.
    """

    mean: float
    std: float
    num_subsets: int
    subset_size: int


def polynomial_kernel(x, y, degree=3, gamma=None, coef0=1.0):
    """k(x, y) = (gamma x.y + coef0)^degree, with gamma = 1/dim by default.

    Args:
        x: Array (n, dim).
        y: Array (m, dim).

    Returns:
        The (n, m) Gram matrix, float64.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if gamma is None:
        gamma = 1.0 / x.shape[1]
    return (gamma * (x @ y.T) + coef0) ** degree


def mmd2_unbiased(x, y, kernel=polynomial_kernel):
    """The unbiased estimator of MMD^2 between samples `x` and `y`.

    MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1))
            + sum_{i != j} k(y_i, y_j) / (n (n - 1))
            - 2 sum_{i, j} k(x_i, y_j) / (m n)

    (Gretton et al. 2012, Lemma 6.) The diagonal terms k(x_i, x_i) are left
    out, which is what removes the bias.

    Args:
        x: Array (m, dim), m >= 2.
        y: Array (n, dim), n >= 2.
        kernel: Function returning the Gram matrix of two sample arrays.

    Returns:
        The estimate as a Python float.
    """
    m, n = x.shape[0], y.shape[0]
    k_xx = kernel(x, x)
    k_yy = kernel(y, y)
    k_xy = kernel(x, y)
    term_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    term_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(term_xx + term_yy - 2.0 * k_xy.mean())


def kernel_inception_distance(
    real_features, fake_features, num_subsets=100, subset_size=1000, seed=0
):
    """Kernel Inception Distance between two feature sets.

    Averages the unbiased MMD^2 (cubic polynomial kernel) over `num_subsets`
    random subsets of `subset_size` samples drawn without replacement from
    each set, as in the reference implementation; subsets keep the O(n^2)
    kernel matrices small. When a set has fewer than `subset_size` samples,
    the subset size shrinks to the smaller set's size.

    Args:
        real_features: Array (num_real, dim).
        fake_features: Array (num_fake, dim).
        num_subsets: Number of random subsets to average.
        subset_size: Samples per subset from each set.
        seed: Seed of the subset sampler, so the same features give the same
            value.

    Returns:
        A `KernelDistance` (fields `mean`, `std`, `num_subsets`,
        `subset_size`). Papers report `mean` (often x1000).

    Example:

    ```python
    kid = kernel_inception_distance(real, fake, num_subsets=100, subset_size=1000)
    print(kid.mean, kid.std)
    ```
    """
    real = checks.feature_matrix(real_features, "real_features", min_rows=2)
    fake = checks.feature_matrix(fake_features, "fake_features", min_rows=2)
    checks.same_feature_dim(real, fake, "real_features", "fake_features")
    num_subsets = checks.positive_int("num_subsets", num_subsets)
    subset_size = checks.integer("subset_size", subset_size, minimum=2)
    size = min(subset_size, real.shape[0], fake.shape[0])
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    for i in range(num_subsets):
        real_subset = real[rng.choice(real.shape[0], size, replace=False)]
        fake_subset = fake[rng.choice(fake.shape[0], size, replace=False)]
        estimates[i] = mmd2_unbiased(real_subset, fake_subset)
    return KernelDistance(
        mean=float(estimates.mean()),
        std=float(estimates.std()),
        num_subsets=int(num_subsets),
        subset_size=int(size),
    )
