"""SampleGrid writes comparable pictures; VariableSchedule anneals variables."""

import math

import keras
import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans import visualization
from keras_gans.callbacks import SampleGrid, VariableSchedule


def test_image_grid_layout_and_pixels():
    images = np.stack([np.full((2, 3, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = visualization.image_grid(images, value_range=(-1, 1), padding=1)
    # 3 images -> 2 x 2 tiles of 2 x 3 pixels, 1 px borders.
    assert grid.shape == (2 * 3 + 1, 2 * 4 + 1, 1) and grid.dtype == np.uint8
    assert grid[1, 1, 0] == 0 and grid[1, 5, 0] == 128 and grid[4, 1, 0] == 255
    assert grid[0].max() == 0 and grid[4, 5:8].max() == 0  # border, empty tile


def _fit_with(gan, data, callbacks, epochs=2):
    gan.compile()
    return gan.fit(data, batch_size=64, epochs=epochs, verbose=0, callbacks=callbacks)


def test_sample_grid_uses_fixed_latents_and_writes_pngs(tmp_path):
    generator = keras.Sequential([
        keras.Input((3,)), keras.layers.Dense(16), keras.layers.Reshape((4, 4, 1)),
        keras.layers.Activation("tanh")])
    discriminator = keras.Sequential([
        keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = keras_gans.GAN(generator, discriminator, latent_dim=3, seed=0)
    callback = SampleGrid(str(tmp_path / "samples"), num_samples=9, seed=3,
                          tensorboard_dir=str(tmp_path / "tb"))
    _fit_with(gan, np.zeros((128, 4, 4, 1), "float32"), [callback])
    files = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert files == ["epoch_0001.png", "epoch_0002.png"]
    picture = np.asarray(Image.open(tmp_path / "samples" / "epoch_0002.png"))
    assert picture.shape == (3 * 5 + 1, 3 * 5 + 1)
    expected = visualization.image_grid(gan.generate(9, seed=3), (-1, 1))[..., 0]
    np.testing.assert_array_equal(picture, expected)
    assert any((tmp_path / "tb").iterdir())


def test_sample_grid_scatter_for_2d_data(tmp_path, tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, seed=0)
    callback = SampleGrid(str(tmp_path), num_samples=500, every_n_epochs=2,
                          reference=np.eye(2))
    _fit_with(gan, ring_data[:256], [callback], epochs=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch_0002.png", "epoch_0004.png"]
    assert Image.open(callback.last_path).size == (400, 400)


def test_schedule_values():
    linear = VariableSchedule("v", start=1.0, end=0.0, epochs=4)
    assert [linear.value_at(e) for e in range(6)] == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    exp = VariableSchedule("v", start=1.0, end=0.01, epochs=2, schedule="exponential")
    assert [exp.value_at(e) for e in range(4)] == pytest.approx([1.0, 0.1, 0.01, 0.01])
    with pytest.raises(ValueError, match="start > 0 and end > 0"):
        VariableSchedule("v", start=1.0, end=0.0, epochs=2, schedule="exponential")
    with pytest.raises(ValueError, match="`schedule`='cosine'.*'linear'"):
        VariableSchedule("v", start=1.0, end=0.0, epochs=2, schedule="cosine")


def test_schedule_refuses_wrong_names_before_training(tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    with pytest.raises(ValueError, match="no attribute 'instance_nosie'"):
        _fit_with(gan, ring_data[:128], [VariableSchedule("instance_nosie", 1.0, 0.0, 2)])
    with pytest.raises(ValueError, match="not a keras.Variable"):
        _fit_with(gan, ring_data[:128], [VariableSchedule("latent_dim", 1.0, 0.0, 2)])
    assert int(gan.d_optimizer.iterations) == 0


def test_exponential_schedule_drives_the_model_variable(tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, instance_noise=0.5)
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(float(gan.instance_noise)))
    schedule = VariableSchedule("instance_noise", 0.5, 0.005, epochs=2, schedule="exponential")
    _fit_with(gan, ring_data[:128], [schedule, record], epochs=3)
    assert seen == pytest.approx([0.5, 0.5, 0.05, 0.05, 0.005, 0.005], rel=1e-5)
    assert math.isclose(float(gan.instance_noise), 0.005, rel_tol=1e-5)


def test_mixture_pictures_share_axes_set_by_the_modes(tmp_path):
    from keras_gans import datasets, visualization

    assert visualization.scatter_limit(datasets.ring_centers()) == pytest.approx(1.5)
    assert visualization.scatter_limit(datasets.grid_centers()) == pytest.approx(6.0)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    seen = []
    original = plt.Axes.set_xlim

    def record(self, *args, **kwargs):
        if len(args) == 2:  # ours; matplotlib's own autoscaling passes one list
            seen.append(args)
        return original(self, *args, **kwargs)

    plt.Axes.set_xlim = record
    try:
        for spread in (0.1, 10.0):  # a tight and a diffuse generator
            visualization.save_scatter(str(tmp_path / f"{spread}.png"),
                                       np.random.default_rng(0).normal(size=(100, 2)) * spread,
                                       reference=datasets.ring_centers())
    finally:
        plt.Axes.set_xlim = original
    assert seen == [(-1.5, 1.5), (-1.5, 1.5)]
