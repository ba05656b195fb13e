"""The stabilisers beyond the guide change the computation exactly as documented."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_gans
from keras_gans import losses, networks, penalties
from keras_gans.models.gan import pack_samples


# EMA ------------------------------------------------------------------------
class _RecordGenerator(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_train_batch_end(self, batch, logs=None):
        self.weights.append([w.numpy().copy() for w in self.model.generator.trainable_weights])


@pytest.mark.parametrize("start", [0, 3])
def test_ema_weights_equal_the_closed_form_average(tiny_mlp_pair, ring_data, start):
    decay = 0.8
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, ema_decay=decay,
                         ema_start_step=start, seed=0)
    initial = [w.numpy().copy() for w in gan.generator.trainable_weights]
    np.testing.assert_array_equal(gan.ema_generator.get_weights()[0], initial[0])
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    record = _RecordGenerator()
    gan.fit(ring_data[:384], batch_size=64, epochs=1, verbose=0, callbacks=[record])
    # ema_t = d * ema_{t-1} + (1 - d) * w_t after steps t > start; a copy before.
    expected = initial
    for step, weights in enumerate(record.weights, start=1):
        d = decay if step > start else 0.0
        expected = [d * e + (1 - d) * w for e, w in zip(expected, weights)]
    ema = [w.numpy() for w in gan.ema_generator.weights]
    for e, got in zip(expected, ema):
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-6)
    assert not np.allclose(ema[0], record.weights[-1][0])  # it lags behind G
    assert gan.sampling_generator is gan.ema_generator
    assert not gan.ema_generator.trainable_weights  # the optimizer never touches it


@pytest.mark.parametrize("start", [0, 3])
def test_ema_warmup_ramps_the_decay_from_the_first_averaging_step(
        tiny_mlp_pair, ring_data, start):
    decay = 0.8
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, ema_decay=decay,
                         ema_start_step=start, ema_warmup=True, seed=0)
    initial = [w.numpy().copy() for w in gan.generator.trainable_weights]
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    record = _RecordGenerator()
    gan.fit(ring_data[:384], batch_size=64, epochs=1, verbose=0, callbacks=[record])
    # Averaging step t = step - start - 1 uses min(0.8, (1 + t) / (10 + t)):
    # 0.1, 0.182, 0.25, ... (t = 0, 1, 2; 0.8 is not reached in 6 steps).
    expected, used = initial, []
    for step, weights in enumerate(record.weights, start=1):
        t = step - start - 1
        d = min(decay, (1 + t) / (10 + t)) if step > start else 0.0
        used.append(d)
        expected = [d * e + (1 - d) * w for e, w in zip(expected, weights)]
    assert used[start:start + 3] == pytest.approx([0.1, 2 / 11, 0.25])
    ema = [w.numpy() for w in gan.ema_generator.weights]
    for e, got in zip(expected, ema):
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-6)
    if start == 0:
        # What it is for: the share of the initial weights left in the
        # average after 6 steps, 0.8^6 = 0.26 without the warm-up.
        assert np.prod(used) < decay ** 6 / 100


def test_ema_copies_batch_norm_statistics(ring_data):
    generator = networks.mlp_generator(4, 2, width=8, batch_norm=True)
    gan = keras_gans.GAN(generator, networks.mlp_discriminator(2, width=8), 4,
                         ema_decay=0.99, seed=0)
    gan.compile()
    gan.fit(ring_data[:128], batch_size=64, epochs=1, verbose=0)
    moving = [(a, b) for a, b in zip(gan.ema_generator.weights, generator.weights)
              if "moving" in b.path]
    assert moving
    for average, weight in moving:
        np.testing.assert_array_equal(average.numpy(), weight.numpy())


def test_sampling_from_raw_generator_switches_generate_to_the_trained_g(
        tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, ema_decay=0.9, seed=0)
    gan.compile()
    gan.fit(ring_data[:256], batch_size=64, epochs=1, verbose=0)
    z = gan.sample_latents(32, seed=keras.random.SeedGenerator(5))
    from_ema = ops.convert_to_numpy(gan.ema_generator(z, training=False))
    from_g = ops.convert_to_numpy(gan.generator(z, training=False))
    assert np.abs(from_ema - from_g).max() > 1e-4  # the average lags G
    np.testing.assert_allclose(gan.generate(32, seed=5), from_ema, rtol=1e-6, atol=1e-6)
    with gan.sampling_from_raw_generator():
        assert gan.sampling_generator is gan.generator
        np.testing.assert_allclose(gan.generate(32, seed=5), from_g, rtol=1e-6, atol=1e-6)
    # Left on an error too.
    with pytest.raises(RuntimeError), gan.sampling_from_raw_generator():
        raise RuntimeError("inside")
    assert gan.sampling_generator is gan.ema_generator
    # Without an EMA the block changes nothing.
    plain = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, seed=0)
    with plain.sampling_from_raw_generator():
        assert plain.sampling_generator is plain.generator


# Packing ---------------------------------------------------------------------
def test_pack_samples_concatenates_consecutive_samples_along_the_last_axis():
    vectors = np.arange(12, dtype="float32").reshape(6, 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(pack_samples(vectors, 2)),
                                  [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    images = np.arange(4 * 2 * 2 * 3, dtype="float32").reshape(4, 2, 2, 3)
    packed = ops.convert_to_numpy(pack_samples(images, 2))
    assert packed.shape == (2, 2, 2, 6)
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))
    # A final partial batch drops its last samples.
    assert ops.convert_to_numpy(pack_samples(vectors[:5], 2)).shape == (2, 4)


def test_pack_2_feeds_d_the_concatenation_of_two_samples():
    # D reads only the second sample of each pack: with the Wasserstein
    # loss, critic_real is then the mean first feature of samples 1, 3, 5...
    discriminator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant([[0.0], [0.0], [1.0], [0.0]]),
        bias_initializer="zeros")])
    gan = keras_gans.GAN(networks.mlp_generator(3, 2, width=4), discriminator, 3,
                         loss="wasserstein", pack=2, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    logs = gan.fit(x, batch_size=64, epochs=1, verbose=0, shuffle=False).history
    np.testing.assert_allclose(logs["critic_real"], [x[1::2, 0].mean()], rtol=1e-5)


def test_pack_needs_a_discriminator_built_for_packed_input(tiny_mlp_pair):
    with pytest.raises(ValueError, match=r"packed by 2.*\(4,\).*\(2,\).*pack=2"):
        keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, pack=2)
    with pytest.raises(ValueError, match="pack=4 needs batches of at least 4"):
        gan = keras_gans.GAN(tiny_mlp_pair()[0], networks.mlp_discriminator(2, pack=4), 4,
                             pack=4)
        gan.compile()
        gan.fit(np.zeros((2, 2), "float32"), batch_size=2, verbose=0)


# Clipping as a constraint ----------------------------------------------------
def test_clipping_holds_after_every_critic_update(build_variant, ring_data):
    model = build_variant("wgan", clip_value=0.02, n_critic=3)
    model.compile(run_eagerly=True, d_optimizer=keras.optimizers.SGD(0.5))
    seen = []
    apply = model.d_optimizer.apply

    def checked_apply(grads, variables):
        apply(grads, variables)
        seen.append(max(float(np.abs(v.numpy()).max()) for v in variables))

    model.d_optimizer.apply = checked_apply
    model.fit(ring_data[:128], batch_size=64, epochs=1, verbose=0)
    assert len(seen) == 2 * 3
    assert max(seen) <= 0.02 + 1e-7 and min(seen) > 0.0199
    assert all(isinstance(v.constraint, keras_gans.constraints.Clip)
               for v in model.discriminator.trainable_variables)


def test_clipping_refuses_to_replace_a_constraint_of_the_network(tiny_mlp_pair):
    generator, _ = tiny_mlp_pair()
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        1, kernel_constraint=keras.constraints.MaxNorm(1.0))])
    with pytest.raises(ValueError, match="would replace the constraint"):
        keras_gans.WGAN(generator, critic, 4)


# Simultaneous updates ---------------------------------------------------------
class _FixedLatents(keras_gans.GAN):
    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        return ops.tanh(ops.matmul(real_batch, ops.ones((2, 4)) * 0.3))


def _fixed_gan(scheme, tiny_mlp_pair):
    gan = _FixedLatents(*tiny_mlp_pair(), latent_dim=4, update_scheme=scheme, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    return gan


def test_simultaneous_update_takes_both_gradients_at_the_old_weights(tiny_mlp_pair, ring_data):
    x = ring_data[:64]
    gan = _fixed_gan("simultaneous", tiny_mlp_pair)
    g0 = [w.numpy().copy() for w in gan.generator.trainable_weights]
    d0 = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    # The expected step, by hand: both gradients from one pass at (G0, D0).
    loss = losses.BinaryCrossEntropy()
    with tf.GradientTape(persistent=True) as tape:
        fake = gan.generator(gan.generator_inputs(64, tf.constant(x)), training=True)
        real_logits = gan.discriminator(x, training=True)
        fake_logits = gan.discriminator(fake, training=True)
        d_loss = (tf.reduce_mean(loss.discriminator_real(real_logits))
                  + tf.reduce_mean(loss.discriminator_fake(fake_logits)))
        g_loss = tf.reduce_mean(loss.generator(fake_logits))
    d_grads = tape.gradient(d_loss, gan.discriminator.trainable_weights)
    g_grads = tape.gradient(g_loss, gan.generator.trainable_weights)
    gan.fit(x, batch_size=64, epochs=1, verbose=0, shuffle=False)
    assert int(gan.d_optimizer.iterations) == int(gan.g_optimizer.iterations) == 1
    for w, w0, g in zip(gan.discriminator.trainable_weights, d0, d_grads):
        np.testing.assert_allclose(w.numpy(), w0 - 0.5 * g.numpy(), rtol=1e-5, atol=1e-6)
    for w, w0, g in zip(gan.generator.trainable_weights, g0, g_grads):
        np.testing.assert_allclose(w.numpy(), w0 - 0.5 * g.numpy(), rtol=1e-5, atol=1e-6)
    # Alternating updates move G through the updated D, so G ends elsewhere.
    alternating = _fixed_gan("alternating", tiny_mlp_pair)
    alternating.fit(x, batch_size=64, epochs=1, verbose=0, shuffle=False)
    assert not np.allclose(alternating.generator.trainable_weights[0].numpy(),
                           gan.generator.trainable_weights[0].numpy())


# Spectral norm and minibatch stddev ---------------------------------------------
def test_spectral_norm_keeps_the_top_singular_value_near_one(ring_data):
    discriminator = networks.mlp_discriminator(2, width=32, spectral_norm=True,
                                               kernel_initializer=keras.initializers.RandomNormal(stddev=2.0))
    gan = keras_gans.GAN(networks.mlp_generator(4, 2, width=16), discriminator, 4, seed=0)
    gan.compile()
    gan.fit(ring_data[:1024], batch_size=64, epochs=1, verbose=0)
    wrapped = [l for l in discriminator.layers
               if isinstance(l, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 3  # two hidden layers and the logit
    for layer in wrapped:
        kernel = layer.layer.kernel.numpy()
        assert abs(np.linalg.svd(kernel, compute_uv=False)[0] - 1.0) < 0.05, layer.name


def test_minibatch_stddev_appends_the_group_spread():
    layer = networks.MinibatchStdDev(group_size=2)
    x = np.array([[0.0, 0.0], [2.0, 4.0], [1.0, 1.0], [3.0, 1.0]], "float32")
    out = ops.convert_to_numpy(layer(x))
    # Groups are examples {0, 2} and {1, 3}: stds (0.5, 0.5) and (0.5, 1.5).
    np.testing.assert_allclose(out[:, :2], x)
    np.testing.assert_allclose(out[:, 2], [0.5, 1.0, 0.5, 1.0], rtol=1e-4)
    images = np.random.default_rng(0).normal(size=(8, 4, 4, 3)).astype("float32")
    assert ops.convert_to_numpy(layer(images)).shape == (8, 4, 4, 4)
    # An odd batch is one group.
    odd = ops.convert_to_numpy(layer(x[:3]))
    np.testing.assert_allclose(odd[:, 2], np.mean(np.std(x[:3], axis=0)), rtol=1e-4)


def test_discriminator_builders_take_the_stabilisers():
    d = networks.dcgan_discriminator((8, 8, 1), filters=4, spectral_norm=True,
                                     minibatch_stddev=True, pack=2)
    assert tuple(d.inputs[0].shape) == (None, 8, 8, 2)
    assert "minibatch_stddev" in [layer.name for layer in d.layers]
    assert isinstance(d.get_layer("logit"), keras.layers.SpectralNormalization)
    assert keras.backend.standardize_dtype(d(np.zeros((4, 8, 8, 2), "float32")).dtype) == "float32"
    heads = networks.discriminator_with_heads(
        networks.mlp_discriminator(2, spectral_norm=True), {"class": 3})
    assert sorted(heads.output) == ["class_logits", "logit"]


def test_stabilised_models_save_and_reload(build_variant, ring_data, tmp_path):
    model = build_variant("stabilised", augment="translation")
    model.compile()
    model.fit(ring_data[:128], batch_size=64, epochs=1, verbose=0)
    path = str(tmp_path / "stabilised.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.loss == losses.Hinge() and loaded.pack == 2
    assert isinstance(loaded.penalties[0], penalties.R1)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(model.generate(4, seed=1), loaded.generate(4, seed=1))
