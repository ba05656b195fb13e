"""A run's folder: its files, their atomic writes, and its status.

Layout of `output_dir/<study>/<variation>/seed_<k>/`:

- `flags.txt`: the run's complete flags (what `run_one.py` parses);
- `metrics.jsonl`: one JSON object per evaluation;
- `summary.json`: final metrics, wall time, seed, versions; written last, so
  its presence means the run finished;
- `samples.png` (final picture) and `samples/epoch_NNNN.png`;
- `checkpoints/epoch_NNNN.keras` (+ `.json` with the elapsed time): the
  latest end-of-epoch model, removed when the run finishes;
- `log.txt`: the run's console output; `generator/`: the export.

Every file is written to a temporary name and renamed into place, so a run
killed at any instant (SIGKILL included) leaves each file either complete
and old, or complete and new; never half written.
"""

import glob
import json
import os
import re
import shutil
import time

# Re-exported: the harness writes every file through it.
from keras_gans.io_utils import atomic_write  # noqa: F401

FLAGS_FILE = "flags.txt"
METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"
SAMPLES_FILE = "samples.png"
LOG_FILE = "log.txt"
CHECKPOINT_DIR = "checkpoints"
EXPORT_DIR = "generator"

FINISHED = "finished"
RESUMABLE = "resumable"
FRESH = "fresh"

_CHECKPOINT = re.compile(r"^epoch_(\d{4,})\.keras$")


def write_text(path, text):
    """Writes `text` to `path` atomically."""

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    atomic_write(path, write)


def write_json(path, value):
    """Writes `value` as indented JSON, atomically."""
    write_text(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


def write_jsonl(path, records):
    """Writes a list of dicts, one JSON object per line, atomically."""
    write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))


def read_jsonl(path):
    """Reads a JSONL file; a missing file gives `[]`."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def checkpoint_path(run_dir, epoch):
    """Path of the checkpoint taken after `epoch` epochs (1-based count)."""
    return os.path.join(run_dir, CHECKPOINT_DIR, f"epoch_{epoch:04d}.keras")


def latest_checkpoint(run_dir):
    """The newest complete checkpoint as `(epochs_done, path)`, or `None`.

    Temporary files of an interrupted save start with a dot and never match.
    """
    best = None
    for path in glob.glob(os.path.join(run_dir, CHECKPOINT_DIR, "*.keras")):
        match = _CHECKPOINT.match(os.path.basename(path))
        if match and (best is None or int(match.group(1)) > best[0]):
            best = (int(match.group(1)), path)
    return best


def prune_checkpoints(run_dir, keep_epoch):
    """Removes every checkpoint file (and leftover temporary file) but those
    of `keep_epoch` (its `.keras` model and `.json` state)."""
    keep_model = os.path.abspath(checkpoint_path(run_dir, keep_epoch))
    keep = {keep_model, keep_model[: -len(".keras")] + ".json"}
    folder = os.path.join(run_dir, CHECKPOINT_DIR)
    for path in glob.glob(os.path.join(folder, "*")) + glob.glob(
        os.path.join(folder, ".*")
    ):
        if os.path.abspath(path) not in keep and os.path.isfile(path):
            os.remove(path)


def status(run_dir, flags_text):
    """Whether a run is finished, can resume, or must start from scratch.

    Args:
        run_dir: The run's folder.
        flags_text: The flags the run would be started with now.

    Returns:
        `FINISHED` (summary present, same flags), `RESUMABLE` (same flags, a
        checkpoint exists) or `FRESH` (anything else, including a folder
        holding a different experiment).
    """
    flags_path = os.path.join(run_dir, FLAGS_FILE)
    if not os.path.exists(flags_path) or read_text(flags_path) != flags_text:
        return FRESH
    if os.path.exists(os.path.join(run_dir, SUMMARY_FILE)):
        return FINISHED
    if latest_checkpoint(run_dir) is not None:
        return RESUMABLE
    return FRESH


def set_aside_stale(run_dir, flags_text):
    """Moves a folder that holds another experiment out of the way.

    A run folder whose `flags.txt` differs from `flags_text` belongs to an
    older version of the study. It is renamed (never deleted) to
    `seed_<k>.stale-<time>`, so nothing measured is lost.

    Returns:
        The new path of the old folder, or `None` if nothing was moved.
    """
    flags_path = os.path.join(run_dir, FLAGS_FILE)
    if not os.path.isdir(run_dir) or not os.listdir(run_dir):
        return None
    if os.path.exists(flags_path) and read_text(flags_path) == flags_text:
        return None
    target = f"{run_dir}.stale-{time.strftime('%Y%m%d-%H%M%S')}"
    shutil.move(run_dir, target)
    return target
