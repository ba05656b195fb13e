"""Fixtures for the model tests: tiny networks for each GAN variant on 2D data."""

import keras
import pytest

import keras_gans
from keras_gans import networks

LATENT_DIM = 4
NUM_CLASSES = 8


def build(name, width=16, latent_dim=LATENT_DIM, **kwargs):
    """Returns an uncompiled model of the variant `name` for 2D samples."""
    keras.utils.set_random_seed(0)
    mlp = dict(width=width, activation="tanh")
    kwargs.setdefault("seed", 0)
    if name == "gan":
        return keras_gans.GAN(networks.mlp_generator(latent_dim, 2, **mlp),
                              networks.mlp_discriminator(2, **mlp), latent_dim, **kwargs)
    if name == "conditional_gan":
        return keras_gans.ConditionalGAN(
            networks.conditional_mlp_generator(latent_dim, NUM_CLASSES, 2, **mlp),
            networks.conditional_mlp_discriminator(2, NUM_CLASSES, **mlp),
            latent_dim, NUM_CLASSES, **kwargs)
    if name == "acgan":
        return keras_gans.ACGAN(
            networks.conditional_mlp_generator(latent_dim, NUM_CLASSES, 2, **mlp),
            networks.discriminator_with_heads(
                networks.mlp_discriminator(2, **mlp), {"class": NUM_CLASSES}),
            latent_dim, NUM_CLASSES, **kwargs)
    if name == "infogan":
        kwargs.setdefault("categorical_dims", (NUM_CLASSES,))
        kwargs.setdefault("continuous_dims", 2)
        heads = {"q_cat": sum(kwargs["categorical_dims"])}
        if kwargs["continuous_dims"]:
            heads["q_cont"] = kwargs["continuous_dims"]
        code_dim = sum(kwargs["categorical_dims"]) + kwargs["continuous_dims"]
        return keras_gans.InfoGAN(
            networks.mlp_generator(latent_dim + code_dim, 2, **mlp),
            networks.discriminator_with_heads(networks.mlp_discriminator(2, **mlp), heads),
            latent_dim, **kwargs)
    if name in ("wgan", "wgangp"):
        cls = keras_gans.WGAN if name == "wgan" else keras_gans.WGANGP
        return cls(networks.mlp_generator(latent_dim, 2, **mlp),
                   networks.mlp_discriminator(2, **mlp), latent_dim, **kwargs)
    if name == "vaegan":
        return keras_gans.VAEGAN(
            networks.mlp_encoder(2, latent_dim, width=width),
            networks.mlp_generator(latent_dim, 2, **mlp),
            networks.mlp_discriminator(2, **mlp), latent_dim, **kwargs)
    raise ValueError(name)



@pytest.fixture
def build_variant():
    """`build_variant(name, **kwargs)`: an uncompiled variant with 2D MLPs
    (8 classes for the conditional ones, like the ring's modes)."""
    return build
