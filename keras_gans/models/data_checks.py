"""Checks that refuse bad training input before any work is done.

Each check raises a `ValueError` whose message says what was wrong and how to
fix it; the models call them from `__init__` and `fit`.
"""

import keras
import numpy as np

# Tolerance on the value-range check, as a fraction of the range: data that
# is a rounding error outside the range is fine, raw 0-255 pixels are not.
RANGE_TOLERANCE = 1e-3

_ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def output_activation_name(model):
    """Name of the activation applied last in `model` (None if unknown)."""
    # Layers without an activation (Reshape, Cropping) keep the range; the
    # last layer that has one decides it.
    for layer in reversed(model.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", str(activation))
    return None


def resolve_data_range(data_range, generator):
    """Turns the `data_range` argument into `(low, high)` or `None`.

    Args:
        data_range: `(low, high)`, `"auto"` or `None`.
        generator: The generator whose output activation `"auto"` reads.

    Returns:
        A `(low, high)` tuple of floats, or `None` for an unbounded output.
    """
    if data_range is None:
        return None
    if isinstance(data_range, str):
        if data_range != "auto":
            raise ValueError(
                f"Unknown data_range {data_range!r}: pass 'auto', None or a "
                "(low, high) tuple."
            )
        return _ACTIVATION_RANGES.get(output_activation_name(generator))
    low, high = (float(v) for v in data_range)
    if not low < high:
        raise ValueError(f"data_range must satisfy low < high; received {data_range}.")
    return (low, high)


def check_latent_dim(generator, latent_input, latent_dim, extra=0, extra_what=""):
    """Raises if the generator's latent input width differs from `latent_dim`.

    Args:
        extra: Width the model appends to the latents (InfoGAN's codes).
        extra_what: What the extra values are, for the message.
    """
    width = latent_input.shape[-1]
    if width is not None and extra and int(width) != int(latent_dim) + int(extra):
        raise ValueError(
            f"The generator's input has width {width} but the model feeds it "
            f"latent_dim + {extra} ({extra_what}) = {latent_dim + extra}. Build it "
            f"with latent_dim={latent_dim + extra}.")
    if width is not None and not extra and int(width) != int(latent_dim):
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator "
            f"{generator.name!r}, whose latent input has shape "
            f"{tuple(latent_input.shape)}. Pass latent_dim={width} or rebuild "
            f"the generator with latent_dim={latent_dim}."
        )


def check_same_shape(what_a, shape_a, what_b, shape_b, hint=""):
    """Raises if two per-example shapes (batch axis dropped) differ."""
    a, b = tuple(shape_a[1:]), tuple(shape_b[1:])
    if a != b:
        raise ValueError(
            f"Shape mismatch: {what_a} has per-example shape {a} but "
            f"{what_b} has {b}. Build both networks for the same data shape."
            f"{hint}"
        )


def symbolic_output(model):
    """The model's output structure as symbolic tensors (dicts kept).

    Functional models have `.output`; a `Sequential` built from an `Input`
    only answers through `compute_output_spec`.
    """
    try:
        return model.output
    except (AttributeError, ValueError):
        inputs = model.inputs
        return model.compute_output_spec(inputs[0] if len(inputs) == 1 else inputs)


def check_logit_output(logit, discriminator):
    """Raises unless D's adversarial output is one value per example.

    Args:
        logit: The symbolic real/fake output of the discriminator.
        discriminator: The discriminator (for the message).
    """
    shape = tuple(logit.shape[1:])
    if shape not in ((), (1,)):
        raise ValueError(
            f"The discriminator {discriminator.name!r} returns real/fake outputs "
            f"of per-example shape {shape}, but the losses need one logit (or "
            "critic score) per example, shape (batch, 1). End it with "
            "Dense(1) and no activation (the keras_gans.networks builders do).")


