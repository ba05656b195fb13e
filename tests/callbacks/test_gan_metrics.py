"""GANMetrics: values in logs, carrying, caching, and stock EarlyStopping."""

import warnings

import keras
import numpy as np
import pytest

from keras_gans.callbacks.gan_metrics import GANMetrics
from keras_gans.evaluation import frechet_distance

DIM = 4


class DriftingModel(keras.Model):
    """A stand-in GAN: every train step moves its samples `drift` further away.

    `generate(n, seed)` returns N(0, I) noise plus `drift * steps`, so sample
    quality gets worse each epoch, deterministically per seed.
    """

    def __init__(self, drift=1.0, make_samples=None):
        super().__init__()
        self.drift = drift
        self.make_samples = make_samples
        self.steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="steps"
        )
        self.generate_calls = []

    def call(self, inputs):
        return inputs

    def train_step(self, data):
        self.steps.assign_add(1.0)
        return {"d_loss": self.steps * 0.0 + 0.5, "g_loss": self.steps * 0.0 + 1.0}

    def generate(self, n, seed=None):
        self.generate_calls.append((n, seed))
        if self.make_samples is not None:
            return self.make_samples(n, seed)
        noise = np.random.default_rng(seed).normal(size=(n, DIM))
        return (noise + self.drift * float(self.steps.numpy())).astype("float32")


def _identity_extractor(dim=DIM):
    inputs = keras.Input((dim,))
    return keras.Model(inputs, keras.layers.Identity()(inputs))


def _fit(model, callbacks, epochs):
    model.compile(jit_compile=False)
    return model.fit(
        np.zeros((1, 1), "float32"), epochs=epochs, batch_size=1, verbose=0, callbacks=callbacks
    )


REFERENCE = np.random.default_rng(100).normal(size=(300, DIM)).astype("float32")


def test_fid_written_into_logs_and_history():
    metrics = GANMetrics(
        REFERENCE, metrics=("fid", "kid"), extractor=_identity_extractor(),
        num_samples=200, batch_size=64, kid_subsets=5, kid_subset_size=100,
    )
    model = DriftingModel()
    history = _fit(model, [metrics], epochs=3)
    fids = history.history["fid"]
    assert len(fids) == 3 and fids[0] < fids[1] < fids[2]
    # Epoch 0 ends after one step: samples are the seed-0..3 noise + 1, and
    # the reference is capped at num_samples.
    batches = [(64, 0), (64, 1), (64, 2), (8, 3)]
    samples = np.concatenate(
        [np.random.default_rng(s).normal(size=(n, DIM)) for n, s in batches]
    ).astype("float32")
    assert fids[0] == pytest.approx(
        frechet_distance(REFERENCE[:200], samples + 1.0), rel=1e-5
    )
    assert model.generate_calls[:4] == [(64, 0), (64, 1), (64, 2), (8, 3)]
    assert [h["epoch"] for h in metrics.history] == [0, 1, 2]
    assert history.history["kid"][2] > history.history["kid"][0] > 0


def test_early_stopping_stops_on_worsening_fid_and_restores_best():
    metrics = GANMetrics(
        REFERENCE, metrics=("fid",), extractor=_identity_extractor(), num_samples=150
    )
    stop = keras.callbacks.EarlyStopping(
        monitor="fid", mode="min", patience=2, restore_best_weights=True
    )
    model = DriftingModel()
    history = _fit(model, [metrics, stop], epochs=10)
    # Best at epoch 0, worse at 1 and 2: stopped after the third epoch.
    assert len(history.history["fid"]) == 3
    assert stop.stopped_epoch == 2
    assert float(model.steps.numpy()) == 1.0  # weights from epoch 0


def test_early_stopping_placed_first_never_sees_the_metric():
    # The documented pitfall: callbacks run in list order on a shared logs
    # dict, so EarlyStopping before GANMetrics finds no `fid`.
    metrics = GANMetrics(
        REFERENCE, metrics=("fid",), extractor=_identity_extractor(), num_samples=100
    )
    stop = keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = _fit(DriftingModel(), [stop, metrics], epochs=4)
    assert len(history.history["fid"]) == 4


