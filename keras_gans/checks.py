"""Every input check of keras_gans, in one place.

Every public entry point (model and loss constructors, `compile`, `fit`,
`generate`, the network builders, `datasets.load`, the metrics, the
callbacks, `export_generator`, `load_model`) calls these before doing any
work. Each check takes the argument's name, raises a `ValueError` whose
message names the argument, what was received and how to fix it, and
returns the value normalised (an `int`, a `float`, a tuple). A wrong type is
a `ValueError` too (a string where a number belongs, a float where an
integer belongs, an int where a flag belongs), so callers catch one class.

The module has four parts:

- argument checks: integers, finite numbers in a range, flags, choices,
  value ranges, image shapes, seeds;
- data checks on arrays, run up front: training samples, class ids,
  feature matrices, how many batches a `fit` call will find;
- network checks, run at construction: input counts, latent widths, shapes,
  D's logit, heads, label embeddings, batch norm;
- in-graph assertions for what only shows when a batch arrives (later
  batches of a `tf.data` pipeline, serving requests): small `tf.debugging`
  assertions whose messages start with `MARKER`, and `failed_assertion`,
  which turns TensorFlow's error back into the message.
"""

import math
import numbers
import os
import zipfile

import keras
import numpy as np

# Tolerance on the value-range check, as a fraction of the range: data that
# is a rounding error outside the range is fine, raw 0-255 pixels are not.
RANGE_TOLERANCE = 1e-3

# Every in-graph assertion message starts with this, so `fit` can tell its
# own failures from TensorFlow's and re-raise them as a plain ValueError.
MARKER = "keras_gans input check: "

_ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
# Output activations that turn D's logit into something the losses, which
# take raw logits, would silently misread.
_SQUASHING_ACTIVATIONS = ("sigmoid", "softmax", "tanh", "hard_sigmoid")


# ----------------------------------------------------------------------
# Arguments.
# ----------------------------------------------------------------------
def _is_bool(value):
    return isinstance(value, (bool, np.bool_))


