"""The guard `GAN.fit` arms: stop at the first non-finite loss, saying where.

It lives with the models because `fit` adds it by default (the models never
import from `keras_gans.callbacks`, which drive them); the callbacks package
re-exports it as `callbacks.StopOnNonFiniteLoss` for explicit use.

Interplay with monitors that repair training: a callback whose attribute
`restores_on_non_finite` is true (`callbacks.DivergenceMonitor(action=
"restore")`) takes over non-finite losses. `fit` then adds no guard, so the
monitor sees the bad batch, puts the last healthy weights back and stops
instead of the guard raising over NaN weights.
"""

import math

import keras

from keras_gans import checks


def restores_on_non_finite(callback):
    """Whether `callback` repairs non-finite training itself (duck-typed)."""
    return bool(getattr(callback, "restores_on_non_finite", False))


def default_guards(callbacks):
    """The guard `fit` adds to `callbacks`: `[StopOnNonFiniteLoss()]` or `[]`.

    None when the user already passes a guard (this one or Keras'
    `TerminateOnNaN`) or a callback that restores on non-finite losses.
    """
    for callback in callbacks:
        if isinstance(callback, (StopOnNonFiniteLoss, keras.callbacks.TerminateOnNaN)):
            return []
        if restores_on_non_finite(callback):
            return []
    return [StopOnNonFiniteLoss()]


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `FloatingPointError` when a logged loss becomes NaN or infinite.

    `GAN.fit` adds this callback unless the user passes
    `keras.callbacks.TerminateOnNaN`, this callback, or a callback that
    restores weights on non-finite losses (`DivergenceMonitor(action=
    "restore")`). The per-epoch loss logs are running means, so one
    non-finite step makes them non-finite at that very batch.

    Args:
        raise_error: If True (default) raise after stopping, so a script does
            not carry on with corrupt weights; if False only stop and warn.
    """

    def __init__(self, raise_error=True):
        super().__init__()
        self.raise_error = checks.boolean("raise_error", raise_error)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = {
            key: float(value)
            for key, value in logs.items()
            if key.endswith("loss") and not math.isfinite(float(value))
        }
        if not bad:
            return
        self.model.stop_training = True
        step = _global_step(self.model)
        message = (
            f"Non-finite loss at epoch {self._epoch + 1}, batch {batch + 1}"
            f"{'' if step is None else f' (training step {step})'}: "
            + ", ".join(f"{k}={v}" for k, v in sorted(bad.items()))
            + ". Training stopped; the weights are no longer usable, so reload "
            "the last checkpoint (or train with callbacks.DivergenceMonitor("
            "action='restore'), which restores the last healthy weights). "
            "Usual causes: a learning rate too high for this loss, data "
            "outside the generator's range, or float16 without loss scaling."
        )
        if self.raise_error:
            raise FloatingPointError(message)
        print(message)


def _global_step(model):
    optimizer = getattr(model, "g_optimizer", None) or getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return int(keras.ops.convert_to_numpy(optimizer.iterations))
