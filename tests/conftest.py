"""Shared test setup: quiet TensorFlow, tiny networks, and the shared MNIST copy."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans import networks  # noqa: E402

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_MNIST = os.path.join(PROJECT_ROOT, "..", "shared", "data", "mnist.npz")


@pytest.fixture(scope="session")
def load_tool():
    """`load_tool("train_evaluator")`: a script of `tools/` as a module
    (`tools/` is not a package)."""
    import importlib.util

    def load(name):
        path = os.path.join(PROJECT_ROOT, "tools", f"{name}.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def mnist_npz():
    """Path of the real MNIST copy beside the project; skips when absent."""
    if not os.path.exists(SHARED_MNIST):
        pytest.skip(f"real MNIST not found at {SHARED_MNIST}")
    return SHARED_MNIST


def _dense_stack(input_dim, output_dim, width, activation, output_activation, name):
    inputs = keras.Input((input_dim,))
    x = inputs
    for _ in range(2):
        x = keras.layers.Dense(width, activation=activation)(x)
    outputs = keras.layers.Dense(output_dim, activation=output_activation)(x)
    return keras.Model(inputs, outputs, name=name)


@pytest.fixture
def tiny_mlp_pair():
    """Builds a small (generator, discriminator) pair for 2D data."""

    def build(latent_dim=4, data_dim=2, width=16, output_activation=None):
        keras.utils.set_random_seed(0)
        generator = _dense_stack(
            latent_dim, data_dim, width, "tanh", output_activation, "generator"
        )
        discriminator = _dense_stack(data_dim, 1, width, "tanh", None, "discriminator")
        return generator, discriminator

    return build


@pytest.fixture
def constant_networks():
    """A generator that outputs zeros and a discriminator that sums its input.

    With these, D's logits are known in closed form: 0 on generated data and
    `sum(x) + bias` on real data, so loss values can be checked by hand.
    """

    def build(latent_dim=3, data_dim=2, d_bias=0.0):
        generator = keras.Sequential(
            [
                keras.Input((latent_dim,)),
                keras.layers.Dense(data_dim, kernel_initializer="zeros"),
            ],
            name="generator",
        )
        discriminator = keras.Sequential(
            [
                keras.Input((data_dim,)),
                keras.layers.Dense(
                    1,
                    kernel_initializer="ones",
                    bias_initializer=keras.initializers.Constant(d_bias),
                ),
            ],
            name="discriminator",
        )
        return generator, discriminator

    return build


@pytest.fixture
def ring_data():
    """4096 points of an 8-mode ring (radius 1, std 0.01)."""
    rng = np.random.default_rng(0)
    angles = rng.integers(0, 8, 4096) * (2 * np.pi / 8)
    points = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (points + 0.01 * rng.normal(size=points.shape)).astype("float32")

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
            networks.mlp_generator(latent_dim, 2, num_classes=NUM_CLASSES, **mlp),
            networks.mlp_discriminator(2, num_classes=NUM_CLASSES, **mlp),
            latent_dim, NUM_CLASSES, **kwargs)
    if name == "acgan":
        return keras_gans.ACGAN(
            networks.mlp_generator(latent_dim, 2, num_classes=NUM_CLASSES, **mlp),
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
    if name == "stabilised":
        # The stabilisers beyond the guide, together: hinge loss, lazy R1,
        # spectral norm, minibatch stddev, packing, an EMA of G.
        kwargs.setdefault("loss", "hinge")
        kwargs.setdefault("penalties", [keras_gans.penalties.R1(1.0, every_n_steps=2)])
        kwargs.setdefault("ema_decay", 0.9)
        return keras_gans.GAN(
            networks.mlp_generator(latent_dim, 2, **mlp),
            networks.mlp_discriminator(2, pack=2, spectral_norm=True,
                                       minibatch_stddev=True, **mlp),
            latent_dim, pack=2, **kwargs)
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