def test_every_n_epochs_carries_the_last_value():
    metrics = GANMetrics(
        REFERENCE, metrics=("fid",), extractor=_identity_extractor(),
        num_samples=100, every_n_epochs=2, prefix="val_",
    )
    history = _fit(DriftingModel(), [metrics], epochs=4)
    fids = history.history["val_fid"]
    # Evaluated at epochs 0, 2 and 3 (the last); 1 repeats 0.
    assert [h["epoch"] for h in metrics.history] == [0, 2, 3]
    assert fids[1] == fids[0] and fids[2] != fids[1] and fids[3] != fids[2]
    assert metrics.log_keys == ("val_fid",)


def test_carry_resumes_the_schedule_without_an_extra_evaluation():
    def metrics():
        return GANMetrics(REFERENCE, metrics=("fid", "kid"), extractor=_identity_extractor(),
                          num_samples=100, every_n_epochs=2, kid_subsets=2,
                          kid_subset_size=50)

    unbroken = metrics()
    full = _fit(DriftingModel(), [unbroken], epochs=5).history["fid"]
    # Resumed at epoch 1 (0-based: the fit's next epoch is 1) with the
    # values of the evaluation at epoch 0: evaluates at 2 and 4 only, and
    # epoch 1 writes the carried value, as the unbroken fit did.
    model = DriftingModel()
    model.steps.assign(1.0)
    resumed = metrics()
    resumed.carry({**unbroken.history[0], "d_loss": 0.5})
    model.compile(jit_compile=False)
    part = model.fit(np.zeros((1, 1), "float32"), epochs=5, initial_epoch=1, batch_size=1,
                     verbose=0, callbacks=[resumed]).history["fid"]
    assert [h["epoch"] for h in resumed.history] == [2, 4]
    assert part == full[1:] and part[0] == full[0]
    # Without `carry` the first resumed epoch is evaluated off the schedule.
    model.steps.assign(1.0)
    fresh = metrics()
    model.fit(np.zeros((1, 1), "float32"), epochs=5, initial_epoch=1, batch_size=1, verbose=0,
              callbacks=[fresh])
    assert [h["epoch"] for h in fresh.history] == [1, 2, 4]
    # Only the next fit carries: the one after starts afresh.
    model.steps.assign(1.0)
    model.fit(np.zeros((1, 1), "float32"), epochs=5, initial_epoch=1, batch_size=1, verbose=0,
              callbacks=[resumed])
    assert [h["epoch"] for h in resumed.history][2:] == [1, 2, 4]
    with pytest.raises(ValueError, match=r"`values` lacks \['kid'\]"):
        resumed.carry({"fid": 1.0})


def test_reference_features_are_computed_once():
    metrics = GANMetrics(
        REFERENCE, metrics=("fid", "precision", "recall", "density", "coverage", "diversity"),
        extractor=_identity_extractor(), num_samples=120,
    )
    model = DriftingModel(drift=0.0)
    _fit(model, [metrics], epochs=1)
    cached = metrics.reference_features()
    _fit(model, [metrics], epochs=1)
    assert metrics.reference_features() is cached
    assert len(cached) == 120  # capped at num_samples
    values = metrics.history[-1]
    # No drift: generated noise matches the reference distribution.
    for key in ("precision", "recall", "coverage"):
        assert 0.7 < values[key] <= 1.0, (key, values[key])
    assert 0.8 < values["diversity"] < 1.2


