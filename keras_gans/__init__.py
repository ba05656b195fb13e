"""keras_gans: reference GANs in Keras 3 where every training trick is an argument."""

from keras_gans import callbacks
from keras_gans import losses
from keras_gans.export import export_generator
from keras_gans.models import GAN

__version__ = "0.1.0"

__all__ = ["GAN", "callbacks", "export_generator", "losses"]
