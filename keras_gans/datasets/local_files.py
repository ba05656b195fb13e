"""Readers for datasets kept on disk in the layouts `keras.datasets` caches.

These let the image pipelines run with no network: `mnist.npz` (the
`keras.datasets.mnist` cache) and the four gzipped IDX files of
`keras.datasets.fashion_mnist` in a `fashion-mnist/` folder. Directories are
searched in this order: the `data_dir` argument, the `KERAS_GANS_DATA_DIR`
environment variable, then the Keras cache (`$KERAS_HOME/datasets`, by
default `~/.keras/datasets`).
"""

import gzip
import os

import numpy as np

DATA_DIR_ENV = "KERAS_GANS_DATA_DIR"

# Files of each dataset relative to a data directory, by split.
MNIST_FILE = "mnist.npz"
FASHION_MNIST_DIR = "fashion-mnist"
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
LOCAL_DATASETS = ("mnist", "fashion_mnist")

# IDX headers: magic, then one 4-byte size per dimension.
_IDX_IMAGE_HEADER_BYTES = 16
_IDX_LABEL_HEADER_BYTES = 8


def keras_cache_dir():
    """The folder where `keras.utils.get_file` caches datasets.

    Mirrors Keras: `$KERAS_HOME/datasets` if the variable is set, else
    `~/.keras/datasets`, or `/tmp/.keras/datasets` when the home folder is
    not writable. Read at call time so a changed environment is honoured.
    """
    if "KERAS_HOME" in os.environ:
        return os.path.join(os.environ["KERAS_HOME"], "datasets")
    home = os.path.expanduser("~")
    if not os.access(home, os.W_OK):
        return os.path.join("/tmp", ".keras", "datasets")
    return os.path.join(home, ".keras", "datasets")


def search_dirs(data_dir=None):
    """Directories searched for local files, in order, without duplicates.

    Args:
        data_dir: optional directory passed by the caller.

    Returns:
        List of directory paths: `data_dir`, `$KERAS_GANS_DATA_DIR`, the Keras
        cache.
    """
    dirs = [data_dir, os.environ.get(DATA_DIR_ENV), keras_cache_dir()]
    result = []
    for d in dirs:
        if not d:
            continue
        path = os.path.expanduser(os.fspath(d))
        if path not in result:
            result.append(path)
    return result


def expected_files(name, split):
    """The files a dataset split needs, relative to a data directory."""
    if name == "mnist":
        return (MNIST_FILE,)
    if name == "fashion_mnist":
        return tuple(
            os.path.join(FASHION_MNIST_DIR, f) for f in FASHION_MNIST_FILES[split]
        )
    raise ValueError(
        f"No local file layout for {name!r}. Local layouts exist for: "
        f"{', '.join(repr(n) for n in LOCAL_DATASETS)}."
    )


def find_local_files(name, split, data_dir=None):
    """Full paths of a split's files in the first directory that has them all.

    Returns:
        A tuple of paths, or None when no searched directory holds the files.
    """
    relative = expected_files(name, split)
    for directory in search_dirs(data_dir):
        paths = tuple(os.path.join(directory, r) for r in relative)
        if all(os.path.isfile(p) for p in paths):
            return paths
    return None


def read_mnist_npz(path, split):
    """Reads one split of a `keras.datasets.mnist` style `.npz` file.

    Args:
        path: path to the `.npz` holding `x_train, y_train, x_test, y_test`.
        split: `"train"` or `"test"`.

    Returns:
        `(images, labels)`: uint8 `(n, 28, 28, 1)` and int32 `(n,)`.
    """
    with np.load(path) as data:
        missing = {f"x_{split}", f"y_{split}"} - set(data.files)
        if missing:
            raise ValueError(
                f"{path} lacks arrays {sorted(missing)}; expected the "
                "keras.datasets.mnist layout with x_train, y_train, x_test, "
                f"y_test. Found: {sorted(data.files)}."
            )
        images = data[f"x_{split}"]
        labels = data[f"y_{split}"]
    return _as_image_arrays(images, labels, path)


def read_idx_gz(images_path, labels_path):
    """Reads gzipped IDX image and label files (the MNIST distribution format).

    Args:
        images_path: `*-images-idx3-ubyte.gz`.
        labels_path: `*-labels-idx1-ubyte.gz`.

    Returns:
        `(images, labels)`: uint8 `(n, rows, cols, 1)` and int32 `(n,)`.
    """
    with gzip.open(labels_path, "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=_IDX_LABEL_HEADER_BYTES)
    with gzip.open(images_path, "rb") as f:
        raw = f.read()
    rows, cols = (
        int.from_bytes(raw[8:12], "big"),
        int.from_bytes(raw[12:16], "big"),
    )
    images = np.frombuffer(raw, np.uint8, offset=_IDX_IMAGE_HEADER_BYTES)
    if images.size != len(labels) * rows * cols:
        raise ValueError(
            f"{images_path} holds {images.size} pixels, which is not "
            f"{len(labels)} images of {rows}x{cols} as {labels_path} implies; "
            "the files are truncated or do not belong together."
        )
    return _as_image_arrays(images.reshape(len(labels), rows, cols), labels, images_path)


def load_local_arrays(name, split="train", data_dir=None):
    """Loads a split from local files, if present.

    Args:
        name: `"mnist"` or `"fashion_mnist"`.
        split: `"train"` or `"test"`.
        data_dir: optional directory searched first (see module docstring).

    Returns:
        `(images, labels)` (uint8 `(n, 28, 28, 1)`, int32 `(n,)`), or None
        when no searched directory holds the files.
    """
    paths = find_local_files(name, split, data_dir)
    if paths is None:
        return None
    if name == "mnist":
        return read_mnist_npz(paths[0], split)
    return read_idx_gz(*paths)


def _as_image_arrays(images, labels, path):
    """Checks shapes and returns `(uint8 NHWC images, int32 labels)`."""
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(
            f"{path}: expected images (n, height, width) and n labels, got "
            f"images {images.shape} and labels {labels.shape}."
        )
    return images.astype(np.uint8)[..., np.newaxis], labels.astype(np.int32)
