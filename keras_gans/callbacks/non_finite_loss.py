"""`StopOnNonFiniteLoss`: the guard `GAN.fit` adds, for explicit use.

Defined in `keras_gans.models.non_finite_guard`, beside the `fit` that arms
it, so that the models never depend on the callbacks that drive them.
"""

from keras_gans.models.non_finite_guard import StopOnNonFiniteLoss

__all__ = ["StopOnNonFiniteLoss"]
