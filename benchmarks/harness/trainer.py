"""Trains one run, in the current process, from its parsed flag values.

`train_run` is what `run_one.py` calls. It resumes from the newest intact
checkpoint (a damaged one is moved aside with a warning and the previous
one used, or the run starts afresh), so a killed run loses at most the
epoch in progress, and writes `summary.json` last, which marks the run
finished.

`RunRecorder` does the per-epoch writing. At the end of every epoch, in
this order:

1. if the epoch was evaluated, its logs (losses and metrics) are appended to
   `metrics.jsonl`, which is rewritten atomically;
2. the training seconds so far go to `checkpoints/epoch_NNNN.json`, then the
   model (weights, optimizer state, random-generator state) is saved
   atomically to `checkpoints/epoch_NNNN.keras`, and all but the two newest
   checkpoints are removed. A checkpoint counts once its `.keras` exists.

A run killed between 1 and 2 holds a record newer than its checkpoint;
`RunRecorder.resume` drops such records, so the resumed run rewrites them.
"""

import os
import shutil
import time

import keras

from benchmarks.harness import build
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
        metrics_callback: The `GANMetrics` callback whose `history` grows by
            one entry per evaluation; `None` records every epoch.
        steps_per_epoch: Training steps per epoch (for the `step` field).
        records: Records kept from an interrupted attempt.
        elapsed_before: Training seconds spent by earlier attempts.
        checkpoint: Whether to save end-of-epoch checkpoints.
    """

    def __init__(self, run_dir, metrics_callback=None, steps_per_epoch=None,
                 records=(), elapsed_before=0.0, checkpoint=True):
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

        Returns:
            `(records, elapsed_before)`: the kept records (also written back
            to `metrics.jsonl`) and the training seconds they had reached.
        """
        path = os.path.join(run_dir, run_dir_lib.METRICS_FILE)
        records = [r for r in run_dir_lib.read_jsonl(path) if r["epoch"] <= epochs_done]
        run_dir_lib.write_jsonl(path, records)
        elapsed = 0.0
        if epochs_done:
            state = run_dir_lib.state_path(run_dir_lib.checkpoint_path(run_dir, epochs_done))
            elapsed = run_dir_lib.read_json(state)["elapsed_s"]
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
                os.path.join(self.run_dir, run_dir_lib.METRICS_FILE), self.records
            )
        self.epochs_done = epoch + 1
        if self.checkpoint:
            path = run_dir_lib.checkpoint_path(self.run_dir, epoch + 1)
            run_dir_lib.write_json(
                run_dir_lib.state_path(path),
                {"epochs_done": epoch + 1, "elapsed_s": round(self.elapsed, 3)},
            )
            run_dir_lib.atomic_write(path, self.model.save)
            run_dir_lib.prune_checkpoints(self.run_dir)


class TimeBudget(keras.callbacks.Callback):
    """Stops training at the end of the first epoch whose training time,
    over every attempt (`RunRecorder.elapsed`), reaches `seconds`.

    It runs after the recorder, so the epoch that crosses the budget is
    recorded and checkpointed like any other.
    """

    def __init__(self, recorder, seconds):
        super().__init__()
        self.recorder, self.seconds = recorder, float(seconds)
        self.stopped_epoch = 0

    @property
    def exhausted(self):
        return self.recorder.elapsed >= self.seconds

    def on_epoch_end(self, epoch, logs=None):
        if self.exhausted:
            self.model.stop_training = True
            self.stopped_epoch = epoch + 1


class ContinueEarlyStopping(keras.callbacks.Callback):
    """Feeds a stock `EarlyStopping` the epochs an interrupted attempt trained.

    Keras keeps the best value and the patience counter in the callback, not
    the model, and resets them in `on_train_begin`; placed after the stopper,
    this replays the monitored value of every epoch before `epochs_done` (the
    evaluated value, carried over unevaluated epochs as `GANMetrics` carries
    it), so a resumed run stops where an unbroken one would.

    Args:
        stopper: The `EarlyStopping` of the resumed `fit`.
        records: The interrupted attempt's kept records (`metrics.jsonl`:
            evaluated epochs, 1-based `epoch`).
        epochs_done: Epochs its checkpoint holds.
    """

    def __init__(self, stopper, records, epochs_done):
        super().__init__()
        self.stopper = stopper
        by_epoch = {r["epoch"]: r for r in records}
        self.epoch_logs, value = [], None
        for epoch in range(epochs_done):
            value = by_epoch.get(epoch + 1, {}).get(stopper.monitor, value)
            if value is not None:
                self.epoch_logs.append((epoch, {stopper.monitor: value}))

    def on_train_begin(self, logs=None):
        for epoch, epoch_logs in self.epoch_logs:
            self.stopper.on_epoch_end(epoch, epoch_logs)


