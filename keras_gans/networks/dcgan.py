"""DCGAN generator and discriminator builders.

Radford, Metz and Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016
(https://arxiv.org/abs/1511.06434): strided (transposed) convolutions instead
of pooling, batch norm in both networks except G's output and D's input
layer, ReLU in G and LeakyReLU(0.2) in D, tanh output.
"""

import keras

from keras_gans import checks
from keras_gans.networks import common


def dcgan_generator(
    latent_dim,
    image_shape,
    *,
    num_classes=None,
    embedding_dim=None,
    filters=64,
    depth=None,
    activation="relu",
    dropout=0.0,
    batch_norm=True,
    kernel_initializer="glorot_normal",
    output_activation="tanh",
    kernel_size=4,
    dense_units=None,
    name="generator",
):
    """Builds a DCGAN generator mapping latent vectors to images.

    Layout for `image_shape=(64, 64, 3)` and `filters=64` (the DCGAN paper's
    network): `Dense` projection to 4x4x512, then stride-2 transposed
    convolutions to 8x8x256, 16x16x128, 32x32x64 and 64x64x3. In general a
    power-of-two side `s` starts from 4x4 with `filters * 2**(n - 1)` channels
    and is upsampled `n = log2(s / 4)` times, halving the channels each time;
    side 28 starts from 7x7x(2 * filters) and is upsampled twice
    (7 -> 14 -> 28). Every hidden layer is followed by optional batch norm,
    the activation and optional dropout; the last layer has no batch norm.

    With `num_classes`, the generator is class-conditional (Mirza &
    Osindero 2014; TRICKS 4.1): it takes `[z, labels]` and concatenates a
    learned `Embedding` of the label to `z` before the first layer.

    Args:
        latent_dim: int, size of the latent vector `z`.
        image_shape: `(side, side, channels)`; side 28 or 8, 16, 32, 64.
        num_classes: None, or the number of classes of a conditional
            generator (int32 labels in `[0, num_classes)`).
        embedding_dim: Width of the label embedding; None uses `num_classes`.
        filters: int, channels of the last hidden feature map; earlier maps
            have `filters` times a power of two.
        depth: `None` or int >= 0, the number of extra layers (TRICKS 3.1,
            "more generator layers"). Each extra layer is a stride-1 3x3
            convolution block (conv, optional batch norm, activation, optional
            dropout) with as many channels as the starting feature map,
            inserted at the starting resolution (4x4 or 7x7) right after the
            projection, where it adds depth at the lowest compute cost. `None`
            and 0 give the plain DCGAN network.
        activation: hidden activation, `"relu"` (DCGAN) or `"leaky_relu"`
            (slope 0.2), TRICKS 2.2.
        dropout: dropout rate after every hidden activation (TRICKS 2.1);
            0 adds no `Dropout` layer.
        batch_norm: whether hidden layers use `BatchNormalization`.
        kernel_initializer: initializer of every kernel; Glorot (Xavier)
            normal by default (TRICKS 1.6).
        output_activation: `"tanh"` for data in (-1, 1) or `"sigmoid"` for
            data in (0, 1) (TRICKS 1.1). Computed in float32 so that a
            mixed-precision model still returns float32 images.
        kernel_size: int, kernel size of the stride-2 transposed
            convolutions. 4 (the default) is divisible by the stride, which
            avoids the uneven overlap behind checkerboard artefacts.
        dense_units: `None` or int; if set, a hidden `Dense(dense_units)`
            block is inserted before the projection (the InfoGAN-style
            generator of Lucic et al. 2018 uses 1024).
        name: model name.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` float inputs
        (input name `"latent"`; with `num_classes`, the list `[latents,
        labels]`, input names `"latent"`, `"label"`) to
        `(batch, side, side, channels)` float32 images.

    Example:

    >>> g = dcgan_generator(100, (28, 28, 1), filters=32)
    >>> tuple(g(keras.random.normal((2, 100))).shape)
    (2, 28, 28, 1)
    """
    inputs, x = latent_input(latent_dim, num_classes, embedding_dim)
    images = dcgan_upsampling_stack(
        x,
        image_shape,
        filters=filters,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
        output_activation=output_activation,
        kernel_size=kernel_size,
        dense_units=dense_units,
    )
    return keras.Model(inputs, images, name=name)


