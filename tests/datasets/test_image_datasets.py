"""Tests for the image pipelines: local Keras-layout files, TFDS and errors."""

import gzip
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_gans import datasets

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SHARED_MNIST = SHARED_DATA / "mnist.npz"
needs_mnist = pytest.mark.skipif(
    not SHARED_MNIST.is_file(), reason=f"real MNIST not present at {SHARED_MNIST}"
)


@pytest.fixture(autouse=True)
def isolated_data_dirs(tmp_path, monkeypatch):
    """No test sees the developer's data: empty Keras cache, no data env var."""
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


def fake_images(n, side=28, seed=0):
    images = np.random.default_rng(seed).integers(0, 256, (n, side, side), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255  # Both ends of the range present.
    return images


def write_mnist_npz(directory, n_train=10, n_test=6):
    directory.mkdir(parents=True, exist_ok=True)
    arrays = dict(
        x_train=fake_images(n_train, seed=1),
        y_train=(np.arange(n_train) % 10).astype(np.uint8),
        x_test=fake_images(n_test, seed=2),
        y_test=(9 - np.arange(n_test) % 10).astype(np.uint8),
    )
    np.savez(directory / "mnist.npz", **arrays)
    return arrays


def write_idx_gz(path, array):
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    magic = bytes([0, 0, 8, array.ndim])  # 0x08: unsigned byte data.
    with gzip.open(path, "wb") as f:
        f.write(magic + dims + array.astype(np.uint8).tobytes())


def batch(ds):
    return [np.asarray(t) for t in next(iter(ds))]


@needs_mnist
def test_shared_mnist_is_scaled_exactly_to_minus_one_one():
    ds = datasets.load(
        "mnist", data_dir=SHARED_DATA, batch_size=128, with_labels=True,
        num_examples=128, shuffle=False,
    )
    images, labels = batch(ds)
    assert images.shape == (128, 28, 28, 1) and images.dtype == np.float32
    assert labels.dtype == np.int32
    assert images.min() == -1.0 and images.max() == 1.0
    with np.load(SHARED_MNIST) as raw:
        x, y = raw["x_train"][:128], raw["y_train"][:128]
    np.testing.assert_allclose(images[..., 0], x / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(labels, y)
    assert set(labels.tolist()) <= set(range(10))


@needs_mnist
def test_shared_mnist_through_the_environment_variable(monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(SHARED_DATA))
    images, labels = batch(datasets.load("mnist", split="test", with_labels=True, num_examples=64))
    assert images.shape == (64, 28, 28, 1)
    assert labels.min() >= 0 and labels.max() <= 9
    assert -1.0 <= images.min() and images.max() <= 1.0


def test_data_dir_argument_and_exact_zero_one_scaling(tmp_path):
    arrays = write_mnist_npz(tmp_path / "data")
    ds = datasets.load(
        "mnist", data_dir=tmp_path / "data", batch_size=10, value_range=(0, 1),
        with_labels=True, shuffle=False,
    )
    images, labels = batch(ds)
    np.testing.assert_allclose(images[..., 0], arrays["x_train"] / 255.0, atol=1e-7)
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(labels, arrays["y_train"])


def test_test_split_reads_the_test_arrays(tmp_path):
    arrays = write_mnist_npz(tmp_path)
    images, labels = batch(
        datasets.load("mnist", split="test", data_dir=tmp_path, batch_size=6,
                      with_labels=True, shuffle=False)
    )
    np.testing.assert_array_equal(labels, arrays["y_test"])
    np.testing.assert_allclose(images[..., 0], arrays["x_test"] / 127.5 - 1, atol=1e-6)


def test_data_dir_wins_over_env_var_which_wins_over_keras_cache(tmp_path, monkeypatch):
    write_mnist_npz(tmp_path / "arg", n_train=3)
    write_mnist_npz(tmp_path / "env", n_train=4)
    write_mnist_npz(tmp_path / "keras_home" / "datasets", n_train=5)

    def size(**kwargs):
        return sum(len(b) for b in datasets.load("mnist", batch_size=1, **kwargs))

    assert size() == 5  # The Keras cache ($KERAS_HOME/datasets).
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path / "env"))
    assert size() == 4
    assert size(data_dir=tmp_path / "arg") == 3


