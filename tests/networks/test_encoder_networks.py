"""Tests for the Gaussian (VAE) encoders."""

import keras
import numpy as np
import pytest

from keras_gans import networks


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_dcgan_encoder_returns_mean_and_log_variance(shape):
    e = networks.dcgan_encoder(shape, 6, filters=4)
    x = np.random.default_rng(0).uniform(-1, 1, (3,) + shape).astype("float32")
    z_mean, z_log_var = e(x)
    assert tuple(z_mean.shape) == (3, 6) and tuple(z_log_var.shape) == (3, 6)
    assert keras.backend.standardize_dtype(z_mean.dtype) == "float32"
    assert [l.name for l in e.layers[-2:]] == ["z_mean", "z_log_var"]
    # Unit variance at initialisation (zero kernel), while means vary.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(z_log_var), 0.0, atol=1e-7)
    assert np.std(keras.ops.convert_to_numpy(z_mean)) > 0.0


def test_mlp_encoder_shapes_and_body():
    e = networks.mlp_encoder(2, 4, width=16, depth=3)
    z_mean, z_log_var = e(np.ones((5, 2), "float32"))
    assert tuple(z_mean.shape) == (5, 4) and tuple(z_log_var.shape) == (5, 4)
    assert sum(isinstance(l, keras.layers.Dense) for l in e.layers) == 5


def test_encoder_uses_the_dcgan_body():
    e = networks.dcgan_encoder((64, 64, 3), 8, filters=8, dense_units=32)
    assert [e.get_layer(f"down_{i}_conv").filters for i in (1, 2, 3, 4)] == [8, 16, 32, 64]
    assert "down_1_bn" not in [l.name for l in e.layers]
    assert e.get_layer("dense").units == 32


def test_invalid_arguments():
    with pytest.raises(ValueError, match="`latent_dim`"):
        networks.dcgan_encoder((8, 8, 1), 0)
    with pytest.raises(ValueError, match="'relu', 'leaky_relu', 'tanh'"):
        networks.mlp_encoder(2, 2, activation="gelu")
