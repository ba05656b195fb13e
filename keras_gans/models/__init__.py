"""GAN variants, one per file, each a `keras.Model` trained with `fit()`."""

from keras_gans.models.gan import GAN

__all__ = ["GAN"]
