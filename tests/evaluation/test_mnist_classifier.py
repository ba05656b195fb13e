"""The shipped MNIST evaluator: pinned sha256, small file, >= 99% accuracy."""

import importlib
import json
import os

import numpy as np
import pytest

from keras_gans.evaluation import compute_features
from keras_gans.evaluation import get_extractor

extractors = importlib.import_module("keras_gans.evaluation.extractors")

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.path.join(PROJECT_ROOT, "..", "shared", "data", "mnist.npz")
WEIGHTS = os.path.join(extractors.WEIGHTS_DIR, "mnist_classifier.weights.h5")


def test_shipped_weights_match_the_pin_and_the_training_record():
    pinned = extractors.CLASSIFIERS["mnist"]["sha256"]
    assert extractors.sha256_of(WEIGHTS) == pinned
    with open(WEIGHTS.replace(".weights.h5", ".json")) as f:
        record = json.load(f)
    assert record["weights_sha256"] == pinned
    assert record["test_accuracy"] >= 0.99
    assert os.path.getsize(WEIGHTS) < 2 * 1024 * 1024


def test_classifier_accuracy_on_first_2000_test_digits():
    if not os.path.exists(MNIST):
        pytest.skip(f"real MNIST not found at {MNIST}")
    with np.load(MNIST) as data:
        images, labels = data["x_test"][:2000], data["y_test"][:2000]
    extractor = get_extractor("mnist", value_range=(0, 255))
    out = compute_features(extractor, images, batch_size=500)
    accuracy = np.mean(np.argmax(out.probabilities, axis=1) == labels)
    assert accuracy >= 0.99, accuracy
