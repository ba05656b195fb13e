"""Small layer factories and constants shared by the network builders.

The builders validate every argument through `keras_gans.checks` before
building anything, so that a typo in a flagfile fails at construction time
with a message naming the valid choices, instead of deep inside Keras with a
shape or lookup error.
"""

import math

import keras

from keras_gans import checks

# LeakyReLU slope used by DCGAN (Radford et al., 2016) and most GAN code since.
LEAKY_RELU_SLOPE = 0.2

CONV_ACTIVATIONS = ("relu", "leaky_relu")
DENSE_ACTIVATIONS = ("relu", "leaky_relu", "tanh")
IMAGE_OUTPUT_ACTIVATIONS = ("tanh", "sigmoid")
VECTOR_OUTPUT_ACTIVATIONS = (None, "tanh", "sigmoid")

# Square image sides the convolutional builders support, mapped to
# (side of the first feature map, number of stride-2 resamplings).
_POWER_OF_TWO_SIDES = (8, 16, 32, 64)


def image_plan(image_shape):
    """Checks a square image shape and plans the builders' resampling path.

    Args:
        image_shape: `(height, width, channels)`; height == width and the side
            is 28 or a power of two from 8 to 64.

    Returns:
        `(side, channels, start_side, num_resamplings)`: a 28-pixel image
        starts from a 7x7 feature map and is resampled twice; a power-of-two
        image starts from 4x4 and is resampled `log2(side / 4)` times.
    """
    side, channels = checks.square_image_shape(image_shape, (28,) + _POWER_OF_TWO_SIDES)
    if side == 28:
        return side, channels, 7, 2
    return side, channels, 4, int(math.log2(side // 4))


def activation_layer(activation, name):
    """Returns a fresh stock Keras layer for a hidden activation name.

    Stock layers only, so that models built from them save to `.keras` and
    reload without custom objects.

    Args:
        activation: one of `"relu"`, `"leaky_relu"` (slope 0.2) or `"tanh"`.
        name: layer name.

    Returns:
        A `keras.layers.Layer`.
    """
    if activation == "relu":
        return keras.layers.ReLU(name=name)
    if activation == "leaky_relu":
        return keras.layers.LeakyReLU(negative_slope=LEAKY_RELU_SLOPE, name=name)
    if activation == "tanh":
        return keras.layers.Activation("tanh", name=name)
    raise ValueError(
        f"Invalid activation {activation!r}. Valid options: "
        f"{', '.join(repr(a) for a in DENSE_ACTIVATIONS)}."
    )


def float32_output(activation, name):
    """Final activation computed in float32.

    Under a mixed-precision policy the hidden layers run in float16/bfloat16;
    the output is cast back so that losses, samples and metrics see float32.

    Args:
        activation: `None` (identity), `"tanh"` or `"sigmoid"`.
        name: layer name.

    Returns:
        A `keras.layers.Activation` with `dtype="float32"`.
    """
    return keras.layers.Activation(
        activation or "linear", dtype="float32", name=name
    )


def normalize_activate(x, prefix, *, batch_norm, activation, dropout):
    """Applies the optional batch norm, the activation and optional dropout.

    This is the tail every hidden layer of the builders shares, in the order
    of the DCGAN paper: normalise the pre-activation, apply the nonlinearity,
    then drop units (dropout used as noise, TRICKS 2.1).

    Args:
        x: the pre-activation tensor (output of a Dense or convolution layer).
        prefix: layer-name prefix, e.g. `"up_1"` gives `"up_1_bn"`,
            `"up_1_act"`, `"up_1_dropout"`.
        batch_norm: whether to insert `BatchNormalization`.
        activation: hidden activation name (see `activation_layer`).
        dropout: dropout rate; 0 adds no layer.

    Returns:
        The output tensor.
    """
    if batch_norm:
        x = keras.layers.BatchNormalization(name=f"{prefix}_bn")(x)
    x = activation_layer(activation, name=f"{prefix}_act")(x)
    if dropout > 0.0:
        x = keras.layers.Dropout(dropout, name=f"{prefix}_dropout")(x)
    return x


def maybe_spectral_norm(layer, spectral_norm):
    """Wraps `layer` in `keras.layers.SpectralNormalization` when asked.

    Spectral normalisation (Miyato et al. 2018) divides the kernel by its
    largest singular value, estimated by one power iteration per training
    call, so that each layer is 1-Lipschitz. The wrapper takes the layer's
    name and the inner layer gets `"<name>_kernel"`; its dtype policy follows
    the layer's, so a float32 logit stays float32.
    """
    if not spectral_norm:
        return layer
    name = layer.name
    layer.name = f"{name}_kernel"
    return keras.layers.SpectralNormalization(
        layer, name=name, dtype=layer.dtype_policy)


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchStdDev(keras.layers.Layer):
    """Appends the batch's feature standard deviation as one extra channel.

    Karras et al. 2018 ("Progressive Growing of GANs", section 3): the batch
    is split into groups of `group_size` examples; within each group the
    standard deviation of every feature over the group's examples is
    averaged into one number, which is appended to each of the group's
    examples as an extra channel (images) or feature (vectors). A collapsed
    generator produces batches whose spread is visibly smaller than the
    data's, which D can then see.

    Groups are `group_size` examples apart in the batch (example `i` belongs
    to group `i % (batch // group_size)`); a batch that is not a multiple of
    `group_size` is treated as one group.

    Args:
        group_size: Examples per group (4 in the paper).
        epsilon: Added to the variance before the square root.
    """

    def __init__(self, group_size=4, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.group_size = checks.positive_int("group_size", group_size)
        self.epsilon = checks.positive("epsilon", epsilon)

    def call(self, x):
        from keras import ops

        batch = ops.shape(x)[0]
        group = ops.minimum(self.group_size, batch)
        group = ops.where(ops.equal(batch % group, 0), group, batch)
        features = tuple(x.shape[1:])
        values = ops.cast(x, "float32")
        grouped = ops.reshape(values, (group, -1) + features)
        variance = ops.var(grouped, axis=0)
        std = ops.sqrt(variance + self.epsilon)
        per_group = ops.mean(ops.reshape(std, (ops.shape(std)[0], -1)), axis=-1)
        # Example i belongs to group i % (batch // group).
        stat = ops.tile(per_group, (group,))
        stat = ops.reshape(stat, (-1,) + (1,) * len(features))
        stat = ops.broadcast_to(stat, (batch,) + features[:-1] + (1,))
        return ops.concatenate([x, ops.cast(stat, x.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size,
                "epsilon": self.epsilon}


def label_embedding(num_classes, embedding_dim, name="label"):
    """A class-label input and its `Embedding`, for conditional builders.

    Args:
        num_classes: Number of classes (labels in `[0, num_classes)`).
        embedding_dim: Width of the embedding; None uses `num_classes` (as
            wide as a one-hot code).

    Returns:
        `(label_input, embedded)`: the int32 `(batch,)` input named `name`
        and its `(batch, embedding_dim)` embedding.
    """
    num_classes = checks.positive_int("num_classes", num_classes)
    embedding_dim = (num_classes if embedding_dim is None
                     else checks.positive_int("embedding_dim", embedding_dim))
    label = keras.Input((), dtype="int32", name=name)
    embedded = keras.layers.Embedding(
        num_classes, embedding_dim, name="label_embedding")(label)
    return label, embedded
