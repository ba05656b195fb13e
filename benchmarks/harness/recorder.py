"""RunRecorder: per-evaluation JSONL records and end-of-epoch checkpoints.

At the end of every epoch, in this order:

1. if the epoch was evaluated, its logs (losses and metrics) are appended to
   `metrics.jsonl`, which is rewritten atomically;
2. the training seconds so far go to `checkpoints/epoch_NNNN.json`, then the
   model (weights, optimizer state, random-generator state) is saved
   atomically to `checkpoints/epoch_NNNN.keras`, and older checkpoints are
   removed. A checkpoint counts only once its `.keras` file exists.

A run killed between 1 and 2 holds a record newer than its checkpoint;
`RunRecorder.resume` drops such records, so the resumed run rewrites them.
"""

import time

import keras

from benchmarks.harness import run_dir as run_dir_lib


def _jsonable(value):
    try:
        return float(keras.ops.convert_to_numpy(value))
    except (TypeError, ValueError):
        return str(value)


class RunRecorder(keras.callbacks.Callback):
    """Writes `metrics.jsonl` and checkpoints for one run.

    Args:
        run_dir: The run's folder.
        metrics_callback: The `GANMetrics`-like callback whose `history`
            grows by one entry per evaluation; `None` records every epoch.
        steps_per_epoch: Training steps per epoch (for the `step` field).
        records: Records kept from an interrupted attempt.
        elapsed_before: Training seconds spent by earlier attempts.
        checkpoint: Whether to save end-of-epoch checkpoints.
    """

    def __init__(
        self,
        run_dir,
        metrics_callback=None,
        steps_per_epoch=None,
        records=(),
        elapsed_before=0.0,
        checkpoint=True,
    ):
        super().__init__()
        self.run_dir = run_dir
        self.metrics_callback = metrics_callback
        self.steps_per_epoch = steps_per_epoch
        self.records = list(records)
        self.elapsed_before = float(elapsed_before)
        self.checkpoint = checkpoint
        self.epochs_done = None
        self._start = None
        self._evaluations_seen = 0

    @staticmethod
    def resume(run_dir, epochs_done):
        """Records of an interrupted run that its checkpoint covers.

        Args:
            run_dir: The run's folder.
            epochs_done: Epochs completed by the checkpoint being resumed
                (0 for a fresh start).

        Returns:
            `(records, elapsed_before)`: the kept records (also written back
            to `metrics.jsonl`) and the training seconds they had reached.
        """
        path = f"{run_dir}/{run_dir_lib.METRICS_FILE}"
        records = [r for r in run_dir_lib.read_jsonl(path) if r["epoch"] <= epochs_done]
        run_dir_lib.write_jsonl(path, records)
        elapsed = 0.0
        if epochs_done:
            state = run_dir_lib.checkpoint_path(run_dir, epochs_done)[: -len(".keras")]
            elapsed = run_dir_lib.read_json(state + ".json")["elapsed_s"]
        return records, elapsed

    @property
    def elapsed(self):
        """Training seconds so far, over every attempt."""
        running = 0.0 if self._start is None else time.time() - self._start
        return self.elapsed_before + running

    def on_train_begin(self, logs=None):
        self._start = time.time()
        if self.metrics_callback is not None:
            self._evaluations_seen = len(self.metrics_callback.history)

    def on_epoch_end(self, epoch, logs=None):
        evaluated = self.metrics_callback is None
        if self.metrics_callback is not None:
            count = len(self.metrics_callback.history)
            evaluated = count > self._evaluations_seen
            self._evaluations_seen = count
        if evaluated:
            record = {k: _jsonable(v) for k, v in (logs or {}).items()}
            record.update(epoch=epoch + 1, elapsed_s=round(self.elapsed, 3))
            if self.steps_per_epoch:
                record["step"] = (epoch + 1) * self.steps_per_epoch
            self.records.append(record)
            run_dir_lib.write_jsonl(
                f"{self.run_dir}/{run_dir_lib.METRICS_FILE}", self.records
            )
        self.epochs_done = epoch + 1
        if self.checkpoint:
            path = run_dir_lib.checkpoint_path(self.run_dir, epoch + 1)
            run_dir_lib.write_json(
                path[: -len(".keras")] + ".json",
                {"epochs_done": epoch + 1, "elapsed_s": round(self.elapsed, 3)},
            )
            run_dir_lib.atomic_write(path, self.model.save)
            run_dir_lib.prune_checkpoints(self.run_dir, epoch + 1)
