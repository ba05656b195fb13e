"""Running mean and covariance of features, accumulated batch by batch."""

import numpy as np

from keras_gans import checks


class FeatureMoments:
    """Streaming first and second moments of a stream of feature vectors.

    The Frechet distance needs only the mean and covariance of each feature
    set, so 50k Inception features never need to sit in memory: feed batches
    to `update()` as they are extracted. Batches are merged with Chan et al.'s
    pairwise update (Chan, Golub, LeVeque 1979), in float64, which stays
    accurate when the mean is large compared to the spread (a naive sum of
    squares does not).

    Example:

    ```python
    moments = FeatureMoments()
    for batch in batches:
        moments.update(extractor(batch).features)
    frechet_distance(moments, reference_moments)
    ```
    """

    def __init__(self):
        self.count = 0
        self._mean = None
        self._scatter = None  # sum of outer products of centred vectors

    def update(self, features):
        """Adds a batch of feature vectors of shape (batch, dim).

        Returns:
            `self`, so updates can be chained.
        """
        batch = checks.feature_matrix(features, "features")
        n_b = batch.shape[0]
        mean_b = batch.mean(axis=0)
        centred = batch - mean_b
        scatter_b = centred.T @ centred
        if self._mean is None:
            self.count, self._mean, self._scatter = n_b, mean_b, scatter_b
            return self
        if batch.shape[1] != self._mean.shape[0]:
            raise ValueError(
                f"Feature dimension changed from {self._mean.shape[0]} to "
                f"{batch.shape[1]}; accumulate one extractor's features only."
            )
        n_a = self.count
        total = n_a + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / total)
        self._scatter = self._scatter + scatter_b + np.outer(delta, delta) * (
            n_a * n_b / total
        )
        self.count = total
        return self

    @property
    def mean(self):
        """The mean feature vector, shape (dim,), float64."""
        self._check_nonempty(1)
        return self._mean.copy()

    @property
    def covariance(self):
        """The unbiased (ddof=1, like `np.cov`) covariance, shape (dim, dim)."""
        self._check_nonempty(2)
        return self._scatter / (self.count - 1)

    def _check_nonempty(self, needed):
        if self.count < needed:
            raise ValueError(
                f"FeatureMoments has {self.count} samples; at least {needed} "
                "are needed. Call update() with feature batches first."
            )

    @classmethod
    def from_features(cls, features):
        """Builds the moments of a full (num_samples, dim) feature array."""
        return cls().update(features)

    def __repr__(self):
        dim = None if self._mean is None else self._mean.shape[0]
        return f"FeatureMoments(count={self.count}, dim={dim})"
