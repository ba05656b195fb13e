"""Tests for conditioning as an option of the plain builders (`num_classes=`)."""

import keras
import numpy as np
import pytest

from keras_gans import networks

T = keras.ops.convert_to_tensor


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def latent(batch, dim, seed=0):
    return T(np.random.default_rng(seed).normal(size=(batch, dim)).astype("float32"))


@pytest.mark.parametrize("shape", [(28, 28, 1), (8, 8, 1), (32, 32, 3)])
def test_image_generator_and_discriminator_shapes(shape):
    g = networks.dcgan_generator(8, shape, num_classes=10, filters=4)
    d = networks.dcgan_discriminator(shape, num_classes=10, filters=4)
    labels = T(np.array([0, 3, 9], "int32"))
    images = g([latent(3, 8), labels])
    assert tuple(images.shape) == (3,) + shape
    assert keras.backend.standardize_dtype(images.dtype) == "float32"
    logits = d([images, labels])
    assert tuple(logits.shape) == (3, 1)
    assert [t.name for t in g.inputs] == ["latent", "label"]
    assert keras.backend.standardize_dtype(g.inputs[1].dtype) == "int32"
    assert [t.name for t in d.inputs] == ["image", "label"]


def test_generator_concatenates_label_embedding_to_latent():
    g = networks.dcgan_generator(8, (8, 8, 1), num_classes=10, filters=4, embedding_dim=5)
    assert g.get_layer("label_embedding").output_dim == 5
    assert tuple(g.get_layer("latent_and_label").output.shape) == (None, 13)
    default = networks.dcgan_generator(8, (8, 8, 1), num_classes=10, filters=4)
    assert default.get_layer("label_embedding").output_dim == 10  # num_classes.


def test_discriminator_appends_the_label_as_an_image_channel():
    d = networks.dcgan_discriminator((16, 16, 3), num_classes=7, filters=4)
    assert d.get_layer("label_embedding").output_dim == 16 * 16
    assert tuple(d.get_layer("image_and_label").output.shape) == (None, 16, 16, 4)
    assert d.get_layer("down_1_conv").kernel.shape == (4, 4, 4, 4)


def set_embedding(model, scale=1.0):
    layer = model.get_layer("label_embedding")
    rng = np.random.default_rng(1)
    layer.set_weights([scale * rng.normal(size=w.shape) for w in layer.get_weights()])


@pytest.mark.parametrize(
    "build",
    [
        lambda: networks.dcgan_generator(8, (8, 8, 1), num_classes=4, filters=4, batch_norm=False),
        lambda: networks.mlp_generator(8, 2, num_classes=4, width=16),
    ],
)
def test_labels_change_generator_output(build):
    g = build()
    set_embedding(g)
    z = latent(2, 8)
    same_z = T(np.repeat(numpy(z)[:1], 2, axis=0))
    out = numpy(g([same_z, T(np.array([1, 2], "int32"))]))
    assert np.abs(out[0] - out[1]).max() > 1e-3
    out = numpy(g([same_z, T(np.array([3, 3], "int32"))]))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6)


@pytest.mark.parametrize(
    "build, x",
    [
        (
            lambda: networks.dcgan_discriminator((8, 8, 1), num_classes=4, filters=4, batch_norm=False
            ),
            np.ones((2, 8, 8, 1), "float32"),
        ),
        (lambda: networks.mlp_discriminator(2, num_classes=4, width=16), np.ones((2, 2), "float32")),
    ],
)
def test_labels_change_discriminator_output(build, x):
    d = build()
    set_embedding(d)
    logits = numpy(d([T(x), T(np.array([0, 1], "int32"))]))
    assert abs(logits[0, 0] - logits[1, 0]) > 1e-3


def test_mlp_builders_shapes_and_layers():
    g = networks.mlp_generator(4, 2, num_classes=25, width=16, depth=3, embedding_dim=6)
    d = networks.mlp_discriminator(2, num_classes=25, width=16)
    labels = T(np.arange(5, dtype="int32"))
    samples = g([latent(5, 4), labels])
    assert tuple(samples.shape) == (5, 2)
    assert tuple(d([samples, labels]).shape) == (5, 1)
    assert sum(isinstance(l, keras.layers.Dense) for l in g.layers) == 4
    assert tuple(d.get_layer("sample_and_label").output.shape) == (None, 2 + 25)


def test_mixed_precision_keeps_float32_outputs():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        g = networks.dcgan_generator(8, (8, 8, 3), num_classes=3, filters=4)
        d = networks.dcgan_discriminator((8, 8, 3), num_classes=3, filters=4)
        labels = T(np.array([0, 2], "int32"))
        images = g([latent(2, 8), labels])
        logits = d([images, labels])
    finally:
        keras.config.set_dtype_policy(previous)
    assert keras.backend.standardize_dtype(images.dtype) == "float32"
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"


def test_invalid_arguments():
    with pytest.raises(ValueError, match="`num_classes` must be a positive integer"):
        networks.dcgan_generator(8, (8, 8, 1), num_classes=0)
    with pytest.raises(ValueError, match="`embedding_dim`"):
        networks.mlp_generator(8, 2, num_classes=3, embedding_dim=-1)
    with pytest.raises(ValueError, match="side 28"):
        networks.dcgan_discriminator((10, 10, 1), num_classes=3)
    with pytest.raises(ValueError, match="'relu', 'leaky_relu'"):
        networks.dcgan_generator(8, (8, 8, 1), num_classes=3, activation="tanh")


def test_round_trip_through_keras_file(tmp_path):
    d = networks.dcgan_discriminator((8, 8, 1), num_classes=3, filters=4)
    path = tmp_path / "d.keras"
    d.save(path)
    x = [T(np.ones((2, 8, 8, 1), "float32")), T(np.array([0, 2], "int32"))]
    np.testing.assert_allclose(
        numpy(keras.models.load_model(path)(x)), numpy(d(x)), rtol=1e-5, atol=1e-6
    )