def _scalar(value):
    """`value` as a Python scalar when it is a 0-d NumPy array, else itself."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def integer(name, value, minimum=None, allow_none=False):
    """Checks an integer argument (NumPy integers too; bools and floats refused).

    Args:
        name: The argument's name, for the message.
        value: The value passed.
        minimum: Smallest accepted value, or None.
        allow_none: Whether None is accepted (and returned).

    Returns:
        `value` as an `int` (or None).
    """
    value = _scalar(value)
    if value is None and allow_none:
        return None
    bound = "" if minimum is None else f" >= {minimum}"
    if minimum == 1:
        what = "a positive integer"
    else:
        what = f"an integer{bound}"
    if allow_none:
        what = f"None or {what}"
    if _is_bool(value) or not isinstance(value, numbers.Integral) or (
            minimum is not None and value < minimum):
        raise ValueError(f"`{name}` must be {what}. Received: {value!r}.")
    return int(value)


def positive_int(name, value):
    """An integer >= 1."""
    return integer(name, value, minimum=1)


def non_negative_int(name, value):
    """An integer >= 0."""
    return integer(name, value, minimum=0)


def optional_positive_int(name, value):
    """None or an integer >= 1."""
    return integer(name, value, minimum=1, allow_none=True)


def seed(name, value):
    """A random seed: None or an integer >= 0."""
    return integer(name, value, minimum=0, allow_none=True)


def number(name, value, minimum=None, maximum=None, *, exclusive_minimum=False,
           exclusive_maximum=False, allow_none=False, hint=""):
    """Checks a finite real number, optionally within bounds.

    Args:
        name: The argument's name.
        value: The value passed (ints, floats and NumPy scalars; bools,
            strings, NaN and infinities are refused).
        minimum, maximum: Bounds, or None.
        exclusive_minimum, exclusive_maximum: Whether the bounds are excluded.
        allow_none: Whether None is accepted (and returned).
        hint: Extra advice appended to the message.

    Returns:
        `value` as a `float` (or None).
    """
    value = _scalar(value)
    if value is None and allow_none:
        return None
    interval = ""
    if minimum is not None and maximum is not None:
        interval = (f" in {'(' if exclusive_minimum else '['}{minimum:g}, "
                    f"{maximum:g}{')' if exclusive_maximum else ']'}")
    elif minimum is not None:
        interval = f" {'>' if exclusive_minimum else '>='} {minimum:g}"
    elif maximum is not None:
        interval = f" {'<' if exclusive_maximum else '<='} {maximum:g}"
    what = f"a finite number{interval}"
    if allow_none:
        what = f"None or {what}"
    message = f"`{name}` must be {what}. Received: {value!r}.{hint and ' ' + hint}"
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise ValueError(message)
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(message)
    if minimum is not None and (value < minimum or exclusive_minimum and value == minimum):
        raise ValueError(message)
    if maximum is not None and (value > maximum or exclusive_maximum and value == maximum):
        raise ValueError(message)
    return value


def non_negative(name, value, **kwargs):
    """A finite number >= 0 (weights, standard deviations)."""
    return number(name, value, minimum=0.0, **kwargs)


def positive(name, value, **kwargs):
    """A finite number > 0."""
    return number(name, value, minimum=0.0, exclusive_minimum=True, **kwargs)


def probability(name, value, **kwargs):
    """A finite number in [0, 1]."""
    return number(name, value, minimum=0.0, maximum=1.0, **kwargs)


def rate(name, value):
    """A finite number in [0, 1) (a dropout rate, an EMA decay)."""
    return number(name, value, minimum=0.0, maximum=1.0, exclusive_maximum=True)


def boolean(name, value):
    """A flag: `True` or `False` (a string such as "no" would read as True)."""
    value = _scalar(value)
    if not _is_bool(value):
        raise ValueError(f"`{name}` must be True or False. Received: {value!r}.")
    return bool(value)


def choice(name, value, choices):
    """Raises unless `value` is one of `choices`; returns it."""
    try:
        valid = value in choices
    except TypeError:  # Unhashable values (lists, dicts) are not choices.
        valid = False
    if not valid:
        raise ValueError(
            f"Invalid `{name}`={value!r}. Valid options: "
            f"{', '.join(repr(c) for c in choices)}.")
    return value


def string(name, value, allow_none=False):
    """A string (a path, a name)."""
    if value is None and allow_none:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ValueError(
            f"`{name}` must be a {'string or None' if allow_none else 'string'}. "
            f"Received: {value!r}.")
    return value


def value_range(value, name="value_range"):
    """A data range: two finite numbers `(low, high)` with `low < high`.

    Returns:
        `(low, high)` as Python floats.
    """
    message = (
        f"`{name}` must be two finite numbers (low, high) with low < high, "
        "e.g. (-1, 1) for a tanh generator or (0, 1) for a sigmoid one. "
        f"Received: {value!r}.")
    if isinstance(value, (str, bytes, dict)):
        raise ValueError(message)
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ValueError(message) from None
    low, high = _scalar(low), _scalar(high)
    if any(_is_bool(v) or not isinstance(v, numbers.Real) for v in (low, high)):
        raise ValueError(message)
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(message)
    return low, high


def square_image_shape(image_shape, sides, name="image_shape"):
    """A square image shape `(side, side, channels)` with a supported side.

    Args:
        image_shape: The shape passed.
        sides: The sides accepted.

    Returns:
        `(side, channels)` as ints.
    """
    message = (
        f"`{name}` must be (side, side, channels) with side "
        f"{' or one of '.join([str(sides[0]), ', '.join(str(s) for s in sides[1:])])} "
        "and channels >= 1 (1 for grayscale, 3 for RGB). "
        f"Received: {image_shape!r}.")
    try:
        dims = tuple(_scalar(d) for d in image_shape)
    except TypeError:
        raise ValueError(message) from None
    if len(dims) != 3 or any(_is_bool(d) or not isinstance(d, numbers.Integral)
                             for d in dims):
        raise ValueError(message)
    height, width, channels = (int(d) for d in dims)
    if height != width or channels < 1 or height not in sides:
        raise ValueError(message)
    return height, channels


def initializer(name, value):
    """Fails early, with the argument's name, on an unknown initializer.

    Returns:
        `value`, unchanged, so each layer still resolves its own instance (a
        shared instance would be shared state across layers).
    """
    try:
        keras.initializers.get(value)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"Invalid `{name}`={value!r}: pass a Keras initializer name such as "
            "'glorot_normal' (the default) or 'he_normal', or a "
            f"`keras.initializers.Initializer`. ({err})") from None
    return value


# ----------------------------------------------------------------------
# Data, checked up front.
# ----------------------------------------------------------------------
def _as_array(values):
    return np.asarray(keras.ops.convert_to_numpy(values))


def _first_bad_example(array):
    bad = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
    return int(np.argmax(bad))


def training_samples(samples, sample_shape, value_range=None, name="Training data"):
    """Checks a batch (or the whole array) of training samples.

    Refuses an empty array, a per-example shape other than the generator's
    output, non-numeric values, NaN or infinite values (whatever the
    generator's range), and values outside `value_range` when it is given.

    Args:
        samples: Array or tensor of shape `(batch,) + per-example shape`.
        sample_shape: The generator's output shape (batch axis first).
        value_range: `(low, high)`, or None for an unbounded generator.
        name: What the samples are, for the message.
    """
    array = _as_array(samples)
    expected = tuple(sample_shape[1:])
    got = tuple(array.shape[1:])
    if got != expected:
        hint = ""
        if got + (1,) == expected:
            hint = " Add the channel axis, e.g. x[..., None]."
        raise ValueError(
            f"{name} has per-example shape {got} but the generator outputs "
            f"{expected}.{hint} Either reshape the data or build the networks "
            "for this shape.")
    if array.ndim == 0 or len(array) == 0:
        raise ValueError(
            f"{name} is empty (shape {array.shape}): `fit` needs at least one "
            "example. Check the array or the dataset's filtering.")
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"{name} must be numeric; got dtype {array.dtype}. Convert it, e.g. "
            "x.astype('float32').")
    lo, hi = float(array.min()), float(array.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(
            f"{name} contains NaN or infinite values (first in example "
            f"{_first_bad_example(array)}): D would learn nothing from them and "
            "every weight would become NaN. Remove or impute them before "
            "training.")
    if value_range is None:
        return
    low, high = value_range
    slack = RANGE_TOLERANCE * (high - low)
    if lo < low - slack or hi > high + slack:
        raise ValueError(
            f"{name} values span [{lo:g}, {hi:g}] but the generator's output "
            f"covers [{low:g}, {high:g}]. Rescale the data to that range (for "
            "0-255 pixels: x / 127.5 - 1 for tanh, x / 255 for sigmoid; "
            "keras_gans.datasets.load(..., value_range=...) does it), or pass "
            "data_range= to the model if the generator's range differs.")


def class_ids(labels, num_classes, num_examples, name="labels"):
    """Checks class ids: integers in `[0, num_classes)`, one per example.

    Args:
        labels: Array-like of ids, shape `(num_examples,)` or
            `(num_examples, 1)`.
        num_classes: Number of classes.
        num_examples: Number of examples the ids belong to.
        name: The argument's name.

    Returns:
        The ids as an int32 NumPy array of shape `(num_examples,)`.
    """
    array = _as_array(labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or len(array) != num_examples:
        raise ValueError(
            f"`{name}` must be one class id per example, shape "
            f"({num_examples},); got shape {array.shape}. One-hot labels? Use "
            "labels.argmax(-1).")
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"`{name}` must be integer class ids; got dtype {array.dtype}.")
    if array.size == 0:
        return array.astype("int32")
    if not np.all(np.isfinite(array)) or not np.all(np.equal(np.mod(array, 1), 0)):
        raise ValueError(
            f"`{name}` must be integer class ids; got fractional or non-finite "
            f"values (e.g. {array[~np.equal(np.mod(array, 1), 0)][:3].tolist()}).")
    low, high = array.min(), array.max()
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"`{name}` must lie in [0, {num_classes}) for num_classes="
            f"{num_classes}; got values in [{low:g}, {high:g}]. Check "
            "num_classes or remap the labels.")
    return array.astype("int32")


def finite_array(name, values, shape=None):
    """A float32 array of finite values (and of `shape`, when given)."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(values), dtype="float32")
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be numeric; received {values!r}.") from None
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"`{name}` must have shape {tuple(shape)}; got {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    return array


def positive_values(name, values):
    """Finite numbers > 0: a scalar (as a float) or an array (float64)."""
    if np.ndim(values) == 0:
        return positive(name, values)
    array = finite_array(name, values).astype(np.float64)
    if array.size == 0 or np.any(array <= 0):
        raise ValueError(f"`{name}` must hold numbers > 0; received {values!r}.")
    return array


def probability_rows(probabilities, name="probabilities", atol=1e-3):
    """`probabilities` as float64 (N, C), checking each row is a softmax."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(
            f"`{name}` must have shape (num_samples, num_classes); got {p.shape}.")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.allclose(
            p.sum(axis=1), 1.0, atol=atol):
        raise ValueError(
            f"`{name}` rows must be probability vectors (non-negative, summing "
            "to 1). If these are logits, apply keras.ops.softmax first; use "
            "the extractor's `probabilities` output, not its features.")
    return p


def feature_matrix(x, name, min_rows=1):
    """`x` as a finite float64 array of shape (num_samples, dim).

    Args:
        x: Array-like of shape (num_samples, dim); tensors are converted.
        name: Argument name used in error messages.
        min_rows: Smallest number of samples the caller can work with.
    """
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a numeric array; received "
                         f"{type(x).__name__}.") from None
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must have shape (num_samples, feature_dim); got shape "
            f"{array.shape}. Flatten images or pass extractor features "
            "(see keras_gans.evaluation.compute_features).")
    if array.shape[0] < min_rows:
        raise ValueError(
            f"`{name}` needs at least {min_rows} samples; got {array.shape[0]}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"`{name}` contains NaN or infinite values; the generator or the "
            "feature extractor produced non-finite outputs.")
    return array


def same_feature_dim(a, b, name_a, name_b):
    """Raises unless two feature matrices have the same width."""
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must have the same feature dimension; "
            f"got {a.shape[1]} and {b.shape[1]}. Extract both with the same "
            "extractor.")


def first_batch(x, y=None):
    """One batch of `fit`'s input without consuming it, or None.

    NumPy arrays and tensors are returned whole (checking them all is cheap
    next to training); a `tf.data.Dataset` yields its first element (through
    an extra iterator); a `PyDataset` its item 0; Python generators cannot be
    peeked at and are not checked.
    """
    import tensorflow as tf

    if x is None:
        return None
    if isinstance(x, tf.data.Dataset):
        for element in x.take(1):
            return element
        raise ValueError(
            "The training dataset is empty: it yielded no batch. Check its "
            "source, `num_examples` and `drop_remainder` (a dataset smaller "
            "than one batch with drop_remainder=True yields nothing).")
    if isinstance(x, keras.utils.PyDataset):
        return x[0]
    if isinstance(x, (np.ndarray, tf.Tensor)) or hasattr(x, "__array__"):
        return x if y is None else (x, y)
    return None


def batch_sizes(x, batch_size):
    """`(full batch, last batch)` sizes Keras cuts arrays into, or None.

    Only arrays and tensors have sizes known up front; datasets and
    generators return None.
    """
    import tensorflow as tf

    if not (isinstance(x, (np.ndarray, tf.Tensor)) or hasattr(x, "__array__")):
        return None
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) == 0 or shape[0] is None:
        return None
    n = int(shape[0])
    size = min(n, 32 if batch_size is None else int(batch_size))
    if size == 0:
        return None
    last = n % size or size
    return size, last


def enough_batches(x, batch_size, epochs, steps_per_epoch, initial_epoch=0):
    """Raises if `fit(x, epochs=..., steps_per_epoch=...)` would run out of data.

    Keras stops the whole training, with only a warning, when the input runs
    out before `steps_per_epoch` steps: a finite `tf.data.Dataset` is not
    restarted between epochs when `steps_per_epoch` is set, so it must hold
    `(epochs - initial_epoch) * steps_per_epoch` batches; arrays and
    `PyDataset`s restart every epoch, so each epoch must have
    `steps_per_epoch` batches. Inputs of unknown length are not checked.
    """
    import tensorflow as tf

    if steps_per_epoch is None:
        if isinstance(x, tf.data.Dataset) and int(x.cardinality()) == 0:
            raise ValueError(
                "The training dataset is empty (cardinality 0): `fit` would run "
                "no step. Check its source, `num_examples` and `drop_remainder`.")
        return
    remaining = epochs - initial_epoch
    if isinstance(x, tf.data.Dataset):
        available = int(x.cardinality())
        if available < 0:  # INFINITE (-1) or UNKNOWN (-2).
            return
        needed = remaining * steps_per_epoch
        if available < needed:
            allows = available // max(remaining, 1)
            raise ValueError(
                f"fit(epochs={epochs}, steps_per_epoch={steps_per_epoch}"
                f"{f', initial_epoch={initial_epoch}' if initial_epoch else ''}) "
                f"needs {needed} batches but the dataset holds {available}, "
                "and Keras does not restart a dataset between epochs when "
                "steps_per_epoch is set: training would stop after "
                f"{available} steps. Repeat the data (datasets.load(..., "
                "repeat=True) or dataset.repeat()), or pass steps_per_epoch <= "
                f"{allows} (the data allows {available} steps in all).")
        return
    if isinstance(x, keras.utils.PyDataset):
        per_epoch = x.num_batches
    else:
        sizes = batch_sizes(x, batch_size)
        if sizes is None:
            return
        per_epoch = math.ceil(int(x.shape[0]) / sizes[0])
    if per_epoch is not None and per_epoch < steps_per_epoch:
        raise ValueError(
            f"steps_per_epoch={steps_per_epoch} but the data holds "
            f"{per_epoch} batches per epoch, so every epoch would end after "
            f"{per_epoch} steps. Pass steps_per_epoch <= {per_epoch} (or "
            "None), or a repeating tf.data.Dataset.")


def whole_executions(steps_per_epoch, steps_per_execution):
    """Raises unless an epoch is a whole number of `steps_per_execution` blocks.

    Keras runs an epoch in blocks of `steps_per_execution` steps and does not
    shorten the last one: `steps_per_epoch=55` with `steps_per_execution=10`
    trains 60 steps per epoch, so schedules, checkpoints and resumed runs
    would silently count steps that were not asked for.
    """
    if steps_per_epoch is None or steps_per_execution <= 1:
        return
    if steps_per_epoch % steps_per_execution:
        lower = steps_per_epoch - steps_per_epoch % steps_per_execution
        raise ValueError(
            f"steps_per_epoch={steps_per_epoch} is not a multiple of the "
            f"compiled steps_per_execution={steps_per_execution}: Keras would "
            f"train {lower + steps_per_execution} steps per epoch. Use a "
            f"steps_per_epoch that is a multiple (e.g. {lower or steps_per_execution}"
            f" or {lower + steps_per_execution}) or compile with a "
            "steps_per_execution that divides it.")


def keras_file(path):
    """Raises a clear error unless `path` is a complete `.keras` archive.

    Keras reports an empty or truncated `.keras` file as "File not found";
    this names the actual problem. Paths that are not `.keras` files (saved
    folders, remote paths) pass unchecked.
    """
    path = os.fspath(path)
    if not path.endswith(".keras") or "://" in path or os.path.isdir(path):
        return
    if not os.path.exists(path):
        raise FileNotFoundError(f"No model file at {path!r}.")
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError(
            f"The model file {path!r} is empty (0 bytes): the save that wrote "
            "it was interrupted. Load an earlier checkpoint or save again.")
    problem = None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            damaged = archive.testzip()
        if damaged is not None:
            problem = f"its member {damaged!r} fails its checksum"
        elif "config.json" not in names:
            problem = f"it holds no config.json (members: {sorted(names)})"
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        problem = f"it is not a complete zip archive ({err})"
    if problem is not None:
        raise ValueError(
            f"The model file {path!r} ({size} bytes) is not a complete .keras "
            f"archive: {problem}. It was probably truncated by an interrupted "
            "save or copy; load an earlier checkpoint or save again.")


# ----------------------------------------------------------------------
# Networks, checked at construction.
# ----------------------------------------------------------------------
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
    """Turns a model's `data_range` argument into `(low, high)` or None.

    Args:
        data_range: `(low, high)`, `"auto"` or None.
        generator: The generator whose output activation `"auto"` reads.
    """
    if data_range is None:
        return None
    if isinstance(data_range, str):
        if data_range != "auto":
            raise ValueError(
                f"Invalid `data_range`={data_range!r}: pass 'auto', None or a "
                "(low, high) tuple.")
        return _ACTIVATION_RANGES.get(output_activation_name(generator))
    return value_range(data_range, name="data_range")


def latent_width(generator, latent_input, latent_dim, extra=0, extra_what=""):
    """Raises if the generator's latent input width differs from what it is fed.

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
            f"the generator with latent_dim={latent_dim}.")