def train_run(values, run_dir, threads=0, verbose=2, steps_per_execution=1):
    """Trains (or resumes) one run and writes its results.

    A resumed run restores weights, optimizer state, random-generator state
    and the data position from its checkpoint, so it ends exactly where an
    unbroken run would. The callbacks continue from its `metrics.jsonl`: the
    metrics carry the last evaluation's values (no extra, off-schedule
    evaluation) and an early stopper its best value and patience count
    (`ContinueEarlyStopping`), so it also evaluates and stops on the epochs
    an unbroken run would.

    Args:
        values: The run's flag values (from its `flags.txt`).
        run_dir: The run's folder.
        threads: TensorFlow intra-op threads; 0 keeps the default.
        verbose: Keras `fit` verbosity (1 progress bar, 2 a line per epoch).
        steps_per_execution: Training steps per compiled call. Not part of
            the run's flags: the weights do not depend on it, so a run may
            resume with another value.

    Returns:
        The summary dict written to `summary.json`.
    """
    process_start = time.time()
    strategy = build.configure_runtime(values, threads)
    info = build.data_info(values)
    cls = build.model_class(values["model"])
    epochs_done, checkpoint, damaged = run_dir_lib.resume_point(
        run_dir, warn=lambda text: print(text, flush=True)
    )
    # Before the global seed is set (see build.TrainingStream).
    stream = build.TrainingStream(
        values, info, with_labels=cls.needs_labels,
        labels_path=os.path.join(run_dir, run_dir_lib.PSEUDO_LABELS_FILE))
    if stream.class_prior is not None:
        info.class_prior = tuple(stream.class_prior)
    steps = values["steps_per_epoch"] or stream.steps_per_pass
    build.check_steps_per_execution(steps, steps_per_execution)
    records, elapsed_before = RunRecorder.resume(run_dir, epochs_done)
    dataset = stream.from_step(epochs_done * steps)
    keras.utils.set_random_seed(values["seed"])
    with strategy.scope():
        if checkpoint:
            print(f"Resuming from {checkpoint} (epoch {epochs_done}).", flush=True)
            model = keras.saving.load_model(checkpoint)
        else:
            model = build.build_model(values, info)
            build.compile_model(model, values, steps)
    # Set after loading too: a checkpoint restores the value it was trained
    # with, and the weights do not depend on it.
    model.steps_per_execution = steps_per_execution

    metrics = build.metrics_callback(values, info)
    stopper = build.early_stopping(values, metrics)
    grid = build.sample_grid(values, info, os.path.join(run_dir, "samples"))
    recorder = RunRecorder(run_dir, metrics, steps, records, elapsed_before)
    replay = None
    if epochs_done and records:
        if metrics is not None and all(k in records[-1] for k in metrics.log_keys):
            metrics.carry(records[-1])
        if stopper is not None:
            replay = ContinueEarlyStopping(stopper, records, epochs_done)
    # GANMetrics before EarlyStopping, which reads the metric it writes;
    # the replay right after the stopper's own on_train_begin reset.
    budget = None
    if values["time_budget_minutes"]:
        budget = TimeBudget(recorder, 60.0 * values["time_budget_minutes"])
    callbacks = [build.noise_schedule(values), metrics, stopper, replay, grid, recorder, budget]
    # A run killed after its budget ran out but before its summary was
    # written does not train another epoch when resumed.
    if epochs_done < values["epochs"] and not (budget and epochs_done and budget.exhausted):
        model.fit(
            dataset,
            epochs=values["epochs"],
            initial_epoch=epochs_done,
            steps_per_epoch=steps,
            callbacks=[c for c in callbacks if c is not None],
            verbose=verbose,
            shuffle=False,  # The stream is shuffled (seeded) already.
        )
    final_epochs = recorder.epochs_done or epochs_done
    grid.set_model(model)  # fit() did not run when resuming a complete run.
    samples = grid.write(final_epochs - 1)
    run_dir_lib.atomic_write(
        os.path.join(run_dir, run_dir_lib.SAMPLES_FILE),
        lambda tmp: shutil.copyfile(samples, tmp),
    )
    if values["export"]:
        _export(model, os.path.join(run_dir, run_dir_lib.EXPORT_DIR))
    last = recorder.records[-1] if recorder.records else {}
    summary = {
        "seed": values["seed"],
        "model": values["model"],
        "dataset": values["dataset"],
        "final": {k: v for k, v in last.items() if k not in ("epoch", "elapsed_s", "step")},
        "final_epoch": last.get("epoch"),
        "epochs_completed": final_epochs,
        "steps_completed": final_epochs * steps,
        "stopped_early": bool(stopper is not None and stopper.stopped_epoch > 0),
        "stopped_by_time_budget": bool(
            budget is not None and final_epochs < values["epochs"] and budget.exhausted),
        "wall_time_s": round(recorder.elapsed, 3),
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "replicas": strategy.num_replicas_in_sync,
        # How it ran, which the flags do not say: the wall time depends on
        # both, the weights on neither.
        "threads": threads,
        "steps_per_execution": steps_per_execution,
        "process_time_s": round(time.time() - process_start, 3),
        "resumed_from_epoch": epochs_done,
        "damaged_checkpoints": damaged,
        **build.environment(),
        "flags": values,
    }
    run_dir_lib.write_json(os.path.join(run_dir, run_dir_lib.SUMMARY_FILE), summary)
    shutil.rmtree(os.path.join(run_dir, run_dir_lib.CHECKPOINT_DIR), ignore_errors=True)
    return summary


def finish_line(summary):
    """The line that reports a finished run: wall time, why it ended before
    its last epoch if it did, and its final values."""
    flags = summary["flags"]
    done, planned = summary["epochs_completed"], flags["epochs"]
    why = ""
    if summary["stopped_early"]:
        patience = build.early_stopping_evaluations(flags)
        why = (f" (stopped early after epoch {done} of {planned}: "
               f"{flags['early_stopping_metric']} did not improve for {patience} "
               f"evaluation{'s' if patience > 1 else ''})")
    elif summary["stopped_by_time_budget"]:
        why = (f" (stopped after epoch {done} of {planned}: the time budget of "
               f"{flags['time_budget_minutes']:g} minutes ran out)")
    final = ", ".join(f"{k}={v:.4g}" for k, v in sorted(summary["final"].items()))
    return f"Finished in {summary['wall_time_s']:.1f} s{why}: {final}"


def _export(model, path):
    """Exports the generator into a fresh folder, then renames it into place."""
    import keras_gans

    tmp = f"{path}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    keras_gans.export_generator(model, tmp)
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)
