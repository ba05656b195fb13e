"""Constant-width multilayer-perceptron generator and discriminator.

Constant-width nets are one of the "other architectures" of TRICKS 3.4, and
the networks of the 2D-mixture protocol (BENCHMARKS.md Tier A, after VEEGAN,
Srivastava et al. 2017, https://arxiv.org/abs/1705.07761):
G: z (256) -> 2 x 128 tanh -> 2; D: 2 x 128 tanh -> 1.
"""

import keras

from keras_gans import checks
from keras_gans.networks import common
from keras_gans.networks.dcgan import latent_input


def mlp_generator(
    latent_dim,
    output_dim,
    *,
    num_classes=None,
    embedding_dim=None,
    width=128,
    depth=2,
    activation="relu",
    dropout=0.0,
    batch_norm=False,
    kernel_initializer="glorot_normal",
    output_activation=None,
    name="generator",
):
    """Builds a constant-width MLP generator.

    Layout: `depth` hidden blocks of `Dense(width)` (each followed by
    optional batch norm, the activation and optional dropout), then
    `Dense(output_dim)` and the output activation in float32.

    With `num_classes` the generator is class-conditional: it takes
    `[z, labels]` and concatenates a learned label embedding to `z`.

    Args:
        latent_dim: int, size of the latent vector `z`.
        output_dim: int, size of a generated sample (2 for the 2D mixtures).
        num_classes: None, or the number of classes of a conditional
            generator (8 for the ring and 25 for the grid, whose labels are
            mixture components).
        embedding_dim: Width of the label embedding; None uses `num_classes`.
        width: int, units of every hidden layer.
        depth: int >= 1, number of hidden layers (TRICKS 3.1).
        activation: hidden activation, `"relu"`, `"leaky_relu"` (slope 0.2)
            or `"tanh"` (the Tier A protocol).
        dropout: dropout rate after every hidden activation (TRICKS 2.1).
        batch_norm: whether hidden layers use `BatchNormalization`.
        kernel_initializer: initializer of every kernel; Glorot (Xavier)
            normal by default (TRICKS 1.6).
        output_activation: `None` (linear, for unbounded data such as the
            2D mixtures), `"tanh"` or `"sigmoid"`.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` (input name
        `"latent"`; with `num_classes`, `[latents, labels]`) to float32
        samples of shape `(batch, output_dim)`.

    Example:

    >>> g = mlp_generator(256, 2, activation="tanh")
    >>> tuple(g(keras.random.normal((4, 256))).shape)
    (4, 2)
    """
    output_dim = checks.positive_int("output_dim", output_dim)
    checks.choice(
        "output_activation", output_activation, common.VECTOR_OUTPUT_ACTIVATIONS
    )
    inputs, x = latent_input(latent_dim, num_classes, embedding_dim)
    x = mlp_body(
        x,
        width=width,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
    )
    x = keras.layers.Dense(
        output_dim, kernel_initializer=kernel_initializer, name="output_dense"
    )(x)
    samples = common.float32_output(output_activation, name="output")(x)
    return keras.Model(inputs, samples, name=name)