def same_shape(what_a, shape_a, what_b, shape_b, hint=""):
    """Raises if two per-example shapes (batch axis dropped) differ."""
    a, b = tuple(shape_a[1:]), tuple(shape_b[1:])
    if a != b:
        raise ValueError(
            f"Shape mismatch: {what_a} has per-example shape {a} but {what_b} "
            f"has {b}. Build both networks for the same data shape.{hint}")


def network(name, value):
    """Raises unless `value` is a built `keras.Model` with symbolic inputs."""
    if not isinstance(value, keras.Model):
        raise ValueError(
            f"`{name}` must be a keras.Model (e.g. from keras_gans.networks); "
            f"received {type(value).__name__}.")
    try:
        inputs = value.inputs
    except (AttributeError, ValueError):
        inputs = None
    if not inputs:
        raise ValueError(
            f"`{name}` ({value.name!r}) has no symbolic inputs: build it as a "
            "functional model or a Sequential starting with keras.Input, so "
            "its shapes can be checked before training.")
    return value


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


def _producing_activation(tensor):
    """Activation name of the layer that produced a symbolic tensor, or None."""
    history = getattr(tensor, "_keras_history", None)
    layer = getattr(history, "operation", None) if history is not None else None
    layer = getattr(layer, "layer", layer)  # Wrappers (spectral norm).
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", str(activation))


