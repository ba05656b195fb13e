"""Trains the domain classifier used to score GAN samples on MNIST-like data.

The weights and a JSON record (the exact command, the data file's sha256,
the float32 test accuracy, versions, wall time and the weights' sha256) are
written side by side, by default into the package's weights folder, where
`keras_gans.evaluation.get_extractor("mnist" | "fashion_mnist")` finds them.

Usage:
    # MNIST (the shipped weights were made with this command):
    python tools/train_evaluator.py --dataset=mnist \
        --data_path=../shared/data/mnist.npz

    # Fashion-MNIST (the shipped weights were made with this command, from
    # Debian's dataset-fashion-mnist package; float32 because the 2-core CPU
    # it ran on has no bfloat16 units; 92.13% test accuracy, 28 min):
    python tools/train_evaluator.py --dataset=fashion_mnist --epochs=10 \
        --no-mixed_precision --min_accuracy=0.92

Data: `--data_path` is a `.npz` in the layout `keras.datasets.<name>.
load_data()` caches (`x_train`, `y_train`, `x_test`, `y_test`, uint8), or a
folder holding the dataset in the layout `keras_gans.datasets` reads (MNIST's
`mnist.npz`, Fashion-MNIST's `fashion-mnist/*-ubyte.gz`). Without it the
script looks for `$KERAS_GANS_DATA_DIR/<name>.npz` and
`<project root>/../shared/data/<name>.npz`, then for the local files
`keras_gans.datasets.load` finds (`$KERAS_GANS_DATA_DIR`, the Keras cache,
`/usr/share/datasets` where Debian's `dataset-fashion-mnist` installs), and
only then falls back to `keras.datasets.<name>.load_data()` (network).
"""

import argparse
import hashlib
import json
import os
import platform
import shlex
import sys
import time

import numpy as np

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PROJECT_ROOT)

DEFAULT_OUTPUT_DIR = os.path.join(PROJECT_ROOT, "keras_gans", "evaluation", "weights")
DATASETS = ("mnist", "fashion_mnist")


def sha256_of(path):
    """Returns the hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_data_file(dataset, data_path=None):
    """Returns the path of the dataset's .npz (or data folder), or None."""
    if data_path:
        if not os.path.exists(data_path):
            raise FileNotFoundError(
                f"--data_path={data_path!r} does not exist. Pass a .npz with "
                "x_train, y_train, x_test, y_test (keras.datasets layout) or "
                "a folder in the keras_gans.datasets layout."
            )
        return data_path
    candidates = []
    if os.environ.get("KERAS_GANS_DATA_DIR"):
        candidates.append(os.path.join(os.environ["KERAS_GANS_DATA_DIR"], f"{dataset}.npz"))
    candidates.append(
        os.path.join(os.path.dirname(PROJECT_ROOT), "shared", "data", f"{dataset}.npz")
    )
    for path in candidates:
        if os.path.exists(path):
            return path
    return None


