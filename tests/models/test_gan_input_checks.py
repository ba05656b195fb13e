"""Bad input is refused before training, with a message that says how to fix it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import losses, penalties


@pytest.fixture
def tanh_gan(tiny_mlp_pair):
    gan = keras_gans.GAN(*tiny_mlp_pair(output_activation="tanh"), latent_dim=4, seed=0)
    gan.compile()
    return gan


def test_value_range_is_read_from_the_output_activation(tiny_mlp_pair):
    assert keras_gans.GAN(*tiny_mlp_pair(output_activation="tanh"), latent_dim=4).value_range == (-1.0, 1.0)
    assert keras_gans.GAN(*tiny_mlp_pair(output_activation="sigmoid"), latent_dim=4).value_range == (0.0, 1.0)
    assert keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4).value_range is None
    assert keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, data_range=(0, 2)).value_range == (0.0, 2.0)


def test_raw_pixels_for_a_tanh_generator_are_refused(tanh_gan):
    data = np.full((64, 2), 255.0, "float32")
    with pytest.raises(ValueError, match=r"span \[255, 255\].*\[-1, 1\].*Rescale"):
        tanh_gan.fit(data, batch_size=32, verbose=0)
    assert int(tanh_gan.d_optimizer.iterations) == 0


def test_value_range_checked_on_a_dataset_batch(tanh_gan):
    data = tf.data.Dataset.from_tensor_slices(np.full((64, 2), 2.0, "float32")).batch(32)
    with pytest.raises(ValueError, match="Rescale"):
        tanh_gan.fit(data, verbose=0)


def test_data_inside_the_range_trains(tanh_gan):
    data = np.random.default_rng(0).uniform(-1, 1, (64, 2)).astype("float32")
    tanh_gan.fit(data, batch_size=32, verbose=0)
    assert int(tanh_gan.d_optimizer.iterations) == 2


def test_wrong_sample_shape_is_refused(tanh_gan):
    with pytest.raises(ValueError, match=r"per-example shape \(3,\).*outputs \(2,\)"):
        tanh_gan.fit(np.zeros((64, 3), "float32"), batch_size=32, verbose=0)


def test_missing_channel_axis_gets_a_hint():
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16), keras.layers.Reshape((4, 4, 1))])
    discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = keras_gans.GAN(generator, discriminator, latent_dim=4)
    gan.compile()
    with pytest.raises(ValueError, match=r"x\[\.\.\., None\]"):
        gan.fit(np.zeros((8, 4, 4), "float32"), batch_size=4, verbose=0)


def test_latent_dim_mismatch(tiny_mlp_pair):
    with pytest.raises(ValueError, match="latent_dim=7 does not match.*Pass latent_dim=4"):
        keras_gans.GAN(*tiny_mlp_pair(latent_dim=4), latent_dim=7)


def test_discriminator_shape_mismatch(tiny_mlp_pair):
    generator, _ = tiny_mlp_pair()
    _, discriminator = tiny_mlp_pair(data_dim=3)
    with pytest.raises(ValueError, match="generator's output.*discriminator's input"):
        keras_gans.GAN(generator, discriminator, latent_dim=4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "wasserstein_gp"}, r"Unknown loss 'wasserstein_gp'.*hinge"),
        ({"latent_distribution": "gaussian"}, r"latent_distribution.*'normal'"),
        ({"d_steps": 0}, "d_steps"),
        ({"g_steps": 1.5}, "g_steps"),
        ({"loss": losses.BinaryCrossEntropy(real_label=0.9, label_flip=0.1),
          "update_scheme": "simultaneous", "d_steps": 2}, "simultaneous.*d_steps"),
        ({"update_scheme": "jacobi"}, "update_scheme"),
        ({"loss": "relativistic", "separate_batches": True}, "separate_batches.*both"),
        ({"pack": 0}, "pack"),
        ({"pack": 2}, r"packed by 2.*\(2,\).*\(4,\)|\(4,\).*\(2,\)|pack=2"),
        ({"ema_decay": 1.0}, "ema_decay"),
        ({"ema_start_step": -1}, "ema_start_step"),
        ({"penalties": [penalties.R1(), penalties.R1(1.0)]}, "penalty may be given once"),
        ({"penalties": ["r3"]}, "Unknown penalty 'r3'"),
        ({"augment": "rotate"}, "augmentation policy"),
        ({"instance_noise": -1.0}, "instance_noise"),
        ({"data_range": "tanh"}, "data_range"),
    ],
)
def test_unknown_options_are_refused(tiny_mlp_pair, kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, **kwargs)


def test_compile_rejects_single_optimizer(tiny_mlp_pair):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    with pytest.raises(TypeError, match="d_optimizer"):
        gan.compile(optimizer="adam")


def test_fit_before_compile(tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    with pytest.raises(RuntimeError, match="compile"):
        gan.fit(ring_data, verbose=0)


def _diverging_gan(tiny_mlp_pair):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, seed=0)
    # A NaN learning rate turns D's weights into NaN at the first update, so
    # the generator loss of that same step is NaN.
    gan.compile(d_optimizer=keras.optimizers.SGD(learning_rate=float("nan")))
    return gan


def test_non_finite_loss_stops_training_naming_the_step(tiny_mlp_pair, ring_data):
    gan = _diverging_gan(tiny_mlp_pair)
    with pytest.raises(FloatingPointError, match=r"epoch 1, batch 1 \(training step 1\).*g_loss=nan"):
        gan.fit(ring_data[:256], batch_size=32, epochs=3, verbose=0)
    assert int(gan.g_optimizer.iterations) == 1


def test_stock_terminate_on_nan_works(tiny_mlp_pair, ring_data):
    gan = _diverging_gan(tiny_mlp_pair)
    history = gan.fit(
        ring_data[:256],
        batch_size=32,
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert int(gan.g_optimizer.iterations) == 1
    assert len(history.history["g_loss"]) == 1


def test_validation_data_is_refused_clearly(tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    gan.compile()
    with pytest.raises(NotImplementedError, match="GANMetrics"):
        gan.fit(ring_data[:64], batch_size=32, validation_data=(ring_data[:32],), verbose=0)


def test_validate_data_false_skips_the_check(tanh_gan):
    data = np.full((64, 2), 255.0, "float32")
    tanh_gan.fit(data, batch_size=32, verbose=0, validate_data=False)
    assert int(tanh_gan.d_optimizer.iterations) == 2