def peek_batch(x, y=None):
    """Returns one batch of `fit`'s input without consuming it, or None.

    NumPy arrays and tensors are returned whole (checking them all is cheap
    next to training); a `tf.data.Dataset` yields its first element; Python
    generators cannot be peeked at and are not checked.
    """
    import tensorflow as tf

    if x is None:
        return None
    if isinstance(x, tf.data.Dataset):
        for element in x.take(1):
            return element
        raise ValueError("The training dataset is empty: it yielded no batch.")
    if isinstance(x, keras.utils.PyDataset):
        return x[0]
    if isinstance(x, (np.ndarray, tf.Tensor)) or hasattr(x, "__array__"):
        return x if y is None else (x, y)
    return None


def check_samples(samples, sample_shape, value_range):
    """Checks a batch of training samples against the generator's output.

    Args:
        samples: Array or tensor of shape `(batch,) + per-example shape`.
        sample_shape: The generator's output shape (batch axis first).
        value_range: `(low, high)` or None to skip the range check.

    Raises:
        ValueError: for a shape mismatch or values outside the range.
    """
    array = np.asarray(keras.ops.convert_to_numpy(samples))
    expected = tuple(sample_shape[1:])
    got = tuple(array.shape[1:])
    if got != expected:
        hint = ""
        if got + (1,) == expected:
            hint = " Add the channel axis, e.g. x[..., None]."
        raise ValueError(
            f"Training data has per-example shape {got} but the generator "
            f"outputs {expected}.{hint} Either reshape the data or build the "
            "networks for this shape."
        )
    if value_range is None or array.size == 0:
        return
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"Training data must be numeric; got dtype {array.dtype}.")
    low, high = value_range
    lo, hi = float(array.min()), float(array.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("Training data contains NaN or infinite values.")
    slack = RANGE_TOLERANCE * (high - low)
    if lo < low - slack or hi > high + slack:
        raise ValueError(
            f"Training data values span [{lo:g}, {hi:g}] but the generator's "
            f"output covers [{low:g}, {high:g}]. Rescale the data to that range "
            "(for 0-255 pixels: x / 127.5 - 1 for tanh, x / 255 for sigmoid; "
            "keras_gans.datasets.load(..., value_range=...) does it), or pass "
            "data_range= to the model if the generator's range differs."
        )


def check_input_count(model, role, count, layout):
    """Raises unless `model` takes exactly `count` inputs."""
    got = len(model.inputs or [])
    if got != count:
        raise ValueError(
            f"The {role} {model.name!r} takes {got} input(s) but this model "
            f"needs {count}: {layout}. Build it with the matching "
            "keras_gans.networks builder.")


def check_labels(labels, num_classes, num_examples):
    """Checks class ids: integers in `[0, num_classes)`, one per example.

    Raises:
        ValueError: naming the offending values and the valid range.
    """
    array = np.asarray(keras.ops.convert_to_numpy(labels))
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or len(array) != num_examples:
        raise ValueError(
            f"Labels must be one class id per example, shape ({num_examples},); "
            f"got shape {array.shape}. One-hot labels? Use labels.argmax(-1).")
    if array.size == 0:
        return
    if not np.all(np.equal(np.mod(array, 1), 0)):
        raise ValueError("Labels must be integer class ids; got fractional values.")
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"Labels must lie in [0, {num_classes}) for num_classes={num_classes}; "
            f"got values in [{low}, {high}]. Check num_classes or remap the labels.")


def check_heads(model, expected, model_name, builder_hint):
    """Raises unless `model` returns a dict holding each expected head.

    Args:
        model: The multi-head discriminator.
        expected: Dict of output name -> width, e.g. `{"class_logits": 10}`.
        model_name: The GAN variant that needs the heads (for the message).
        builder_hint: How to build a fitting discriminator.
    """
    outputs = symbolic_output(model)
    for name, width in expected.items():
        if not isinstance(outputs, dict) or name not in outputs:
            raise ValueError(
                f"{model_name} needs a discriminator returning a dict with "
                f"'logit' and {sorted(expected)}; build it with {builder_hint}.")
        got = outputs[name].shape[-1]
        if got != width:
            raise ValueError(
                f"The discriminator's {name!r} head has {got} outputs; "
                f"{model_name} expects {width}.")
