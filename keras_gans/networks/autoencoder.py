"""The autoencoder-shaped generator of TRICKS 3.4.

The field guide suggests, among "other architectures", a generator shaped
like an autoencoder: the latent vector passes through a narrowing path (the
"encoder"), a bottleneck, and a mirror-image widening path (the "decoder")
before the output layer. The bottleneck forces the generator to route all
variation through a few units, a different inductive bias from the
constant-width or only-widening (DCGAN) generators.
"""

import numbers

import keras

from keras_gans import checks
from keras_gans.networks import common
from keras_gans.networks.dcgan import dcgan_upsampling_stack


def autoencoder_generator(
    latent_dim,
    output_shape,
    *,
    width=256,
    depth=2,
    activation="relu",
    dropout=0.0,
    batch_norm=True,
    kernel_initializer="glorot_normal",
    output_activation="auto",
    filters=64,
    kernel_size=4,
    name="generator",
):
    """Builds a generator with an hourglass (bottleneck) dense path.

    Dense widths, for `width=256, depth=2`: 256 -> 128 -> 64 (bottleneck)
    -> 128 -> 256; in general `width / 2**i` for `i = 0..depth` and back,
    `2 * depth + 1` hidden `Dense` blocks (each with optional batch norm,
    the activation and optional dropout). Then:

    - vector output (`output_shape` an int): `Dense(output_shape)` and the
      output activation;
    - image output (`output_shape` a `(side, side, channels)` tuple): the
      upsampling layers of `dcgan_generator` (projection to 4x4 or 7x7,
      stride-2 transposed convolutions with `filters`), so the whole network
      is a dense autoencoder feeding a convolutional decoder.

    Args:
        latent_dim: int, size of `z`.
        output_shape: int (vector samples, e.g. 2 for the 2D mixtures) or an
            image shape `(side, side, channels)` with side 28 or 8..64.
        width: int, width of the outermost hidden layers; must be at least
            `2**depth` so the bottleneck keeps a unit.
        depth: int >= 1, number of halvings from `width` to the bottleneck.
        activation: hidden activation: `"relu"`, `"leaky_relu"` or (vector
            output only) `"tanh"`.
        dropout: dropout rate after every hidden activation.
        batch_norm: whether hidden layers use `BatchNormalization`.
        kernel_initializer: initializer of every kernel (Glorot normal).
        output_activation: `"auto"` (linear for vectors, `"tanh"` for
            images), `None` (vectors only), `"tanh"` or `"sigmoid"`.
        filters: int, image output only: `filters` of `dcgan_generator`.
        kernel_size: int, image output only: transposed-convolution kernel.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` (input name
        `"latent"`) to float32 `(batch, output_shape)` vectors or
        `(batch, side, side, channels)` images.

    Example:

    >>> g = autoencoder_generator(256, 2, width=128, depth=2)
    >>> [l.units for l in g.layers if isinstance(l, keras.layers.Dense)]
    [128, 64, 32, 64, 128, 2]
    """
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    width = checks.positive_int("width", width)
    depth = checks.positive_int("depth", depth)
    dropout = checks.rate("dropout", dropout)
    checks.initializer("kernel_initializer", kernel_initializer)
    batch_norm = checks.boolean("batch_norm", batch_norm)
    if width < 2**depth:
        raise ValueError(
            f"`width`={width} is too narrow for `depth`={depth}: halving it "
            f"{depth} times leaves no unit. Use width >= {2**depth} or a "
            "smaller depth."
        )
    is_image = not isinstance(output_shape, numbers.Integral)
    if is_image:
        common.image_plan(output_shape)
        checks.choice("activation", activation, common.CONV_ACTIVATIONS)
        if output_activation == "auto":
            output_activation = "tanh"
        checks.choice(
            "output_activation", output_activation, common.IMAGE_OUTPUT_ACTIVATIONS
        )
    else:
        output_shape = checks.positive_int("output_shape", output_shape)
        checks.choice("activation", activation, common.DENSE_ACTIVATIONS)
        if output_activation == "auto":
            output_activation = None
        checks.choice(
            "output_activation", output_activation, common.VECTOR_OUTPUT_ACTIVATIONS
        )

    widths = [width // 2**i for i in range(depth + 1)]
    widths += widths[-2::-1]  # Mirror without repeating the bottleneck.
    stages = (
        [f"encode_{i}" for i in range(1, depth + 1)]
        + ["bottleneck"]
        + [f"decode_{i}" for i in range(1, depth + 1)]
    )
    latent = keras.Input((latent_dim,), name="latent")
    x = latent
    for units, stage in zip(widths, stages):
        x = keras.layers.Dense(
            units,
            # A bias right before batch norm is cancelled by its mean.
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            name=f"{stage}_dense",
        )(x)
        x = common.normalize_activate(
            x, stage, batch_norm=batch_norm, activation=activation, dropout=dropout
        )

    if is_image:
        outputs = dcgan_upsampling_stack(
            x,
            output_shape,
            filters=filters,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            kernel_initializer=kernel_initializer,
            output_activation=output_activation,
            kernel_size=kernel_size,
        )
    else:
        x = keras.layers.Dense(
            output_shape, kernel_initializer=kernel_initializer, name="output_dense"
        )(x)
        outputs = common.float32_output(output_activation, name="output")(x)
    return keras.Model(latent, outputs, name=name)
