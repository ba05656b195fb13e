"""Network builders: functions returning plain functional `keras.Model`s.

Every builder takes the training tricks that live in the architecture as
arguments (`activation`, `dropout`, `batch_norm`, `depth`,
`kernel_initializer`, `output_activation`) and uses stock Keras layers only,
so the models save to `.keras` and reload without custom objects.
"""

from keras_gans.networks.dcgan import dcgan_discriminator
from keras_gans.networks.dcgan import dcgan_generator
from keras_gans.networks.mlp import mlp_discriminator
from keras_gans.networks.mlp import mlp_generator