def test_modes_metric_on_mixture_samples():
    centers = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])

    def two_modes(n, seed):
        return np.tile(centers[:2], (n // 2 + 1, 1))[:n]

    metrics = GANMetrics(
        metrics=("modes",), extractor=None, centers=centers, std=0.01,
        num_samples=100, batch_size=30,
    )
    history = _fit(DriftingModel(make_samples=two_modes), [metrics], epochs=1)
    assert history.history["modes"] == [2.0]
    assert history.history["high_quality"] == [1.0]
    # Batches of 30, 30, 30, 10 alternate the two modes: 50 samples
    # on each, so KL(p || uniform over 4) = log 4 - log 2.
    assert history.history["mode_kl"][0] == pytest.approx(np.log(2))


def test_is_and_classes_from_a_classifier_extractor():
    num_classes = 10

    def one_hot_logits(n, seed):
        return (50.0 * np.eye(num_classes)[np.arange(n) % 7]).astype("float32")

    inputs = keras.Input((num_classes,))
    classifier = keras.Model(
        inputs, {"features": inputs, "probabilities": keras.layers.Softmax()(inputs)}
    )
    metrics = GANMetrics(
        metrics=("is", "classes"), extractor=classifier, num_samples=140, is_splits=2
    )
    history = _fit(DriftingModel(make_samples=one_hot_logits), [metrics], epochs=1)
    assert history.history["classes"] == [7.0]
    assert history.history["is"][0] == pytest.approx(7.0, rel=1e-4)
    assert history.history["class_kl"][0] == pytest.approx(np.log(10 / 7), rel=1e-4)


def test_constructor_errors():
    with pytest.raises(ValueError, match="Unknown metrics"):
        GANMetrics(REFERENCE, metrics=("fidd",))
    with pytest.raises(ValueError, match="reference"):
        GANMetrics(None, metrics=("fid",))
    with pytest.raises(ValueError, match="centers"):
        GANMetrics(metrics=("modes",), extractor=None)
    with pytest.raises(ValueError, match="extractor"):
        GANMetrics(REFERENCE, metrics=("fid",), extractor=None)


def test_features_only_extractor_cannot_give_inception_score():
    metrics = GANMetrics(metrics=("is",), extractor=_identity_extractor(), num_samples=10)
    with pytest.raises(ValueError, match="probabilities"):
        _fit(DriftingModel(), [metrics], epochs=1)


def test_with_the_library_gan_on_a_ring():
    from keras_gans.models import GAN

    angles = 2 * np.pi * np.arange(8) / 8
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    data = (ring[np.arange(256) % 8] + 0.05 * np.random.default_rng(0).normal(size=(256, 2)))
    generator = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]
    )
    discriminator = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)]
    )
    gan = GAN(generator, discriminator, latent_dim=4, seed=0)
    gan.compile(jit_compile=False)
    metrics = GANMetrics(
        metrics=("modes",), extractor=None, centers=ring, std=0.05, num_samples=200
    )
    history = gan.fit(
        data.astype("float32"), batch_size=64, epochs=2, verbose=0, callbacks=[metrics]
    )
    assert {"d_loss", "g_loss", "modes", "high_quality", "mode_kl"} <= set(history.history)
    # The logged value is the metric of generate(200, seed=0) after epoch 2.
    from keras_gans.evaluation import mixture_modes

    expected = mixture_modes(gan.generate(200, seed=0), ring, std=0.05)
    assert history.history["modes"][-1] == expected.modes
    assert history.history["high_quality"][-1] == pytest.approx(expected.high_quality)


def _digit_reader():
    """An 'MNIST classifier' for constant images: digit = round(10 * value)."""
    inputs = keras.Input((28, 28, 1))
    mean = keras.layers.GlobalAveragePooling2D()(inputs)
    centers = keras.ops.arange(10, dtype="float32") / 10.0
    logits = keras.layers.Lambda(lambda m: -1e4 * keras.ops.square(m - centers))(mean)
    return keras.Model(inputs, {"features": mean, "probabilities": keras.ops.softmax(logits)})