def test_fashion_mnist_from_keras_layout_gz_files(tmp_path):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    x = fake_images(7, seed=4)
    y = np.array([0, 1, 2, 3, 9, 8, 7], np.uint8)
    write_idx_gz(folder / "train-images-idx3-ubyte.gz", x)
    write_idx_gz(folder / "train-labels-idx1-ubyte.gz", y)
    images, labels = batch(
        datasets.load("fashion_mnist", data_dir=tmp_path, batch_size=7,
                      with_labels=True, shuffle=False)
    )
    np.testing.assert_array_equal(labels, y)
    np.testing.assert_allclose(images[..., 0], x / 127.5 - 1, atol=1e-6)


def test_resizing_and_num_examples(tmp_path):
    write_mnist_npz(tmp_path, n_train=10)
    ds = datasets.load("mnist", data_dir=tmp_path, batch_size=4, image_size=32,
                       num_examples=9, drop_remainder=False)
    sizes = [b.shape for b in ds]
    assert sizes == [(4, 32, 32, 1), (4, 32, 32, 1), (1, 32, 32, 1)]
    values = np.concatenate([b.numpy() for b in ds])
    assert values.min() >= -1.0 and values.max() <= 1.0


def test_missing_data_raises_a_clear_error(tmp_path):
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load("mnist", data_dir=tmp_path / "empty", download=False)
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    for needle in ("mnist.npz", "x_train", "$KERAS_GANS_DATA_DIR",
                   "~/.keras/datasets/", str(tmp_path / "empty"),
                   "keras.datasets.mnist.load_data()"):
        assert needle in message
    with pytest.raises(datasets.DatasetNotFoundError, match="fashion-mnist/"):
        datasets.load("fashion_mnist", data_dir=tmp_path / "empty", download=False)
    with pytest.raises(datasets.DatasetNotFoundError, match="tfds build celeb_a"):
        datasets.load("celeb_a", data_dir=tmp_path / "empty", download=False)


def test_fashion_mnist_pipeline_with_tfds_mock(tmp_path):
    with tfds.testing.mock_data(num_examples=8):
        ds = datasets.load("fashion_mnist", data_dir=tmp_path, batch_size=4, with_labels=True)
        batches = list(ds)
    assert len(batches) == 2
    images, labels = (np.asarray(t) for t in batches[0])
    assert images.shape == (4, 28, 28, 1) and images.dtype == np.float32
    assert labels.dtype == np.int32 and labels.min() >= 0 and labels.max() <= 9
    assert images.min() >= -1.0 and images.max() <= 1.0


@pytest.mark.parametrize("image_size, side", [(None, 64), (32, 32)])
def test_celeb_a_pipeline_with_tfds_mock(tmp_path, image_size, side):
    with tfds.testing.mock_data(num_examples=4):
        ds = datasets.load("celeb_a", data_dir=tmp_path, batch_size=2,
                           image_size=image_size, value_range=(0, 1))
        images = next(iter(ds)).numpy()
    assert images.shape == (2, side, side, 3) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0 and images.std() > 0.05


def test_celeb_a_has_no_labels():
    with pytest.raises(ValueError, match="not class labels"):
        datasets.load("celeb_a", with_labels=True)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(name="cifar10"), ValueError, "'ring', 'grid', 'mnist', 'fashion_mnist', 'celeb_a'"),
        (dict(value_range=(1, -1)), ValueError, "low < high"),
        (dict(value_range=(0,)), ValueError, "two finite numbers"),
        (dict(value_range="ab"), ValueError, "two finite numbers"),
        (dict(split="validation"), ValueError, "'train', 'test'"),
        (dict(batch_size=0), ValueError, "positive integer"),
        (dict(image_size=-2), ValueError, "`image_size`"),
        (dict(colour=True), TypeError, "download, shuffle_buffer"),
    ],
)
def test_invalid_arguments(kwargs, error, message):
    args = dict(name="mnist")
    args.update(kwargs)
    with pytest.raises(error) as info:
        datasets.load(args.pop("name"), **args)
    assert message in str(info.value)
