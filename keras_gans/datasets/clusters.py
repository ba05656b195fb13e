"""Cluster ids as labels: conditional models trained without any labels.

A GAN whose generator must map one connected latent space onto data made of
separate groups (MNIST's ten digits) puts samples between the groups,
ambiguous digits that a classifier cannot place. Conditioning G and D on a
group id removes the gaps, and the id need not be a human label: k-means
clusters of the training data serve (Sage et al. 2018, "Logo Synthesis and
Manipulation with Clustered Generative Adversarial Networks"; Liu et al.
2020, "Diverse Image Generation via Self-Conditioned GANs", which clusters
D's features instead). Here the clusters are computed once before
training, on the data's leading principal components, by one of two methods:

- `"kmeans"`: k-means++ on the components. Fast; a cluster is a ball, so
  digits that lie close in pixel space (4 and 9, 3 and 5) share clusters.
- `"spectral"`: spectral clustering (Ng, Jordan & Weiss 2002, "On Spectral
  Clustering"): k-means on the leading eigenvectors of the normalised
  graph of each sample's nearest neighbours. A cluster is a connected
  region of that graph, whatever its shape; on MNIST nearest neighbours
  share their digit far more often than k-means clusters do, and the
  clusters are purer (see `cluster_labels`).

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
import scipy.sparse
import scipy.sparse.linalg

from keras_gans import checks

# Principal components kept before k-means. On MNIST, with 50 clusters, 50
# components give clusters as pure as the full 784 pixels do (82% of the
# images share their cluster's majority digit, against 80%) in a twentieth of
# the time (2 s, not 37 s, on one core).
PCA_DIMS = 50

METHODS = ("kmeans", "spectral")

# Rows of the (rows x n) distance block `nearest_neighbours` holds at once:
# 2**25 float32 values, 128 MiB, whatever n.
_DISTANCE_BLOCK_VALUES = 2**25
# tau of regularised spectral clustering, as a share of the graph's mean
# degree (`spectral_embedding`).
_REGULARISATION = 0.01


def principal_components(samples, dims=PCA_DIMS):
    """`samples` (flattened) projected on their `dims` leading principal axes."""
    flat = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    centred = flat - flat.mean(axis=0)
    dims = min(dims, flat.shape[1])
    # The eigenvectors of the (features x features) scatter matrix: cheaper than
    # an SVD of the data when there are many more samples than features.
    _, vectors = np.linalg.eigh(centred.T @ centred)
    return centred @ vectors[:, ::-1][:, :dims]


def nearest_neighbours(features, count):
    """Indices `(n, count)` of each row's `count` nearest other rows.

    Exact Euclidean neighbours by blocks of `|a|^2 - 2 a.b + |b|^2` (one
    matrix product per block, so BLAS does the work); memory stays at one
    block of about 128 MiB whatever n. A row is never its own neighbour; an
    exact duplicate of it may be.
    """
    features = np.asarray(features, dtype=np.float32)
    n = len(features)
    if not 1 <= count < n:
        raise ValueError(f"`count`={count} neighbours needs 1 <= count < {n} (the rows); "
                         "lower it.")
    norms = np.einsum("ij,ij->i", features, features)
    rows = max(1, _DISTANCE_BLOCK_VALUES // n)
    found = np.empty((n, count), dtype=np.int64)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        distances = norms[start:stop, None] - 2 * features[start:stop] @ features.T
        distances += norms[None]
        distances[np.arange(stop - start), np.arange(start, stop)] = np.inf
        found[start:stop] = np.argpartition(distances, count - 1, axis=1)[:, :count]
    return found


def spectral_embedding(features, dims, neighbours=10, seed=0):
    """Rows of the `dims` leading eigenvectors of the normalised neighbour graph.

    The graph links each row to its `neighbours` nearest rows (either way
    round: the symmetrised k-nearest-neighbour graph, weights 1), plus a
    weak edge between every two rows (regularised spectral clustering, Qin &
    Rohe 2013, with tau = 1% of the mean degree; applied as a rank-one term,
    never stored). The eigenvectors are those of `D^-1/2 A D^-1/2` with the
    largest eigenvalues (Lanczos, `scipy.sparse.linalg.eigsh`, started from
    a vector drawn from `seed`, so the same seed gives the same result), and
    each row is scaled to unit length, as Ng, Jordan & Weiss do before
    k-means.
    """
    n = len(features)
    if not 1 <= dims < n:
        raise ValueError(f"`dims`={dims} eigenvectors needs 1 <= dims < {n} (the rows).")
    found = nearest_neighbours(features, neighbours)
    edges = scipy.sparse.csr_matrix(
        (np.ones(found.size), (np.repeat(np.arange(n), neighbours), found.ravel())),
        shape=(n, n))
    # Either direction makes an edge; duplicates summed by `+` are reset to 1.
    adjacency = ((edges + edges.T) > 0).astype(np.float64)
    degrees = np.asarray(adjacency.sum(axis=1)).ravel()
    # Why the weak edges: a graph in c separate pieces has eigenvalue 1 c
    # times, and Lanczos from one start vector finds one vector per repeated
    # eigenvalue; the others come out as mixtures of nearby ones (two
    # concentric circles are then not told apart). tau/n on every pair joins
    # the pieces, so the eigenvalues differ; a tau near the mean degree (Qin &
    # Rohe's choice) would blur the clusters themselves.
    tau = _REGULARISATION * degrees.mean()
    scale = 1.0 / np.sqrt(degrees + tau)

    def product(x):
        x = scale[:, None] * x.reshape(n, -1)
        return scale[:, None] * (adjacency @ x + (tau / n) * x.sum(axis=0, keepdims=True))

    operator = scipy.sparse.linalg.LinearOperator(
        (n, n), matvec=product, matmat=product, dtype=np.float64)
    start = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
    _, vectors = scipy.sparse.linalg.eigsh(operator, k=dims, which="LA", v0=start, tol=1e-6)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def cluster_labels(samples, num_clusters, seed=0, iterations=20, method="kmeans",
                   neighbours=10):
    """Cluster ids of `samples`, to train a conditional model on.

    Args:
        samples: Array `(n, ...)` of training samples (images or points).
        num_clusters: Number of clusters k (>= 2, at most n).
        seed: Seed of the k-means++ initialisation: the same seed gives the
            same ids on the same host (another BLAS may round, and so
            cluster, differently: keep the ids of a long run, as the
            harness does in its run folder).
        iterations: Lloyd iterations after the initialisation.
        method: `"kmeans"` (k-means++ on the samples' 50 leading principal
            components) or `"spectral"` (k-means++ on the `num_clusters`
            leading eigenvectors of the graph linking each sample to its
            `neighbours` nearest ones in those components). On MNIST's
            60,000 training images, 50 clusters, seed 0, 2 cores: 82% of the
            images share their cluster's majority digit with `"kmeans"` (9
            s), 95% with `"spectral"` (58 s).
        neighbours: Neighbours per sample in the `"spectral"` graph.

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
    if method not in METHODS:
        raise ValueError(f"`method`={method!r} is not one of {METHODS}.")
    neighbours = checks.positive_int("neighbours", neighbours)
    features = principal_components(samples)
    if method == "spectral":
        if neighbours >= len(samples) or num_clusters >= len(samples):
            raise ValueError(
                f"method='spectral' needs fewer `neighbours` ({neighbours}) and "
                f"`num_clusters` ({num_clusters}) than samples ({len(samples)}); lower them.")
        features = spectral_embedding(features, num_clusters, neighbours, seed)
    _, ids = scipy.cluster.vq.kmeans2(
        features, num_clusters, iter=iterations, minit="++",
        seed=np.random.default_rng(seed), missing="warn")
    ids = ids.astype(np.int32)
    return ids, cluster_shares(ids, num_clusters)