def mlp_discriminator(
    input_dim,
    *,
    num_classes=None,
    embedding_dim=None,
    pack=1,
    spectral_norm=False,
    minibatch_stddev=False,
    width=128,
    depth=2,
    activation="leaky_relu",
    dropout=0.0,
    batch_norm=False,
    kernel_initializer="glorot_normal",
    name="discriminator",
):
    """Builds a constant-width MLP discriminator returning one logit each.

    Layout: `depth` hidden blocks of `Dense(width)` (optional batch norm,
    activation, optional dropout), then `Dense(1)` in float32 without an
    activation: losses apply the sigmoid themselves.

    `spectral_norm`, `minibatch_stddev` and `pack` are as in
    `dcgan_discriminator` (the standard-deviation feature is appended before
    the last hidden block). With `num_classes`, D takes `[samples, labels]`
    and concatenates a learned label embedding to the sample.

    Args:
        input_dim: int, size of one sample.
        num_classes: None, or the number of classes of a conditional D.
        embedding_dim: Width of the label embedding; None uses `num_classes`.
        pack: Number of samples D judges at once (input width
            `pack * input_dim`).
        spectral_norm: Whether to spectrally normalise every kernel.
        minibatch_stddev: Whether to add the minibatch standard deviation.
        width: int, units of every hidden layer.
        depth: int >= 1, number of hidden layers.
        activation: hidden activation, `"leaky_relu"` (slope 0.2), `"relu"`
            or `"tanh"` (the Tier A protocol).
        dropout: dropout rate after every hidden activation (TRICKS 2.1).
        batch_norm: whether hidden layers use `BatchNormalization`.
        kernel_initializer: initializer of every kernel; Glorot (Xavier)
            normal by default (TRICKS 1.6).
        name: model name.

    Returns:
        A functional `keras.Model` mapping `(batch, pack * input_dim)` (input
        name `"sample"`; with `num_classes`, `[samples, labels]`) to float32
        logits of shape `(batch, 1)`.

    Example:

    >>> d = mlp_discriminator(2, activation="tanh")
    >>> tuple(d(keras.random.normal((4, 2))).shape)
    (4, 1)
    """
    input_dim = checks.positive_int("input_dim", input_dim)
    pack = checks.positive_int("pack", pack)
    checks.optional_positive_int("embedding_dim", embedding_dim)
    sample = keras.Input((input_dim * pack,), name="sample")
    inputs, x = sample, sample
    if num_classes is not None:
        label, embedded = common.label_embedding(num_classes, embedding_dim)
        x = keras.layers.Concatenate(name="sample_and_label")([sample, embedded])
        inputs = [sample, label]
    x = mlp_body(
        x,
        spectral_norm=spectral_norm,
        minibatch_stddev=minibatch_stddev,
        width=width,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
    )
    logit = common.maybe_spectral_norm(keras.layers.Dense(
        1, kernel_initializer=kernel_initializer, dtype="float32", name="logit"
    ), spectral_norm)(x)
    return keras.Model(inputs, logit, name=name)


def mlp_body(
    x,
    *,
    width,
    depth,
    activation,
    dropout,
    batch_norm,
    kernel_initializer,
    prefix="hidden",
    spectral_norm=False,
    minibatch_stddev=False,
):
    """Validates the MLP arguments and stacks the hidden blocks.

    Shared by every MLP-shaped builder (generators, discriminators, heads,
    encoders) so they validate and lay out hidden layers identically.

    Args:
        x: input tensor `(batch, features)`.
        width, depth, activation, dropout, batch_norm, kernel_initializer: as
            in `mlp_generator`.
        prefix: layer-name prefix; blocks are named `"{prefix}_1_dense"`, ...
        spectral_norm: Whether to spectrally normalise the kernels.
        minibatch_stddev: Whether to append the minibatch standard deviation
            before the last block.

    Returns:
        The output tensor of the last hidden block, `(batch, width)`.
    """
    width = checks.positive_int("width", width)
    depth = checks.positive_int("depth", depth)
    checks.choice("activation", activation, common.DENSE_ACTIVATIONS)
    dropout = checks.rate("dropout", dropout)
    checks.initializer("kernel_initializer", kernel_initializer)
    batch_norm = checks.boolean("batch_norm", batch_norm)
    spectral_norm = checks.boolean("spectral_norm", spectral_norm)
    minibatch_stddev = checks.boolean("minibatch_stddev", minibatch_stddev)
    for i in range(1, depth + 1):
        if minibatch_stddev and i == depth:
            x = common.MinibatchStdDev(name=f"{prefix}_minibatch_stddev")(x)
        x = common.maybe_spectral_norm(keras.layers.Dense(
            width,
            # A bias right before batch norm is cancelled by its mean.
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            name=f"{prefix}_{i}_dense",
        ), spectral_norm)(x)
        x = common.normalize_activate(
            x,
            f"{prefix}_{i}",
            batch_norm=batch_norm,
            activation=activation,
            dropout=dropout,
        )
    return x
