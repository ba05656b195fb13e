"""A run's folder: its files, written atomically, its checkpoints, its lock.

Layout of `output_dir/<study>/<variation>/seed_<k>/`:

- `flags.txt`: the run's complete flags (what `run_one.py` parses);
- `metrics.jsonl`: one JSON object per evaluation;
- `summary.json`: final metrics, wall time, seed, versions; written last, so
  its presence means the run finished;
- `samples.png` (final picture) and `samples/epoch_NNNN.png`;
- `checkpoints/epoch_NNNN.keras` (+ `.json` with the elapsed time): the two
  latest end-of-epoch models, removed when the run finishes;
- `damaged/`: checkpoints that failed their integrity check, kept for a look;
- `log.txt`: the run's console output; `generator/`: the export.

A run copied from another study (`copy_finished_run`: the same flags, so the
same experiment) holds the same files, its `summary.json` naming the source
under `reused_from`.

Beside the folder, `.seed_<k>.lock` is the run's lock (see `RunLock`).

Every file is written to a temporary name and renamed into place, so a run
killed at any instant (SIGKILL included) leaves each file either complete
and old, or complete and new; never half written. A checkpoint damaged
anyway (a full disk, a copy cut short) is detected by its zip checksums.
"""

import errno
import fcntl
import functools
import glob
import importlib
import importlib.util
import json
import os
import re
import shutil
import sys
import time
import zipfile

FLAGS_FILE = "flags.txt"
METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "summary.json"
SAMPLES_FILE = "samples.png"
LOG_FILE = "log.txt"
CHECKPOINT_DIR = "checkpoints"
DAMAGED_DIR = "damaged"
EXPORT_DIR = "generator"
# The cluster ids of --pseudo_labels, kept so that a resumed run trains on
# the labels it started with (BLAS differs between hosts).
PSEUDO_LABELS_FILE = "pseudo_labels.npy"
# What making them cost and how well they match the dataset's labels
# (`build.TrainingStream`); small, so committed with a study's results.
PSEUDO_LABELS_INFO_FILE = "pseudo_labels.json"
# Two, so that a damaged newest checkpoint still leaves one to resume from.
KEEP_CHECKPOINTS = 2

# summary.json key of a copied run: `<study>/<variation>/seed_<k>` it came from.
REUSED_KEY = "reused_from"

FINISHED = "finished"
RESUMABLE = "resumable"
FRESH = "fresh"

_CHECKPOINT = re.compile(r"^epoch_(\d{4,})\.keras$")


def atomic_write(path, write):
    """`keras_gans.io_utils.atomic_write` (see `_io_utils`)."""
    _io_utils().atomic_write(path, write)


@functools.lru_cache(maxsize=None)
def _io_utils():
    """`keras_gans.io_utils`, loaded from its file unless `keras_gans` is
    imported already: the package's `__init__` imports TensorFlow (seconds),
    and `report.py`, `--dry_run` or a flag error should not wait for it;
    `io_utils` itself needs only `os`."""
    if "keras_gans.io_utils" in sys.modules or "keras_gans" in sys.modules:
        return importlib.import_module("keras_gans.io_utils")
    package = importlib.util.find_spec("keras_gans").submodule_search_locations[0]
    spec = importlib.util.spec_from_file_location(
        "_harness_io_utils", os.path.join(package, "io_utils.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_json(path):
    return json.loads(read_text(path))


# --- Generated blocks of Markdown files (README tables).


def replace_blocks(text, pattern, render, required=True):
    """`text` with the content of every block matched by `pattern` rendered anew.

    A block is an opening marker, generated content and a closing marker:
    `pattern`'s first group must match the opening marker (with its newline)
    and its last group the closing one; what lies between is replaced by
    `render(match)`. Text outside the blocks is kept byte for byte.

    Raises:
        ValueError: `required` and no block in `text`, naming the pattern.
    """
    if required and not pattern.search(text):
        raise ValueError(f"No generated block ({pattern.pattern!r}) in the file: add its "
                         "opening and closing markers where the table belongs.")
    last = pattern.groups
    return pattern.sub(lambda m: m.group(1) + render(m) + m.group(last), text)


def rewrite_text(path, transform):
    """Rewrites `path` as `transform(its text)`, atomically, only when that
    changes it; returns whether it did. A `transform` that raises leaves the
    file untouched."""
    text = read_text(path)
    updated = transform(text)
    if updated == text:
        return False
    write_text(path, updated)
    return True


def read_jsonl(path):
    """Reads a JSONL file; a missing file gives `[]`."""
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in read_text(path).splitlines() if line.strip()]


# --- Checkpoints.


def checkpoint_path(run_dir, epoch):
    """Path of the checkpoint taken after `epoch` epochs (1-based count)."""
    return os.path.join(run_dir, CHECKPOINT_DIR, f"epoch_{epoch:04d}.keras")


def state_path(checkpoint):
    """The `.json` (epochs done, elapsed seconds) beside a checkpoint."""
    return checkpoint[: -len(".keras")] + ".json"


def checkpoints(run_dir):
    """Complete checkpoints as `(epochs_done, path)`, newest first.

    Temporary files of an interrupted save start with a dot and never match.
    """
    found = []
    for path in glob.glob(os.path.join(run_dir, CHECKPOINT_DIR, "*.keras")):
        match = _CHECKPOINT.match(os.path.basename(path))
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


def checkpoint_epochs(path):
    """Epochs done of a checkpoint named `epoch_NNNN.keras`, else `None`."""
    match = _CHECKPOINT.match(os.path.basename(path))
    return int(match.group(1)) if match else None


def latest_checkpoint(run_dir):
    """The newest checkpoint as `(epochs_done, path)`, or `None`."""
    found = checkpoints(run_dir)
    return found[0] if found else None


def damage(checkpoint):
    """Why a checkpoint cannot be resumed from, or `None` if it is intact.

    Checks the zip structure and every member's CRC (a truncated or
    overwritten file fails here) and that the state file reads. A
    checkpoint that passes but then fails to load points at the code, not
    the file, and is left alone so the error shows.
    """
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            bad = archive.testzip()
        if bad is not None:
            return f"member {bad} fails its checksum"
        state = read_json(state_path(checkpoint))
        float(state["elapsed_s"])
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, TypeError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def set_aside_damaged(run_dir, checkpoint):
    """Moves a damaged checkpoint and its state file into `damaged/`.

    Returns:
        The checkpoint's new path.
    """
    folder = os.path.join(run_dir, DAMAGED_DIR)
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, f"{time.strftime('%Y%m%d-%H%M%S')}-{os.path.basename(checkpoint)}")
    for path, new in ((checkpoint, target), (state_path(checkpoint), state_path(target))):
        if os.path.exists(path):
            os.replace(path, new)
    return target


