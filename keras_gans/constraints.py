"""Weight constraints applied by the optimizer after every update.

Keras optimizers apply `variable.constraint` after each update of that
variable (`BaseOptimizer.apply`), so WGAN's weight clipping needs no hook in
the training step: it is a property of the critic's variables.
"""

import keras
from keras import ops

from keras_gans import checks


@keras.saving.register_keras_serializable(package="keras_gans")
class Clip(keras.constraints.Constraint):
    """Clips every value of a variable to `[-value, value]`.

    WGAN's weight clipping (Arjovsky et al. 2017, Algorithm 1) crudely keeps
    the critic K-Lipschitz.

    Args:
        value: The bound c > 0 (0.01 in the paper).
    """

    def __init__(self, value):
        self.value = checks.positive("value", value)

    def __call__(self, w):
        return ops.clip(w, -self.value, self.value)

    def get_config(self):
        return {"value": self.value}


def constrain_variables(variables, constraint, owner="the model"):
    """Sets `constraint` on each variable, refusing to replace a different one.

    Args:
        variables: Iterable of `keras.Variable`s.
        constraint: A callable constraint, e.g. `Clip(0.01)`.
        owner: Who asks (for the error message).

    Raises:
        ValueError: if a variable already has another constraint.
    """
    for variable in variables:
        existing = variable.constraint
        if existing is not None and existing is not constraint and not (
                type(existing) is type(constraint)
                and existing.get_config() == constraint.get_config()):
            raise ValueError(
                f"{owner} would replace the constraint {existing!r} of variable "
                f"{variable.path!r} with {constraint!r}. Build the network "
                "without a constraint of its own.")
        variable.constraint = constraint


__all__ = ["Clip", "constrain_variables"]
