"""The README's "write your own loss or variant" examples run as written."""

import os
import re

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import datasets, networks

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def example(name):
    """The code block that follows `<!-- example:name -->` in the README."""
    text = open(README, encoding="utf-8").read()
    match = re.search(rf"<!-- example:{name} -->\s*```python\n(.*?)```", text, re.S)
    assert match, f"README has no example {name!r}"
    code = match.group(1)
    assert len(code.strip().splitlines()) < 30, "the README promises under 30 lines"
    namespace = {}
    exec(compile(code, f"README:{name}", "exec"), namespace)
    return namespace


@pytest.fixture
def ring():
    return datasets.sample_mixture("ring", 512, seed=0)[0]


def _networks():
    keras.utils.set_random_seed(0)
    return (networks.mlp_generator(4, 2, width=16, activation="tanh"),
            networks.mlp_discriminator(2, width=16, activation="tanh"))


def test_custom_loss_trains_saves_and_reloads(ring, tmp_path):
    loss = example("custom-loss")["SoftHinge"]()
    logits = np.array([[0.0], [2.0]], "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss.discriminator_real(logits)),
                               np.log1p(np.exp([1.0, -1.0])), rtol=1e-6)
    gan = keras_gans.GAN(*_networks(), 4, loss=loss, seed=0)
    gan.compile()
    history = gan.fit(ring, batch_size=128, epochs=2, verbose=0).history
    assert np.all(np.isfinite(history["d_loss"])) and "critic_real" in history
    gan.save(tmp_path / "soft_hinge.keras")
    loaded = keras.models.load_model(tmp_path / "soft_hinge.keras")
    assert type(loaded.loss).__name__ == "SoftHinge"


def test_custom_variant_adds_its_term_and_round_trips(ring, tmp_path):
    cls = example("custom-variant")["ModeSeekingGAN"]
    gan = cls(*_networks(), 4, ms_weight=0.5, seed=0)
    gan.compile()
    history = gan.fit(ring, batch_size=128, epochs=2, verbose=0).history
    assert np.all(np.asarray(history["mode_seeking"]) > 0)
    gan.save(tmp_path / "ms.keras")
    loaded = keras.models.load_model(tmp_path / "ms.keras")
    assert type(loaded).__name__ == "ModeSeekingGAN" and loaded.ms_weight == 0.5
    np.testing.assert_array_equal(gan.generate(3, seed=1), loaded.generate(3, seed=1))