def latent_input(latent_dim, num_classes=None, embedding_dim=None):
    """A generator's inputs and the tensor its layers start from.

    Returns:
        `(inputs, x)`: the latent input (or `[latent, label]` with
        `num_classes`) and `z` (or `[z, embedding(label)]` concatenated).
    """
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    checks.optional_positive_int("embedding_dim", embedding_dim)
    latent = keras.Input((latent_dim,), name="latent")
    if num_classes is None:
        return latent, latent
    label, embedded = common.label_embedding(num_classes, embedding_dim)
    x = keras.layers.Concatenate(name="latent_and_label")([latent, embedded])
    return [latent, label], x


def dcgan_upsampling_stack(
    x,
    image_shape,
    *,
    filters=64,
    depth=None,
    activation="relu",
    dropout=0.0,
    batch_norm=True,
    kernel_initializer="glorot_normal",
    output_activation="tanh",
    kernel_size=4,
    dense_units=None,
):
    """Validates the arguments and applies the generator's layers to `x`.

    The layers of `dcgan_generator` from its flat input to the images, for
    builders that put something before them (a label embedding, a bottleneck
    path). Arguments are as in `dcgan_generator`.

    Args:
        x: flat input tensor `(batch, features)`.

    Returns:
        The float32 image tensor `(batch, side, side, channels)`.
    """
    _, channels, start_side, num_up = common.image_plan(image_shape)
    filters = checks.positive_int("filters", filters)
    depth = checks.integer("depth", depth, minimum=0, allow_none=True) or 0
    checks.choice("activation", activation, common.CONV_ACTIVATIONS)
    dropout = checks.rate("dropout", dropout)
    checks.choice(
        "output_activation", output_activation, common.IMAGE_OUTPUT_ACTIVATIONS
    )
    checks.initializer("kernel_initializer", kernel_initializer)
    kernel_size = checks.positive_int("kernel_size", kernel_size)
    if dense_units is not None:
        checks.positive_int("dense_units", dense_units)
    batch_norm = checks.boolean("batch_norm", batch_norm)
    tail = dict(batch_norm=batch_norm, activation=activation, dropout=dropout)
    # A bias right before batch norm is cancelled by its mean subtraction.
    use_bias = not batch_norm

    if dense_units is not None:
        x = keras.layers.Dense(
            dense_units,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            name="dense",
        )(x)
        x = common.normalize_activate(x, "dense", **tail)

    start_filters = filters * 2 ** (num_up - 1)
    x = keras.layers.Dense(
        start_side * start_side * start_filters,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        name="project",
    )(x)
    # Reshape before batch norm so statistics are per channel, as for the
    # convolutions, not per (position, channel) unit.
    x = keras.layers.Reshape(
        (start_side, start_side, start_filters), name="project_reshape"
    )(x)
    x = common.normalize_activate(x, "project", **tail)

    for i in range(1, depth + 1):
        x = keras.layers.Conv2D(
            start_filters,
            3,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            name=f"extra_{i}_conv",
        )(x)
        x = common.normalize_activate(x, f"extra_{i}", **tail)

    for i in range(1, num_up):
        x = keras.layers.Conv2DTranspose(
            filters * 2 ** (num_up - 1 - i),
            kernel_size,
            strides=2,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            name=f"up_{i}_conv",
        )(x)
        x = common.normalize_activate(x, f"up_{i}", **tail)

    x = keras.layers.Conv2DTranspose(
        channels,
        kernel_size,
        strides=2,
        padding="same",
        kernel_initializer=kernel_initializer,
        name="output_conv",
    )(x)
    return common.float32_output(output_activation, name="output")(x)


