"""Shared test setup: quiet TensorFlow, tiny networks, and the shared MNIST copy."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_MNIST = os.path.join(PROJECT_ROOT, "..", "shared", "data", "mnist.npz")


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
