"""Exported generators serve with plain TensorFlow, without keras_gans."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_gans

LOADER = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
z = tf.constant(json.loads(sys.argv[2]), tf.float32)
out = serve(latents=z)
print(json.dumps({
    "keras_gans_imported": "keras_gans" in sys.modules,
    "inputs": sorted(serve.structured_input_signature[1]),
    "samples": out["samples"].numpy().tolist(),
    "pixels": out["pixels"].numpy().tolist() if "pixels" in out else None,
    "pixels_dtype": out["pixels"].dtype.name if "pixels" in out else None,
}))
"""


def _image_gan():
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4 * 4 * 2, activation="relu"),
        keras.layers.Reshape((4, 4, 2)),
        keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same"),
        keras.layers.Activation("tanh"),
    ])
    discriminator = keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    return keras_gans.GAN(generator, discriminator, latent_dim=3)


def _run_clean_process(path, latents):
    # A fresh interpreter that never imports keras_gans (nor adds it to the path).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", LOADER, path, json.dumps(latents.tolist())],
        capture_output=True, text=True, env=env, cwd="/", timeout=300, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_exported_image_generator_serves_floats_and_pixels(tmp_path):
    gan = _image_gan()
    path = keras_gans.export_generator(gan, str(tmp_path / "generator"))
    latents = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    served = _run_clean_process(path, latents)
    assert served["keras_gans_imported"] is False
    assert served["inputs"] == ["latents"]
    expected = keras.ops.convert_to_numpy(gan.generator(latents))
    samples = np.asarray(served["samples"], "float32")
    assert samples.shape == (5, 8, 8, 1)
    np.testing.assert_allclose(samples, expected, atol=1e-6)
    pixels = np.asarray(served["pixels"])
    assert served["pixels_dtype"] == "uint8"
    np.testing.assert_array_equal(pixels, np.round((expected + 1) * 127.5))


def test_exported_vector_generator_has_no_pixels(tmp_path, tiny_mlp_pair):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    path = keras_gans.export_generator(gan, str(tmp_path / "g2d"))
    latents = np.zeros((2, 4), "float32")
    served = _run_clean_process(path, latents)
    assert served["pixels"] is None
    np.testing.assert_allclose(
        served["samples"], keras.ops.convert_to_numpy(gan.generator(latents)), atol=1e-6)


def test_saved_model_cli_runs_the_signature(tmp_path):
    gan = _image_gan()
    path = keras_gans.export_generator(gan, str(tmp_path / "generator"))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if not os.path.exists(cli):
        pytest.skip("saved_model_cli is not installed beside this interpreter")
    out_dir = tmp_path / "cli_out"
    subprocess.run(
        [cli, "run", "--dir", path, "--tag_set", "serve",
         "--signature_def", "serving_default",
         "--input_exprs", "latents=[[0.5, -0.5, 0.0]]",
         "--outdir", str(out_dir)],
        capture_output=True, text=True, check=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    samples = np.load(out_dir / "samples.npy")
    expected = keras.ops.convert_to_numpy(gan.generator(np.array([[0.5, -0.5, 0.0]], "float32")))
    np.testing.assert_allclose(samples, expected, atol=1e-6)
    assert np.load(out_dir / "pixels.npy").dtype == np.uint8


def test_export_serves_the_ema_generator_when_it_is_on(tmp_path, tiny_mlp_pair, ring_data):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4, ema_decay=0.5)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    gan.fit(ring_data[:256], batch_size=64, epochs=1, verbose=0)
    latents = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    ema = keras.ops.convert_to_numpy(gan.ema_generator(latents))
    raw = keras.ops.convert_to_numpy(gan.generator(latents))
    assert np.abs(ema - raw).max() > 1e-4  # the average lags behind G
    served = _run_clean_process(keras_gans.export_generator(gan, str(tmp_path / "ema")),
                                latents)
    np.testing.assert_allclose(served["samples"], ema, atol=1e-6)
    np.testing.assert_allclose(gan.generate(3, seed=4),
                               keras.ops.convert_to_numpy(gan.ema_generator(
                                   gan.sample_latents(3, seed=keras.random.SeedGenerator(4)))),
                               atol=1e-6)
