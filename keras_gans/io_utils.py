"""Files: atomic writes, the Keras cache folder, and loading saved models."""

import os


def keras_cache_dir(*parts):
    """The Keras cache folder (or a path inside it), read at call time.

    `$KERAS_HOME` when set, else `~/.keras`, or `/tmp/.keras` when the home
    folder is not writable: Keras' own rule, evaluated on every call so that
    a changed environment (a test's `KERAS_HOME`) is honoured. Datasets live
    in `keras_cache_dir("datasets")`, weights in `keras_cache_dir("models")`.

    Args:
        *parts: Path components appended to the folder.
    """
    if os.environ.get("KERAS_HOME"):
        root = os.environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        root = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    return os.path.join(root, *parts)


def atomic_write(path, write):
    """Calls `write(tmp_path)`, then renames the temporary file onto `path`.

    Readers never see half a file, and a crash leaves the old file intact. The
    temporary file sits in the same folder (a rename is atomic only within
    one file system) and keeps `path`'s extension, for writers such as
    `keras.Model.save` that check it.

    Args:
        path: The final path.
        write: Callable writing the content to the path it is given.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    base, ext = os.path.splitext(os.path.basename(path))
    tmp = os.path.join(directory, f".{base}.tmp{os.getpid()}{ext}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_weights(model, path):
    """`model.save_weights` to any file name: Keras insists on one ending in
    `.weights.h5`, which `atomic_write`'s temporary name does not."""
    named = path + ".weights.h5"
    try:
        model.save_weights(named)
        os.replace(named, path)
    finally:
        if os.path.exists(named):
            os.remove(named)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """`keras.saving.load_model`, after checking that the file is complete.

    Keras reports an empty or truncated `.keras` file as "File not found"
    although the file exists; this says what is wrong with it (see
    `checks.keras_file`). Models saved by `GAN.save` are written atomically,
    so an interrupted save leaves the previous file, never half of one.

    Args:
        filepath: Path of the `.keras` file (or a saved folder).
        custom_objects, compile, safe_mode: As in `keras.saving.load_model`.

    Returns:
        The loaded model.
    """
    import keras

    from keras_gans import checks

    checks.keras_file(filepath)
    return keras.saving.load_model(filepath, custom_objects=custom_objects,
                                   compile=compile, safe_mode=safe_mode)