def cluster_shares(ids, num_clusters):
    """The float64 fraction of `ids` in each of `num_clusters` clusters (0 for
    an empty one): the `class_prior` of a model trained on those ids."""
    return np.bincount(ids, minlength=num_clusters) / len(ids)


def cluster_purity(ids, labels):
    """The share of samples whose label is their cluster's most common one.

    1.0 when every cluster holds one label only (however many clusters a
    label is split over); a diagnostic of how well clusters stand in for
    labels, computed with labels the model never reads.

    Args:
        ids: Int cluster ids `(n,)`, each >= 0.
        labels: Int labels `(n,)` of the same samples, each >= 0.
    """
    ids, labels = np.asarray(ids), np.asarray(labels)
    if ids.ndim != 1 or ids.shape != labels.shape or len(ids) == 0:
        raise ValueError(f"`ids` {ids.shape} and `labels` {labels.shape} must be two "
                         "non-empty (n,) arrays of the same samples.")
    for name, values in (("ids", ids), ("labels", labels)):
        if not np.issubdtype(values.dtype, np.integer) or values.min() < 0:
            raise ValueError(f"`{name}` must be non-negative integers; got "
                             f"{values.dtype} with minimum {values.min()}.")
    # Counts of each (cluster, label) pair; each cluster keeps its largest.
    table = np.zeros((ids.max() + 1, labels.max() + 1), np.int64)
    np.add.at(table, (ids, labels), 1)
    return float(table.max(axis=1).sum() / len(ids))
