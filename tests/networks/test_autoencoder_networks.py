"""Tests for the autoencoder-shaped generator (TRICKS 3.4)."""

import keras
import numpy as np
import pytest

from keras_gans import networks


def dense_units(model):
    return [l.units for l in model.layers if isinstance(l, keras.layers.Dense)]


def test_vector_output_has_a_mirrored_bottleneck():
    g = networks.autoencoder_generator(256, 2, width=128, depth=2)
    assert dense_units(g) == [128, 64, 32, 64, 128, 2]
    assert g.get_layer("bottleneck_dense").units == 32
    out = g(np.random.default_rng(0).normal(size=(4, 256)).astype("float32"))
    assert tuple(out.shape) == (4, 2)
    assert g.get_layer("output").get_config()["activation"] == "linear"  # "auto".


def test_depth_sets_the_number_of_halvings():
    g = networks.autoencoder_generator(8, 3, width=64, depth=3, batch_norm=False)
    assert dense_units(g) == [64, 32, 16, 8, 16, 32, 64, 3]
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in g.layers) == 0
    g = networks.autoencoder_generator(8, 3, width=64, depth=1, dropout=0.2)
    assert sum(isinstance(l, keras.layers.Dropout) for l in g.layers) == 3


@pytest.mark.parametrize("shape", [(28, 28, 1), (16, 16, 3)])
def test_image_output_uses_a_conv_decoder_after_the_bottleneck(shape):
    g = networks.autoencoder_generator(16, shape, width=32, depth=2, filters=4)
    images = keras.ops.convert_to_numpy(
        g(np.random.default_rng(0).normal(size=(2, 16)).astype("float32"))
    )
    assert images.shape == (2,) + shape
    assert images.min() >= -1.0 and images.max() <= 1.0  # "auto" -> tanh.
    assert dense_units(g)[:5] == [32, 16, 8, 16, 32]
    assert isinstance(g.get_layer("output_conv"), keras.layers.Conv2DTranspose)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="too narrow"):
        networks.autoencoder_generator(8, 2, width=4, depth=3)
    with pytest.raises(ValueError, match="'tanh', 'sigmoid'"):
        networks.autoencoder_generator(8, (8, 8, 1), output_activation=None)
    with pytest.raises(ValueError, match="'relu', 'leaky_relu'"):
        networks.autoencoder_generator(8, (8, 8, 1), activation="tanh")
    with pytest.raises(ValueError, match="side 28"):
        networks.autoencoder_generator(8, (9, 9, 1))
