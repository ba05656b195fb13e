"""Constant-width multilayer-perceptron generator and discriminator.

Constant-width nets are one of the "other architectures" of TRICKS 3.4, and
the networks of the 2D-mixture protocol (BENCHMARKS.md Tier A, after VEEGAN,
Srivastava et al. 2017, https://arxiv.org/abs/1705.07761):
G: z (256) -> 2 x 128 tanh -> 2; D: 2 x 128 tanh -> 1.
"""

import keras

from keras_gans.networks import common


def mlp_generator(
    latent_dim,
    output_dim,
    *,
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

    Args:
        latent_dim: int, size of the latent vector `z`.
        output_dim: int, size of a generated sample (2 for the 2D mixtures).
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
        `"latent"`) to float32 samples of shape `(batch, output_dim)`.

    Example:

    >>> g = mlp_generator(256, 2, activation="tanh")
    >>> tuple(g(keras.random.normal((4, 256))).shape)
    (4, 2)
    """
    latent_dim = common.check_positive_int("latent_dim", latent_dim)
    output_dim = common.check_positive_int("output_dim", output_dim)
    common.check_choice(
        "output_activation", output_activation, common.VECTOR_OUTPUT_ACTIVATIONS
    )
    latent = keras.Input((latent_dim,), name="latent")
    x = mlp_body(
        latent,
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
    return keras.Model(latent, samples, name=name)


def mlp_discriminator(
    input_dim,
    *,
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

    Args:
        input_dim: int, size of a sample.
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
        A functional `keras.Model` mapping `(batch, input_dim)` (input name
        `"sample"`) to float32 logits of shape `(batch, 1)`.

    Example:

    >>> d = mlp_discriminator(2, activation="tanh")
    >>> tuple(d(keras.random.normal((4, 2))).shape)
    (4, 1)
    """
    input_dim = common.check_positive_int("input_dim", input_dim)
    sample = keras.Input((input_dim,), name="sample")
    x = mlp_body(
        sample,
        width=width,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
    )
    logit = keras.layers.Dense(
        1, kernel_initializer=kernel_initializer, dtype="float32", name="logit"
    )(x)
    return keras.Model(sample, logit, name=name)


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
):
    """Validates the MLP arguments and stacks the hidden blocks.

    Shared by every MLP-shaped builder (generators, discriminators, heads,
    encoders) so they validate and lay out hidden layers identically.

    Args:
        x: input tensor `(batch, features)`.
        width, depth, activation, dropout, batch_norm, kernel_initializer: as
            in `mlp_generator`.
        prefix: layer-name prefix; blocks are named `"{prefix}_1_dense"`, ...

    Returns:
        The output tensor of the last hidden block, `(batch, width)`.
    """
    width = common.check_positive_int("width", width)
    depth = common.check_positive_int("depth", depth)
    common.check_choice("activation", activation, common.DENSE_ACTIVATIONS)
    dropout = common.check_rate("dropout", dropout)
    common.check_initializer(kernel_initializer)
    for i in range(1, depth + 1):
        x = keras.layers.Dense(
            width,
            # A bias right before batch norm is cancelled by its mean.
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            name=f"{prefix}_{i}_dense",
        )(x)
        x = common.normalize_activate(
            x,
            f"{prefix}_{i}",
            batch_norm=batch_norm,
            activation=activation,
            dropout=dropout,
        )
    return x
