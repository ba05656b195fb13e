"""The GAN family: losses, penalty, clipping, input checks, saving, export."""

import json
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import datasets, losses, penalties

VARIANTS = ("gan", "conditional_gan", "acgan", "infogan", "wgan", "wgangp", "vaegan")
LABELLED = ("conditional_gan", "acgan")


@pytest.fixture
def ring():
    return datasets.sample_mixture("ring", 512, seed=0)


def fit(model, ring, epochs=1, batch_size=64, **kwargs):
    points, labels = ring
    y = labels if model.__class__.__name__ in ("ConditionalGAN", "ACGAN") else None
    history = model.fit(points, y, batch_size=batch_size, epochs=epochs, verbose=0,
                        shuffle=False, **kwargs)
    return {k: np.asarray(v) for k, v in history.history.items()}


# Gradient penalty ---------------------------------------------------------
@pytest.mark.parametrize("w", [[3.0, 4.0], [0.6, 0.8], [0.1, -0.2], [0.0, 0.0]])
def test_gradient_penalty_of_a_linear_critic(w):
    w = tf.constant(w)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(64, 2)).astype("float32")
    fake = rng.normal(size=(64, 2)).astype("float32") * 3 + 1
    with tf.GradientTape() as tape:
        tape.watch(w)
        penalty = penalties.gradient_penalty(lambda x: tf.linalg.matvec(x, w), real, fake,
                                             seed=1)
    expected = (float(tf.norm(w)) - 1.0) ** 2
    np.testing.assert_allclose(float(penalty), expected, atol=1e-5)
    # At w = 0 a plain sqrt would give NaN; the epsilon keeps it finite.
    assert np.all(np.isfinite(tape.gradient(penalty, w).numpy()))


def test_gradient_penalty_interpolates_per_example_with_uniform_weights():
    seen = []

    def critic(x):
        seen.append(x)
        return tf.reduce_sum(x, axis=[1, 2, 3])

    real = tf.zeros((4000, 3, 3, 2))
    fake = tf.ones((4000, 3, 3, 2))
    penalties.gradient_penalty(critic, real, fake, seed=3)
    alpha = seen[0].numpy()  # real = 0 and fake = 1, so x_hat = alpha.
    per_example = alpha.reshape(4000, -1)
    np.testing.assert_array_equal(per_example, per_example[:, :1].repeat(18, axis=1))
    a = per_example[:, 0]
    assert a.min() >= 0 and a.max() <= 1
    assert abs(a.mean() - 0.5) < 0.02 and abs(a.std() - 1 / math.sqrt(12)) < 0.01


# Losses of the variants on fixed outputs -----------------------------------
def test_acgan_discriminator_loss_matches_hand_computation(build_variant, ring):
    model = build_variant("acgan", loss=losses.BinaryCrossEntropy(real_label=0.9),
                          class_loss_weight=0.5)
    points, labels = ring
    batch = (tf.constant(points[:32]), tf.constant(labels[:32], tf.int32))
    outputs = model.discriminate(batch)
    extra, logs = model.auxiliary_loss("real", batch, outputs)
    loss = model.loss.discriminator_real(outputs["logit"]) + extra
    logit = outputs["logit"].numpy()[:, 0].astype("float64")
    class_logits = outputs["class_logits"].numpy().astype("float64")
    bce = np.logaddexp(0, logit) - 0.9 * logit
    log_softmax = class_logits - np.logaddexp.reduce(class_logits, axis=1, keepdims=True)
    ce = -log_softmax[np.arange(32), labels[:32]]
    np.testing.assert_allclose(loss.numpy(), bce + 0.5 * ce, rtol=1e-5)
    expected_acc = np.mean(class_logits.argmax(1) == labels[:32])
    np.testing.assert_allclose(float(logs["class_acc_real"]), expected_acc)


