"""The validation module: normalised returns, messages, in-graph assertions."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import checks
from keras_gans import io_utils


@pytest.mark.parametrize("check, value, expected", [
    (checks.positive_int, np.int64(3), 3),
    (checks.non_negative_int, 0, 0),
    (checks.optional_positive_int, None, None),
    (checks.non_negative, np.float32(0.5), 0.5),
    (checks.probability, 1, 1.0),
    (checks.rate, 0.0, 0.0),
    (checks.boolean, np.bool_(True), True),
])
def test_checks_return_the_value_normalised(check, value, expected):
    result = check("x", value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("check, value, message", [
    (checks.positive_int, True, r"`x` must be a positive integer\. Received: True"),
    (checks.non_negative_int, 2.0, "`x` must be an integer >= 0"),
    (checks.probability, 1.5, r"`x` must be a finite number in \[0, 1\]"),
    (checks.rate, 1.0, r"in \[0, 1\)"),
    (checks.positive, 0.0, "`x` must be a finite number > 0"),
    (checks.non_negative, "0.1", "Received: '0.1'"),
    (checks.boolean, "no", "`x` must be True or False"),
])
def test_checks_name_the_argument_and_what_was_received(check, value, message):
    with pytest.raises(ValueError, match=message):
        check("x", value)


def test_value_range_and_class_ids():
    assert checks.value_range([0, 255]) == (0.0, 255.0)
    with pytest.raises(ValueError, match="`data_range` must be two finite numbers"):
        checks.value_range((0, np.inf), name="data_range")
    np.testing.assert_array_equal(checks.class_ids([[1.0], [2.0]], 3, 2), [1, 2])
    with pytest.raises(ValueError, match=r"`ids` must be integer class ids.*\[nan\]"):
        checks.class_ids([0.0, np.nan], 3, 2, name="ids")


def _failure(assertion_fn):
    @tf.function
    def run():
        with tf.control_dependencies([assertion_fn()]):
            return tf.constant(0)

    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        run()
    return checks.failed_assertion(caught.value)


def test_failed_assertions_come_back_as_their_message_and_data():
    message = _failure(lambda: checks.class_id_assertion(
        tf.constant([3, -2, 1]), 3, "`labels` must be in [0, 3)"))
    assert message == "`labels` must be in [0, 3) (smallest id: [-2] largest id: [3])"
    message = _failure(lambda: checks.matrix_assertion(
        tf.zeros((2, 5)), 4, "`latents` must be (batch, 4)"))
    assert message == "`latents` must be (batch, 4) (received shape: [2 5])"
    assert checks.failed_assertion(ValueError("unrelated")) is None


def test_assertions_pass_silently_on_good_values():
    @tf.function
    def run(labels, values):
        assertions = [checks.class_id_assertion(labels, 3, "labels"),
                      checks.finite_assertion(values, "values"),
                      checks.min_batch_assertion(values, 2, "batch")]
        with checks.guarded(assertions):
            return tf.reduce_sum(values)

    assert float(run(tf.constant([0, 2]), tf.ones((2, 2)))) == 4.0
    assert float(run(tf.constant([], tf.int32), tf.ones((2, 2)))) == 4.0


def test_one_cache_folder_read_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert io_utils.keras_cache_dir("models", "w.h5") == os.path.join(str(tmp_path), "models",
                                                                     "w.h5")
    monkeypatch.delenv("KERAS_HOME")
    assert io_utils.keras_cache_dir().endswith(".keras")
