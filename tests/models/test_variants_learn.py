"""Each variant learns what its extra information is for, on the labelled ring.

A few hundred tiny steps on the 8-Gaussian ring (class = mode index) are
enough for the effects to be far above chance (1/8).
"""

import keras
import numpy as np
import pytest

from keras_gans import datasets

STEPS, BATCH = 400, 256


@pytest.fixture(scope="module")
def labelled_ring():
    return datasets.sample_mixture("ring", STEPS * BATCH, seed=0)


def nearest_mode(samples):
    centers, _ = datasets.mixture_spec("ring")
    return np.argmin(np.linalg.norm(samples[:, None] - centers[None], axis=-1), axis=1)


def train(model, points, labels=None):
    model.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    history = model.fit(points, labels, batch_size=BATCH, epochs=1, verbose=0)
    return {k: v[-1] for k, v in history.history.items()}


def test_conditional_gan_samples_land_on_the_requested_mode(build_variant, labelled_ring):
    model = build_variant("conditional_gan", width=64, latent_dim=8)
    train(model, *labelled_ring)
    hit_rate = np.mean([np.mean(nearest_mode(model.generate(200, labels=k, seed=k)) == k)
                        for k in range(8)])
    assert hit_rate > 0.8  # chance: 0.125


def test_acgan_class_head_beats_chance_on_real_data(build_variant, labelled_ring):
    points, labels = labelled_ring
    model = build_variant("acgan", width=64, latent_dim=8)
    logs = train(model, points, labels)
    class_logits = model.discriminator(points[:2000])["class_logits"]
    accuracy = np.mean(np.argmax(class_logits, axis=-1) == labels[:2000])
    assert accuracy > 0.8 and logs["class_acc_real"] > 0.5
    hit_rate = np.mean(nearest_mode(model.generate(800, labels=np.arange(800) % 8, seed=1))
                       == np.arange(800) % 8)
    assert hit_rate > 0.5


def test_infogan_categorical_code_is_recoverable(build_variant, labelled_ring):
    model = build_variant("infogan", width=64, latent_dim=8, categorical_dims=(8,),
                          continuous_dims=0)
    logs = train(model, labelled_ring[0])
    codes = np.repeat(np.arange(8), 100)
    samples = model.generate(800, codes=model.make_codes(categorical=codes), seed=3)
    predicted = np.argmax(model.discriminator(samples)["q_cat_logits"], axis=-1)
    assert np.mean(predicted == codes) > 0.8 and logs["code_acc"] > 0.5
    # The code has become a property of the sample: each code value picks
    # out mostly one mode.
    purity = np.mean([np.bincount(nearest_mode(samples[codes == c]), minlength=8).max() / 100
                      for c in range(8)])
    assert purity > 0.5


def test_vaegan_reconstruction_error_falls(build_variant, labelled_ring):
    points = labelled_ring[0]
    model = build_variant("vaegan", width=64, latent_dim=8, kl_weight=0.1)
    before = np.mean((model.reconstruct(points[:2000]) - points[:2000]) ** 2)
    logs = train(model, points[: 200 * BATCH])
    after = np.mean((model.reconstruct(points[:2000]) - points[:2000]) ** 2)
    assert after < 0.1 * before
    assert np.isfinite(logs["kl"]) and logs["kl"] > 0
