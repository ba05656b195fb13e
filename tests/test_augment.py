"""DiffAugment: identity at strength 0, the documented transforms, differentiable."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import augment

IMAGES = np.random.default_rng(0).uniform(-1, 1, size=(6, 8, 8, 3)).astype("float32")


def run(layer, x, seed=0):
    return keras.ops.convert_to_numpy(layer(x, seed=keras.random.SeedGenerator(seed)))


def test_strength_zero_is_the_identity():
    layer = augment.DiffAugment(strength=0.0)
    np.testing.assert_allclose(run(layer, IMAGES), IMAGES, atol=1e-6)


def test_vectors_pass_through_unchanged():
    x = np.ones((4, 2), "float32")
    np.testing.assert_array_equal(run(augment.DiffAugment(), x), x)


def test_translation_shifts_whole_images_with_zero_fill():
    out = run(augment.DiffAugment("translation", translation=0.25), IMAGES)
    for image, shifted in zip(IMAGES, out):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if np.array_equal(shifted, _shift(image, dy, dx))]
        assert matches, "each output is a shift of its input by at most 2 pixels"
    assert any(not np.array_equal(a, b) for a, b in zip(IMAGES, out))


def _shift(image, dy, dx):
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[i, j] = image[i - dy, j - dx]
    return out


def test_cutout_zeroes_one_square_of_half_the_side():
    ones = np.ones((200, 8, 8, 1), "float32")
    out = run(augment.DiffAugment("cutout"), ones)[..., 0]
    zeros = (out == 0).sum(axis=(1, 2))
    # A 4x4 square, clipped where it crosses the border.
    assert zeros.max() == 16 and zeros.min() >= 4
    assert set(np.unique(out)) <= {0.0, 1.0}


def test_color_changes_brightness_saturation_contrast_per_image():
    out = run(augment.DiffAugment("color"), IMAGES)
    assert out.shape == IMAGES.shape
    assert not np.allclose(out, IMAGES)
    # One affine map of the pixel values per image and channel mean: the
    # ordering of the pixels of a grey image is kept.
    grey = np.repeat(IMAGES[..., :1], 3, axis=-1)
    grey_out = run(augment.DiffAugment("color"), grey)
    np.testing.assert_allclose(grey_out[..., 0], grey_out[..., 1], atol=1e-5)


def test_translation_and_cutout_are_linear_with_the_transposed_gradient():
    # With the random draws fixed, y = A x; then <A x, v> = <x, grad> where
    # grad = d<A x, v>/dx = A^T v, which holds only if gradients flow right.
    layer = augment.DiffAugment("translation,cutout")
    x = tf.constant(IMAGES)
    v = tf.constant(np.random.default_rng(1).normal(size=IMAGES.shape).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, seed=keras.random.SeedGenerator(3))
        inner = tf.reduce_sum(y * v)
    grad = tape.gradient(inner, x)
    np.testing.assert_allclose(float(inner), float(tf.reduce_sum(x * grad)), rtol=1e-4)
    assert float(tf.reduce_max(tf.abs(grad))) > 0


def test_colour_is_differentiable():
    x = tf.constant(IMAGES)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = augment.DiffAugment("color")(x, seed=keras.random.SeedGenerator(0))
        energy = tf.reduce_sum(y ** 2)
    grad = tape.gradient(energy, x)
    assert np.all(np.isfinite(grad.numpy())) and float(tf.reduce_max(tf.abs(grad))) > 0


def test_the_gan_augments_what_d_sees_and_the_strength_can_be_scheduled():
    generator = keras_gans.networks.dcgan_generator(4, (8, 8, 1), filters=4)
    discriminator = keras_gans.networks.dcgan_discriminator((8, 8, 1), filters=4)
    gan = keras_gans.GAN(generator, discriminator, 4, augment="translation", seed=0)
    x = np.ones((4, 8, 8, 1), "float32")
    assert not np.allclose(keras.ops.convert_to_numpy(gan.discriminator_input(x)), x)
    gan.augment.strength.assign(0.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gan.discriminator_input(x)), x)
    schedule = keras_gans.callbacks.VariableSchedule("augment.strength", 1.0, 0.5, epochs=1)
    gan.compile()
    history = gan.fit(np.zeros((8, 8, 8, 1), "float32"), batch_size=4, epochs=2, verbose=0,
                      callbacks=[schedule])
    np.testing.assert_allclose(history.history["augment.strength"], [1.0, 0.5])


@pytest.mark.parametrize("kwargs, message", [
    ({"policy": "rotate"}, "augmentation policy"),
    ({"strength": 2.0}, "strength"),
    ({"cutout": -0.1}, "cutout"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        augment.DiffAugment(**kwargs)
