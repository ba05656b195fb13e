"""File writing that never leaves a half-written file behind."""

import os


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