def test_infogan_information_terms_match_hand_computation(build_variant):
    model = build_variant("infogan", categorical_dims=(3,), continuous_dims=2, info_weight=2.0)
    codes = np.array([[1, 0, 0, 0.5, -0.5], [0, 0, 1, 0.0, 1.0]], "float32")
    outputs = {"q_cat_logits": np.array([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]], "float32"),
               "q_cont_mean": np.array([[0.5, 0.5], [0.0, 0.0]], "float32")}
    loss, logs = model.information_terms(tf.constant(codes), outputs)
    ce = [-(2.0 - np.log(np.exp(2.0) + 2)), -(0.0 - np.log(np.exp(3.0) + 2))]
    sq = [0.5 * (0.0 + 1.0), 0.5 * (0.0 + 1.0)]
    np.testing.assert_allclose(loss.numpy(), 2.0 * (np.array(ce) + sq), rtol=1e-5)
    assert float(logs["code_acc"]) == 0.5
    np.testing.assert_allclose(float(logs["code_mse"]), 0.5)


def test_wgan_logs_are_the_critic_scores(build_variant, ring):
    # A bound no weight reaches, so the zero-step update leaves D unchanged.
    model = build_variant("wgan", n_critic=1, clip_value=10.0)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    real_scores = model.discriminator(ring[0]).numpy().mean()
    logs = fit(model, ring, batch_size=512)
    np.testing.assert_allclose(logs["critic_real"], [real_scores], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(logs["d_loss"], logs["critic_fake"] - logs["critic_real"], atol=1e-6)
    np.testing.assert_allclose(logs["wasserstein"], -logs["d_loss"], atol=1e-6)


def test_wgan_clips_every_critic_weight(build_variant, ring):
    model = build_variant("wgan", clip_value=0.02)
    assert max(np.abs(w).max() for w in model.discriminator.get_weights()) > 0.1
    model.compile()
    fit(model, ring, batch_size=256)  # 2 steps x 5 critic updates
    weights = np.concatenate([w.ravel() for w in model.discriminator.get_weights()])
    assert np.all(np.abs(weights) <= 0.02 + 1e-7)
    assert np.mean(np.abs(weights) > 0.019) > 0.5  # most were clipped
    assert int(model.d_optimizer.iterations) == 10 and int(model.g_optimizer.iterations) == 2


def test_wgangp_logs_a_penalty_and_uses_paper_optimizers(build_variant, ring):
    model = build_variant("wgangp", n_critic=2, gp_weight=10.0)
    model.compile()
    assert isinstance(model.d_optimizer, keras.optimizers.Adam)
    assert model.d_optimizer.beta_1 == 0.0 and model.d_optimizer.beta_2 == 0.9
    assert math.isclose(float(model.d_optimizer.learning_rate), 1e-4, rel_tol=1e-6)
    logs = fit(model, ring, batch_size=256)
    assert logs["gradient_penalty"][0] > 0
    assert int(model.d_optimizer.iterations) == 4
    wgan = build_variant("wgan")
    wgan.compile()
    assert isinstance(wgan.g_optimizer, keras.optimizers.RMSprop)
    assert math.isclose(float(wgan.g_optimizer.learning_rate), 5e-5, rel_tol=1e-6)


def test_vaegan_terms(build_variant):
    model = build_variant("vaegan")
    real = tf.constant([[1.0, 2.0], [0.0, 0.0]])
    recon = tf.constant([[1.0, 0.0], [1.0, 1.0]])
    z_mean = tf.constant([[1.0, 0.0, 0.0, 0.0], [0.0] * 4])
    z_log_var = tf.zeros((2, 4))
    reconstruction, kl = model.vae_terms(real, recon, z_mean, z_log_var)
    np.testing.assert_allclose(float(reconstruction), (4 + 1 + 1) / 4)
    # KL(N(mu, 1) || N(0, 1)) = mu^2 / 2 per dimension, divided by 2 values.
    np.testing.assert_allclose(float(kl), (0.5 + 0.0) / 2 / 2)


# Tricks that do not apply ------------------------------------------------
@pytest.mark.parametrize("name, kwargs, message", [
    ("wgan", {"d_steps": 3, "n_critic": 4}, "n_critic.*d_steps"),
    ("wgan", {"clip_value": -1.0}, "clip_value"),
    ("wgangp", {"gp_weight": 1.0, "penalties": ["r1"]}, "gp_weight"),
    ("wgangp", {"clip_value": 0.01}, "clip_value"),
    ("infogan", {"categorical_dims": (1,)}, ">= 2 categories"),
    ("conditional_gan", {"pack": 2}, "pack=2 needs a discriminator that judges samples only"),
    ("acgan", {"pack": 2}, "pack=2 needs a discriminator that judges samples only"),
    ("vaegan", {"update_scheme": "simultaneous"}, "own generator objective"),
    ("acgan", {"class_loss_weight": -1.0}, "class_loss_weight"),
])
def test_inapplicable_or_invalid_arguments(build_variant, name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_variant(name, **kwargs)


def test_label_tricks_with_a_critic_are_refused_by_the_loss():
    with pytest.raises(ValueError, match="does not take real_label=0.9: Wasserstein.*unbounded"):
        losses.get("wasserstein", real_label=0.9)
    with pytest.raises(ValueError, match="label_flip.*Hinge"):
        losses.get("hinge", label_flip=0.1)


def test_wgan_accepts_the_tricks_that_apply(build_variant, ring):
    model = build_variant("wgan", instance_noise=0.1, g_steps=2, separate_batches=True)
    model.compile()
    fit(model, ring, batch_size=256)
    assert int(model.d_optimizer.iterations) == 2 * 5 * 2
    # The penalty, which needs both batches, runs once per critic step, in
    # the generated-only update.
    model = build_variant("wgangp", n_critic=2, separate_batches=True)
    model.compile()
    logs = fit(model, ring, batch_size=256)
    assert int(model.d_optimizer.iterations) == 2 * 2 * 2
    assert logs["gradient_penalty"][0] > 0


# Bad input ---------------------------------------------------------------
@pytest.mark.parametrize("name", LABELLED)
def test_labels_are_checked_before_training(build_variant, ring, name):
    model = build_variant(name)
    model.compile()
    points, labels = ring
    with pytest.raises(ValueError, match=r"`labels` must lie in \[0, 8\).*\[0, 8\]"):
        model.fit(points, labels + (labels == 7), batch_size=64, verbose=0)
    with pytest.raises(ValueError, match="has no labels.*with_labels=True"):
        model.fit(points, batch_size=64, verbose=0)
    images_only = tf.data.Dataset.from_tensor_slices(points).batch(64)
    with pytest.raises(ValueError, match="has no labels"):
        model.fit(images_only, verbose=0)
    with pytest.raises(ValueError, match="one class id per example"):
        model.fit(points, np.eye(8)[labels], batch_size=64, verbose=0)
    assert int(model.d_optimizer.iterations) == 0
    with pytest.raises(ValueError, match=r"\[0, 8\)"):
        model.generate(3, labels=[0, 1, 8])


def test_infogan_codes_are_checked(build_variant):
    model = build_variant("infogan")
    with pytest.raises(ValueError, match=r"`codes` must have shape \(3, 10\)"):
        model.generate(3, codes=np.zeros((3, 4)))
    codes = model.make_codes(categorical=[0, 7, 3], continuous=0.5)
    assert codes.shape == (3, 10)
    np.testing.assert_array_equal(codes[:, :8].argmax(1), [0, 7, 3])
    np.testing.assert_array_equal(codes[:, 8:], 0.5)
    with pytest.raises(ValueError, match=r"\[0, 8\)"):
        model.make_codes(categorical=[8])


def test_wrong_networks_are_refused(build_variant):
    gan = build_variant("gan")
    with pytest.raises(ValueError, match=r"takes 1 input\(s\) but this model needs 2"):
        keras_gans.ConditionalGAN(gan.generator, gan.discriminator, 4, 8)
    cgan = build_variant("conditional_gan")
    with pytest.raises(ValueError, match="discriminator_with_heads"):
        keras_gans.ACGAN(cgan.generator, gan.discriminator, 4, 8)
    five_classes = keras_gans.networks.discriminator_with_heads(
        keras_gans.networks.mlp_discriminator(2, width=8), {"class": 5})
    with pytest.raises(ValueError, match="'class_logits' head has 5 outputs; ACGAN expects 8"):
        keras_gans.ACGAN(cgan.generator, five_classes, 4, 8)
    with pytest.raises(ValueError, match="latent_dim \\+ 12 \\(the latent codes\\) = 16"):
        keras_gans.InfoGAN(gan.generator, gan.discriminator, 4)


# Saving, generation and export --------------------------------------------
@pytest.mark.parametrize("name", VARIANTS)
def test_save_load_round_trip(build_variant, ring, tmp_path, name):
    model = build_variant(name)
    model.compile()
    fit(model, ring, batch_size=256)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    networks = type(model).network_config_keys()
    config, loaded_config = model.get_config(), loaded.get_config()
    assert {k: v for k, v in loaded_config.items() if k not in networks} == {
        k: v for k, v in config.items() if k not in networks}
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert int(loaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) > 0
    kwargs = {"labels": 3} if name in LABELLED else {}
    np.testing.assert_array_equal(model.generate(5, seed=2, **kwargs),
                                  loaded.generate(5, seed=2, **kwargs))


LOADER = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
inputs = {k: tf.constant(v, dtype=serve.structured_input_signature[1][k].dtype)
          for k, v in json.loads(sys.argv[2]).items()}
print(json.dumps({"imported": "keras_gans" in sys.modules,
                  "dtypes": {k: s.dtype.name for k, s in serve.structured_input_signature[1].items()},
                  "samples": serve(**inputs)["samples"].numpy().tolist()}))
"""


@pytest.mark.parametrize("name", ["conditional_gan", "infogan"])
def test_export_with_labels_or_codes_serves_without_keras_gans(build_variant, tmp_path, name):
    model = build_variant(name)
    path = keras_gans.export_generator(model, str(tmp_path / "export"))
    latents = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    if name == "conditional_gan":
        inputs = {"latents": latents.tolist(), "labels": [0, 5, 7]}
        expected = model.generator([tf.constant(latents), tf.constant([0, 5, 7])])
        dtypes = {"latents": "float32", "labels": "int32"}
    else:
        codes = model.make_codes(categorical=[1, 2, 3], continuous=[[0.1, -0.2]] * 3)
        inputs = {"latents": latents.tolist(), "codes": codes.tolist()}
        expected = model.generator(np.concatenate([latents, codes], axis=1))
        dtypes = {"latents": "float32", "codes": "float32"}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", LOADER, path, json.dumps(inputs)],
                         capture_output=True, text=True, check=True, env=env, cwd="/",
                         timeout=300)
    served = json.loads(out.stdout.strip().splitlines()[-1])
    assert served["imported"] is False and served["dtypes"] == dtypes
    np.testing.assert_allclose(served["samples"], np.asarray(expected), atol=1e-6)


@pytest.mark.parametrize("name", ["conditional_gan", "acgan", "infogan", "vaegan"])
def test_base_tricks_work_on_each_variant(build_variant, ring, name):
    loss = losses.BinaryCrossEntropy(real_label=0.9, label_noise=0.05, label_flip=0.05,
                                     generator="minimax")
    model = build_variant(name, d_steps=2, g_steps=2, separate_batches=True,
                          instance_noise=0.1, loss=loss)
    model.compile()
    logs = fit(model, ring, batch_size=256)  # 2 steps
    assert int(model.d_optimizer.iterations) == 2 * 2 * 2
    assert int(model.g_optimizer.iterations) == 2 * 2
    assert all(np.all(np.isfinite(v)) for v in logs.values())


def test_gradient_penalty_with_given_interpolation_weights():
    real = tf.zeros((3, 2))
    fake = tf.ones((3, 2))
    seen = []

    def critic(x):
        seen.append(x)
        return tf.reduce_sum(x ** 2, axis=-1)

    penalty = penalties.gradient_penalty(critic, real, fake, alpha=[0.0, 0.5, 1.0])
    np.testing.assert_allclose(seen[0].numpy(), [[0, 0], [0.5, 0.5], [1, 1]])
    # grad of sum(x^2) is 2x: norms 0, sqrt(2), 2 sqrt(2).
    norms = np.array([0.0, math.sqrt(2), 2 * math.sqrt(2)])
    np.testing.assert_allclose(float(penalty), np.mean((norms - 1) ** 2), rtol=1e-5)


def test_seeded_generation_draws_independent_codes(build_variant):
    # With one int seed reused for every draw, categorical and continuous
    # codes would come from the same random bits and be tied together.
    model = build_variant("infogan", categorical_dims=(8,), continuous_dims=1)
    seed = model.sampling_seed(5)
    codes = keras.ops.convert_to_numpy(model.sample_codes(4000, seed=seed))
    categorical, continuous = codes[:, :8].argmax(1), codes[:, 8]
    assert abs(np.corrcoef(categorical, continuous)[0, 1]) < 0.05
    np.testing.assert_array_equal(model.generate(6, seed=5), model.generate(6, seed=5))
    assert not np.allclose(model.generate(6, seed=5), model.generate(6, seed=6))
