"""keras_gans: reference GANs in Keras 3 where every training trick is an argument."""

from keras_gans import augment
from keras_gans import callbacks
from keras_gans import checks
from keras_gans import constraints
from keras_gans import datasets
from keras_gans import evaluation
from keras_gans import losses
from keras_gans import networks
from keras_gans import penalties
from keras_gans.export import export_generator
from keras_gans.io_utils import load_model
from keras_gans.models import ACGAN
from keras_gans.models import GAN
from keras_gans.models import VAEGAN
from keras_gans.models import WGAN
from keras_gans.models import WGANGP
from keras_gans.models import ConditionalGAN
from keras_gans.models import InfoGAN

__version__ = "0.1.0"

__all__ = [
    "ACGAN",
    "ConditionalGAN",
    "GAN",
    "InfoGAN",
    "VAEGAN",
    "WGAN",
    "WGANGP",
    "augment",
    "callbacks",
    "checks",
    "constraints",
    "datasets",
    "evaluation",
    "export_generator",
    "load_model",
    "losses",
    "networks",
    "penalties",
]
