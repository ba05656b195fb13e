"""tools/train_evaluator.py end to end on a tiny fake Fashion-MNIST file."""

import hashlib
import importlib.util
import json
import os

import numpy as np
import pytest

from keras_gans.evaluation import get_extractor

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_tool():
    path = os.path.join(PROJECT_ROOT, "tools", "train_evaluator.py")
    spec = importlib.util.spec_from_file_location("train_evaluator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_writes_weights_and_record_that_the_extractor_loads(tmp_path):
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
    assert _load_tool().main(argv) == 0

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
