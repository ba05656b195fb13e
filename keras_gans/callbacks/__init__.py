"""Callbacks: sample pictures, schedules, and training guards."""

from keras_gans.callbacks.non_finite_loss import StopOnNonFiniteLoss
from keras_gans.callbacks.sample_grid import SampleGrid
from keras_gans.callbacks.variable_schedule import VariableSchedule

__all__ = ["SampleGrid", "StopOnNonFiniteLoss", "VariableSchedule"]
