"""Tests for the 2D Gaussian mixtures (ring and grid)."""

import itertools

import numpy as np
import tensorflow as tf
import pytest

from keras_gans import datasets


def test_ring_centers_are_eight_distinct_angles_on_the_unit_circle():
    centers = datasets.ring_centers()
    assert centers.shape == (8, 2) and centers.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 1.0, atol=1e-6)
    angles = np.mod(np.arctan2(centers[:, 1], centers[:, 0]), 2 * np.pi)
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)
    # No duplicated endpoint: neighbours are 2 sin(pi / 8) apart.
    distances = np.linalg.norm(centers[:, None] - centers[None], axis=-1)
    off_diagonal = distances[~np.eye(8, dtype=bool)]
    assert off_diagonal.min() == pytest.approx(2 * np.sin(np.pi / 8), abs=1e-5)


def test_grid_centers_are_the_25_points_of_the_protocol():
    centers = datasets.grid_centers()
    assert centers.shape == (25, 2)
    expected = set(itertools.product((-4.0, -2.0, 0.0, 2.0, 4.0), repeat=2))
    assert set(map(tuple, centers.tolist())) == expected
    assert tuple(centers[0]) == (-4.0, -4.0) and tuple(centers[1]) == (-4.0, -2.0)


def test_mixture_spec_returns_centres_and_std():
    centers, std = datasets.mixture_spec("ring")
    assert std == datasets.RING_STD == 0.01
    np.testing.assert_array_equal(centers, datasets.ring_centers())
    centers, std = datasets.mixture_spec("grid")
    assert std == datasets.GRID_STD == 0.05 and len(centers) == 25
    with pytest.raises(ValueError, match="'ring', 'grid'"):
        datasets.mixture_spec("spiral")


@pytest.mark.parametrize("name, std", [("ring", 0.01), ("grid", 0.05)])
def test_samples_have_the_protocol_std_and_their_labels(name, std):
    points, labels = datasets.sample_mixture(name, 20_000, seed=3)
    centers, _ = datasets.mixture_spec(name)
    assert points.dtype == np.float32 and labels.dtype == np.int32
    residuals = points - centers[labels]
    assert residuals.std() == pytest.approx(std, rel=0.05)
    assert np.abs(residuals.mean()) < std / 10
    # The std is tiny against the spacing, so the label is the nearest mean.
    nearest = np.argmin(np.linalg.norm(points[:, None] - centers[None], axis=-1), axis=1)
    np.testing.assert_array_equal(nearest, labels)
    # Components are picked uniformly.
    counts = np.bincount(labels, minlength=len(centers))
    assert counts.min() > 0.8 * len(points) / len(centers)


def test_seed_and_split_control_the_draws():
    a, la = datasets.sample_mixture("grid", 100, seed=1)
    b, lb = datasets.sample_mixture("grid", 100, seed=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    c, _ = datasets.sample_mixture("grid", 100, seed=2)
    assert not np.allclose(a, c)
    t, _ = datasets.sample_mixture("grid", 100, seed=1, split="test")
    assert not np.allclose(a, t)


def test_load_batches_points_and_labels():
    ds = datasets.load("ring", batch_size=32, with_labels=True, num_examples=100)
    batches = list(ds)
    assert len(batches) == 3  # 100 // 32 with drop_remainder.
    points, labels = batches[0]
    assert tuple(points.shape) == (32, 2) and points.dtype.name == "float32"
    assert labels.dtype.name == "int32"
    assert set(labels.numpy().tolist()) <= set(range(8))


def test_load_default_size_and_no_rescaling():
    points = next(iter(datasets.load("grid", batch_size=200_000, drop_remainder=False)))
    assert points.shape[0] == 100_000  # DEFAULT_NUM_EXAMPLES.
    assert points.numpy().max() > 4.0  # Not squeezed into value_range.
    a = next(iter(datasets.load("grid", shuffle=False, value_range=(0, 1))))
    b = next(iter(datasets.load("grid", shuffle=False)))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    expected, _ = datasets.sample_mixture("grid", 100_000, seed=0)
    np.testing.assert_array_equal(b.numpy(), expected[:64])


def test_shuffle_order_is_seeded():
    def first(seed):
        return next(iter(datasets.load("ring", num_examples=500, seed=seed))).numpy()

    np.testing.assert_array_equal(first(5), first(5))
    assert not np.allclose(first(5), first(6))


def test_load_rejects_image_options_for_mixtures():
    with pytest.raises(ValueError, match="image datasets only"):
        datasets.load("ring", image_size=32)
    with pytest.raises(TypeError, match="download"):
        datasets.load("ring", download=False)


def test_stream_draws_fresh_batches_that_resume_exactly():
    stream = [b.numpy() for b in datasets.stream_mixture("grid", 256, seed=3).take(4)]
    assert all(b.shape == (256, 2) for b in stream)
    assert not np.array_equal(stream[0], stream[1])  # a fresh draw per batch
    resumed = [b.numpy() for b in datasets.stream_mixture("grid", 256, seed=3,
                                                           start_batch=2).take(2)]
    np.testing.assert_array_equal(resumed[0], stream[2])
    np.testing.assert_array_equal(resumed[1], stream[3])
    points, labels = next(iter(datasets.stream_mixture("grid", 20000, with_labels=True)))
    centers, std = datasets.mixture_spec("grid")
    residual = points.numpy() - centers[labels.numpy()]
    assert abs(residual.std() - std) < 0.002
    assert np.bincount(labels.numpy(), minlength=25).min() > 600  # ~800 each
    other = next(iter(datasets.stream_mixture("grid", 256, seed=3, split="test")))
    assert not np.array_equal(other.numpy(), stream[0])
    with pytest.raises(ValueError, match="start_batch"):
        datasets.stream_mixture("ring", start_batch=-1)


def test_stream_is_not_autotuned():
    # tf.data's autotuning thread held up the iterator's deletion at the end
    # of `fit` by ~15 s when two runs trained at once on 2 cores; the draws
    # have nothing to tune. The batches are the same either way.
    stream = datasets.stream_mixture("ring", 64, seed=1)
    assert stream.options().autotune.enabled is False
    options = tf.data.Options()
    options.autotune.enabled = True
    tuned = datasets.stream_mixture("ring", 64, seed=1).with_options(options)
    assert tuned.options().autotune.enabled is True
    for a, b in zip(stream.take(3), tuned.take(3)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
