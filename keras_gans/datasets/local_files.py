"""Readers for datasets kept on disk in the layouts `keras.datasets` caches.

These let the image pipelines run with no network: `mnist.npz` (the
`keras.datasets.mnist` cache) and the four gzipped IDX files of
`keras.datasets.fashion_mnist` in a `fashion-mnist/` folder. Directories are
searched in this order: the `data_dir` argument, the `KERAS_GANS_DATA_DIR`
environment variable, the Keras cache (`$KERAS_HOME/datasets`, by default
`~/.keras/datasets`), then the system folders where Linux distributions
install datasets (`/usr/share/datasets`: Debian's `dataset-fashion-mnist`
package puts the four gzipped IDX files in its `fashion-mnist/` folder, the
same layout as the Keras cache).
"""

import gzip
import os

import numpy as np

from keras_gans.io_utils import keras_cache_dir

DATA_DIR_ENV = "KERAS_GANS_DATA_DIR"

# Files of each dataset relative to a data directory, by split.
MNIST_FILE = "mnist.npz"
FASHION_MNIST_DIR = "fashion-mnist"
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
LOCAL_DATASETS = ("mnist", "fashion_mnist")
# Searched after the user's folders and the Keras cache. Debian installs
# `dataset-fashion-mnist` (and other `dataset-*` packages) under
# /usr/share/datasets; a module constant so tests can point it elsewhere.
SYSTEM_DATA_DIRS = ("/usr/share/datasets",)
# Debian recompressed the files (their gz checksums differ from Zalando's),
# but the decompressed IDX data is the original.
FASHION_MNIST_APT_PACKAGE = "dataset-fashion-mnist"

# IDX headers: a 4-byte magic (two zero bytes, the data type 0x08 = unsigned
# byte, the number of dimensions), then one big-endian 4-byte size per
# dimension.
_IDX_IMAGE_MAGIC = 0x00000803
_IDX_LABEL_MAGIC = 0x00000801
_IDX_IMAGE_HEADER_BYTES = 16
_IDX_LABEL_HEADER_BYTES = 8


def search_dirs(data_dir=None):
    """Directories searched for local files, in order, without duplicates.

    Args:
        data_dir: optional directory passed by the caller.

    Returns:
        List of directory paths: `data_dir`, `$KERAS_GANS_DATA_DIR`, the Keras
        cache, then `SYSTEM_DATA_DIRS`.
    """
    dirs = [data_dir, os.environ.get(DATA_DIR_ENV), keras_cache_dir("datasets"), *SYSTEM_DATA_DIRS]
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


def _read_idx(path, magic, header_bytes):
    """Decompressed bytes of one gzipped IDX file and its dimension sizes."""
    with gzip.open(path, "rb") as f:
        try:
            raw = f.read()
        except (OSError, EOFError) as err:
            raise ValueError(
                f"{path} is not a complete gzip file ({err}); download or "
                "reinstall it."
            ) from err
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if len(raw) < header_bytes or found != magic:
        raise ValueError(
            f"{path} is not an IDX file of unsigned bytes with "
            f"{magic & 0xFF} dimension(s): expected the magic number "
            f"0x{magic:08x}, found "
            f"{'nothing' if found is None else f'0x{found:08x}'}. Check that "
            "the image and label files are the original MNIST-format files."
        )
    sizes = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(magic & 0xFF)
    )
    return raw, sizes


def read_idx_gz(images_path, labels_path):
    """Reads gzipped IDX image and label files (the MNIST distribution format).

    Args:
        images_path: `*-images-idx3-ubyte.gz`.
        labels_path: `*-labels-idx1-ubyte.gz`.

    Returns:
        `(images, labels)`: uint8 `(n, rows, cols, 1)` and int32 `(n,)`.

    Raises:
        ValueError: a file is not IDX, is truncated, or the two disagree on
            the number of examples.
    """
    raw_labels, (num_labels,) = _read_idx(
        labels_path, _IDX_LABEL_MAGIC, _IDX_LABEL_HEADER_BYTES
    )
    labels = np.frombuffer(raw_labels, np.uint8, offset=_IDX_LABEL_HEADER_BYTES)
    raw, (num_images, rows, cols) = _read_idx(
        images_path, _IDX_IMAGE_MAGIC, _IDX_IMAGE_HEADER_BYTES
    )
    images = np.frombuffer(raw, np.uint8, offset=_IDX_IMAGE_HEADER_BYTES)
    if len(labels) != num_labels:
        raise ValueError(
            f"{labels_path} announces {num_labels} labels but holds "
            f"{len(labels)}; the file is truncated."
        )
    if num_images != num_labels or images.size != num_images * rows * cols:
        raise ValueError(
            f"{images_path} announces {num_images} images of {rows}x{cols} and "
            f"holds {images.size} pixels, while {labels_path} has "
            f"{num_labels} labels; the files are truncated or do not belong "
            "together."
        )
    return _as_image_arrays(images.reshape(num_images, rows, cols), labels, images_path)


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
