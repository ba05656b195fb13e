"""Callbacks: sample pictures, schedules, metrics and training guards."""

from keras_gans.callbacks.divergence_monitor import DivergenceMonitor
from keras_gans.callbacks.gan_metrics import GANMetrics
from keras_gans.callbacks.mode_collapse_monitor import ModeCollapseMonitor
from keras_gans.callbacks.non_finite_loss import StopOnNonFiniteLoss
from keras_gans.callbacks.sample_grid import SampleGrid
from keras_gans.callbacks.variable_schedule import VariableSchedule

__all__ = [
    "DivergenceMonitor",
    "GANMetrics",
    "ModeCollapseMonitor",
    "SampleGrid",
    "StopOnNonFiniteLoss",
    "VariableSchedule",
]