def dcgan_discriminator(
    image_shape,
    *,
    num_classes=None,
    pack=1,
    spectral_norm=False,
    minibatch_stddev=False,
    filters=64,
    depth=None,
    activation="leaky_relu",
    dropout=0.0,
    batch_norm=True,
    kernel_initializer="glorot_normal",
    kernel_size=4,
    dense_units=None,
    name="discriminator",
):
    """Builds a DCGAN discriminator mapping images to one logit each.

    Layout for `image_shape=(64, 64, 3)` and `filters=64` (the DCGAN paper's
    network): stride-2 convolutions to 32x32x64, 16x16x128, 8x8x256 and
    4x4x512, then `Flatten` and `Dense(1)`. In general the image is
    downsampled to 4x4 (7x7 for side 28), doubling the channels from
    `filters` at each step. The first convolution has no batch norm (DCGAN
    paper: normalising the input layer made training unstable).

    The output is a logit (no sigmoid): losses apply the sigmoid themselves,
    which is numerically safer, and WGAN critics need the raw score. Use
    `batch_norm=False` for a WGAN-GP critic: batch norm couples examples,
    which the per-example gradient penalty assumes they are not.

    Stabilisers beyond the guide are arguments too: `spectral_norm` wraps
    every convolution and dense layer (the logit included) in
    `keras.layers.SpectralNormalization` (Miyato et al. 2018);
    `minibatch_stddev` appends the batch's feature standard deviation as an
    extra channel before the last stride-2 convolution
    (`networks.common.MinibatchStdDev`, Karras et al. 2018); `pack=k` builds
    D for PacGAN's packed input of k images concatenated along the channels
    (`GAN(pack=k)`, Lin et al. 2018). With `num_classes`, D is conditional:
    it takes `[images, labels]` and appends a learned `side x side`
    embedding of the label to the image as one extra channel, so the very
    first convolution sees image and label together.

    Args:
        image_shape: `(side, side, channels)` of one sample; side 28 or 8,
            16, 32, 64.
        num_classes: None, or the number of classes of a conditional D.
        pack: Number of samples D judges at once (input channels
            `pack * channels`).
        spectral_norm: Whether to spectrally normalise every kernel.
        minibatch_stddev: Whether to add the minibatch standard deviation
            channel.
        filters: int, channels of the first convolution.
        depth: `None` or int >= 0, the number of extra layers. Each is a
            stride-1 3x3 convolution block (conv, optional batch norm,
            activation, optional dropout) with the last convolution's
            channels, inserted at the lowest resolution before `Flatten`.
            `None` and 0 give the plain DCGAN network.
        activation: hidden activation, `"leaky_relu"` (DCGAN, slope 0.2) or
            `"relu"`.
        dropout: dropout rate after every hidden activation (TRICKS 2.1).
        batch_norm: whether hidden layers after the first use
            `BatchNormalization`.
        kernel_initializer: initializer of every kernel; Glorot (Xavier)
            normal by default (TRICKS 1.6).
        kernel_size: int, kernel size of the stride-2 convolutions.
        dense_units: `None` or int; if set, a hidden `Dense(dense_units)`
            block (with batch norm when `batch_norm`) is inserted after
            `Flatten` (the InfoGAN-style discriminator of Lucic et al. 2018
            uses 1024).
        name: model name.

    Returns:
        A functional `keras.Model` mapping `(batch, side, side, pack *
        channels)` images (input name `"image"`; with `num_classes`, the list
        `[images, labels]`) to float32 logits of shape `(batch, 1)`.

    Example:

    >>> d = dcgan_discriminator((28, 28, 1), filters=32)
    >>> tuple(d(keras.random.normal((2, 28, 28, 1))).shape)
    (2, 1)
    """
    side, channels, _, _ = common.image_plan(image_shape)
    pack = checks.positive_int("pack", pack)
    image = keras.Input((side, side, channels * pack), name="image")
    inputs, x = image, image
    if num_classes is not None:
        label, plane = common.label_embedding(num_classes, side * side)
        plane = keras.layers.Reshape((side, side, 1), name="label_plane")(plane)
        x = keras.layers.Concatenate(name="image_and_label")([image, plane])
        inputs = [image, label]
    features = dcgan_downsampling_stack(
        x,
        spectral_norm=spectral_norm,
        minibatch_stddev=minibatch_stddev,
        filters=filters,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
        kernel_size=kernel_size,
        dense_units=dense_units,
    )
    logit = common.maybe_spectral_norm(keras.layers.Dense(
        1, kernel_initializer=kernel_initializer, dtype="float32", name="logit"
    ), spectral_norm)(features)
    return keras.Model(inputs, logit, name=name)


