"""Gaussian encoders for a VAE used as generator (VAE-GAN, TRICKS 3.4).

Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014
(https://arxiv.org/abs/1312.6114): the encoder outputs the mean and the log
of the variance of a diagonal Gaussian `q(z | x)`; Larsen et al.,
"Autoencoding beyond pixels using a learned similarity metric", ICML 2016
(https://arxiv.org/abs/1512.09300) pair it with a GAN discriminator. The
decoder is any generator of this package (`dcgan_generator`,
`mlp_generator`).
"""

import keras

from keras_gans import checks
from keras_gans.networks import common
from keras_gans.networks.dcgan import dcgan_downsampling_stack
from keras_gans.networks.mlp import mlp_body


def dcgan_encoder(
    image_shape,
    latent_dim,
    *,
    filters=64,
    depth=None,
    activation="leaky_relu",
    dropout=0.0,
    batch_norm=True,
    kernel_initializer="glorot_normal",
    kernel_size=4,
    dense_units=None,
    name="encoder",
):
    """Builds a convolutional Gaussian encoder with the DCGAN body.

    The body is that of `dcgan_discriminator` (stride-2 convolutions, no
    batch norm on the first); two float32 `Dense(latent_dim)` heads give the
    posterior's mean and log-variance.

    Args:
        image_shape: `(side, side, channels)`; side 28 or 8, 16, 32, 64.
        latent_dim: int, size of `z`.
        filters, depth, activation, dropout, batch_norm, kernel_initializer,
            kernel_size, dense_units: as in `dcgan_discriminator`
            (Larsen et al. use `dense_units=2048`).
        name: model name.

    Returns:
        A functional `keras.Model` mapping images (input name `"image"`) to
        the list `[z_mean, z_log_var]`, each float32 `(batch, latent_dim)`
        (layer names `"z_mean"`, `"z_log_var"`).

    Example:

    >>> e = dcgan_encoder((28, 28, 1), 16, filters=32)
    >>> z_mean, z_log_var = e(keras.random.normal((2, 28, 28, 1)))
    >>> tuple(z_mean.shape), tuple(z_log_var.shape)
    ((2, 16), (2, 16))
    """
    side, channels, _, _ = common.image_plan(image_shape)
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    image = keras.Input((side, side, channels), name="image")
    features = dcgan_downsampling_stack(
        image,
        filters=filters,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
        kernel_size=kernel_size,
        dense_units=dense_units,
    )
    return keras.Model(
        image, _gaussian_heads(features, latent_dim, kernel_initializer), name=name
    )


def mlp_encoder(
    input_dim,
    latent_dim,
    *,
    width=128,
    depth=2,
    activation="relu",
    dropout=0.0,
    batch_norm=False,
    kernel_initializer="glorot_normal",
    name="encoder",
):
    """Builds a constant-width MLP Gaussian encoder.

    Args:
        input_dim: int, size of a sample.
        latent_dim: int, size of `z`.
        width, depth, activation, dropout, batch_norm, kernel_initializer: as
            in `mlp_generator`.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `(batch, input_dim)` samples
        (input name `"sample"`) to the list `[z_mean, z_log_var]`, each
        float32 `(batch, latent_dim)`.
    """
    input_dim = checks.positive_int("input_dim", input_dim)
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    sample = keras.Input((input_dim,), name="sample")
    features = mlp_body(
        sample,
        width=width,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
    )
    return keras.Model(
        sample, _gaussian_heads(features, latent_dim, kernel_initializer), name=name
    )


def _gaussian_heads(features, latent_dim, kernel_initializer):
    """`[z_mean, z_log_var]` from shared features, in float32.

    The log-variance head starts with a zero kernel so every posterior
    starts at unit variance: a random init can put log-variances of several
    units at step 0, whose `exp` makes the first KL terms and samples huge.
    """
    z_mean = keras.layers.Dense(
        latent_dim,
        kernel_initializer=kernel_initializer,
        dtype="float32",
        name="z_mean",
    )(features)
    z_log_var = keras.layers.Dense(
        latent_dim, kernel_initializer="zeros", dtype="float32", name="z_log_var"
    )(features)
    return [z_mean, z_log_var]
