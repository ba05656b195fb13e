"""The GAN learns: on the 8-Gaussian ring, samples move toward the modes."""

import keras
import numpy as np

import keras_gans
from keras_gans import datasets, networks


def _distance_to_nearest_mode(samples, centers):
    return np.min(np.linalg.norm(samples[:, None] - centers[None], axis=-1), axis=1)


def test_gan_moves_samples_toward_the_ring_modes():
    keras.utils.set_random_seed(0)
    centers, _ = datasets.mixture_spec("ring")
    data = datasets.sample_mixture("ring", 1000 * 256, seed=0)
    data = data[0] if isinstance(data, tuple) else data
    gan = keras_gans.GAN(
        networks.mlp_generator(16, 2, width=64, depth=2, activation="tanh"),
        networks.mlp_discriminator(2, width=64, depth=2, activation="tanh"),
        latent_dim=16,
        seed=0,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
    )
    before = gan.generate(2000, seed=1)
    gan.fit(data, batch_size=256, epochs=1, verbose=0)  # 1000 tiny steps
    after = gan.generate(2000, seed=1)

    dist_before = _distance_to_nearest_mode(before, centers)
    dist_after = _distance_to_nearest_mode(after, centers)
    assert dist_after.mean() < 0.5 * dist_before.mean()
    radial_before = np.abs(np.linalg.norm(before, axis=1) - 1).mean()
    radial_after = np.abs(np.linalg.norm(after, axis=1) - 1).mean()
    assert radial_after < 0.25 * radial_before
    # Samples close to a mode (10 std) spread over several modes.
    near = np.argmin(np.linalg.norm(after[:, None] - centers[None], axis=-1), axis=1)
    hit = np.unique(near[dist_after < 0.1])
    assert (dist_after < 0.1).mean() > 0.1 and len(hit) >= 4
