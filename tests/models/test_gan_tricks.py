"""Each per-step trick of `GAN` changes the computation exactly as documented.

Most tests use `constant_networks`: G outputs zeros and D(x) = sum(x) + b, so
D's logits, and hence every loss, are known in closed form. A learning rate of
zero keeps them fixed across the step.
"""

import math

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import losses


def softplus(x):
    return math.log1p(math.exp(x))


def frozen_gan(generator, discriminator, loss=None, **kwargs):
    label_options = {k: kwargs.pop(k) for k in
                     ("real_label", "fake_label", "label_noise", "label_flip")
                     if k in kwargs}
    loss = losses.get(loss or "non_saturating", **label_options)
    gan = keras_gans.GAN(generator, discriminator, latent_dim=3, seed=0, loss=loss,
                         **kwargs)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(learning_rate=0.0),
        g_optimizer=keras.optimizers.SGD(learning_rate=0.0),
    )
    return gan


def fit_once(gan, data, batch_size=None, epochs=1, **kwargs):
    batch_size = batch_size or len(data)
    history = gan.fit(
        data, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0, **kwargs
    )
    return {k: np.asarray(v) for k, v in history.history.items()}


@pytest.mark.parametrize("real_label", [1.0, 0.9])
def test_discriminator_loss_with_label_smoothing(constant_networks, real_label):
    b = 0.5
    gan = frozen_gan(*constant_networks(d_bias=b), real_label=real_label)
    logs = fit_once(gan, np.ones((32, 2), "float32"))
    real_logit = 2.0 + b  # D(1, 1) = 1 + 1 + b
    expected = (softplus(real_logit) - real_label * real_logit) + softplus(b)
    np.testing.assert_allclose(logs["d_loss"], [expected], rtol=1e-5)
    np.testing.assert_allclose(logs["p_real"], [1 / (1 + math.exp(-real_logit))], rtol=1e-5)
    np.testing.assert_allclose(logs["p_fake"], [1 / (1 + math.exp(-b))], rtol=1e-5)


def test_fake_label_changes_the_fake_term(constant_networks):
    b = 0.5
    gan = frozen_gan(*constant_networks(d_bias=b), fake_label=0.2)
    logs = fit_once(gan, np.ones((32, 2), "float32"))
    expected = (softplus(2.5) - 2.5) + (softplus(b) - 0.2 * b)
    np.testing.assert_allclose(logs["d_loss"], [expected], rtol=1e-5)


def test_label_flip_one_swaps_every_target(constant_networks):
    b = 0.5
    gan = frozen_gan(*constant_networks(d_bias=b), label_flip=1.0)
    logs = fit_once(gan, np.ones((32, 2), "float32"))
    # Real data is scored against label 0, generated data against label 1.
    expected = softplus(2.5) + (softplus(b) - b)
    np.testing.assert_allclose(logs["d_loss"], [expected], rtol=1e-5)


def test_label_flip_probability_and_label_noise_bounds(constant_networks):
    gan = frozen_gan(*constant_networks(), real_label=0.9, label_flip=0.25)
    seed = gan.seed_generator
    real = keras.ops.convert_to_numpy(gan.loss.targets(20000, True, seed))
    assert set(np.unique(real)) == {0.0, np.float32(0.9)}
    assert abs(np.mean(real == 0.0) - 0.25) < 0.015

    gan = frozen_gan(*constant_networks(), real_label=0.9, label_noise=0.2)
    real = keras.ops.convert_to_numpy(gan.loss.targets(20000, True, gan.seed_generator))
    fake = keras.ops.convert_to_numpy(gan.loss.targets(20000, False, gan.seed_generator))
    assert real.min() >= 0.7 - 1e-6 and real.max() <= 0.9 + 1e-6
    assert fake.min() >= 0.0 and fake.max() <= 0.2 + 1e-6
    assert abs(real.mean() - 0.8) < 0.005 and abs(fake.mean() - 0.1) < 0.005
    assert abs(real.std() - 0.2 / math.sqrt(12)) < 0.005


@pytest.mark.parametrize(
    "loss, expected", [("non_saturating", softplus(-0.5)), ("minimax", -softplus(0.5))]
)
def test_generator_losses(constant_networks, loss, expected):
    gan = frozen_gan(*constant_networks(d_bias=0.5), loss=loss)
    logs = fit_once(gan, np.ones((16, 2), "float32"))
    np.testing.assert_allclose(logs["g_loss"], [expected], rtol=1e-5)


@pytest.mark.parametrize("d_steps, g_steps", [(3, 1), (1, 2), (2, 3)])
def test_update_counts(tiny_mlp_pair, ring_data, d_steps, g_steps):
    gan = keras_gans.GAN(
        *tiny_mlp_pair(), latent_dim=4, d_steps=d_steps, g_steps=g_steps, seed=0
    )
    gan.compile()
    fit_once(gan, ring_data[:256], batch_size=64)  # 4 training steps
    assert int(gan.d_optimizer.iterations) == 4 * d_steps
    assert int(gan.g_optimizer.iterations) == 4 * g_steps


