"""Input that would train silently wrong is refused before any step.

One test per refusal of the input contract (README, "Input contract"): each
asserts the exception type, that the message names the argument or input,
and that no optimizer step ran.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import datasets, losses, networks

NUM_CLASSES = 8


def _gan(batch_norm=False, **kwargs):
    keras.utils.set_random_seed(0)
    gan = keras_gans.GAN(networks.mlp_generator(4, 2, width=8),
                         networks.mlp_discriminator(2, width=8, batch_norm=batch_norm),
                         4, seed=0, **kwargs)
    gan.compile()
    return gan


def _cgan(**compile_kwargs):
    keras.utils.set_random_seed(0)
    gan = keras_gans.ConditionalGAN(
        networks.mlp_generator(4, 2, num_classes=NUM_CLASSES, width=8),
        networks.mlp_discriminator(2, num_classes=NUM_CLASSES, width=8), 4, NUM_CLASSES,
        seed=0)
    gan.compile(**compile_kwargs)
    return gan


def _steps(gan):
    return int(gan.d_optimizer.iterations), int(gan.g_optimizer.iterations)


def _points(n=64, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def _weights(gan):
    return [w.copy() for w in gan.get_weights()]


def _assert_unchanged(gan, before):
    for a, b in zip(before, gan.get_weights()):
        np.testing.assert_array_equal(a, b)


# --- Data ----------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_refused_for_an_unbounded_generator(bad):
    gan = _gan()
    assert gan.value_range is None  # a linear output: no range to check
    data = _points()
    data[37, 1] = bad
    with pytest.raises(ValueError, match=r"Training data contains NaN or infinite .*example 37"):
        gan.fit(data, batch_size=16, verbose=0)
    assert _steps(gan) == (0, 0)


def test_non_finite_values_in_a_later_dataset_batch_stop_before_that_step():
    gan = _gan()
    data = _points()
    data[40, 0] = np.nan  # batch 3 of 4; the first batch is clean
    before = None

    class Snapshot(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            nonlocal before
            before = _weights(self.model)

    with pytest.raises(ValueError, match="training batch contains NaN or infinite values"):
        gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(16), verbose=0,
                callbacks=[Snapshot()])
    # Two clean steps ran; the step of the bad batch changed nothing at all.
    assert _steps(gan) == (2, 2)
    _assert_unchanged(gan, before)


@pytest.mark.parametrize("as_dataset", [False, True], ids=["array", "dataset"])
def test_empty_data_is_refused(as_dataset):
    data = np.zeros((0, 2), "float32")
    if as_dataset:
        data = tf.data.Dataset.from_tensor_slices(data).batch(4)
    gan = _gan()
    with pytest.raises(ValueError, match="empty"):
        gan.fit(data, batch_size=4, verbose=0)
    assert _steps(gan) == (0, 0)


def test_non_numeric_data_is_refused():
    gan = _gan()
    with pytest.raises(ValueError, match="numeric.*dtype"):
        gan.fit(np.array([["a", "b"]] * 8), batch_size=4, verbose=0)


# --- Targets and numbers -------------------------------------------------


@pytest.mark.parametrize("real, fake", [(0.5, 0.5), (0.0, 1.0), (0.1, 0.9)])
def test_equal_or_inverted_targets_are_refused(real, fake):
    with pytest.raises(ValueError, match=f"fake_label={fake} must be below real_label={real}"):
        _gan(loss=losses.BinaryCrossEntropy(real_label=real, fake_label=fake))


@pytest.mark.parametrize("argument", ["instance_noise", "ema_decay"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0, "0.1"])
def test_non_finite_or_wrong_float_arguments_are_refused(argument, bad):
    with pytest.raises(ValueError, match=f"`{argument}` must be"):
        _gan(**{argument: bad})


# --- Networks --------------------------------------------------------------


def _discriminator(output):
    inputs = keras.Input((2,))
    return keras.Model(inputs, output(inputs), name="my_d")


@pytest.mark.parametrize("output, message", [
    (lambda x: keras.layers.Dense(2)(x), r"per-example shape \(2,\).*one logit"),
    (lambda x: {"score": keras.layers.Dense(1)(x)}, r"keys \['score'\] but no 'logit'"),
    (lambda x: [keras.layers.Dense(1)(x), keras.layers.Dense(1)(x)], "2 outputs"),
    (lambda x: keras.layers.Dense(1, activation="sigmoid")(x), "'sigmoid' activation"),
    (lambda x: keras.layers.Activation("sigmoid")(keras.layers.Dense(1)(x)),
     "'sigmoid' activation"),
], ids=["dense2", "dict_without_logit", "list", "sigmoid_dense", "sigmoid_layer"])
def test_a_discriminator_without_one_raw_logit_per_example_is_refused(output, message):
    with pytest.raises(ValueError, match=f"discriminator 'my_d'.*{message}|{message}"):
        keras_gans.GAN(networks.mlp_generator(4, 2, width=8), _discriminator(output), 4)


def test_one_optimizer_for_both_networks_is_refused():
    gan = keras_gans.GAN(networks.mlp_generator(4, 2, width=8),
                         networks.mlp_discriminator(2, width=8), 4)
    optimizer = keras.optimizers.Adam(1e-3)
    with pytest.raises(ValueError, match="d_optimizer and g_optimizer are the same optimizer"):
        gan.compile(d_optimizer=optimizer, g_optimizer=optimizer)
    gan.compile(d_optimizer="adam", g_optimizer="adam")  # names build two instances
    assert gan.d_optimizer is not gan.g_optimizer


@pytest.mark.parametrize("g_classes, d_classes, role", [(8, 8, "generator"), (10, 8, "discriminator")])
def test_num_classes_disagreeing_with_the_networks_is_refused(g_classes, d_classes, role):
    with pytest.raises(ValueError, match=f"num_classes=10 disagrees with the {role}.*8 classes"):
        keras_gans.ConditionalGAN(
            networks.mlp_generator(4, 2, num_classes=g_classes, width=8),
            networks.mlp_discriminator(2, num_classes=d_classes, width=8), 4, num_classes=10)


def test_acgan_num_classes_is_checked_against_the_generator():
    d = networks.discriminator_with_heads(networks.mlp_discriminator(2, width=8), {"class": 6})
    with pytest.raises(ValueError, match="num_classes=6 disagrees with the generator"):
        keras_gans.ACGAN(networks.mlp_generator(4, 2, num_classes=8, width=8), d, 4, 6)


# --- Labels ------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, NUM_CLASSES, 2.5], ids=["negative", "too_large", "fractional"])
def test_bad_class_ids_in_a_later_dataset_batch_are_refused(bad):
    gan = _cgan(jit_compile=False)
    points = _points()
    labels = (np.arange(64) % NUM_CLASSES).astype("float32" if bad == 2.5 else "int32")
    labels[40] = bad  # batch 3 of 4: fit's up-front check sees only the first
    with pytest.raises(ValueError, match=r"`labels` of a training batch must be integer "
                                         r"class ids in \[0, 8\)"):
        gan.fit(tf.data.Dataset.from_tensor_slices((points, labels)).batch(16), verbose=0)
    assert _steps(gan) == (2, 2)


@pytest.fixture
def xla_allowed():
    """Keras turns XLA off in a process where a test enabled op determinism."""
    from tensorflow.python.framework import config

    enabled = config.is_op_determinism_enabled()
    config.disable_op_determinism()
    yield
    if enabled:
        config.enable_op_determinism()


def test_bad_class_ids_are_refused_under_xla_too(xla_allowed):
    # XLA compiles assertions away; under it `fit` checks in the input pipeline.
    gan = _cgan(jit_compile=True)
    assert gan.jit_compile is True
    labels = np.arange(64) % NUM_CLASSES
    labels[40] = -1
    with pytest.raises(ValueError, match=r"`labels` of a training batch.*smallest id: \[-1\]"):
        gan.fit(tf.data.Dataset.from_tensor_slices((_points(), labels)).batch(16), verbose=0)
    assert _steps(gan) == (2, 2)


def test_bad_class_ids_in_arrays_are_refused_before_training():
    gan = _cgan()
    labels = np.arange(64) % NUM_CLASSES
    labels[63] = -1
    with pytest.raises(ValueError, match=r"`labels` must lie in \[0, 8\).*\[-1, 7\]"):
        gan.fit(_points(), labels, batch_size=16, verbose=0)
    assert _steps(gan) == (0, 0)


# --- Batch sizes ---------------------------------------------------------------


@pytest.mark.parametrize("n, batch_size, where", [
    (16, 1, r"Every batch \(batch_size=1\)"),
    (17, 8, "The last batch of the 17 examples"),
])
def test_batch_norm_on_batches_of_one_is_refused(n, batch_size, where):
    gan = _gan(batch_norm=True)
    with pytest.raises(ValueError, match=f"{where}.*batch norm in the discriminator"):
        gan.fit(_points(n), batch_size=batch_size, verbose=0)
    assert _steps(gan) == (0, 0)


def test_batch_norm_on_a_later_dataset_batch_of_one_is_refused():
    gan = _gan(batch_norm=True)
    data = tf.data.Dataset.from_tensor_slices(_points(17)).batch(8)  # 8, 8, 1
    with pytest.raises(ValueError, match=r"batch norm in the discriminator.*\(batch size: \[1\]\)"):
        gan.fit(data, verbose=0)
    assert _steps(gan) == (2, 2)


def test_a_batch_of_one_trains_without_batch_norm():
    gan = _gan()
    gan.fit(_points(2), batch_size=1, verbose=0)
    assert _steps(gan) == (2, 2)


# --- Steps ---------------------------------------------------------------------


def test_steps_beyond_a_finite_dataset_are_refused_and_repeat_fixes_it():
    gan = _gan()
    data = datasets.load("ring", batch_size=64, num_examples=256)  # 4 batches
    with pytest.raises(ValueError, match=r"epochs=3, steps_per_epoch=2.*needs 6 batches but "
                                         r"the dataset holds 4.*repeat=True.*steps_per_epoch <= 1"):
        gan.fit(data, epochs=3, steps_per_epoch=2, verbose=0)
    assert _steps(gan) == (0, 0)
    gan.fit(datasets.load("ring", batch_size=64, num_examples=256, repeat=True),
            epochs=3, steps_per_epoch=2, verbose=0)
    assert _steps(gan) == (6, 6)


def test_steps_beyond_an_array_epoch_are_refused():
    gan = _gan()
    with pytest.raises(ValueError, match=r"steps_per_epoch=5 but the data holds 4 batches per epoch"):
        gan.fit(_points(64), batch_size=16, steps_per_epoch=5, verbose=0)
    assert _steps(gan) == (0, 0)


def test_an_epoch_that_is_not_whole_blocks_of_steps_per_execution_is_refused():
    # Keras would round the epoch up to 3 blocks of 2: 6 steps, not 5.
    gan = _gan()
    gan.compile(steps_per_execution=2)
    data = datasets.load("ring", batch_size=16, num_examples=256, repeat=True)
    with pytest.raises(ValueError, match=r"steps_per_epoch=5 is not a multiple of the compiled "
                                         r"steps_per_execution=2.*train 6 steps.*e\.g\. 4 or 6"):
        gan.fit(data, epochs=1, steps_per_epoch=5, verbose=0)
    assert _steps(gan) == (0, 0)
    gan.fit(data, epochs=1, steps_per_epoch=6, verbose=0)
    assert _steps(gan) == (6, 6)


@pytest.mark.parametrize("tricks", [
    {}, dict(ema_decay=0.9, d_steps=2, separate_batches=True, instance_noise=0.1),
    dict(penalties=[keras_gans.penalties.R1(0.1, every_n_steps=3)], update_scheme="simultaneous"),
])
def test_steps_per_execution_trains_exactly_the_weights_of_single_steps(tricks):
    # Blocks of steps in one compiled call are only a speed-up: same batches,
    # same random draws, same updates, with the in-step tricks too.
    trained = []
    for steps_per_execution in (1, 4):
        gan = _gan(**tricks)
        gan.compile(steps_per_execution=steps_per_execution)
        gan.fit(datasets.load("ring", batch_size=16, num_examples=256, seed=3), epochs=2,
                verbose=0)
        assert int(gan.g_optimizer.iterations) == 32
        trained.append(gan.get_weights())
    for a, b in zip(*trained):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(epochs=0), "epochs"), (dict(epochs=1.5), "epochs"),
    (dict(steps_per_epoch=-1), "steps_per_epoch"), (dict(batch_size=0), "batch_size"),
    (dict(initial_epoch=-1), "initial_epoch"),
])
def test_bad_fit_arguments_are_refused(kwargs, argument):
    gan = _gan()
    with pytest.raises(ValueError, match=f"`{argument}` must be"):
        gan.fit(_points(), **{"batch_size": 16, **kwargs}, verbose=0)
    assert _steps(gan) == (0, 0)


# --- Sampling ------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, argument", [
    (dict(n=-1), "n"), (dict(n=2.5), "n"), (dict(n="4"), "n"),
    (dict(n=4, batch_size=0), "batch_size"), (dict(n=4, seed=1.5), "seed"),
    (dict(n=4, seed=-3), "seed"),
])
def test_generate_refuses_bad_counts_and_seeds(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}` must be"):
        _gan().generate(**kwargs)


def test_generate_zero_samples_is_empty():
    assert _gan().generate(0).shape == (0, 2)


@pytest.mark.parametrize("labels, message", [
    (1.7, "fractional"), (True, "dtype bool"), ([0, 1], r"shape \(3,\)"),
    ([0, 1, 8], r"\[0, 8\)"), ("a", "dtype"),
])
def test_generate_refuses_bad_labels(labels, message):
    with pytest.raises(ValueError, match=f"`labels`.*{message}"):
        _cgan().generate(3, labels=labels)


def test_generate_accepts_one_integral_label_for_all():
    gan = _cgan()
    np.testing.assert_array_equal(gan.generate(2, labels=3.0, seed=1),
                                  gan.generate(2, labels=[3, 3], seed=1))


def test_infogan_refuses_non_finite_codes_and_fractional_categories(build_variant):
    model = build_variant("infogan")
    codes = model.make_codes(categorical=[0, 1], continuous=0.0)
    codes[1, -1] = np.nan
    with pytest.raises(ValueError, match="`codes` contains NaN"):
        model.generate(2, codes=codes)
    with pytest.raises(ValueError, match="`categorical`.*fractional"):
        model.make_codes(categorical=[1.5, 2])
    with pytest.raises(ValueError, match="`continuous` contains NaN"):
        model.make_codes(categorical=[1, 2], continuous=np.nan)


# Class prior --------------------------------------------------------------
def _prior_cgan(prior, classes=NUM_CLASSES):
    return keras_gans.ConditionalGAN(
        networks.mlp_generator(4, 2, num_classes=classes, width=8),
        networks.mlp_discriminator(2, num_classes=classes, width=8), 4, classes,
        class_prior=prior, seed=0)


def test_generated_labels_follow_the_class_prior_and_a_zero_class_is_never_drawn():
    prior = [0.0, 1.0, 3.0] + [0.0] * (NUM_CLASSES - 3)
    gan = _prior_cgan(prior)
    assert gan.class_prior[:3] == (0.0, 0.25, 0.75)  # Normalised.
    counts = np.bincount(np.asarray(gan.sample_labels(8000, seed=1)), minlength=NUM_CLASSES)
    assert counts[0] == 0 and counts[3:].sum() == 0
    # Binomial std of the share of class 2 over 8000 draws: 0.0048.
    assert abs(counts[2] / 8000 - 0.75) < 0.02
    # The training batches' fake labels come from the same draw.
    _, (_, fake_labels) = gan.generate_batch(256)
    assert set(np.unique(np.asarray(fake_labels))) <= {1, 2}


def test_the_class_prior_survives_get_config_and_uniform_stays_the_default():
    gan = _prior_cgan([1.0] * (NUM_CLASSES - 1) + [3.0])  # 3 / (7 + 3) for the last.
    clone = keras_gans.ConditionalGAN.from_config(gan.get_config())
    np.testing.assert_allclose(clone.class_prior, gan.class_prior, rtol=1e-12)
    assert gan.class_prior[-1] == pytest.approx(0.3)
    uniform = _prior_cgan(None)
    assert uniform.class_prior is None and "class_prior" not in uniform.get_config()
    counts = np.bincount(np.asarray(uniform.sample_labels(8000, seed=1)), minlength=NUM_CLASSES)
    assert counts.min() > 0.8 * 8000 / NUM_CLASSES


@pytest.mark.parametrize("prior, match", [
    ([1.0, 1.0], f"must be {NUM_CLASSES} non-negative weights"),
    ([-1.0] + [1.0] * (NUM_CLASSES - 1), "non-negative"),
    ([0.0] * NUM_CLASSES, "positive sum"),
    ([np.nan] * NUM_CLASSES, "NaN"),
])
def test_a_bad_class_prior_is_refused(prior, match):
    with pytest.raises(ValueError, match=match):
        _prior_cgan(prior)
