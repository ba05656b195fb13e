"""Cluster ids as labels (`datasets.cluster_labels`): k-means and spectral."""

import numpy as np
import pytest

from keras_gans import datasets
from keras_gans.datasets import clusters


def _blobs(sizes=(50, 100, 150), dims=6, seed=0):
    """Separated Gaussian blobs (centres 20 out on separate axes, std 1) and their ids."""
    rng = np.random.default_rng(seed)
    blob = np.repeat(np.arange(len(sizes)), sizes)
    centres = 20.0 * np.eye(len(sizes), dims)
    return (centres[blob] + rng.normal(size=(len(blob), dims))).astype("float32"), blob


def test_cluster_ids_recover_separated_blobs_and_the_prior_is_their_share():
    samples, blob = _blobs()
    ids, prior = datasets.cluster_labels(samples, 3, seed=0)
    assert ids.dtype == np.int32 and ids.shape == (300,)
    # One cluster per blob (the numbering is k-means'): each blob's samples
    # share one id and the three ids differ.
    per_blob = [np.unique(ids[blob == b]) for b in range(3)]
    assert all(len(u) == 1 for u in per_blob)
    assert len({int(u[0]) for u in per_blob}) == 3
    np.testing.assert_allclose(sorted(prior), [50 / 300, 100 / 300, 150 / 300])
    np.testing.assert_allclose(prior[per_blob[2][0]], 0.5)


def test_images_are_clustered_by_their_pixels_whatever_their_shape():
    samples, blob = _blobs(dims=16)
    images = samples.reshape(-1, 4, 4, 1)
    ids, _ = datasets.cluster_labels(images, 3, seed=0)
    flat_ids, _ = datasets.cluster_labels(samples, 3, seed=0)
    np.testing.assert_array_equal(ids, flat_ids)
    assert all(len(np.unique(ids[blob == b])) == 1 for b in range(3))


def test_the_same_seed_gives_the_same_ids_and_another_seed_may_not():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(400, 5))  # No structure: the seed decides.
    a, _ = datasets.cluster_labels(samples, 6, seed=3)
    b, _ = datasets.cluster_labels(samples, 6, seed=3)
    c, _ = datasets.cluster_labels(samples, 6, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_principal_components_keep_the_directions_of_largest_variance():
    rng = np.random.default_rng(0)
    # Variances 100, 25, 1 along the axes, shuffled: the first component is
    # axis 2 and the second axis 0 (up to sign).
    samples = rng.normal(size=(2000, 3)) * [5.0, 1.0, 10.0]
    projected = clusters.principal_components(samples, dims=2)
    assert projected.shape == (2000, 2)
    # Up to sign, and to the small tilt of a 2000-sample covariance.
    assert abs(np.corrcoef(projected[:, 0], samples[:, 2])[0, 1]) > 0.995
    assert abs(np.corrcoef(projected[:, 1], samples[:, 0])[0, 1]) > 0.995
    np.testing.assert_allclose(projected.var(axis=0), [100, 25], rtol=0.1)


def _rings(seed=0):
    """Two concentric noisy circles (radii 1 and 5, 200 points each) and their ids."""
    rng = np.random.default_rng(seed)
    ring = np.repeat([0, 1], 200)
    angle = rng.uniform(0, 2 * np.pi, 400)
    radius = np.where(ring == 0, 1.0, 5.0) + rng.normal(scale=0.05, size=400)
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), ring


def test_purity_is_the_share_of_samples_carrying_their_clusters_majority_label():
    # Cluster 0 holds labels 3, 3, 1 (majority 2 of 3), cluster 1 holds 1, 1,
    # cluster 2 holds 0: 5 of the 6 samples carry their cluster's majority.
    ids, labels = np.array([0, 0, 0, 1, 1, 2]), np.array([3, 3, 1, 1, 1, 0])
    assert datasets.cluster_purity(ids, labels) == pytest.approx(5 / 6)
    # A label split over clusters costs nothing; clusters mixing labels do.
    assert datasets.cluster_purity([0, 1, 2, 3], [0, 0, 1, 1]) == 1.0
    assert datasets.cluster_purity([0, 0, 0, 0], [0, 0, 1, 1]) == 0.5


@pytest.mark.parametrize("ids, labels, match", [
    ([0, 1], [0, 1, 1], r"`ids` \(2,\) and `labels` \(3,\)"),
    ([], [], "non-empty"),
    ([0, -1], [0, 1], "`ids` must be non-negative integers"),
    ([0, 1], [0.0, 1.0], "`labels` must be non-negative integers; got float64"),
])
def test_purity_refuses_arrays_that_are_not_ids_and_labels_of_the_same_samples(
        ids, labels, match):
    with pytest.raises(ValueError, match=match):
        datasets.cluster_purity(ids, labels)


def test_spectral_clusters_follow_the_neighbour_graph_where_k_means_cuts_across():
    # k-means' clusters are convex cells: two of them split the plane by a
    # line, each taking an arc of both circles. The nearest-neighbour graph
    # has no edge between circles 4 apart, so its two leading eigenvectors
    # are the circles themselves.
    samples, ring = _rings()
    kmeans, _ = datasets.cluster_labels(samples, 2, seed=0)
    spectral, prior = datasets.cluster_labels(samples, 2, seed=0, method="spectral")
    assert datasets.cluster_purity(kmeans, ring) < 0.75
    assert len(np.unique(spectral[ring == 0])) == len(np.unique(spectral[ring == 1])) == 1
    assert spectral[0] != spectral[-1]
    np.testing.assert_allclose(prior, [0.5, 0.5])


def test_spectral_ids_depend_on_the_seed_only():
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(300, 5))
    a, _ = datasets.cluster_labels(samples, 4, seed=3, method="spectral")
    b, _ = datasets.cluster_labels(samples, 4, seed=3, method="spectral")
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 4


def test_nearest_neighbours_are_exact_across_distance_blocks(monkeypatch):
    import scipy.spatial

    rng = np.random.default_rng(2)
    features = rng.normal(size=(97, 4))
    # Blocks of 3 rows (the last one short) instead of thousands.
    monkeypatch.setattr(clusters, "_DISTANCE_BLOCK_VALUES", 3 * 97)
    found = clusters.nearest_neighbours(features, 5)
    assert found.shape == (97, 5)
    distances = scipy.spatial.distance.cdist(features, features)
    np.fill_diagonal(distances, np.inf)  # A row is not its own neighbour.
    expected = np.sort(np.argsort(distances, axis=1)[:, :5], axis=1)
    np.testing.assert_array_equal(np.sort(found, axis=1), expected)


@pytest.mark.parametrize("samples, k, kwargs, match", [
    (np.zeros((10, 3)), 11, {}, "more than the 10 samples"),
    (np.zeros((10, 3)), 1, {}, "num_clusters"),
    (np.zeros(10), 2, {}, r"array \(n, ...\)"),
    (np.full((10, 3), np.nan), 2, {}, "NaN"),
    (np.zeros((10, 3)), 2, {"method": "dbscan"}, r"`method`='dbscan' is not one of"),
    (np.zeros((10, 3)), 2, {"method": "spectral", "neighbours": 0}, "neighbours"),
    (np.zeros((10, 3)), 2, {"method": "spectral", "neighbours": 10},
     r"fewer `neighbours` \(10\) and `num_clusters` \(2\) than samples \(10\)"),
])
def test_bad_arguments_are_refused_with_the_fix(samples, k, kwargs, match):
    with pytest.raises(ValueError, match=match):
        datasets.cluster_labels(samples, k, **kwargs)