def test_stacked_mnist_metric_counts_digit_triples_and_their_kl():
    triples = np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3], [9, 0, 0], [7, 7, 7]])

    def make_samples(n, seed):
        rows = triples[np.arange(seed * n, seed * n + n) % len(triples)]
        return np.broadcast_to(rows[:, None, None, :] / 10.0, (n, 28, 28, 3)).astype("float32")

    model = DriftingModel(make_samples=make_samples)
    callback = GANMetrics(
        metrics=("stacked_mnist",), extractor=_digit_reader(), num_samples=12,
        batch_size=5, value_range=(0, 1),
    )
    callback.set_model(model)
    values = callback.evaluate()
    # Batches of 5, 5, 2 samples with seeds 0, 1, 2 cycle through the triples.
    drawn = np.concatenate([make_samples(n, s)[:, 0, 0, :] for s, n in enumerate((5, 5, 2))])
    modes = np.round(drawn * 10).astype(int) @ np.array([100, 10, 1])
    counts = np.bincount(modes, minlength=1000)
    p = counts[counts > 0] / counts.sum()
    assert values["modes"] == 4.0 == len(set(modes))
    assert values["mode_kl"] == pytest.approx(float(np.sum(p * np.log(p * 1000))))
    # Its parts: the drawn digits per channel, KL to uniform, summed over
    # channels; the rest of mode_kl is the channels' dependence.
    digits = np.round(drawn * 10).astype(int)
    channel_kls = []
    for k in range(3):
        q = np.bincount(digits[:, k], minlength=10) / len(digits)
        channel_kls.append(float(np.sum(q[q > 0] * np.log(q[q > 0] * 10))))
    assert values["mode_kl_channels"] == pytest.approx(sum(channel_kls))
    assert values["mode_kl_dependence"] == pytest.approx(values["mode_kl"] - sum(channel_kls))
    assert values["mode_kl_dependence"] > 0.5  # 4 triples, far from independent digits
    assert callback.log_keys == ("modes", "mode_kl", "mode_kl_channels", "mode_kl_dependence")
    with pytest.raises(ValueError, match="both write `modes`"):
        GANMetrics(metrics=("modes", "stacked_mnist"), centers=[[0, 0]], std=1.0)
    callback.set_model(DriftingModel())  # (n, 4) samples, not 28x28x3 images.
    with pytest.raises(ValueError, match="needs 28x28x3 samples"):
        callback.evaluate()


def _named_extractor(name, scale=1.0):
    """A stand-in for a named extractor: features = scale * samples."""
    from keras_gans.evaluation import FeatureExtractor

    inputs = keras.Input((DIM,))
    model = keras.Model(inputs, keras.layers.Rescaling(scale)(inputs))
    return FeatureExtractor(model, name=name)


def test_inception_fids_are_logged_under_their_own_keys():
    # IS and classes from a classifier head, FID and KID from a second,
    # "fid_inception"-named extractor whose features are 3 x the samples.
    inputs = keras.Input((DIM,))
    classifier = keras.Model(
        inputs, {"features": inputs, "probabilities": keras.layers.Softmax()(inputs)}
    )
    metrics = GANMetrics(
        REFERENCE, metrics=("fid", "kid", "is"), extractor=classifier,
        fid_extractor=_named_extractor("fid_inception", scale=3.0),
        num_samples=120, batch_size=60, kid_subsets=3, kid_subset_size=50,
    )
    assert metrics.log_keys == ("fid_inception", "kid_inception", "is")
    assert metrics.metric_extractors == {
        "fid_inception": "fid_inception", "kid_inception": "fid_inception",
        "is": classifier.name,
    }
    history = _fit(DriftingModel(), [metrics], epochs=1)
    assert {"fid_inception", "kid_inception", "is"} <= set(history.history)
    assert "fid" not in history.history and "kid" not in history.history
    samples = np.concatenate(
        [np.random.default_rng(s).normal(size=(60, DIM)) for s in (0, 1)]
    ).astype("float32") + 1.0
    expected = frechet_distance(3.0 * REFERENCE[:120], 3.0 * samples)
    assert history.history["fid_inception"][0] == pytest.approx(expected, rel=1e-5)
    # FD scales with the square of the features: 9 x the sample-space FD.
    assert expected == pytest.approx(9 * frechet_distance(REFERENCE[:120], samples), rel=1e-6)