def logit_output(outputs, discriminator, read_logit):
    """Raises unless D's adversarial output is one raw logit per example.

    Args:
        outputs: D's symbolic output structure.
        discriminator: The discriminator (for the message).
        read_logit: The model's function from D's outputs to the logit
            (`GAN.adversarial_logits`).

    Returns:
        The symbolic logit.
    """
    name = discriminator.name
    if isinstance(outputs, (list, tuple)):
        raise ValueError(
            f"The discriminator {name!r} returns {len(outputs)} outputs (a "
            "list); the model needs one real/fake logit per example, or a dict "
            "holding it under 'logit' (networks.discriminator_with_heads).")
    try:
        logit = read_logit(outputs)
    except KeyError as err:
        raise ValueError(
            f"The discriminator {name!r} returns a dict with keys "
            f"{sorted(outputs)} but no {err.args[0]!r}, where the model reads "
            "the real/fake logit. Build it with "
            "networks.discriminator_with_heads(...), which names it 'logit'.") from None
    shape = tuple(logit.shape[1:])
    if shape not in ((), (1,)):
        raise ValueError(
            f"The discriminator {name!r} returns real/fake outputs of "
            f"per-example shape {shape}, but the losses need one logit (or "
            "critic score) per example, shape (batch, 1). End it with Dense(1) "
            "and no activation (the keras_gans.networks builders do).")
    activation = _producing_activation(logit)
    if activation in _SQUASHING_ACTIVATIONS:
        raise ValueError(
            f"The discriminator {name!r} ends in a {activation!r} activation, "
            "but the losses take raw logits (or unbounded critic scores) and "
            "apply the sigmoid themselves: a squashed output trains on the "
            "wrong values. Remove the final activation (Dense(1) alone).")
    return logit


