"""Tests for the constant-width MLP generator and discriminator."""

import keras
import numpy as np
import pytest

from keras_gans.networks import mlp_discriminator
from keras_gans.networks import mlp_generator


def count(model, layer_type):
    return sum(isinstance(layer, layer_type) for layer in model.layers)


def test_tier_a_protocol_networks_have_the_published_sizes():
    # G: z 256 -> 2 x 128 tanh -> 2; D: 2 -> 2 x 128 tanh -> 1 (VEEGAN).
    g = mlp_generator(256, 2, activation="tanh")
    d = mlp_discriminator(2, activation="tanh")
    assert g.count_params() == (256 * 128 + 128) + (128 * 128 + 128) + (128 * 2 + 2)
    assert d.count_params() == (2 * 128 + 128) + (128 * 128 + 128) + (128 + 1)
    assert [l.units for l in g.layers if isinstance(l, keras.layers.Dense)] == [128, 128, 2]
    assert count(g, keras.layers.Activation) == 3  # 2 tanh + float32 output.
    z = np.random.default_rng(0).normal(size=(5, 256)).astype("float32")
    samples = g(z)
    assert tuple(samples.shape) == (5, 2)
    assert tuple(d(samples).shape) == (5, 1)
    assert keras.backend.standardize_dtype(d(samples).dtype) == "float32"


def test_linear_output_is_unbounded_and_tanh_output_is_bounded():
    z = np.random.default_rng(0).normal(size=(64, 4)).astype("float32") * 50.0
    linear = mlp_generator(4, 3, width=8, kernel_initializer="ones")
    assert np.abs(keras.ops.convert_to_numpy(linear(z))).max() > 1.0
    bounded = mlp_generator(4, 3, width=8, kernel_initializer="ones", output_activation="tanh")
    out = keras.ops.convert_to_numpy(bounded(z))
    assert np.abs(out).max() <= 1.0
    sigmoid = mlp_generator(4, 3, width=8, output_activation="sigmoid")
    out = keras.ops.convert_to_numpy(sigmoid(z))
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_depth_width_and_switches_change_the_layers():
    dense = keras.layers.Dense
    assert count(mlp_generator(4, 2, depth=4, width=16), dense) == 5
    assert count(mlp_discriminator(2, depth=3, width=16), dense) == 4
    assert mlp_discriminator(2, width=32).get_layer("hidden_2_dense").units == 32
    g = mlp_generator(4, 2, batch_norm=True, dropout=0.2)
    assert count(g, keras.layers.BatchNormalization) == 2
    assert count(g, keras.layers.Dropout) == 2
    assert count(mlp_generator(4, 2), keras.layers.BatchNormalization) == 0
    assert count(mlp_generator(4, 2), keras.layers.Dropout) == 0
    assert count(mlp_generator(4, 2), keras.layers.ReLU) == 2
    d = mlp_discriminator(2)
    assert count(d, keras.layers.LeakyReLU) == 2
    assert count(mlp_discriminator(2, activation="relu"), keras.layers.LeakyReLU) == 0


def test_kernel_initializer_default_is_glorot_normal():
    for model in (mlp_generator(4, 2), mlp_discriminator(2)):
        for layer in model.layers:
            if isinstance(layer, keras.layers.Dense):
                assert isinstance(layer.kernel_initializer, keras.initializers.GlorotNormal)


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        ("g", dict(activation="sigmoid"), "'relu', 'leaky_relu', 'tanh'"),
        ("g", dict(output_activation="relu"), "None, 'tanh', 'sigmoid'"),
        ("g", dict(depth=0), "`depth` must be a positive integer"),
        ("g", dict(width=-3), "`width` must be a positive integer"),
        ("d", dict(activation="swish"), "'relu', 'leaky_relu', 'tanh'"),
        ("d", dict(dropout=2.0), "[0, 1)"),
    ],
)
def test_invalid_options_raise_with_valid_choices(builder, kwargs, message):
    with pytest.raises(ValueError) as info:
        if builder == "g":
            mlp_generator(4, 2, **kwargs)
        else:
            mlp_discriminator(2, **kwargs)
    assert message in str(info.value)


def test_round_trip_through_keras_file(tmp_path):
    g = mlp_generator(4, 2, batch_norm=True, activation="tanh")
    path = tmp_path / "g.keras"
    g.save(path)
    z = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.models.load_model(path)(z)),
        keras.ops.convert_to_numpy(g(z)),
        rtol=1e-5,
    )
