"""Stacked MNIST: three MNIST digits as channels, 1000 modes, via datasets.load."""

import numpy as np
import pytest

from keras_gans import datasets
from keras_gans.datasets import stacked_mnist


@pytest.fixture
def fake_mnist_dir(tmp_path, monkeypatch):
    """A small mnist.npz whose image k is filled with the value k (so every
    stacked pixel says which image it came from) and labels k % 10."""
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    arrays = {}
    for split, n in (("train", 50), ("test", 30)):
        images = np.repeat(np.arange(n, dtype=np.uint8), 28 * 28).reshape(n, 28, 28)
        images[0, 0, 0] = 255  # Both ends of the pixel range present.
        arrays[f"x_{split}"] = images
        arrays[f"y_{split}"] = (np.arange(n) % 10).astype(np.uint8)
    np.savez(tmp_path / "mnist.npz", **arrays)
    return tmp_path


def test_stack_draws_three_images_per_example_and_labels_the_triple():
    images = np.arange(20, dtype=np.uint8).reshape(20, 1, 1, 1) * np.ones((1, 28, 28, 1), np.uint8)
    labels = np.arange(20) % 10
    stacked, modes = stacked_mnist.stack(images, labels, 500, seed=3)
    index = np.random.default_rng(3).integers(0, 20, size=(500, 3))
    assert stacked.shape == (500, 28, 28, 3) and stacked.dtype == np.uint8
    np.testing.assert_array_equal(stacked[:, 5, 7, :], index)
    np.testing.assert_array_equal(modes, (index % 10) @ np.array([100, 10, 1]))
    assert modes.dtype == np.int32 and len(np.unique(modes)) > 300


def test_load_gives_scaled_batches_with_their_1000_mode_labels(fake_mnist_dir):
    ds = datasets.load(
        "stacked_mnist", batch_size=40, with_labels=True, shuffle=False,
        data_dir=fake_mnist_dir, num_examples=40, seed=7,
    )
    images, modes = (np.asarray(t) for t in next(iter(ds)))
    assert images.shape == (40, 28, 28, 3) and images.dtype == np.float32
    source = np.round((images[:, 5, 7, :] + 1) / 2 * 255).astype(int)
    index = np.random.default_rng([7, 0]).integers(0, 50, size=(40, 3))
    np.testing.assert_array_equal(source, index)
    np.testing.assert_array_equal(modes, (index % 10) @ np.array([100, 10, 1]))
    # Pixel 0 -> -1 and 255 -> 1 exactly.
    full = np.concatenate([np.asarray(b) for b in datasets.load(
        "stacked_mnist", batch_size=40, shuffle=False, data_dir=fake_mnist_dir,
        num_examples=400, drop_remainder=False)])
    assert full.min() == -1.0 and full.max() == 1.0 and full.shape == (400, 28, 28, 3)


def test_splits_and_seeds_draw_different_triples(fake_mnist_dir):
    def modes(**kwargs):
        ds = datasets.load("stacked_mnist", batch_size=64, with_labels=True,
                           shuffle=False, data_dir=fake_mnist_dir, num_examples=64, **kwargs)
        return np.asarray(next(iter(ds))[1])

    np.testing.assert_array_equal(modes(seed=1), modes(seed=1))
    assert not np.array_equal(modes(seed=1), modes(seed=2))
    assert not np.array_equal(modes(seed=1), modes(seed=1, split="test"))


def test_missing_mnist_and_other_sizes_are_refused(tmp_path, monkeypatch, fake_mnist_dir):
    with pytest.raises(ValueError, match="28x28x3"):
        datasets.load("stacked_mnist", image_size=32, data_dir=fake_mnist_dir)
    with pytest.raises(datasets.DatasetNotFoundError, match="mnist.npz"):
        datasets.load("stacked_mnist", data_dir=tmp_path / "empty")
    assert "stacked_mnist" in datasets.DATASET_NAMES