def input_count(model, role, count, layout):
    """Raises unless `model` takes exactly `count` inputs."""
    got = len(model.inputs or [])
    if got != count:
        raise ValueError(
            f"The {role} {model.name!r} takes {got} input(s) but this model "
            f"needs {count}: {layout}. Build it with the matching "
            "keras_gans.networks builder.")


def heads(model, expected, model_name, builder_hint):
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


def _layers(model):
    """Every layer of `model`, nested models and wrapped layers included."""
    for layer in model.layers:
        yield layer
        inner = getattr(layer, "layer", None)
        if isinstance(inner, keras.layers.Layer):
            yield inner
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def label_classes(model, label_input):
    """How many classes the layer reading `label_input` accepts, or None.

    Looks for the `Embedding` (or `CategoryEncoding`) fed directly by the
    label input, as the builders' `num_classes=` option makes it.
    """
    for layer in _layers(model):
        if not isinstance(layer, (keras.layers.Embedding, keras.layers.CategoryEncoding)):
            continue
        try:
            source = layer.input
        except (AttributeError, ValueError):
            continue
        if source is label_input:
            if isinstance(layer, keras.layers.Embedding):
                return int(layer.input_dim)
            return int(layer.num_tokens)
    return None


def num_classes_match(model, role, label_input, num_classes):
    """Raises if the network's label layer takes another number of classes."""
    accepted = label_classes(model, label_input)
    if accepted is not None and accepted != num_classes:
        raise ValueError(
            f"num_classes={num_classes} disagrees with the {role} {model.name!r}, "
            f"whose label embedding takes {accepted} classes: ids >= "
            f"{min(accepted, num_classes)} would be looked up out of range (or "
            "classes never trained). Build both networks with the builders' "
            f"num_classes={num_classes}, or pass num_classes={accepted}.")