def resume_point(run_dir, warn=print):
    """The newest intact checkpoint; damaged newer ones are moved aside.

    Returns:
        `(epochs_done, path, damaged)`: `(0, None, ...)` for a fresh start;
        `damaged` lists `{"epoch", "moved_to", "reason"}` per checkpoint set
        aside (recorded in `summary.json`).
    """
    damaged = []
    for epochs, path in checkpoints(run_dir):
        reason = damage(path)
        if reason is None:
            return epochs, path, damaged
        moved = set_aside_damaged(run_dir, path)
        damaged.append({"epoch": epochs, "moved_to": moved, "reason": reason})
        warn(
            f"WARNING: checkpoint {path} is damaged ({reason}); moved to {moved}. "
            "Trying the previous one."
        )
    if damaged:
        warn("WARNING: no intact checkpoint left; the run starts from scratch.")
    return 0, None, damaged


def prune_checkpoints(run_dir, keep=KEEP_CHECKPOINTS):
    """Removes all but the `keep` newest checkpoints, and leftover
    temporary files of interrupted saves."""
    kept = set()
    for _, path in checkpoints(run_dir)[:keep]:
        kept |= {os.path.abspath(path), os.path.abspath(state_path(path))}
    folder = os.path.join(run_dir, CHECKPOINT_DIR)
    for path in glob.glob(os.path.join(folder, "*")) + glob.glob(os.path.join(folder, ".*")):
        if os.path.abspath(path) not in kept and os.path.isfile(path):
            os.remove(path)


# --- Status and stale folders.


def same_flags(run_dir, flags_text, default_lines=()):
    """Whether the folder's `flags.txt` describes the experiment `flags_text` does.

    An older `flags.txt` may lack the lines of flags added to the harness
    since; it still matches when each missing line sets its flag to the
    default (what the older code did), so adding a flag does not set every
    finished run aside. A changed or removed line never matches.
    """
    flags_path = os.path.join(run_dir, FLAGS_FILE)
    if not os.path.exists(flags_path):
        return False
    old, new = set(read_text(flags_path).splitlines()), set(flags_text.splitlines())
    return old <= new and new - old <= set(default_lines)


def status(run_dir, flags_text, default_lines=()):
    """Whether a run is finished, can resume, or must start from scratch.

    Returns:
        `FINISHED` (summary present, same flags), `RESUMABLE` (same flags, a
        checkpoint exists) or `FRESH` (anything else, including a folder
        holding a different experiment). `default_lines`: see `same_flags`.
    """
    if not same_flags(run_dir, flags_text, default_lines):
        return FRESH
    if os.path.exists(os.path.join(run_dir, SUMMARY_FILE)):
        return FINISHED
    if latest_checkpoint(run_dir) is not None:
        return RESUMABLE
    return FRESH


