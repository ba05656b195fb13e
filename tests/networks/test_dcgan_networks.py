"""Tests for the DCGAN generator and discriminator builders."""

import keras
import numpy as np
import pytest

from keras_gans.networks import dcgan_discriminator
from keras_gans.networks import dcgan_generator

SHAPES = [(28, 28, 1), (8, 8, 1), (32, 32, 3), (64, 64, 3)]


def count(model, layer_type):
    return sum(isinstance(layer, layer_type) for layer in model.layers)


def latent(batch=3, dim=16, seed=0):
    return np.random.default_rng(seed).normal(size=(batch, dim)).astype("float32")


@pytest.mark.parametrize("shape", SHAPES)
def test_generator_output_shape_dtype_and_tanh_range(shape):
    g = dcgan_generator(16, shape, filters=4)
    images = keras.ops.convert_to_numpy(g(latent()))
    assert images.shape == (3,) + shape
    assert images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert images.std() > 0.0


def test_generator_sigmoid_output_is_in_unit_interval():
    g = dcgan_generator(16, (8, 8, 1), filters=4, output_activation="sigmoid")
    images = keras.ops.convert_to_numpy(g(latent() * 10.0))
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert g.get_layer("output").get_config()["activation"] == "sigmoid"


@pytest.mark.parametrize("shape", SHAPES)
def test_discriminator_returns_one_float32_logit_per_example(shape):
    d = dcgan_discriminator(shape, filters=4)
    logits = d(np.random.default_rng(0).uniform(-1, 1, (3,) + shape))
    assert tuple(logits.shape) == (3, 1)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    # Logits, not probabilities: the last layer has no activation.
    assert d.layers[-1].get_config()["activation"] == "linear"


def test_dcgan_64_has_the_papers_channel_plan():
    g = dcgan_generator(100, (64, 64, 3))
    assert tuple(g.get_layer("project_reshape").output.shape) == (None, 4, 4, 512)
    channels = [g.get_layer(f"up_{i}_conv").filters for i in (1, 2, 3)]
    assert channels == [256, 128, 64]
    d = dcgan_discriminator((64, 64, 3))
    channels = [d.get_layer(f"down_{i}_conv").filters for i in (1, 2, 3, 4)]
    assert channels == [64, 128, 256, 512]
    assert tuple(d.get_layer("flatten").output.shape) == (None, 4 * 4 * 512)


def test_mnist_generator_starts_at_7x7():
    g = dcgan_generator(64, (28, 28, 1), filters=64)
    assert tuple(g.get_layer("project_reshape").output.shape) == (None, 7, 7, 128)
    assert tuple(g.get_layer("up_1_conv").output.shape) == (None, 14, 14, 64)


def test_batch_norm_switch_and_no_batch_norm_on_discriminators_first_layer():
    bn = keras.layers.BatchNormalization
    # 28x28 G: projection + one hidden upsampling; the output layer has none.
    assert count(dcgan_generator(8, (28, 28, 1), filters=4), bn) == 2
    assert count(dcgan_generator(8, (28, 28, 1), filters=4, batch_norm=False), bn) == 0
    d = dcgan_discriminator((32, 32, 3), filters=4)
    assert count(d, bn) == 2  # 3 convolutions, the first without.
    assert [l.name for l in d.layers if isinstance(l, bn)] == ["down_2_bn", "down_3_bn"]
    assert d.get_layer("down_1_conv").use_bias
    assert not d.get_layer("down_2_conv").use_bias  # BN's mean cancels a bias.
    assert count(dcgan_discriminator((32, 32, 3), filters=4, batch_norm=False), bn) == 0


def test_dropout_switch_adds_one_dropout_per_hidden_block():
    dropout = keras.layers.Dropout
    assert count(dcgan_generator(8, (28, 28, 1), filters=4), dropout) == 0
    g = dcgan_generator(8, (28, 28, 1), filters=4, dropout=0.3)
    assert count(g, dropout) == 2
    assert g.get_layer("project_dropout").rate == pytest.approx(0.3)
    assert count(dcgan_discriminator((28, 28, 1), filters=4), dropout) == 0
    assert count(dcgan_discriminator((28, 28, 1), filters=4, dropout=0.5), dropout) == 2


def test_dropout_changes_training_outputs_only():
    d = dcgan_discriminator((8, 8, 1), filters=4, dropout=0.5, batch_norm=False)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    inference = keras.ops.convert_to_numpy(d(x, training=False))
    np.testing.assert_allclose(inference, keras.ops.convert_to_numpy(d(x)), rtol=1e-6)
    training = keras.ops.convert_to_numpy(d(x, training=True))
    assert not np.allclose(inference, training)


def test_activation_switch():
    relu, leaky = keras.layers.ReLU, keras.layers.LeakyReLU
    g = dcgan_generator(8, (28, 28, 1), filters=4)
    assert (count(g, relu), count(g, leaky)) == (2, 0)
    g = dcgan_generator(8, (28, 28, 1), filters=4, activation="leaky_relu")
    assert (count(g, relu), count(g, leaky)) == (0, 2)
    assert g.get_layer("project_act").negative_slope == pytest.approx(0.2)
    d = dcgan_discriminator((28, 28, 1), filters=4)
    assert (count(d, relu), count(d, leaky)) == (0, 2)
    d = dcgan_discriminator((28, 28, 1), filters=4, activation="relu")
    assert (count(d, relu), count(d, leaky)) == (2, 0)