def arrays_sha256(arrays):
    """sha256 of the uint8 arrays' bytes, in order: names the data itself,
    whatever file format or compression carried it (Debian recompressed
    Fashion-MNIST's gz files, so their checksums differ from Zalando's)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _from_local_files(dataset, data_dir, only_data_dir=False):
    """(train, test, source, files) from keras_gans' local-file readers, or
    None. With `only_data_dir`, an explicit folder is the only place looked."""
    from keras_gans.datasets import local_files

    splits = []
    for split in ("train", "test"):
        if only_data_dir:
            paths = tuple(os.path.join(data_dir, f) for f in local_files.expected_files(dataset, split))
            if not all(os.path.isfile(p) for p in paths):
                return None
        else:
            paths = local_files.find_local_files(dataset, split, data_dir)
            if paths is None:
                return None
        if dataset == "mnist":
            images, labels = local_files.read_mnist_npz(paths[0], split)
        else:
            images, labels = local_files.read_idx_gz(*paths)
        splits.append((images[..., 0], labels, paths))
    (x_train, y_train, paths), (x_test, y_test, test_paths) = splits
    source = os.path.dirname(paths[0])
    files = {
        os.path.basename(p): sha256_of(p) for p in sorted(set(paths + test_paths))
    }
    return (x_train, y_train), (x_test, y_test), source, files


def load_data(dataset, data_path=None):
    """Loads (x_train, y_train), (x_test, y_test) as uint8 arrays.

    Returns:
        A tuple `((x_train, y_train), (x_test, y_test), source, files)` where
        `source` names the file, folder or loader used and `files` maps each
        data file's name to its sha256 (empty when keras.datasets loaded it
        from its own cache).
    """
    path = find_data_file(dataset, data_path)
    if path is not None and os.path.isdir(path):
        found = _from_local_files(dataset, path, only_data_dir=True)
        if found is None:
            raise FileNotFoundError(
                f"--data_path={path!r} is a folder without the {dataset} "
                "files keras_gans.datasets reads (mnist.npz, or "
                "fashion-mnist/*-ubyte.gz)."
            )
        return found
    if path is not None:
        with np.load(path) as data:
            arrays = [data[k] for k in ("x_train", "y_train", "x_test", "y_test")]
        return (
            (arrays[0], arrays[1]),
            (arrays[2], arrays[3]),
            path,
            {os.path.basename(path): sha256_of(path)},
        )
    found = _from_local_files(dataset, None)
    if found is not None:
        return found
    import keras

    loader = getattr(keras.datasets, dataset)
    (x_train, y_train), (x_test, y_test) = loader.load_data()
    return (x_train, y_train), (x_test, y_test), f"keras.datasets.{dataset}", {}


def _display_path(source):
    """Paths beside the project are recorded relative to it (../shared/...),
    system paths (/usr/share/datasets/...) and loader names as they are."""
    if os.path.isabs(source) and source.startswith(os.path.dirname(PROJECT_ROOT) + os.sep):
        return os.path.relpath(source, PROJECT_ROOT)
    if os.path.exists(source) and not os.path.isabs(source):
        return os.path.relpath(source, PROJECT_ROOT)
    return source


def to_model_range(images):
    """uint8 [0, 255] (N, 28, 28) -> float32 [-1, 1] (N, 28, 28, 1)."""
    images = images.astype("float32") / 127.5 - 1.0
    return images[..., None] if images.ndim == 3 else images


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=DATASETS, default="mnist")
    parser.add_argument("--data_path", default=None, help="keras-layout .npz file")
    parser.add_argument("--output_dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--learning_rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mixed_precision",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train under the mixed_bfloat16 policy (weights stay float32)",
    )
    parser.add_argument(
        "--min_accuracy",
        type=float,
        default=0.0,
        help="exit with status 1 if the float32 test accuracy is below this",
    )
    return parser.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    start = time.time()

    import keras
    import tensorflow as tf

    from keras_gans.evaluation.classifier import build_classifier
    from keras_gans.io_utils import atomic_write, save_weights

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test), source, data_files = load_data(
        args.dataset, args.data_path
    )
    data_arrays_sha = arrays_sha256((x_train, y_train, x_test, y_test))
    x_train, x_test = to_model_range(x_train), to_model_range(x_test)
    num_classes = int(max(y_train.max(), y_test.max())) + 1

    if args.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build_classifier(input_shape=x_train.shape[1:], num_classes=num_classes)
    model.compile(
        # Cosine decay to zero: the last epochs at a small step size are
        # worth a few tenths of a percent of test accuracy.
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(
                args.learning_rate,
                decay_steps=args.epochs * -(-len(x_train) // args.batch_size),
            )
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x_train,
        y_train.astype("int32"),
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        verbose=2,
    )

    os.makedirs(args.output_dir, exist_ok=True)
    weights_path = os.path.join(args.output_dir, f"{args.dataset}_classifier.weights.h5")
    # Save from an uncompiled float32 copy: a compiled model's weights file
    # also holds the Adam moments, which triples its size for nothing.
    keras.mixed_precision.set_global_policy("float32")
    shipped = build_classifier(input_shape=x_train.shape[1:], num_classes=num_classes)
    shipped.set_weights(model.get_weights())
    atomic_write(weights_path, lambda tmp: save_weights(shipped, tmp))

    # Score what ships: a fresh float32 model with the saved weights, so the
    # recorded accuracy is exactly what the extractor will see.
    evaluator = build_classifier(input_shape=x_test.shape[1:], num_classes=num_classes)
    evaluator.load_weights(weights_path)
    probabilities = evaluator.predict(x_test, batch_size=500, verbose=0)
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == y_test))

    record = {
        "dataset": args.dataset,
        "command": "python tools/train_evaluator.py " + " ".join(shlex.quote(a) for a in argv),
        "data_source": _display_path(source),
        # The file's sha256 when one .npz held the data (None otherwise),
        # every data file's sha256, and that of the decoded arrays.
        "data_sha256": next(iter(data_files.values())) if len(data_files) == 1 else None,
        "data_files_sha256": data_files,
        "data_arrays_sha256": data_arrays_sha,
        "num_train": int(len(x_train)),
        "num_test": int(len(x_test)),
        "test_accuracy": accuracy,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "learning_rate_schedule": "cosine decay to 0 over all steps",
        "seed": args.seed,
        "mixed_precision": args.mixed_precision,
        "weights_file": os.path.basename(weights_path),
        "weights_sha256": sha256_of(weights_path),
        "wall_time_s": round(time.time() - start, 1),
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
        },
    }
    record_path = os.path.join(args.output_dir, f"{args.dataset}_classifier.json")

    def write_record(path):
        with open(path, "w") as f:
            json.dump(record, f, indent=2)
            f.write("\n")

    atomic_write(record_path, write_record)
    print(json.dumps(record, indent=2))
    if accuracy < args.min_accuracy:
        print(f"test accuracy {accuracy:.4f} < --min_accuracy={args.min_accuracy}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