def test_feature_metrics_of_keras_inception_carry_its_name():
    metrics = GANMetrics(
        REFERENCE, metrics=("fid", "precision", "modes"),
        extractor=_named_extractor("inception_v3"), num_samples=50,
        centers=np.zeros((1, DIM)), std=1.0,
    )
    assert metrics.log_keys == (
        "fid_inception_v3", "precision_inception_v3", "modes", "high_quality", "mode_kl")
    history = _fit(DriftingModel(drift=0.0), [metrics], epochs=1)
    assert history.history["fid_inception_v3"][0] > 0
    assert metrics.history[0]["precision_inception_v3"] > 0.5
    # A classifier (or any user model) keeps the plain keys.
    assert GANMetrics(REFERENCE, metrics=("fid",), extractor=_identity_extractor()).log_keys == ("fid",)


def test_fid_extractor_alone_needs_no_main_extractor():
    metrics = GANMetrics(REFERENCE, metrics=("fid",), extractor=None,
                         fid_extractor=_named_extractor("fid_inception"), num_samples=40)
    history = _fit(DriftingModel(), [metrics], epochs=1)
    assert list(metrics.history[0]) == ["epoch", "fid_inception", "seconds"]
    assert history.history["fid_inception"][0] > 0
    with pytest.raises(ValueError, match="need a feature extractor"):
        GANMetrics(REFERENCE, metrics=("fid", "precision"), extractor=None,
                   fid_extractor="fid_inception")


def _ring_gan(**kwargs):
    from keras_gans.models import GAN

    keras.utils.set_random_seed(0)
    generator = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]
    )
    discriminator = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)]
    )
    gan = GAN(generator, discriminator, latent_dim=4, seed=0, **kwargs)
    gan.compile(jit_compile=False)
    return gan


def test_raw_generator_scores_the_trained_g_beside_its_ema():
    from keras_gans.evaluation import frechet_distance as fd

    gan = _ring_gan(ema_decay=0.9)
    metrics = GANMetrics(REFERENCE[:, :2], metrics=("fid",), extractor=_identity_extractor(2),
                         num_samples=100, batch_size=50, raw_generator=True, prefix="val_")
    assert metrics.log_keys == ("val_fid", "val_raw_fid")
    names = metrics.metric_extractors
    assert set(names) == {"val_fid", "val_raw_fid"} and names["val_raw_fid"] == names["val_fid"]
    data = np.random.default_rng(1).normal(size=(256, 2)).astype("float32")
    history = gan.fit(data, batch_size=64, epochs=2, verbose=0, callbacks=[metrics])
    logs = history.history
    # Each key is the FID of its own generator on the same latent draws
    # (seeds 0 and 1 for the two batches of 50).
    def samples(network):
        z = np.concatenate([gan.sample_latents(50, seed=keras.random.SeedGenerator(s))
                            for s in (0, 1)])
        return keras.ops.convert_to_numpy(network(z, training=False))

    ema, raw = samples(gan.ema_generator), samples(gan.generator)
    assert logs["val_fid"][-1] == pytest.approx(fd(REFERENCE[:100, :2], ema), rel=1e-4)
    assert logs["val_raw_fid"][-1] == pytest.approx(fd(REFERENCE[:100, :2], raw), rel=1e-4)
    # After 8 steps an EMA of decay 0.9 still lags G: the two differ.
    assert abs(logs["val_fid"][-1] - logs["val_raw_fid"][-1]) > 1e-3
    # The block is left as it was found: generate() samples from the EMA again.
    np.testing.assert_allclose(gan.generate(50, seed=0), samples(gan.ema_generator)[:50],
                               rtol=1e-6, atol=1e-6)
    assert metrics.get_config()["raw_generator"] is True


def test_raw_generator_without_an_ema_stops_before_training():
    gan = _ring_gan()
    metrics = GANMetrics(REFERENCE[:, :2], metrics=("fid",), extractor=_identity_extractor(2),
                         num_samples=100, raw_generator=True)
    data = np.zeros((64, 2), "float32")
    with pytest.raises(ValueError, match="raw_generator=True.*ema_decay"):
        gan.fit(data, batch_size=64, epochs=1, verbose=0, callbacks=[metrics])
    assert int(gan.d_optimizer.iterations.numpy()) == 0
