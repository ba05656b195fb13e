"""ModeCollapseMonitor: catch falling mode coverage or sample diversity.

The field guide's second and third failures, mode collapse and missing
modes, look fine in the losses; they show in the samples. `GANMetrics`
writes coverage and diversity numbers into `logs` (`modes`, `classes`,
`diversity`, `recall`, `coverage`, `mode_kl`, `class_kl`); this callback
watches one of them and reacts when it falls (or, for KL keys, rises) and
stays worse than its best value.

Place it AFTER the `GANMetrics` callback that writes its key.
"""

import warnings

import keras
import numpy as np

from keras_gans import checks

ACTIONS = ("warn", "stop")


class ModeCollapseMonitor(keras.callbacks.Callback):
    """Warns or stops when mode coverage or sample diversity falls.

    At each epoch end the monitored value is compared with the best value
    seen so far in this `fit`. An epoch is "worse" when the value is below
    `best - min_delta` (above `best + min_delta` in `"min"` mode) or worse
    than `baseline`. After `patience` consecutive worse epochs the monitor
    fires (once per episode: the count then restarts).

    Unlike `EarlyStopping`, which fires when a metric stops improving, this
    fires only when it actually gets worse: a GAN whose coverage plateaus at
    10/10 classes is healthy, one that drops from 10 to 7 is collapsing.

    With `GANMetrics(every_n_epochs=N)` the carried values repeat between
    evaluations, so `patience` counts epochs, not evaluations.

    Args:
        monitor: Log key to watch, e.g. `"modes"`, `"classes"`,
            `"diversity"`, `"recall"`, `"coverage"`, `"mode_kl"`.
        patience: Consecutive worse epochs before firing (1 fires at the
            first drop).
        min_delta: Drops of at most this size are not counted.
        mode: `"max"` (higher is healthier), `"min"` (lower is healthier) or
            `"auto"`: `"min"` for keys containing "kl", else `"max"`.
        action: `"warn"` (`warnings.warn(..., RuntimeWarning)`) or `"stop"`
            (warn and set `model.stop_training = True`).
        baseline: Optional absolute level: values worse than it count as
            worse epochs even without a previous better value (e.g.
            `baseline=8` for "fewer than 8 of 10 classes").

    Attributes:
        events: List of dicts `{"epoch", "value", "best", "reason"}`.
        best: Best value seen in the current `fit`.
    """

    def __init__(
        self,
        monitor="modes",
        patience=2,
        min_delta=0.0,
        mode="auto",
        action="warn",
        baseline=None,
    ):
        super().__init__()
        self.action = checks.choice("action", action, ACTIONS)
        self.mode = checks.choice("mode", mode, ("auto", "min", "max"))
        self.patience = checks.positive_int("patience", patience)
        self.monitor = checks.string("monitor", monitor)
        self.min_delta = checks.non_negative("min_delta", min_delta)
        self.baseline = checks.number("baseline", baseline, allow_none=True)
        self._sign = -1.0 if (mode == "min" or (mode == "auto" and "kl" in monitor)) else 1.0
        self.events = []
        self.best = None
        self._worse = 0
        self._warned_missing = False

    def on_train_begin(self, logs=None):
        self.best = None
        self._worse = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            if not self._warned_missing:
                self._warned_missing = True
                warnings.warn(
                    f"ModeCollapseMonitor: '{self.monitor}' is not in logs "
                    f"(keys: {sorted(logs)}). Add a GANMetrics callback that "
                    "writes it, placed BEFORE this monitor in `callbacks`.",
                    RuntimeWarning,
                )
            return
        value = float(logs[self.monitor])
        # Compare in "higher is healthier" units.
        score = self._sign * value
        below_baseline = self.baseline is not None and score < self._sign * self.baseline
        if not np.isfinite(score):
            worse = True
        else:
            worse = below_baseline or (
                self.best is not None and score < self._sign * self.best - self.min_delta
            )
            if self.best is None or score > self._sign * self.best:
                self.best = value
        self._worse = self._worse + 1 if worse else 0
        if self._worse >= self.patience:
            self._worse = 0
            self._fire(epoch, value)

    def _fire(self, epoch, value):
        direction = "fell" if self._sign > 0 else "rose"
        reason = (
            f"{self.monitor} {direction} to {value:.4g} (best {self.best:.4g}"
            + ("" if self.baseline is None else f", baseline {self.baseline:.4g}")
            + f") for {self.patience} epoch(s): the generator is losing modes"
        )
        self.events.append(
            {"epoch": epoch, "value": value, "best": self.best, "reason": reason}
        )
        message = f"ModeCollapseMonitor (epoch {epoch + 1}): {reason}."
        if self.action == "stop":
            self.model.stop_training = True
            message += " Stopped training."
        warnings.warn(message, RuntimeWarning)

    def get_config(self):
        return {
            "monitor": self.monitor,
            "patience": self.patience,
            "min_delta": self.min_delta,
            "mode": self.mode,
            "action": self.action,
            "baseline": self.baseline,
        }