def _record_d_calls(gan):
    """Wraps the loss's D terms and D optimizer to record their call order."""
    calls = []
    real_fn, fake_fn, apply_fn = (
        gan.loss.discriminator_real,
        gan.loss.discriminator_fake,
        gan.d_optimizer.apply,
    )

    def real(*a, **k):
        calls.append("real")
        return real_fn(*a, **k)

    def fake(*a, **k):
        calls.append("fake")
        return fake_fn(*a, **k)

    def apply(*a, **k):
        calls.append("update")
        return apply_fn(*a, **k)

    gan.loss.discriminator_real, gan.loss.discriminator_fake = real, fake
    gan.d_optimizer.apply = apply
    return calls


@pytest.mark.parametrize(
    "separate, expected",
    [
        (False, ["real", "fake", "update"] * 2),
        (True, ["real", "update", "fake", "update"] * 2),
    ],
)
def test_separate_batches_order(tiny_mlp_pair, ring_data, separate, expected):
    gan = keras_gans.GAN(
        *tiny_mlp_pair(), latent_dim=4, separate_batches=separate, d_steps=2, seed=0
    )
    gan.compile(run_eagerly=True)
    calls = _record_d_calls(gan)
    fit_once(gan, ring_data[:32])  # one step
    assert calls == expected
    assert int(gan.d_optimizer.iterations) == (4 if separate else 2)


def test_separate_batches_second_update_sees_first(constant_networks):
    # With SGD on D(x) = w.x + b, the fake-only update must start from the
    # weights the real-only update produced: compute both updates by hand.
    gen, disc = constant_networks(d_bias=0.0)
    gan = keras_gans.GAN(gen, disc, latent_dim=3, separate_batches=True, seed=0)
    lr = 0.1
    gan.compile(
        d_optimizer=keras.optimizers.SGD(learning_rate=lr),
        g_optimizer=keras.optimizers.SGD(learning_rate=0.0),
    )
    fit_once(gan, np.ones((8, 2), "float32"))
    # Real update: logit = w.x + b = 2 at w = (1, 1), b = 0; d/dlogit of
    # softplus(l) - l is sigmoid(l) - 1; x = (1, 1).
    g_real = 1 / (1 + math.exp(-2.0)) - 1
    w = 1.0 - lr * g_real
    b = 0.0 - lr * g_real
    # Fake update: x = 0, logit = b; d/dlogit of softplus(l) is sigmoid(l).
    b -= lr * (1 / (1 + math.exp(-b)))
    kernel, bias = disc.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [w, w], rtol=1e-5)
    np.testing.assert_allclose(bias, [b], rtol=1e-5)


def test_instance_noise_reaches_discriminator_and_follows_schedule(constant_networks):
    # Real data and generated data are both zero and D(x) = x1 + x2, so without
    # noise every logit is 0 and d_loss = 2 log 2, g_loss = log 2 exactly.
    gan = frozen_gan(*constant_networks(), instance_noise=2.0)
    schedule = keras_gans.callbacks.VariableSchedule(
        "instance_noise", start=2.0, end=0.0, epochs=2
    )
    logs = fit_once(
        gan, np.zeros((512, 2), "float32"), batch_size=256, epochs=3, callbacks=[schedule]
    )
    np.testing.assert_allclose(logs["instance_noise"], [2.0, 1.0, 0.0])
    # logit ~ N(0, 2 sigma^2): E softplus = E|n|/2 + E log(1 + e^-|n|) > log 2.
    assert logs["d_loss"][0] > logs["d_loss"][1] > 2 * math.log(2) + 0.2
    assert logs["g_loss"][0] > math.log(2) + 0.3
    np.testing.assert_allclose(logs["d_loss"][2], 2 * math.log(2), rtol=1e-6)
    np.testing.assert_allclose(logs["g_loss"][2], math.log(2), rtol=1e-6)


def test_instance_noise_statistics(constant_networks):
    gan = frozen_gan(*constant_networks(), instance_noise=0.5)
    x = np.zeros((20000, 2), "float32")
    logits = keras.ops.convert_to_numpy(gan.discriminate(x))[:, 0]
    # Sum of two N(0, 0.25) draws has std 0.5 * sqrt(2).
    assert abs(logits.std() - 0.5 * math.sqrt(2)) < 0.02
    gan.instance_noise.assign(0.0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gan.discriminate(x)), 0.0)


@pytest.mark.parametrize("distribution", ["normal", "uniform"])
def test_latent_distribution(constant_networks, distribution):
    gan = frozen_gan(*constant_networks(), latent_distribution=distribution)
    z = keras.ops.convert_to_numpy(gan.sample_latents(30000))
    assert z.shape == (30000, 3)
    if distribution == "uniform":
        assert z.min() >= -1.0 and z.max() <= 1.0
        assert abs(z.std() - 1 / math.sqrt(3)) < 0.01
    else:
        assert abs(z.std() - 1.0) < 0.01 and np.abs(z).max() > 3.0


def test_logs_contain_documented_keys(tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, log_gradient_norms=True)
    gan.compile()
    logs = fit_once(gan, ring_data[:128], batch_size=64, epochs=2)
    assert set(logs) == {"loss", "d_loss", "g_loss", "p_real", "p_fake", "d_grad_norm", "g_grad_norm"}
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in logs.values())
    assert np.all((logs["p_real"] > 0) & (logs["p_real"] < 1))
    assert np.all(logs["d_grad_norm"] > 0)
    np.testing.assert_allclose(logs["loss"], logs["d_loss"] + logs["g_loss"], rtol=1e-5)
