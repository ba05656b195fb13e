"""One training step on 1 device and under MirroredStrategy on 2 CPU devices.

Run as a script (the logical devices must be configured before TensorFlow
starts, so the test launches it in a fresh process). Prints one JSON line:
per model, the largest weight difference between the two runs and the size
of the update itself.

Randomness is made a fixed function of each example (latents, fake labels,
interpolation weights), because replicas draw their own random numbers: with
it removed, any difference left comes from how losses and gradients are
averaged across replicas.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_gans  # noqa: E402
from keras_gans import datasets, networks  # noqa: E402

LATENT_DIM, NUM_CLASSES, GLOBAL_BATCH = 4, 8, 16
MODELS = ("gan", "wgangp", "acgan", "stabilised")
PROJECTION = np.random.default_rng(0).normal(size=(2, LATENT_DIM)).astype("float32")


def per_example_latents(points):
    return ops.tanh(ops.matmul(points, PROJECTION))


class FixedGAN(keras_gans.GAN):
    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        return per_example_latents(real_batch)


class FixedWGANGP(keras_gans.WGANGP):
    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        return per_example_latents(real_batch)


class FixedGradientPenalty(keras_gans.penalties.GradientPenalty):
    def interpolation_weights(self, real_inputs, fake_inputs, seed=None):
        return ops.sigmoid(ops.sum(real_inputs, axis=-1))


class FixedACGAN(keras_gans.ACGAN):
    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        points, labels = real_batch
        return [per_example_latents(points), (labels + 1) % NUM_CLASSES]


def build(name):
    keras.utils.set_random_seed(0)
    mlp = dict(width=16, activation="tanh")
    if name == "gan":
        return FixedGAN(networks.mlp_generator(LATENT_DIM, 2, **mlp),
                        networks.mlp_discriminator(2, **mlp), LATENT_DIM)
    if name == "wgangp":
        return FixedWGANGP(networks.mlp_generator(LATENT_DIM, 2, **mlp),
                           networks.mlp_discriminator(2, **mlp), LATENT_DIM, n_critic=2,
                           penalties=[FixedGradientPenalty(10.0)])
    if name == "stabilised":
        # Hinge loss, R1, spectral norm, an EMA of G and packing by 2 (each
        # replica packs its own consecutive examples, the same pairs as one
        # device).
        return FixedGAN(networks.mlp_generator(LATENT_DIM, 2, **mlp),
                        networks.mlp_discriminator(2, pack=2, spectral_norm=True, **mlp),
                        LATENT_DIM, loss="hinge", penalties=[keras_gans.penalties.R1(1.0)],
                        ema_decay=0.5, pack=2)
    return FixedACGAN(
        networks.mlp_generator(LATENT_DIM, 2, num_classes=NUM_CLASSES, **mlp),
        networks.discriminator_with_heads(networks.mlp_discriminator(2, **mlp),
                                          {"class": NUM_CLASSES}),
        LATENT_DIM, NUM_CLASSES)


def train_one_step(name, strategy, initial_weights, points, labels):
    with strategy.scope():
        model = build(name)
        model.set_weights(initial_weights)
        model.compile(d_optimizer=keras.optimizers.SGD(0.1),
                      g_optimizer=keras.optimizers.SGD(0.1))
    data = (points, labels) if name == "acgan" else points
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(GLOBAL_BATCH, drop_remainder=True)
    history = model.fit(dataset, epochs=1, verbose=0)
    return [np.asarray(w) for w in model.get_weights()], history.history


def main():
    points, labels = datasets.sample_mixture("ring", GLOBAL_BATCH, seed=0)
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    report = {"replicas": mirrored.num_replicas_in_sync}
    for name in MODELS:
        initial = [np.asarray(w) for w in build(name).get_weights()]
        single, single_logs = train_one_step(
            name, tf.distribute.get_strategy(), initial, points, labels)
        multi, multi_logs = train_one_step(name, mirrored, initial, points, labels)
        report[name] = {
            "max_weight_difference": max(float(np.abs(a - b).max()) for a, b in zip(single, multi)),
            "max_update": max(float(np.abs(a - b).max()) for a, b in zip(single, initial)),
            "d_loss": [single_logs["d_loss"][0], multi_logs["d_loss"][0]],
        }
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
