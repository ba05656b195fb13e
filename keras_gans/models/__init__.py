"""GAN variants, one per file, each a `keras.Model` trained with `fit()`."""

from keras_gans.models.acgan import ACGAN
from keras_gans.models.conditional import ConditionalGAN
from keras_gans.models.gan import GAN
from keras_gans.models.infogan import InfoGAN
from keras_gans.models.vaegan import VAEGAN
from keras_gans.models.wgan import WGAN
from keras_gans.models.wgan import WGANGP

__all__ = ["ACGAN", "ConditionalGAN", "GAN", "InfoGAN", "VAEGAN", "WGAN", "WGANGP"]
