"""Tests for the image pipelines: local Keras-layout files, TFDS and errors."""

import gzip
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_gans import datasets
from keras_gans.datasets import local_files

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SHARED_MNIST = SHARED_DATA / "mnist.npz"
needs_mnist = pytest.mark.skipif(
    not SHARED_MNIST.is_file(), reason=f"real MNIST not present at {SHARED_MNIST}"
)


@pytest.fixture(autouse=True)
def isolated_data_dirs(tmp_path, monkeypatch):
    """No test sees the machine's data: empty Keras cache, no data env var,
    and an empty stand-in for /usr/share/datasets."""
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(local_files, "SYSTEM_DATA_DIRS", (str(tmp_path / "system"),))


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


def write_fashion_folder(folder, n_train=5, n_test=3, seed=0):
    """A fake Fashion-MNIST folder in the Keras/Debian layout."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = dict(
        x_train=fake_images(n_train, seed=seed), y_train=(np.arange(n_train) % 10).astype(np.uint8),
        x_test=fake_images(n_test, seed=seed + 1), y_test=(9 - np.arange(n_test)).astype(np.uint8),
    )
    for prefix, split in (("train", "train"), ("t10k", "test")):
        write_idx_gz(folder / f"{prefix}-images-idx3-ubyte.gz", arrays[f"x_{split}"])
        write_idx_gz(folder / f"{prefix}-labels-idx1-ubyte.gz", arrays[f"y_{split}"])
    return arrays


def test_fashion_mnist_from_the_debian_package_folder(tmp_path):
    # Debian's dataset-fashion-mnist installs /usr/share/datasets/fashion-mnist/*.gz.
    arrays = write_fashion_folder(tmp_path / "system" / "fashion-mnist", n_test=3)
    images, labels = batch(
        datasets.load("fashion_mnist", split="test", batch_size=3, with_labels=True,
                      shuffle=False, value_range=(0, 1))
    )
    np.testing.assert_array_equal(labels, [9, 8, 7])
    np.testing.assert_allclose(images[..., 0], arrays["x_test"] / 255.0, atol=1e-7)


def test_user_folders_win_over_the_system_folder(tmp_path, monkeypatch):
    write_fashion_folder(tmp_path / "system" / "fashion-mnist", n_train=2)
    write_fashion_folder(tmp_path / "keras_home" / "datasets" / "fashion-mnist", n_train=3)
    write_fashion_folder(tmp_path / "env" / "fashion-mnist", n_train=4)
    write_fashion_folder(tmp_path / "arg" / "fashion-mnist", n_train=5)

    def size(**kwargs):
        return sum(len(b) for b in datasets.load("fashion_mnist", batch_size=1, **kwargs))

    assert size(data_dir=tmp_path / "arg") == 5
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path / "env"))
    assert size() == 4
    monkeypatch.delenv(datasets.DATA_DIR_ENV)
    assert size() == 3
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "nowhere"))
    assert size() == 2
    assert local_files.search_dirs()[-1] == str(tmp_path / "system")


def test_broken_idx_files_are_refused_with_the_file_named(tmp_path):
    folder = tmp_path / "fashion-mnist"
    write_fashion_folder(folder, n_train=4)
    images_path = folder / "train-images-idx3-ubyte.gz"
    labels_path = folder / "train-labels-idx1-ubyte.gz"
    # Images and labels swapped: the magic numbers differ (0x803 vs 0x801).
    with pytest.raises(ValueError, match=r"magic number 0x00000801, found 0x00000803"):
        local_files.read_idx_gz(labels_path, images_path)
    # One image short of what the header announces.
    with gzip.open(images_path, "rb") as f:
        raw = f.read()
    with gzip.open(images_path, "wb") as f:
        f.write(raw[: -28 * 28])
    with pytest.raises(ValueError, match="announces 4 images of 28x28 and holds 2352 pixels"):
        local_files.read_idx_gz(images_path, labels_path)
    # Labels for 3 images only, but a header saying 3: counts disagree.
    write_idx_gz(labels_path, np.zeros(3, np.uint8))
    write_fashion_folder(tmp_path / "ok", n_train=4)
    with pytest.raises(ValueError, match="3 labels"):
        local_files.read_idx_gz(tmp_path / "ok" / "train-images-idx3-ubyte.gz", labels_path)


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
    with pytest.raises(datasets.DatasetNotFoundError) as info:
        datasets.load("fashion_mnist", data_dir=tmp_path / "empty", download=False)
    message = str(info.value)
    for needle in ("fashion-mnist/", "apt-get install -y dataset-fashion-mnist",
                   "/usr/share/datasets/fashion-mnist/", str(tmp_path / "system"),
                   "t10k-labels-idx1-ubyte.gz"):
        assert needle in message
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


REAL_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(
    not (REAL_FASHION / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason="Debian's dataset-fashion-mnist is not installed",
)
def test_real_fashion_mnist_from_debian():
    # Facts of the original data (Zalando's README): 60k/10k images, 6,000
    # and 1,000 per class, the first train labels.
    folder = str(REAL_FASHION.parent)
    images, labels = datasets.load_local_arrays("fashion_mnist", "train", data_dir=folder)
    assert images.shape == (60000, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels[:10], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
    np.testing.assert_array_equal(np.bincount(labels), [6000] * 10)
    assert images.mean() == pytest.approx(72.94, abs=0.01)
    test_images, test_labels = datasets.load_local_arrays("fashion_mnist", "test", data_dir=folder)
    assert test_images.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(test_labels), [1000] * 10)
