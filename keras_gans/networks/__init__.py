"""Network builders: functions returning plain functional `keras.Model`s.

Every builder takes the training tricks that live in the architecture as
arguments (`activation`, `dropout`, `batch_norm`, `depth`,
`kernel_initializer`, `output_activation`) and uses stock Keras layers only,
so the models save to `.keras` and reload without custom objects.
"""

from keras_gans.networks.autoencoder import autoencoder_generator
from keras_gans.networks.conditional import conditional_discriminator
from keras_gans.networks.conditional import conditional_generator
from keras_gans.networks.conditional import conditional_mlp_discriminator
from keras_gans.networks.conditional import conditional_mlp_generator
from keras_gans.networks.dcgan import dcgan_discriminator
from keras_gans.networks.dcgan import dcgan_generator
from keras_gans.networks.encoder import dcgan_encoder
from keras_gans.networks.encoder import mlp_encoder
from keras_gans.networks.heads import discriminator_with_heads
from keras_gans.networks.mlp import mlp_discriminator
from keras_gans.networks.mlp import mlp_generator

__all__ = [
    "autoencoder_generator",
    "conditional_discriminator",
    "conditional_generator",
    "conditional_mlp_discriminator",
    "conditional_mlp_generator",
    "dcgan_discriminator",
    "dcgan_encoder",
    "dcgan_generator",
    "discriminator_with_heads",
    "mlp_discriminator",
    "mlp_encoder",
    "mlp_generator",
]
