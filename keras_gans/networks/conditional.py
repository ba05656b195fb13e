"""Class-conditional generators and discriminators (TRICKS 4.1).

Mirza and Osindero, "Conditional Generative Adversarial Nets", 2014
(https://arxiv.org/abs/1411.1784): both networks receive the class label.
Here a label enters through a learned `Embedding`:

- generators concatenate the label embedding to the latent vector, then run
  the unconditional network (`dcgan_generator` or `mlp_generator`) on it;
- the image discriminator embeds the label into a `side x side` plane
  appended to the image as one extra channel, so the very first convolution
  sees image and label together; the vector discriminator concatenates the
  embedding to the sample's features.

The image builders are `conditional_generator` / `conditional_discriminator`
(DCGAN bodies); the vector builders are `conditional_mlp_generator` /
`conditional_mlp_discriminator` (MLP bodies), mirroring `dcgan_*` / `mlp_*`.
Every model takes its inputs as a list `[x, labels]`, `labels` being int32
class indices of shape `(batch,)` in `[0, num_classes)`.
"""

import keras

from keras_gans.networks import common
from keras_gans.networks.dcgan import dcgan_downsampling_stack
from keras_gans.networks.dcgan import dcgan_upsampling_stack
from keras_gans.networks.mlp import mlp_body


