"""Network builders: functions returning plain functional `keras.Model`s.

Every builder takes the training tricks that live in the architecture as
arguments (`activation`, `dropout`, `batch_norm`, `depth`,
`kernel_initializer`, `output_activation`; for discriminators also
`spectral_norm`, `minibatch_stddev` and `pack`), and conditioning as
`num_classes=` (the model then takes `[x, labels]`). They use stock Keras
layers, plus `common.MinibatchStdDev`, which is registered with Keras, so the
models save to `.keras` and reload once `keras_gans` is imported.
"""

from keras_gans.networks.autoencoder import autoencoder_generator
from keras_gans.networks.common import MinibatchStdDev
from keras_gans.networks.dcgan import dcgan_discriminator
from keras_gans.networks.dcgan import dcgan_generator
from keras_gans.networks.encoder import dcgan_encoder
from keras_gans.networks.encoder import mlp_encoder
from keras_gans.networks.heads import discriminator_with_heads
from keras_gans.networks.mlp import mlp_discriminator
from keras_gans.networks.mlp import mlp_generator

__all__ = [
    "MinibatchStdDev",
    "autoencoder_generator",
    "dcgan_discriminator",
    "dcgan_encoder",
    "dcgan_generator",
    "discriminator_with_heads",
    "mlp_discriminator",
    "mlp_encoder",
    "mlp_generator",
]
