"""Sample diversity: the mode-collapse signature as one number.

Mode collapse (the field guide's second failure) shows as generated samples
that look alike. The mean pairwise distance between samples' features drops
towards 0 as the generator collapses; dividing by the same quantity on real
data gives a scale-free ratio (about 1 when the generator is as diverse as
the data). This is the intra-set distance used e.g. by the "diversity"
scores of Odena et al. 2017 (MS-SSIM among samples) in spirit, on features.
"""

import numpy as np

from keras_gans import checks


def mean_pairwise_distance(features, max_samples=2000, seed=0):
    """Mean Euclidean distance between distinct pairs of samples.

    Args:
        features: Array (num_samples, dim), num_samples >= 2.
        max_samples: Use a random subset of at most this many samples, which
            bounds the cost at max_samples^2 / 2 distances.
        seed: Seed of the subset choice.

    Returns:
        The mean distance as a Python float; 0 when all samples are equal.
    """
    x = checks.feature_matrix(features, "features", min_rows=2)
    if x.shape[0] > max_samples:
        rng = np.random.default_rng(seed)
        x = x[rng.choice(x.shape[0], max_samples, replace=False)]
    n = x.shape[0]
    sq_norms = np.sum(x * x, axis=1)
    sq = sq_norms[:, None] + sq_norms[None, :] - 2.0 * x @ x.T
    distances = np.sqrt(np.maximum(sq, 0.0))
    # The diagonal is zero (up to round-off): average the n (n - 1) others.
    np.fill_diagonal(distances, 0.0)
    return float(distances.sum() / (n * (n - 1)))


def diversity_ratio(real_features, fake_features, max_samples=2000, seed=0):
    """Mean pairwise distance of generated features over that of real ones.

    Args:
        real_features: Array (num_real, dim).
        fake_features: Array (num_fake, dim).
        max_samples: See `mean_pairwise_distance`.
        seed: See `mean_pairwise_distance`.

    Returns:
        A Python float: about 1 when the samples are as varied as the data,
        near 0 under mode collapse.
    """
    real = mean_pairwise_distance(real_features, max_samples, seed)
    if real == 0.0:
        raise ValueError("All real features are identical; the ratio is undefined.")
    return mean_pairwise_distance(fake_features, max_samples, seed) / real