def batch_norm_layers(model, synchronized=None):
    """The `BatchNormalization` layers of `model` (all, or by `synchronized`)."""
    return [layer for layer in _layers(model)
            if isinstance(layer, keras.layers.BatchNormalization)
            and (synchronized is None
                 or bool(getattr(layer, "synchronized", False)) == synchronized)]


def batch_size(size, minimum, reason, where="The first batch"):
    """Raises if a batch of `size` examples is below what the model needs."""
    if size < minimum:
        raise ValueError(
            f"{where} has {size} example(s) but {reason} needs batches of at "
            f"least {minimum} examples. Use a larger batch_size (and drop a "
            "last batch that is too small: datasets.load(..., "
            "drop_remainder=True), or trim the array).")


# ----------------------------------------------------------------------
# In-graph assertions: batches of a tf.data pipeline and serving requests.
# ----------------------------------------------------------------------
def _assertion(condition, message, *data):
    import tensorflow as tf

    return tf.debugging.Assert(condition, [MARKER + message, *data], summarize=8)


def _padded_shape(x, rank):
    """`x`'s dynamic shape cut or padded with -1 to `rank` entries (any rank)."""
    import tensorflow as tf

    shape = tf.shape(x, out_type=tf.int64)
    padding = tf.fill([tf.maximum(rank - tf.size(shape), 0)], tf.constant(-1, tf.int64))
    return tf.concat([shape, padding], axis=0)[:rank]