def find_finished_run(study_dirs, flags_text, default_lines=()):
    """A finished run, in one of the study folders `study_dirs`, of the
    experiment `flags_text` (`same_flags`), whatever its variation is called
    there; `None` if there is none. Folders are searched in the order given,
    runs by name; folders set aside as stale are never taken."""
    for study_dir in study_dirs:
        for candidate in sorted(glob.glob(os.path.join(study_dir, "*", "seed_*"))):
            if ".stale-" in os.path.basename(candidate):
                continue
            if status(candidate, flags_text, default_lines) == FINISHED:
                return candidate
    return None


def run_name(run_dir):
    """`<study>/<variation>/seed_<k>`: the last three parts of a run folder."""
    parts = os.path.normpath(os.path.abspath(run_dir)).split(os.sep)
    return "/".join(parts[-3:])


def copy_finished_run(source, run_dir):
    """Copies the finished run `source` into `run_dir` as a finished run.

    Every file comes along except checkpoints (a finished run has none
    left) and damaged ones; `summary.json` gains `REUSED_KEY`, the source's
    `run_name` (or the source's own `reused_from` if it is a copy too, so
    the record always names the run that trained), unless the source is the
    same `run_name` in another folder (the run itself, moved). The copy is
    assembled under a hidden name beside `run_dir` and renamed into place,
    with the summary written last, so a copy cut short leaves no run that
    looks finished.

    Returns:
        The `run_name` of the run that trained it.

    Raises:
        FileExistsError: `run_dir` holds files (only an absent or empty
            folder is replaced: nothing measured is overwritten).
    """
    run_dir = os.path.normpath(run_dir)
    if os.path.isdir(run_dir) and os.listdir(run_dir):
        raise FileExistsError(
            f"{run_dir} holds files; a copied run only goes into an absent or empty folder."
        )
    parent, name = os.path.split(run_dir)
    os.makedirs(parent, exist_ok=True)
    staging = os.path.join(parent, f".{name}.copy-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)  # Left by a copy killed before.
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns(
        CHECKPOINT_DIR, DAMAGED_DIR, SUMMARY_FILE, "*.tmp*"))
    summary = read_json(os.path.join(source, SUMMARY_FILE))
    # The same run in another folder (a shard trained elsewhere, collected
    # with --copy_only) is that run, not a reuse by another study.
    if run_name(source) != run_name(run_dir):
        summary.setdefault(REUSED_KEY, run_name(source))
    write_json(os.path.join(staging, SUMMARY_FILE), summary)
    if os.path.isdir(run_dir):
        os.rmdir(run_dir)
    os.rename(staging, run_dir)
    return summary.get(REUSED_KEY, run_name(source))


def set_aside_stale(run_dir, flags_text, default_lines=()):
    """Moves a folder that holds another experiment out of the way.

    A run folder whose `flags.txt` differs from `flags_text` belongs to an
    older version of the study. It is renamed (never deleted) to
    `seed_<k>.stale-<time>`, so nothing measured is lost.

    Returns:
        The new path of the old folder, or `None` if nothing was moved.
    """
    if not os.path.isdir(run_dir) or not os.listdir(run_dir):
        return None
    if same_flags(run_dir, flags_text, default_lines):
        return None
    target = f"{run_dir}.stale-{time.strftime('%Y%m%d-%H%M%S')}"
    shutil.move(run_dir, target)
    return target


# --- Locks.


def lock_path(folder):
    """The lock file of a run (or study) folder: a hidden sibling, so it
    never moves with the folder (a stale folder is renamed under it)."""
    folder = os.path.normpath(folder)
    return os.path.join(os.path.dirname(folder), f".{os.path.basename(folder)}.lock")


class RunLock:
    """An exclusive `flock` on a folder's lock file.

    The kernel drops the lock when the last process holding the file
    closes it, so a killed owner (SIGKILL included) never leaves a stale
    lock. The launcher takes the lock, prepares the folder and hands the
    open file to the run process (`fd`, inherited), so no other process can
    slip in between; it holds its copy until the run ends.

    Args:
        folder: The run (or study) folder.
        fd: An inherited open descriptor of the lock file, already locked.
    """

    def __init__(self, folder, fd=None):
        self.path = lock_path(folder)
        self.fd = fd

    def acquire(self, blocking=False):
        """Takes the lock; returns False if another process holds it."""
        if self.fd is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            os.close(self.fd)
            self.fd = None
            return False
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        return True

    def owner(self):
        """The pid written by the holder, or `"?"`."""
        try:
            return read_text(self.path).strip() or "?"
        except OSError:
            return "?"

    def release(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        self.acquire(blocking=True)
        return self

    def __exit__(self, *exc):
        self.release()
