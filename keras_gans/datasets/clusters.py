"""Cluster ids as labels: conditional models trained without any labels.

A GAN whose generator must map one connected latent space onto data made of
separate groups (MNIST's ten digits) puts samples between the groups,
ambiguous digits that a classifier cannot place. Conditioning G and D on a
group id removes the gaps, and the id need not be a human label: k-means
clusters of the training data serve (Sage et al. 2018, "Logo Synthesis and
Manipulation with Clustered Generative Adversarial Networks"; Liu et al.
2020, "Diverse Image Generation via Self-Conditioned GANs", which clusters
D's features instead). Here the clusters are k-means++ on the data's
leading principal components, computed once before training.

```python
images = ...  # (n, 28, 28, 1) float array
ids, prior = datasets.cluster_labels(images, num_clusters=50, seed=0)
cgan = keras_gans.ConditionalGAN(g, d, latent_dim=100, num_classes=50,
                                 class_prior=prior)
cgan.fit(tf.data.Dataset.from_tensor_slices((images, ids)).batch(64))
```
"""

import numpy as np
import scipy.cluster.vq

from keras_gans import checks

# Principal components kept before k-means. On MNIST, with 50 clusters, 50
# components give clusters as pure as the full 784 pixels do (82% of the
# images share their cluster's majority digit, against 80%) in a twentieth of
# the time (2 s, not 37 s, on one core).
PCA_DIMS = 50


def principal_components(samples, dims=PCA_DIMS):
    """`samples` (flattened) projected on their `dims` leading principal axes."""
    flat = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    centred = flat - flat.mean(axis=0)
    dims = min(dims, flat.shape[1])
    # The eigenvectors of the (features x features) scatter matrix: cheaper than
    # an SVD of the data when there are many more samples than features.
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, ::-1][:, :dims]


def cluster_labels(samples, num_clusters, seed=0, iterations=20):
    """k-means cluster ids of `samples`, to train a conditional model on.

    Args:
        samples: Array `(n, ...)` of training samples (images or points).
        num_clusters: Number of clusters k (>= 2, at most n).
        seed: Seed of the k-means++ initialisation: the same seed gives the
            same ids on the same host (another BLAS may round, and so
            cluster, differently: keep the ids of a long run, as the
            harness does in its run folder).
        iterations: Lloyd iterations after the initialisation.

    Returns:
        `(ids, prior)`: int32 cluster ids `(n,)` in `[0, num_clusters)`, and
        the float64 fraction of samples in each cluster `(num_clusters,)`,
        which a `ConditionalGAN(class_prior=...)` samples labels from (a
        cluster k-means left empty has prior 0 and is never drawn).
    """
    samples = checks.finite_array("samples", samples)
    if samples.ndim < 2 or len(samples) < 2:
        raise ValueError("`samples` must be an array (n, ...) of at least 2 samples; "
                         f"got shape {samples.shape}.")
    num_clusters = checks.integer("num_clusters", num_clusters, minimum=2)
    if num_clusters > len(samples):
        raise ValueError(f"`num_clusters`={num_clusters} is more than the {len(samples)} "
                         "samples; lower it.")
    seed = checks.seed("seed", seed)
    iterations = checks.positive_int("iterations", iterations)
    features = principal_components(samples)
    _, ids = scipy.cluster.vq.kmeans2(
        features, num_clusters, iter=iterations, minit="++",
        seed=np.random.default_rng(seed), missing="warn")
    ids = ids.astype(np.int32)
    prior = np.bincount(ids, minlength=num_clusters) / len(ids)
    return ids, prior
