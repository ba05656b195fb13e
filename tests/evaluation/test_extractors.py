"""Feature extractors and batch-wise feature computation."""

import importlib
import os
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.evaluation import FeatureMoments
from keras_gans.evaluation import compute_feature_moments
from keras_gans.evaluation import compute_features
from keras_gans.evaluation import get_extractor
from keras_gans.evaluation import inception_weights_path

extractors = importlib.import_module("keras_gans.evaluation.extractors")


def _linear_model(dim=3, features=2):
    """features = x @ W with a fixed W, and a softmax head on top."""
    inputs = keras.Input((dim,))
    dense = keras.layers.Dense(features, use_bias=False, kernel_initializer="ones")
    feats = dense(inputs)
    probs = keras.layers.Softmax()(feats)
    return keras.Model(inputs, {"features": feats, "probabilities": probs})


def test_user_model_with_dict_outputs():
    extractor = get_extractor(_linear_model())
    out = extractor(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(out.features, [[6.0, 6.0], [0.0, 0.0]])
    np.testing.assert_allclose(out.probabilities, np.full((2, 2), 0.5))


def test_user_model_single_output_has_no_probabilities():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    out = get_extractor(model)(np.eye(3))
    np.testing.assert_allclose(out.features, np.eye(3))
    assert out.probabilities is None


def test_user_model_range_mapping():
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    extractor = get_extractor(model, value_range=(0, 255), model_range=(-1, 1))
    np.testing.assert_allclose(extractor(np.array([[0.0, 255.0]])).features, [[-1.0, 1.0]])


def test_compute_features_from_every_source_agrees():
    extractor = get_extractor(_linear_model())
    data = np.random.default_rng(0).normal(size=(23, 3)).astype("float32")
    expected = data.sum(axis=1)
    from_array = compute_features(extractor, data, batch_size=5)
    np.testing.assert_allclose(from_array.features[:, 0], expected, rtol=1e-6)
    labels = np.zeros(23)
    dataset = tf.data.Dataset.from_tensor_slices((data, labels)).batch(4)
    from_dataset = compute_features(extractor, dataset)
    np.testing.assert_allclose(from_dataset.features, from_array.features, rtol=1e-6)
    calls = []

    def generator_fn(n):
        start = sum(calls)
        calls.append(n)
        return data[start : start + n]

    from_fn = compute_features(extractor, generator_fn, batch_size=10, num_samples=23)
    assert calls == [10, 10, 3]
    np.testing.assert_allclose(from_fn.features, from_array.features, rtol=1e-6)

    from_iterable = compute_features(extractor, (data[i : i + 6] for i in range(0, 23, 6)))
    np.testing.assert_allclose(from_iterable.features, from_array.features, rtol=1e-6)
    assert from_array.probabilities.shape == (23, 2) and len(from_array) == 23


def test_max_batch_size_splits_batches_and_joins_the_outputs():
    # Features = each image minus the mean of the batch the network saw, so
    # the values reveal how the 7 images were split.
    inputs = keras.Input((3,))
    centred = keras.layers.Lambda(lambda x: x - keras.ops.mean(x, axis=0, keepdims=True))(inputs)
    model = keras.Model(inputs, {"features": centred, "probabilities": keras.layers.Softmax()(inputs)})
    extractor = extractors.FeatureExtractor(model, max_batch_size=3)
    data = np.arange(21, dtype="float32").reshape(7, 3) ** 2
    out = extractor(data)
    parts = [data[0:3], data[3:6], data[6:7]]
    np.testing.assert_allclose(out.features, np.concatenate([p - p.mean(axis=0) for p in parts]), rtol=1e-6)
    assert out.probabilities.shape == (7, 3)
    with pytest.raises(ValueError, match="max_batch_size"):
        extractors.FeatureExtractor(model, max_batch_size=0)


def test_num_samples_truncates_every_source():
    extractor = get_extractor(_linear_model())
    data = np.ones((20, 3), "float32")
    assert len(compute_features(extractor, data, batch_size=6, num_samples=7)) == 7
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(6)
    assert len(compute_features(extractor, dataset, num_samples=8)) == 8


def test_compute_feature_moments_streams_the_same_statistics():
    extractor = get_extractor(_linear_model(features=2))
    data = np.random.default_rng(1).normal(size=(50, 3)).astype("float32")
    streamed = compute_feature_moments(extractor, data, batch_size=8)
    full = FeatureMoments.from_features(compute_features(extractor, data).features)
    assert streamed.count == 50
    np.testing.assert_allclose(streamed.mean, full.mean, rtol=1e-6)
    np.testing.assert_allclose(streamed.covariance, full.covariance, rtol=1e-6)


def test_source_errors():
    extractor = get_extractor(_linear_model())
    with pytest.raises(ValueError, match="num_samples"):
        compute_features(extractor, lambda n: np.ones((n, 3)))
    with pytest.raises(ValueError, match="exactly n"):
        compute_features(extractor, lambda n: np.ones((1, 3)), num_samples=4, batch_size=2)
    with pytest.raises(TypeError, match="tf.data.Dataset"):
        compute_features(extractor, 42)
    with pytest.raises(ValueError, match="Unknown extractor"):
        get_extractor("vgg")


def test_mnist_extractor_value_range_and_shapes():
    images = np.random.default_rng(2).uniform(size=(6, 28, 28)).astype("float32")
    default = get_extractor("mnist")(images * 2.0 - 1.0)
    unit_range = get_extractor("mnist", value_range=(0, 1))(images[..., None])
    assert default.features.shape == (6, 128)
    assert default.probabilities.shape == (6, 10)
    np.testing.assert_allclose(default.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(unit_range.features, default.features, rtol=1e-4, atol=1e-5)
    assert get_extractor("mnist") is get_extractor("mnist")  # cached
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        get_extractor("mnist")(np.zeros((2, 32, 32, 1)))


def test_tampered_mnist_weights_fail_the_pinned_sha(tmp_path, monkeypatch):
    source = os.path.join(extractors.WEIGHTS_DIR, "mnist_classifier.weights.h5")
    target = tmp_path / "mnist_classifier.weights.h5"
    shutil.copy(source, target)
    with open(target, "ab") as f:
        f.write(b"\0")
    monkeypatch.setattr(extractors, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="sha256"):
        get_extractor("mnist", value_range=(-0.5, 0.5))


def test_missing_fashion_mnist_weights_say_how_to_train(tmp_path, monkeypatch):
    monkeypatch.setattr(extractors, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as error:
        get_extractor("fashion_mnist", value_range=(-0.25, 0.25))
    message = str(error.value)
    assert "python tools/train_evaluator.py --dataset=fashion_mnist" in message
    assert str(tmp_path) in message


def test_missing_inception_weights_name_the_file_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    expected = os.path.join(str(tmp_path), "models", extractors.INCEPTION_WEIGHTS_FILE)
    assert inception_weights_path() == expected
    with pytest.raises(FileNotFoundError) as error:
        get_extractor("inception_v3")
    assert expected in str(error.value)
    assert extractors.INCEPTION_WEIGHTS_URL in str(error.value)


def test_inception_preprocessing_and_feature_shape():
    # Random weights (weights=None): this checks the plumbing, never scores.
    extractor = get_extractor("inception_v3", weights=None, value_range=(0, 1))
    gray = np.ones((2, 28, 28, 1), "float32")
    prepared = keras.ops.convert_to_numpy(extractor.preprocess(gray))
    assert prepared.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(prepared, 1.0, atol=1e-6)  # top of [0, 1] -> 1
    half = keras.ops.convert_to_numpy(extractor.preprocess(gray * 0.5))
    np.testing.assert_allclose(half, 0.0, atol=1e-6)
    assert extractor(np.zeros((2, 28, 28), "float32")).features.shape == (2, 2048)


def test_compute_features_shows_progress_in_samples_when_asked(capsys):
    extractor = get_extractor(_linear_model())
    data = np.ones((23, 3), "float32")
    compute_features(extractor, data, batch_size=10)
    assert capsys.readouterr().out == ""
    out = compute_features(extractor, data, batch_size=10, verbose=1)
    printed = capsys.readouterr().out
    assert "23/23" in printed and "sample" in printed
    np.testing.assert_allclose(out.features[:, 0], 3.0)


def test_named_extractor_is_float32_under_a_mixed_policy(monkeypatch):
    # A run under mixed_bfloat16 must be scored by the same float32 network
    # as a float32 run: built under the bfloat16 policy, the classifier's
    # features would be rounded to 8 mantissa bits and FID would move.
    images = np.random.default_rng(0).uniform(-1, 1, size=(8, 28, 28, 1)).astype("float32")
    float32_extractor = get_extractor("mnist")
    reference = float32_extractor(images)
    monkeypatch.setattr(extractors, "_CACHE", {})
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        extractor = get_extractor("mnist")
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        out = extractor(images)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert extractor is not float32_extractor  # built anew under the policy
    assert {layer.compute_dtype for layer in extractor.model.layers} == {"float32"}
    np.testing.assert_array_equal(out.features, reference.features)
    np.testing.assert_array_equal(out.probabilities, reference.probabilities)
