"""DivergenceMonitor: catch the discriminator winning, and blow-ups.

The field guide's first failure, divergence: the discriminator reaches a
minimum and wins, and the generator loss only grows. In the logs this is D's
loss pinned near zero while G's loss climbs, over several epochs (or
batches). Non-finite or exploding losses and gradient norms are the same
failure seen later. This callback watches for both and warns, stops
training, or rolls the weights back to the last healthy state.
"""

import collections
import math
import warnings

import keras
import numpy as np

from keras_gans import checks

ACTIONS = ("warn", "stop", "restore")


class DivergenceMonitor(keras.callbacks.Callback):
    """Warns, stops or restores weights when GAN training diverges.

    Triggers (checked at each epoch end, or each batch end with
    `frequency="batch"`, where Keras' logs hold the epoch's running means):

    1. a non-finite value of `d_loss`, `g_loss` or a gradient-norm key;
    2. an exploding value: |loss| > `explode_threshold`, or a gradient norm
       > `grad_norm_threshold`;
    3. the divergence signature over the last `window` observations: every
       `d_loss` below `d_loss_threshold` while `g_loss` rises (positive
       least-squares slope and a total rise > `min_g_loss_rise`).

    After a trigger the window is cleared, so a warning needs a fresh window
    of evidence before it repeats.

    Actions:
    - `"warn"`: `warnings.warn(..., RuntimeWarning)`; training continues.
    - `"stop"`: warn and set `model.stop_training = True`.
    - `"restore"`: warn, set the model back to the last good state and stop.
      "Good" means an epoch end at which every watched value was finite,
      not exploding and `d_loss >= d_loss_threshold` (D not yet winning);
      the state at the start of training counts as good. The copy holds
      `model.get_weights()` and the optimizers' variables (a NaN step leaves
      NaN moment estimates too), in host memory, one copy at a time.
      Training stops after restoring because the same state and
      hyper-parameters would diverge again; resume with changed settings.

    Non-finite losses with `action="restore"`: whatever `frequency`, every
    batch end is checked for a non-finite watched value, so a NaN in the
    middle of an epoch restores at that batch, not after the epoch has run
    on NaN weights. The monitor sets `restores_on_non_finite`, and `GAN.fit`
    then adds no `StopOnNonFiniteLoss` guard (which would raise first and
    leave the weights NaN). An explicitly passed `StopOnNonFiniteLoss` or
    `TerminateOnNaN` still acts, in list order.

    Args:
        window: Observations (epochs or batches) in the signature window.
        d_loss_threshold: D loss below this counts as "near zero".
        min_g_loss_rise: Minimum increase of G loss across the window.
        explode_threshold: Absolute loss above which training has exploded.
        grad_norm_threshold: Gradient norm above which training has
            exploded (None: use `explode_threshold`).
        action: `"warn"`, `"stop"` or `"restore"`.
        frequency: `"epoch"` or `"batch"`.
        d_loss_key: Log key of the discriminator loss.
        g_loss_key: Log key of the generator loss.
        grad_norm_keys: Log keys of gradient norms to check; None checks
            every key containing "grad_norm" when present.

    Attributes:
        events: List of dicts `{"epoch", "batch", "reason"}`, one per trigger.
        diverged: True once a trigger fired.
    """

    def __init__(
        self,
        window=5,
        d_loss_threshold=0.05,
        min_g_loss_rise=0.0,
        explode_threshold=1e4,
        grad_norm_threshold=None,
        action="warn",
        frequency="epoch",
        d_loss_key="d_loss",
        g_loss_key="g_loss",
        grad_norm_keys=None,
    ):
        super().__init__()
        self.action = checks.choice("action", action, ACTIONS)
        self.frequency = checks.choice("frequency", frequency, ("epoch", "batch"))
        self.window = checks.integer("window", window, minimum=2)
        self.d_loss_threshold = checks.number("d_loss_threshold", d_loss_threshold)
        self.min_g_loss_rise = checks.number("min_g_loss_rise", min_g_loss_rise)
        self.explode_threshold = checks.positive("explode_threshold", explode_threshold)
        self.grad_norm_threshold = checks.positive(
            "grad_norm_threshold", grad_norm_threshold, allow_none=True)
        self.d_loss_key = checks.string("d_loss_key", d_loss_key)
        self.g_loss_key = checks.string("g_loss_key", g_loss_key)
        if grad_norm_keys is not None:
            grad_norm_keys = [checks.string("grad_norm_keys", k) for k in grad_norm_keys]
        self.grad_norm_keys = grad_norm_keys
        # GAN.fit adds no non-finite-loss guard beside a monitor that repairs
        # non-finite training itself (see the class docstring).
        self.restores_on_non_finite = self.action == "restore"
        self.events = []
        self.diverged = False
        self._history = collections.deque(maxlen=self.window)
        self._good_state = None
        self._restored = False
        self._epoch = 0
        self._warned_missing = False
        # Keras may dispatch batch-end hooks on a worker thread only for
        # callbacks that declare it safe; ours do nothing in epoch mode,
        # unless they may restore weights (which must not race the step).
        self.async_safe = frequency == "epoch" and action != "restore"

    def on_train_begin(self, logs=None):
        self._history.clear()
        self._restored = False
        if self.action == "restore":
            self._good_state = self._state()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._restored:
            return
        logs = logs or {}
        if self.frequency == "batch":
            self._observe(logs, batch=batch)
        elif self.action == "restore":
            # A NaN mid-epoch restores now, not after an epoch on NaN weights.
            reason = self._problem(logs, non_finite_only=True)
            if reason is not None:
                self._trigger(reason, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self._restored:
            return
        logs = logs or {}
        healthy = True
        if self.frequency == "epoch":
            healthy = self._observe(logs, batch=None)
        else:
            healthy = self._problem(logs) is None
        if healthy and self.action == "restore" and not self.model.stop_training:
            d_loss = logs.get(self.d_loss_key)
            if d_loss is not None and d_loss >= self.d_loss_threshold:
                self._good_state = self._state()

    def _optimizers(self):
        names = ("d_optimizer", "g_optimizer", "optimizer")
        found = [getattr(self.model, name, None) for name in names]
        unique = []
        for optimizer in found:
            if optimizer is not None and all(optimizer is not o for o in unique):
                unique.append(optimizer)
        return unique

    def _state(self):
        """A host copy of the weights and the optimizers' variables."""
        optimizers = [[keras.ops.convert_to_numpy(v) for v in optimizer.variables]
                      for optimizer in self._optimizers()]
        return self.model.get_weights(), optimizers

    def _restore(self, state):
        weights, optimizers = state
        self.model.set_weights(weights)
        for optimizer, values in zip(self._optimizers(), optimizers):
            if len(optimizer.variables) == len(values):
                for variable, value in zip(optimizer.variables, values):
                    variable.assign(value)

    def _grad_keys(self, logs):
        if self.grad_norm_keys is not None:
            return [k for k in self.grad_norm_keys if k in logs]
        return [k for k in logs if "grad_norm" in k]

    def _problem(self, logs, non_finite_only=False):
        """Reason string for a non-finite or exploding value, else None."""
        grad_limit = (
            self.explode_threshold
            if self.grad_norm_threshold is None
            else float(self.grad_norm_threshold)
        )
        checks = [(k, self.explode_threshold) for k in (self.d_loss_key, self.g_loss_key)]
        checks += [(k, grad_limit) for k in self._grad_keys(logs)]
        for key, limit in checks:
            if key not in logs:
                continue
            value = float(logs[key])
            if not math.isfinite(value):
                return f"non-finite {key} ({value})"
            if not non_finite_only and abs(value) > limit:
                return f"exploding {key} ({value:.4g} > {limit:.4g})"
        return None

    def _observe(self, logs, batch):
        """Records one observation; returns True when it looks healthy."""
        if self.d_loss_key not in logs or self.g_loss_key not in logs:
            if not self._warned_missing:
                self._warned_missing = True
                warnings.warn(
                    f"DivergenceMonitor: logs lack '{self.d_loss_key}' or "
                    f"'{self.g_loss_key}' (keys: {sorted(logs)}); pass "
                    "d_loss_key= and g_loss_key= matching your model's metrics.",
                    RuntimeWarning,
                )
            return True
        reason = self._problem(logs)
        if reason is None:
            d_loss = float(logs[self.d_loss_key])
            g_loss = float(logs[self.g_loss_key])
            self._history.append((d_loss, g_loss))
            reason = self._signature()
        if reason is None:
            return True
        self._trigger(reason, batch)
        return False

    def _signature(self):
        if len(self._history) < self.window:
            return None
        d_losses, g_losses = np.asarray(self._history).T
        if np.any(d_losses >= self.d_loss_threshold):
            return None
        slope = np.polyfit(np.arange(self.window), g_losses, 1)[0]
        rise = g_losses[-1] - g_losses[0]
        if slope <= 0 or rise <= self.min_g_loss_rise:
            return None
        unit = "batches" if self.frequency == "batch" else "epochs"
        return (
            f"discriminator winning: {self.d_loss_key} < {self.d_loss_threshold} "
            f"for {self.window} {unit} while {self.g_loss_key} rose by "
            f"{rise:.4g} (from {g_losses[0]:.4g} to {g_losses[-1]:.4g})"
        )

    def _trigger(self, reason, batch):
        self.diverged = True
        self._history.clear()
        self.events.append({"epoch": self._epoch, "batch": batch, "reason": reason})
        where = f"epoch {self._epoch + 1}" + ("" if batch is None else f", batch {batch}")
        message = f"DivergenceMonitor ({where}): {reason}."
        if self.action == "restore":
            if self._good_state is not None:
                self._restore(self._good_state)
                message += " Restored the last good weights and stopped training."
            else:
                message += " No good weights were recorded; stopped training."
            self.model.stop_training = True
            # The epoch's remaining logs are those of the diverged run.
            self._restored = True
        elif self.action == "stop":
            message += " Stopped training."
            self.model.stop_training = True
        warnings.warn(message, RuntimeWarning)

    def get_config(self):
        return {
            "window": self.window,
            "d_loss_threshold": self.d_loss_threshold,
            "min_g_loss_rise": self.min_g_loss_rise,
            "explode_threshold": self.explode_threshold,
            "grad_norm_threshold": self.grad_norm_threshold,
            "action": self.action,
            "frequency": self.frequency,
            "d_loss_key": self.d_loss_key,
            "g_loss_key": self.g_loss_key,
            "grad_norm_keys": self.grad_norm_keys,
        }