def finite_assertion(values, message):
    """Asserts that a float tensor holds no NaN or infinity (ints pass)."""
    import tensorflow as tf

    values = tf.convert_to_tensor(values)
    if not values.dtype.is_floating:
        return None
    # Flat, for the reason given in `class_id_assertion`.
    return _assertion(tf.reduce_all(tf.math.is_finite(tf.reshape(values, [-1]))), message)


def class_id_assertion(labels, num_classes, message):
    """Asserts that `labels` are integers in `[0, num_classes)` (float ids too)."""
    import tensorflow as tf

    # Reduced over a flat copy, not over `range(rank)`: in a loaded serving
    # signature those axes came from a Rank op that could see another rank
    # than the request's (seen under load), making the reduction a vector
    # and the check itself fail with an unnamed broadcasting error.
    labels = tf.reshape(tf.convert_to_tensor(labels), [-1])
    if labels.dtype.is_floating:
        integral = tf.reduce_all(tf.equal(labels, tf.round(labels)))
        values = tf.cast(labels, tf.float64)
    else:
        integral = tf.constant(True)
        values = tf.cast(labels, tf.int64)
    low, high = tf.reduce_min(values), tf.reduce_max(values)
    in_range = tf.logical_or(
        tf.equal(tf.size(values), 0),
        tf.logical_and(low >= 0, high < tf.cast(num_classes, values.dtype)))
    return _assertion(tf.logical_and(integral, in_range), message,
                      "smallest id:", low, "largest id:", high)


