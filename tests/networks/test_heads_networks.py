"""Tests for discriminators with auxiliary (ACGAN / InfoGAN) heads."""

import keras
import numpy as np
import pytest

from keras_gans import networks


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def images(batch=3, shape=(28, 28, 1)):
    return np.random.default_rng(0).uniform(-1, 1, (batch,) + shape).astype("float32")


def test_acgan_and_infogan_heads_on_a_dcgan_body():
    base = networks.dcgan_discriminator((28, 28, 1), filters=4)
    d = networks.discriminator_with_heads(
        base, {"class": 10, "q_cat": 7, "q_cont": 2}, q_cont_log_var=True
    )
    out = d(images())
    expected = {
        "logit": (3, 1),
        "class_logits": (3, 10),
        "q_cat_logits": (3, 7),
        "q_cont_mean": (3, 2),
        "q_cont_log_var": (3, 2),
    }
    assert {k: tuple(v.shape) for k, v in out.items()} == expected
    for value in out.values():
        assert keras.backend.standardize_dtype(value.dtype) == "float32"


def test_body_is_shared_and_logit_is_unchanged():
    base = networks.dcgan_discriminator((8, 8, 1), filters=4)
    d = networks.discriminator_with_heads(base, {"class": 3})
    x = images(shape=(8, 8, 1))
    np.testing.assert_allclose(numpy(d(x)["logit"]), numpy(base(x)), rtol=1e-6)
    # Same variables, not copies: the heads add exactly one Dense kernel+bias.
    base_ids = {id(v) for v in base.trainable_weights}
    assert base_ids <= {id(v) for v in d.trainable_weights}
    assert len(d.trainable_weights) == len(base.trainable_weights) + 2
    assert d.get_layer("class_logits").kernel.shape == (base.get_layer("logit").kernel.shape[0], 3)


def test_q_hidden_block_feeds_only_the_q_heads():
    base = networks.mlp_discriminator(2, width=16)
    d = networks.discriminator_with_heads(
        base, {"class": 4, "q_cat": 5}, q_hidden_units=8
    )
    assert d.get_layer("q_hidden_dense").units == 8
    assert d.get_layer("q_cat_logits").kernel.shape == (8, 5)
    assert d.get_layer("class_logits").kernel.shape == (16, 4)
    out = d(np.zeros((6, 2), "float32"))
    assert sorted(out) == ["class_logits", "logit", "q_cat_logits"]


def test_heads_on_a_conditional_discriminator_keep_both_inputs():
    base = networks.mlp_discriminator(2, num_classes=8, width=8)
    d = networks.discriminator_with_heads(base, {"q_cont": 3})
    assert [t.name for t in d.inputs] == ["sample", "label"]
    out = d([keras.ops.zeros((2, 2)), keras.ops.convert_to_tensor(np.array([1, 2], "int32"))])
    assert tuple(out["q_cont_mean"].shape) == (2, 3)


@pytest.mark.parametrize(
    "heads, kwargs, message",
    [
        ({}, {}, "non-empty dict"),
        ({"style": 3}, {}, "'class', 'q_cat', 'q_cont'"),
        ({"class": 0}, {}, "positive integer"),
        ({"class": 2}, {"q_cont_log_var": True}, "needs a 'q_cont' head"),
    ],
)
def test_invalid_heads(heads, kwargs, message):
    base = networks.mlp_discriminator(2, width=8)
    with pytest.raises(ValueError, match=message):
        networks.discriminator_with_heads(base, heads, **kwargs)


def test_rejects_models_without_a_logit_layer():
    generator = networks.mlp_generator(4, 2, width=8)  # Last layer: Activation.
    with pytest.raises(ValueError, match="1-unit Dense logit"):
        networks.discriminator_with_heads(generator, {"class": 2})


def test_round_trip_through_keras_file(tmp_path):
    d = networks.discriminator_with_heads(
        networks.dcgan_discriminator((8, 8, 1), filters=4), {"class": 3, "q_cont": 2}
    )
    path = tmp_path / "heads.keras"
    d.save(path)
    restored = keras.models.load_model(path)
    x = images(shape=(8, 8, 1))
    for key, value in d(x).items():
        np.testing.assert_allclose(numpy(restored(x)[key]), numpy(value), rtol=1e-5, atol=1e-6)
