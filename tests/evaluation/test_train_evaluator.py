"""tools/train_evaluator.py end to end on a tiny fake Fashion-MNIST file."""

import hashlib
import json

import numpy as np
import pytest

from keras_gans.evaluation import get_extractor


def test_training_writes_weights_and_record_that_the_extractor_loads(tmp_path, load_tool):
    rng = np.random.default_rng(0)
    data_path = tmp_path / "fashion.npz"
    np.savez(
        data_path,
        x_train=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
        y_train=np.arange(64, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        y_test=np.arange(20, dtype=np.uint8) % 10,
    )
    out = tmp_path / "weights"
    argv = ["--dataset=fashion_mnist", f"--data_path={data_path}", f"--output_dir={out}",
            "--epochs=1", "--batch_size=32", "--no-mixed_precision"]
    assert load_tool("train_evaluator").main(argv) == 0

    weights = out / "fashion_mnist_classifier.weights.h5"
    with open(out / "fashion_mnist_classifier.json") as f:
        record = json.load(f)
    assert record["command"] == "python tools/train_evaluator.py " + " ".join(argv)
    assert record["data_sha256"] == hashlib.sha256(data_path.read_bytes()).hexdigest()
    assert record["weights_sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert (record["num_train"], record["num_test"]) == (64, 20)
    assert 0.0 <= record["test_accuracy"] <= 1.0

    extractor = get_extractor("fashion_mnist", weights=str(weights))
    assert extractor(np.zeros((3, 28, 28))).probabilities.shape == (3, 10)
    with open(weights, "ab") as f:
        f.write(b"\0")
    with pytest.raises(ValueError, match="sha256"):
        get_extractor("fashion_mnist", weights=str(weights), value_range=(0, 1))


def _write_idx_gz(path, array):
    import gzip

    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, array.ndim]) + dims + array.astype(np.uint8).tobytes())


def test_data_from_an_idx_folder_is_recorded_by_content(tmp_path, load_tool):
    # The Debian/Keras layout: <dir>/fashion-mnist/*-ubyte.gz.
    folder = tmp_path / "data" / "fashion-mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    arrays = {}
    for prefix, n in (("train", 30), ("t10k", 10)):
        arrays[prefix] = (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                          (np.arange(n) % 10).astype(np.uint8))
        _write_idx_gz(folder / f"{prefix}-images-idx3-ubyte.gz", arrays[prefix][0])
        _write_idx_gz(folder / f"{prefix}-labels-idx1-ubyte.gz", arrays[prefix][1])
    tool = load_tool("train_evaluator")
    (x_train, y_train), (x_test, y_test), source, files = tool.load_data(
        "fashion_mnist", str(tmp_path / "data"))
    np.testing.assert_array_equal(x_train, arrays["train"][0])
    np.testing.assert_array_equal(y_test, arrays["t10k"][1])
    assert source == str(folder)
    assert sorted(files) == sorted(p.name for p in folder.iterdir())
    digest = hashlib.sha256()
    for a in (x_train, y_train, x_test, y_test):
        digest.update(a.tobytes())
    assert tool.arrays_sha256((x_train, y_train, x_test, y_test)) == digest.hexdigest()
    with pytest.raises(FileNotFoundError, match="fashion-mnist"):
        tool.load_data("fashion_mnist", str(tmp_path))
