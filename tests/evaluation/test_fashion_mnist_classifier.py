"""The shipped Fashion-MNIST evaluator: pinned sha256, training record, accuracy."""

import importlib
import json
import os

import numpy as np
import pytest

from keras_gans.datasets import local_files
from keras_gans.evaluation import compute_features
from keras_gans.evaluation import get_extractor

extractors = importlib.import_module("keras_gans.evaluation.extractors")
WEIGHTS = os.path.join(extractors.WEIGHTS_DIR, "fashion_mnist_classifier.weights.h5")


def test_shipped_weights_match_the_pin_and_the_training_record():
    pinned = extractors.CLASSIFIERS["fashion_mnist"]["sha256"]
    assert extractors.sha256_of(WEIGHTS) == pinned
    with open(WEIGHTS.replace(".weights.h5", ".json")) as f:
        record = json.load(f)
    assert record["weights_sha256"] == pinned
    assert (record["num_train"], record["num_test"]) == (60000, 10000)
    assert record["test_accuracy"] >= 0.92
    assert os.path.getsize(WEIGHTS) < 2 * 1024 * 1024


def test_classifier_accuracy_on_the_first_2000_test_images():
    arrays = local_files.load_local_arrays("fashion_mnist", "test")
    if arrays is None:
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    images, labels = arrays[0][:2000], arrays[1][:2000]
    out = compute_features(get_extractor("fashion_mnist", value_range=(0, 255)), images,
                           batch_size=500)
    accuracy = np.mean(np.argmax(out.probabilities, axis=1) == labels)
    # 92.13% on all 10,000 (the training record); the first 2,000 agree to
    # within sampling error.
    assert accuracy >= 0.90, accuracy