def min_batch_assertion(values, minimum, message):
    """Asserts that a batch has at least `minimum` examples."""
    import tensorflow as tf

    size = tf.shape(values)[0]
    return _assertion(size >= minimum, message, "batch size:", size)


def matrix_assertion(values, width, message, rows_like=None):
    """Asserts that `values` is a `(batch, width)` matrix (rows as `rows_like`'s)."""
    import tensorflow as tf

    dims = _padded_shape(values, 2)
    ok = tf.logical_and(tf.equal(tf.rank(values), 2), tf.equal(dims[1], width))
    if rows_like is not None:
        ok = tf.logical_and(ok, tf.equal(dims[0], _padded_shape(rows_like, 1)[0]))
    return _assertion(ok, message, "received shape:", tf.shape(values))


def vector_assertion(values, rows_like, message):
    """Asserts that `values` is a vector with as many rows as `rows_like`."""
    import tensorflow as tf

    ok = tf.logical_and(
        tf.equal(tf.rank(values), 1),
        tf.equal(_padded_shape(values, 1)[0], _padded_shape(rows_like, 1)[0]))
    return _assertion(ok, message, "received shape:", tf.shape(values))


def after(assertions, structure):
    """`structure` (any nest of tensors) computed after the `assertions`.

    The data dependency makes the assertions run before anything that reads
    `structure`, in graphs and in `tf.data` functions alike.
    """
    import tensorflow as tf

    assertions = [a for a in assertions if a is not None]
    if not assertions:
        return structure
    with tf.control_dependencies(assertions):
        return tf.nest.map_structure(tf.identity, structure)


def guarded(assertions):
    """A context in which every op created waits for the `assertions`.

    Wrapping a whole training step keeps its updates, step counters and
    random draws from running when a check fails.
    """
    import contextlib

    import tensorflow as tf

    assertions = [a for a in assertions if a is not None]
    if not assertions:
        return contextlib.nullcontext()
    return tf.control_dependencies(assertions)


def failed_assertion(error):
    """The message of a failed in-graph check in a TensorFlow error, or None."""
    text = getattr(error, "message", None) or str(error)
    start = text.find(MARKER)
    if start < 0:
        return None
    text = text[start + len(MARKER):]
    # TensorFlow prints the data after the message as "] [data] [data]".
    end = min([i for i in (text.find("] ["), text.find("]\n")) if i >= 0] or [len(text)])
    message, rest = text[:end], text[end:].split("\n", 1)[0]
    # The data alternate labels ("largest id:") and values, printed bare.
    parts = [p.strip() for p in rest.strip(" []").split("] [") if p.strip()]
    details = " ".join(p if p.endswith(":") else f"[{p}]" for p in parts)
    return message + (f" ({details})" if details else "")