def conditional_generator(
    latent_dim,
    num_classes,
    image_shape,
    *,
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
    """Builds a DCGAN generator conditioned on a class label.

    `Embedding(num_classes, embedding_dim)` of the label is concatenated to
    `z`, and the result goes through the layers of `dcgan_generator`.

    Args:
        latent_dim: int, size of `z`.
        num_classes: int, number of classes.
        image_shape: `(side, side, channels)`; side 28 or 8, 16, 32, 64.
        embedding_dim: int, size of the label embedding; None uses
            `num_classes` (as wide as a one-hot code).
        filters, depth, activation, dropout, batch_norm, kernel_initializer,
            output_activation, kernel_size, dense_units: as in
            `dcgan_generator`.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `[z (batch, latent_dim) float,
        labels (batch,) int32]` (input names `"latent"`, `"label"`) to
        float32 images `(batch, side, side, channels)`.

    Example:

    >>> g = conditional_generator(64, 10, (28, 28, 1), filters=32)
    >>> images = g([keras.random.normal((2, 64)), keras.ops.array([3, 7])])
    >>> tuple(images.shape)
    (2, 28, 28, 1)
    """
    latent, label, x = _latent_and_label(latent_dim, num_classes, embedding_dim)
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
    return keras.Model([latent, label], images, name=name)


def conditional_discriminator(
    image_shape,
    num_classes,
    *,
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
    """Builds a DCGAN discriminator conditioned on a class label.

    The label is embedded into `side * side` values, reshaped to a
    `(side, side, 1)` plane and appended to the image as an extra channel;
    the `(side, side, channels + 1)` result goes through the layers of
    `dcgan_discriminator`.

    Args:
        image_shape: `(side, side, channels)`; side 28 or 8, 16, 32, 64.
        num_classes: int, number of classes.
        filters, depth, activation, dropout, batch_norm, kernel_initializer,
            kernel_size, dense_units: as in `dcgan_discriminator`.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `[images, labels (batch,) int32]`
        (input names `"image"`, `"label"`) to float32 logits `(batch, 1)`.
    """
    side, channels, _, _ = common.check_image_shape(image_shape)
    num_classes = common.check_positive_int("num_classes", num_classes)
    image = keras.Input((side, side, channels), name="image")
    label = keras.Input((), dtype="int32", name="label")
    plane = keras.layers.Embedding(
        num_classes, side * side, name="label_embedding"
    )(label)
    plane = keras.layers.Reshape((side, side, 1), name="label_plane")(plane)
    x = keras.layers.Concatenate(name="image_and_label")([image, plane])
    features = dcgan_downsampling_stack(
        x,
        filters=filters,
        depth=depth,
        activation=activation,
        dropout=dropout,
        batch_norm=batch_norm,
        kernel_initializer=kernel_initializer,
        kernel_size=kernel_size,
        dense_units=dense_units,
    )
    logit = keras.layers.Dense(
        1, kernel_initializer=kernel_initializer, dtype="float32", name="logit"
    )(features)
    return keras.Model([image, label], logit, name=name)


def conditional_mlp_generator(
    latent_dim,
    num_classes,
    output_dim,
    *,
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
    """Builds a constant-width MLP generator conditioned on a class label.

    Args:
        latent_dim: int, size of `z`.
        num_classes: int, number of classes (8 for the ring, 25 for the
            grid, whose labels are mixture components).
        output_dim: int, size of a sample.
        embedding_dim: int, size of the label embedding; None uses
            `num_classes`.
        width, depth, activation, dropout, batch_norm, kernel_initializer,
            output_activation: as in `mlp_generator`.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `[z (batch, latent_dim), labels
        (batch,) int32]` (input names `"latent"`, `"label"`) to float32
        samples `(batch, output_dim)`.
    """
    output_dim = common.check_positive_int("output_dim", output_dim)
    common.check_choice(
        "output_activation", output_activation, common.VECTOR_OUTPUT_ACTIVATIONS
    )
    latent, label, x = _latent_and_label(latent_dim, num_classes, embedding_dim)
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
    return keras.Model([latent, label], samples, name=name)


def conditional_mlp_discriminator(
    input_dim,
    num_classes,
    *,
    embedding_dim=None,
    width=128,
    depth=2,
    activation="leaky_relu",
    dropout=0.0,
    batch_norm=False,
    kernel_initializer="glorot_normal",
    name="discriminator",
):
    """Builds a constant-width MLP discriminator conditioned on a class label.

    The label embedding is concatenated to the sample before the hidden
    layers of `mlp_discriminator`.

    Args:
        input_dim: int, size of a sample.
        num_classes: int, number of classes.
        embedding_dim: int, size of the label embedding; None uses
            `num_classes`.
        width, depth, activation, dropout, batch_norm, kernel_initializer: as
            in `mlp_discriminator`.
        name: model name.

    Returns:
        A functional `keras.Model` mapping `[samples (batch, input_dim),
        labels (batch,) int32]` (input names `"sample"`, `"label"`) to
        float32 logits `(batch, 1)`.
    """
    input_dim = common.check_positive_int("input_dim", input_dim)
    num_classes = common.check_positive_int("num_classes", num_classes)
    embedding_dim = _check_embedding_dim(embedding_dim, num_classes)
    sample = keras.Input((input_dim,), name="sample")
    label = keras.Input((), dtype="int32", name="label")
    embedded = keras.layers.Embedding(
        num_classes, embedding_dim, name="label_embedding"
    )(label)
    x = keras.layers.Concatenate(name="sample_and_label")([sample, embedded])
    x = mlp_body(
        x,
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
    return keras.Model([sample, label], logit, name=name)


def _check_embedding_dim(embedding_dim, num_classes):
    if embedding_dim is None:
        return num_classes
    return common.check_positive_int("embedding_dim", embedding_dim)


def _latent_and_label(latent_dim, num_classes, embedding_dim):
    """Generator inputs and the concatenation `[z, embedding(label)]`."""
    latent_dim = common.check_positive_int("latent_dim", latent_dim)
    num_classes = common.check_positive_int("num_classes", num_classes)
    embedding_dim = _check_embedding_dim(embedding_dim, num_classes)
    latent = keras.Input((latent_dim,), name="latent")
    label = keras.Input((), dtype="int32", name="label")
    embedded = keras.layers.Embedding(
        num_classes, embedding_dim, name="label_embedding"
    )(label)
    x = keras.layers.Concatenate(name="latent_and_label")([latent, embedded])
    return latent, label, x
