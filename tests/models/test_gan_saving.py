"""Config round trips, `.keras` save/load, exact resume, BackupAndRestore."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import augment, losses, networks, penalties

NON_DEFAULT_ARGS = dict(
    loss=losses.BinaryCrossEntropy(real_label=0.9, fake_label=0.1, label_noise=0.05,
                                   label_flip=0.02, generator="minimax"),
    penalties=(penalties.R1(5.0, every_n_steps=2), penalties.GradientPenalty(2.0)),
    latent_distribution="uniform",
    d_steps=2,
    g_steps=3,
    separate_batches=True,
    instance_noise=0.3,
    augment=augment.DiffAugment("translation", strength=0.5),
    pack=2,
    ema_decay=0.99,
    ema_start_step=5,
    data_range=(-2.0, 2.0),
    log_gradient_norms=True,
    seed=7,
)


def test_config_round_trip_covers_every_argument(tiny_mlp_pair):
    generator, _ = tiny_mlp_pair()
    discriminator = networks.mlp_discriminator(2, pack=2, width=8)
    gan = keras_gans.GAN(generator, discriminator, latent_dim=4, name="my_gan",
                         **NON_DEFAULT_ARGS)
    config = gan.get_config()
    clone = keras_gans.GAN.from_config(config)
    for key, value in NON_DEFAULT_ARGS.items():
        restored = getattr(clone, "initial_instance_noise" if key == "instance_noise" else key)
        if key == "penalties":
            assert [p.get_config() for p in restored] == [p.get_config() for p in value]
            assert [type(p) for p in restored] == [type(p) for p in value]
        elif key == "augment":
            assert restored.get_config()["policy"] == "translation"
            assert float(restored.strength) == 0.5
        else:
            assert restored == value, key
    assert clone.name == "my_gan" and clone.latent_dim == 4
    assert float(clone.instance_noise) == pytest.approx(0.3)
    assert clone.generator.get_config()["layers"] == gan.generator.get_config()["layers"]
    assert clone.ema_generator is not None


def test_wgan_presets_round_trip(tiny_mlp_pair):
    wgan = keras_gans.WGAN(*tiny_mlp_pair(), latent_dim=4, clip_value=0.02, n_critic=3)
    clone = keras_gans.WGAN.from_config(wgan.get_config())
    assert (clone.clip_value, clone.n_critic, clone.loss) == (0.02, 3, losses.Wasserstein())
    assert all(v.constraint.value == 0.02 for v in clone.discriminator.trainable_variables)
    gp = keras_gans.WGANGP(*tiny_mlp_pair(), latent_dim=4, gp_weight=4.0)
    clone = keras_gans.WGANGP.from_config(gp.get_config())
    assert clone.gp_weight == 4.0 and clone.n_critic == 5
    assert [type(p) for p in clone.penalties] == [penalties.GradientPenalty]


def _train_setup(tiny_mlp_pair, **kwargs):
    keras.utils.set_random_seed(1)
    generator, discriminator = tiny_mlp_pair()
    if kwargs.get("pack", 1) > 1:
        discriminator = networks.mlp_discriminator(2, pack=kwargs["pack"], width=16)
    gan = keras_gans.GAN(generator, discriminator, latent_dim=4, seed=3, **kwargs)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    return gan


def _fit(gan, data, epochs, initial_epoch=0, callbacks=None):
    gan.fit(
        data,
        batch_size=64,
        epochs=epochs,
        initial_epoch=initial_epoch,
        shuffle=False,
        verbose=0,
        callbacks=callbacks,
    )


def test_save_load_restores_weights_optimizers_and_seeds(tiny_mlp_pair, ring_data, tmp_path):
    gan = _train_setup(tiny_mlp_pair, instance_noise=0.2,
                       loss=losses.BinaryCrossEntropy(label_noise=0.1))
    _fit(gan, ring_data[:256], epochs=2)
    gan.instance_noise.assign(0.05)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is keras_gans.GAN
    for a, b in zip(gan.generator.weights + gan.discriminator.weights,
                    loaded.generator.weights + loaded.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for name in ("d_optimizer", "g_optimizer"):
        original, restored = getattr(gan, name), getattr(loaded, name)
        assert int(restored.iterations) == int(original.iterations) == 8
        assert len(restored.variables) == len(original.variables) > 1
        for a, b in zip(original.variables, restored.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(gan.seed_generator.state.numpy(), loaded.seed_generator.state.numpy())
    assert float(loaded.instance_noise) == pytest.approx(0.05)
    assert loaded.loss.label_noise == 0.1
    # The restored random streams draw the same numbers.
    np.testing.assert_array_equal(gan.sample_latents(5).numpy(), loaded.sample_latents(5).numpy())


RESUME_TRICKS = [
    {},
    dict(instance_noise=0.1, loss=losses.BinaryCrossEntropy(label_flip=0.1), d_steps=2),
    # The stabilisers: their state (EMA weights, lazy-penalty phase, the
    # augmentation's random stream) must survive the save too.
    dict(loss="hinge", penalties=[penalties.R1(1.0, every_n_steps=3)], ema_decay=0.9,
         pack=2, augment="translation,cutout"),
]


@pytest.mark.parametrize("tricks", RESUME_TRICKS, ids=["plain", "guide", "stabilisers"])
def test_resume_matches_uninterrupted_training(tiny_mlp_pair, ring_data, tmp_path, tricks):
    tf.config.experimental.enable_op_determinism()
    data = ring_data[:256]
    straight = _train_setup(tiny_mlp_pair, **tricks)
    _fit(straight, data, epochs=3)

    interrupted = _train_setup(tiny_mlp_pair, **tricks)
    _fit(interrupted, data, epochs=2)
    path = str(tmp_path / "checkpoint.keras")
    interrupted.save(path)
    del interrupted
    resumed = keras.models.load_model(path)
    _fit(resumed, data, epochs=3, initial_epoch=2)

    assert int(resumed.g_optimizer.iterations) == 12
    for a, b in zip(straight.weights, resumed.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    # A fresh, unsaved model trained for one epoch is far from both.
    assert not np.allclose(straight.generator.weights[0].numpy(),
                           _train_setup(tiny_mlp_pair, **tricks).generator.weights[0].numpy())


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt("simulated preemption")


def test_backup_and_restore_resumes_where_it_stopped(tiny_mlp_pair, ring_data, tmp_path):
    tf.config.experimental.enable_op_determinism()
    data = ring_data[:256]
    straight = _train_setup(tiny_mlp_pair)
    _fit(straight, data, epochs=3)

    backup_dir = str(tmp_path / "backup")
    first = _train_setup(tiny_mlp_pair)
    with pytest.raises(KeyboardInterrupt):
        _fit(first, data, epochs=3, callbacks=[
            keras.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False),
            _Interrupt(at_epoch=2)])
    assert int(first.g_optimizer.iterations) == 8

    second = _train_setup(tiny_mlp_pair)
    epochs_run = []
    record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, l: epochs_run.append(e))
    _fit(second, data, epochs=3, callbacks=[keras.callbacks.BackupAndRestore(backup_dir), record])
    assert epochs_run == [2]
    assert int(second.g_optimizer.iterations) == 12
    for a, b in zip(straight.weights, second.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_generate_is_seeded_and_does_not_touch_the_training_stream(tiny_mlp_pair):
    gan = keras_gans.GAN(*tiny_mlp_pair(output_activation="tanh"), latent_dim=4, seed=0)
    state = gan.seed_generator.state.numpy().copy()
    a, b = gan.generate(10, seed=5), gan.generate(10, seed=5)
    c, d = gan.generate(10), gan.generate(10)
    assert a.shape == (10, 2) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(c, d)
    assert np.all(np.abs(np.concatenate([a, c, d])) <= 1.0)
    np.testing.assert_array_equal(gan.seed_generator.state.numpy(), state)
    assert gan.generate(600, batch_size=256).shape == (600, 2)
    with pytest.raises(TypeError, match="labels"):
        gan.generate(4, labels=[0, 1, 2, 3])


# --- Files that fail clearly --------------------------------------------------


def _saved(tiny_mlp_pair, tmp_path):
    gan = _train_setup(tiny_mlp_pair)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    return gan, path


@pytest.mark.parametrize("damage, message", [
    (lambda data: b"", r"is empty \(0 bytes\)"),
    (lambda data: data[: len(data) // 2], "not a complete .keras archive.*truncated"),
    (lambda data: data[:-20], "not a complete .keras archive"),
], ids=["empty", "half", "tail_cut"])
def test_load_model_names_an_empty_or_truncated_file(tiny_mlp_pair, tmp_path, damage, message):
    _, path = _saved(tiny_mlp_pair, tmp_path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(damage(data))
    with pytest.raises(ValueError, match=f"model file '.*gan.keras'.*{message}"):
        keras_gans.load_model(path)
    with pytest.raises(FileNotFoundError, match="No model file"):
        keras_gans.load_model(str(tmp_path / "absent.keras"))


def test_load_model_loads_a_complete_file(tiny_mlp_pair, tmp_path):
    gan, path = _saved(tiny_mlp_pair, tmp_path)
    loaded = keras_gans.load_model(path)
    np.testing.assert_array_equal(gan.generate(3, seed=2), loaded.generate(3, seed=2))


def test_an_interrupted_save_keeps_the_previous_file(tiny_mlp_pair, tmp_path, monkeypatch):
    gan, path = _saved(tiny_mlp_pair, tmp_path)

    def interrupted(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt("preempted")

    monkeypatch.setattr(keras.Model, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gan.save(path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gan.keras"]
    keras_gans.load_model(path)  # still the complete earlier save


def test_batch_level_backup_warns_that_its_resume_is_not_exact(tiny_mlp_pair, ring_data, tmp_path):
    gan = _train_setup(tiny_mlp_pair)
    with pytest.warns(RuntimeWarning, match=r"save_freq=2.*trained again.*save_freq='epoch'"):
        _fit(gan, ring_data[:128], epochs=1, callbacks=[
            keras.callbacks.BackupAndRestore(str(tmp_path / "b"), save_freq=2)])
