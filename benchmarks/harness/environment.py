"""Where a result came from: code version, library versions, hardware."""

import os
import platform
import subprocess

PROJECT_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


def git_commit(root=PROJECT_ROOT):
    """The checkout's commit, with `-dirty` when files differ from it.

    Returns:
        A string such as `"aa868b9...-dirty"`, or `"unknown"` outside git.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def device_description():
    """The accelerators TensorFlow sees, or the CPU model and core count."""
    import tensorflow as tf

    accelerators = tf.config.list_logical_devices(
        "GPU"
    ) + tf.config.list_logical_devices("TPU")
    if accelerators:
        names = []
        for device in accelerators:
            details = {}
            try:
                physical = tf.config.list_physical_devices(device.device_type)
                if physical:
                    details = tf.config.experimental.get_device_details(physical[0])
            except (RuntimeError, ValueError):
                pass
            names.append(details.get("device_name", device.name))
        return ", ".join(names)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"CPU: {cpu} ({os.cpu_count()} cores visible)"


def versions():
    """Python, TensorFlow, Keras, NumPy and keras_gans versions."""
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_gans

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "keras_gans": getattr(keras_gans, "__version__", "unknown"),
    }
