"""Anneals a model variable over epochs (e.g. instance noise, TRICKS.md 4.5)."""

import math

import keras

from keras_gans import checks

SCHEDULES = ("linear", "exponential")


class VariableSchedule(keras.callbacks.Callback):
    """Sets a `keras.Variable` of the model at the start of every epoch.

    The value goes from `start` at epoch 0 to `end` at epoch `epochs`
    (and stays at `end` afterwards):

    - `"linear"`: `start + (end - start) * t`, with `t = min(epoch / epochs, 1)`;
    - `"exponential"`: `start * (end / start) ** t`, a constant decay rate per
      epoch (both values must be > 0).

    The current value is written to `logs[variable]` at every epoch end.

    Args:
        variable: Attribute name of the variable on the model, e.g.
            `"instance_noise"`, or a dotted path (`"generator.some_var"`).
        start: Value at epoch 0.
        end: Value at epoch `epochs` and after.
        epochs: Length of the schedule, in epochs.
        schedule: `"linear"` or `"exponential"`.

    Example:

    ```python
    # Instance noise decaying from 0.1 to 0 over 20 epochs.
    gan.fit(data, epochs=30, callbacks=[
        VariableSchedule("instance_noise", start=0.1, end=0.0, epochs=20)])
    ```
    """

    def __init__(self, variable, start, end, epochs, schedule="linear"):
        super().__init__()
        checks.choice("schedule", schedule, SCHEDULES)
        variable = checks.string("variable", variable)
        start = checks.number("start", start)
        end = checks.number("end", end)
        epochs = checks.positive_int("epochs", epochs)
        if schedule == "exponential" and (start <= 0 or end <= 0):
            raise ValueError(
                "An exponential schedule needs start > 0 and end > 0 (it "
                f"multiplies by a constant factor); received start={start}, "
                f"end={end}. Use a small end value such as 1e-3 instead of 0, "
                "or schedule='linear'."
            )
        self.variable = variable
        self.start = start
        self.end = end
        self.epochs = epochs
        self.schedule = schedule

    def value_at(self, epoch):
        """The scheduled value for a (0-based) epoch."""
        t = min(epoch / self.epochs, 1.0)
        if self.schedule == "linear":
            return self.start + (self.end - self.start) * t
        return self.start * math.exp(t * math.log(self.end / self.start))

    def _target(self):
        target = self.model
        for part in self.variable.split("."):
            if not hasattr(target, part):
                raise ValueError(
                    f"VariableSchedule: the model has no attribute "
                    f"{self.variable!r} ({type(self.model).__name__} lacks "
                    f"{part!r})."
                )
            target = getattr(target, part)
        if not isinstance(target, keras.Variable):
            raise ValueError(
                f"VariableSchedule: model.{self.variable} is a "
                f"{type(target).__name__}, not a keras.Variable; a plain Python "
                "value would be frozen into the compiled train step and the "
                "schedule silently ignored."
            )
        return target

    def on_train_begin(self, logs=None):
        self._target()  # Fail before the first epoch on a wrong name.

    def on_epoch_begin(self, epoch, logs=None):
        self._target().assign(self.value_at(epoch))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs[self.variable] = float(keras.ops.convert_to_numpy(self._target()))