def test_kernel_initializer_default_is_glorot_normal_everywhere():
    for model in (
        dcgan_generator(8, (16, 16, 3), filters=4),
        dcgan_discriminator((16, 16, 3), filters=4),
    ):
        kernels = [l for l in model.layers if hasattr(l, "kernel_initializer")]
        assert len(kernels) >= 3
        for layer in kernels:
            assert isinstance(layer.kernel_initializer, keras.initializers.GlorotNormal)
    g = dcgan_generator(8, (16, 16, 3), filters=4, kernel_initializer="he_normal")
    assert isinstance(g.get_layer("up_1_conv").kernel_initializer, keras.initializers.HeNormal)


def test_depth_adds_stride_one_blocks_at_the_starting_resolution():
    conv = keras.layers.Conv2D  # Conv2DTranspose subclasses Conv2D in Keras.
    base = dcgan_generator(8, (32, 32, 3), filters=4)
    deeper = dcgan_generator(8, (32, 32, 3), filters=4, depth=2)
    assert count(deeper, conv) == count(base, conv) + 2
    extra = deeper.get_layer("extra_2_conv")
    assert extra.strides == (1, 1)
    assert tuple(extra.output.shape) == (None, 4, 4, 16)
    assert tuple(deeper.output.shape) == (None, 32, 32, 3)
    assert count(dcgan_generator(8, (32, 32, 3), filters=4, depth=0), conv) == count(base, conv)

    d_base = dcgan_discriminator((32, 32, 3), filters=4)
    d_deeper = dcgan_discriminator((32, 32, 3), filters=4, depth=3)
    assert count(d_deeper, conv) == count(d_base, conv) + 3
    assert tuple(d_deeper.get_layer("extra_3_conv").output.shape) == (None, 4, 4, 16)


def test_dense_units_gives_the_infogan_style_layers():
    g = dcgan_generator(64, (28, 28, 1), filters=64, dense_units=1024)
    assert g.get_layer("dense").units == 1024
    assert g.get_layer("project").units == 128 * 7 * 7
    d = dcgan_discriminator((28, 28, 1), filters=64, dense_units=1024)
    assert d.get_layer("dense").units == 1024
    assert "dense_bn" in [l.name for l in d.layers]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(activation="elu"), "'relu', 'leaky_relu'"),
        (dict(output_activation="relu"), "'tanh', 'sigmoid'"),
        (dict(image_shape=(30, 30, 1)), "side 28 or one of 8, 16, 32, 64"),
        (dict(image_shape=(32, 16, 3)), "(side, side, channels)"),
        (dict(image_shape=(128, 128, 3)), "side 28"),
        (dict(dropout=1.0), "[0, 1)"),
        (dict(depth=-1), "integer >= 0"),
        (dict(filters=0), "positive integer"),
        (dict(kernel_initializer="glorot_sideways"), "glorot_normal"),
    ],
)
def test_generator_rejects_invalid_options(kwargs, message):
    args = dict(latent_dim=8, image_shape=(8, 8, 1))
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        dcgan_generator(args.pop("latent_dim"), args.pop("image_shape"), **args)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(activation="tanh"), "'relu', 'leaky_relu'"),
        (dict(image_shape=(20, 20, 3)), "side 28"),
        (dict(dropout=-0.1), "[0, 1)"),
        (dict(depth=1.5), "integer >= 0"),
    ],
)
def test_discriminator_rejects_invalid_options(kwargs, message):
    args = dict(image_shape=(8, 8, 1))
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        dcgan_discriminator(args.pop("image_shape"), **args)
    assert message in str(info.value)


def test_mixed_precision_outputs_stay_float32():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        g = dcgan_generator(8, (8, 8, 1), filters=4)
        d = dcgan_discriminator((8, 8, 1), filters=4)
        images = g(latent(dim=8))
        logits = d(images)
        assert g.get_layer("output_conv").compute_dtype == "bfloat16"
        assert keras.backend.standardize_dtype(images.dtype) == "float32"
        assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy(previous)


def test_models_round_trip_through_keras_file(tmp_path):
    g = dcgan_generator(8, (8, 8, 1), filters=4, dropout=0.1, activation="leaky_relu")
    d = dcgan_discriminator((8, 8, 1), filters=4, depth=1)
    z = latent(dim=8)
    for model, x in ((g, z), (d, keras.ops.convert_to_numpy(g(z)))):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        restored = keras.models.load_model(path)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(restored(x)),
            keras.ops.convert_to_numpy(model(x)),
            rtol=1e-5,
            atol=1e-6,
        )


def test_numpy_integers_are_accepted():
    # Sizes computed with NumPy (np.prod, array shapes) must work like ints.
    g = dcgan_generator(
        np.int64(8), (np.int64(16), 16, 1), filters=np.int32(4), depth=np.int64(1)
    )
    assert tuple(g.output.shape) == (None, 16, 16, 1)
    assert g.get_layer("extra_1_conv").filters == 8  # 4x4 start: 2 * filters.
