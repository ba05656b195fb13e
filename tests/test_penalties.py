"""Penalty objects: closed forms on simple critics, and lazy application in training."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import penalties

RNG = np.random.default_rng(0)
REAL = RNG.normal(size=(64, 3)).astype("float32")
FAKE = (RNG.normal(size=(64, 3)) * 2 + 1).astype("float32")


def test_r1_of_a_linear_critic_is_the_squared_weight_norm():
    w = tf.constant([3.0, -4.0, 1.0])
    r1 = penalties.R1(gamma=10.0)
    value = r1.compute(lambda x: tf.linalg.matvec(x, w), REAL, None)
    np.testing.assert_allclose(float(value), 26.0, rtol=1e-6)
    assert r1.weight == 5.0  # gamma / 2


def test_r1_and_r2_of_a_quadratic_critic_read_their_own_inputs():
    # D(x) = |x|^2 / 2 has gradient x, so the penalty is the mean |x|^2.
    def critic(x):
        return 0.5 * tf.reduce_sum(x ** 2, axis=-1)

    np.testing.assert_allclose(float(penalties.R1().compute(critic, REAL, FAKE)),
                               np.mean(np.sum(REAL ** 2, axis=1)), rtol=1e-5)
    np.testing.assert_allclose(float(penalties.R2().compute(critic, REAL, FAKE)),
                               np.mean(np.sum(FAKE ** 2, axis=1)), rtol=1e-5)


@pytest.mark.parametrize("w, two_sided, one_sided", [
    ([3.0, 4.0, 0.0], 16.0, 16.0), ([0.3, 0.4, 0.0], 0.25, 0.0)])
def test_gradient_penalty_one_sided_only_penalises_large_norms(w, two_sided, one_sided):
    critic = lambda x: tf.linalg.matvec(x, tf.constant(w))  # noqa: E731
    seed = keras.random.SeedGenerator(0)
    np.testing.assert_allclose(
        float(penalties.GradientPenalty().compute(critic, REAL, FAKE, seed)), two_sided, rtol=1e-5)
    np.testing.assert_allclose(
        float(penalties.GradientPenalty(one_sided=True).compute(critic, REAL, FAKE, seed)),
        one_sided, atol=1e-6)


@pytest.mark.parametrize("make, message", [
    (lambda: penalties.R1(gamma=-1.0), "gamma"),
    (lambda: penalties.R1(every_n_steps=0), "every_n_steps"),
    (lambda: penalties.GradientPenalty(weight=float("inf")), "weight"),
    (lambda: penalties.get("r3"), "Unknown penalty"),
])
def test_bad_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _linear_wgan(every_n_steps, gamma, lr, **kwargs):
    # G outputs zeros; D(x) = w.x + b with the Wasserstein loss, so D's loss
    # gradient is -mean(x_real) for w, and R1's is gamma * w.
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        3, kernel_initializer="zeros", bias_initializer="zeros", trainable=False)])
    discriminator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        1, kernel_initializer="ones")])
    gan = keras_gans.GAN(generator, discriminator, 2, loss="wasserstein", seed=0,
                         penalties=[penalties.R1(gamma, every_n_steps=every_n_steps)],
                         **kwargs)
    gan.compile(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(0.0))
    return gan


@pytest.mark.parametrize("every_n_steps", [1, 3])
def test_lazy_r1_applies_the_scaled_penalty_exactly_every_n_steps(every_n_steps):
    gamma, lr, steps = 0.5, 0.1, 7
    gan = _linear_wgan(every_n_steps, gamma, lr)
    history = gan.fit(REAL, batch_size=64, epochs=steps, verbose=0, shuffle=False)
    w = np.ones(3)
    logged = []
    for step in range(steps):
        due = step % every_n_steps == 0
        # The logged r1 is the unweighted |w|^2 of the steps that computed
        # it (an epoch without one logs 0).
        logged.append(np.sum(w ** 2) if due else 0.0)
        # d/dw [-(w.mean(x)) + due * n * gamma/2 |w|^2]
        grad = -REAL.mean(0) + (every_n_steps * gamma * w if due else 0.0)
        w = w - lr * grad
    np.testing.assert_allclose(gan.discriminator.get_weights()[0][:, 0], w, rtol=1e-5)
    np.testing.assert_allclose(history.history["r1"], logged, rtol=1e-5)
    assert np.count_nonzero(logged) == (7 if every_n_steps == 1 else 3)


def test_a_penalty_runs_once_per_d_step_with_separate_batches():
    # Real-only update, then the fake-only one: R1 (real) belongs to the first.
    gamma, lr = 0.5, 0.1
    gan = _linear_wgan(1, gamma, lr, separate_batches=True)
    gan.fit(REAL, batch_size=64, epochs=1, verbose=0, shuffle=False)
    w = np.ones(3)
    w = w - lr * (-REAL.mean(0) + gamma * w)  # real update with R1
    # fake update: x = 0, D(0) = b, so w is untouched
    np.testing.assert_allclose(gan.discriminator.get_weights()[0][:, 0], w, rtol=1e-5)
    assert int(gan.d_optimizer.iterations) == 2