def dcgan_downsampling_stack(
    x,
    *,
    spectral_norm=False,
    minibatch_stddev=False,
    filters=64,
    depth=None,
    activation="leaky_relu",
    dropout=0.0,
    batch_norm=True,
    kernel_initializer="glorot_normal",
    kernel_size=4,
    dense_units=None,
):
    """Validates the arguments and applies the discriminator's body to `x`.

    The layers of `dcgan_discriminator` from the images to the flat features,
    without the logit, shared by the conditional and multi-head
    discriminators and the encoders so that they all keep the DCGAN body.
    The number of stride-2 convolutions follows from `x`'s side. Arguments
    are as in `dcgan_discriminator`.

    Args:
        x: image tensor `(batch, side, side, channels)`.

    Returns:
        The flat feature tensor `(batch, features)`.
    """
    _, _, _, num_down = common.image_plan(tuple(x.shape[1:]))
    filters = checks.positive_int("filters", filters)
    depth = checks.integer("depth", depth, minimum=0, allow_none=True) or 0
    checks.choice("activation", activation, common.CONV_ACTIVATIONS)
    dropout = checks.rate("dropout", dropout)
    checks.initializer("kernel_initializer", kernel_initializer)
    kernel_size = checks.positive_int("kernel_size", kernel_size)
    if dense_units is not None:
        checks.positive_int("dense_units", dense_units)
    batch_norm = checks.boolean("batch_norm", batch_norm)
    spectral_norm = checks.boolean("spectral_norm", spectral_norm)
    minibatch_stddev = checks.boolean("minibatch_stddev", minibatch_stddev)

    def sn(layer):
        return common.maybe_spectral_norm(layer, spectral_norm)

    for i in range(1, num_down + 1):
        # DCGAN: no batch norm on the first layer, which sees the raw images.
        block_batch_norm = batch_norm and i > 1
        if minibatch_stddev and i == num_down:
            x = common.MinibatchStdDev(name="minibatch_stddev")(x)
        x = sn(keras.layers.Conv2D(
            filters * 2 ** (i - 1),
            kernel_size,
            strides=2,
            padding="same",
            use_bias=not block_batch_norm,
            kernel_initializer=kernel_initializer,
            name=f"down_{i}_conv",
        ))(x)
        x = common.normalize_activate(
            x,
            f"down_{i}",
            batch_norm=block_batch_norm,
            activation=activation,
            dropout=dropout,
        )
    last_filters = filters * 2 ** (num_down - 1)
    for i in range(1, depth + 1):
        x = sn(keras.layers.Conv2D(
            last_filters,
            3,
            padding="same",
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            name=f"extra_{i}_conv",
        ))(x)
        x = common.normalize_activate(
            x,
            f"extra_{i}",
            batch_norm=batch_norm,
            activation=activation,
            dropout=dropout,
        )
    x = keras.layers.Flatten(name="flatten")(x)
    if dense_units is not None:
        x = sn(keras.layers.Dense(
            dense_units,
            use_bias=not batch_norm,
            kernel_initializer=kernel_initializer,
            name="dense",
        ))(x)
        x = common.normalize_activate(
            x,
            "dense",
            batch_norm=batch_norm,
            activation=activation,
            dropout=dropout,
        )
    return x
