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


# --- Requests are validated inside the exported function ----------------------


@pytest.fixture(scope="module")
def conditional_signature(tmp_path_factory):
    import tensorflow as tf

    from keras_gans import networks

    keras.utils.set_random_seed(0)
    gan = keras_gans.ConditionalGAN(networks.mlp_generator(4, 2, num_classes=8, width=8),
                                    networks.mlp_discriminator(2, num_classes=8, width=8),
                                    4, 8)
    path = keras_gans.export_generator(gan, str(tmp_path_factory.mktemp("cgan") / "g"))
    return gan, tf.saved_model.load(path).signatures["serving_default"]


@pytest.mark.parametrize("latents, labels, message", [
    (np.zeros((2, 3)), [1, 2], r"`latents` must be a float32 matrix of shape \(batch, 4\)"
                               r".*received shape: \[2 3\]"),
    (np.zeros((2,)), [1, 2], r"`latents` must be a float32 matrix.*received shape: \[2\]"),
    (np.zeros((1, 2, 4)), [1], r"`latents` must be a float32 matrix"),
    (np.full((2, 4), np.nan), [1, 2], "`latents` contain NaN"),
    (np.zeros((2, 4)), [1, 8], r"`labels` must be class ids in \[0, 8\).*largest id: \[8\]"),
    (np.zeros((2, 4)), [-1, 0], r"`labels` must be class ids in \[0, 8\).*smallest id: \[-1\]"),
    (np.zeros((2, 4)), [1, 2, 3], "`labels` must be a vector of int32 class ids, one per row "
                                  "of `latents`"),
    (np.zeros((2, 4)), [[1, 2]], "`labels` must be a vector"),
], ids=["width", "rank_1", "rank_3", "nan", "label_too_large", "label_negative",
        "label_count", "label_rank"])
def test_serving_signature_refuses_bad_requests_naming_the_input(
        conditional_signature, latents, labels, message):
    import re

    import tensorflow as tf

    _, serve = conditional_signature
    with pytest.raises(tf.errors.InvalidArgumentError) as caught:
        serve(latents=tf.constant(latents, tf.float32), labels=tf.constant(labels, tf.int32))
    named = keras_gans.checks.failed_assertion(caught.value)
    assert named is not None, f"unnamed error: {caught.value}"
    assert re.search(message, named)


def test_serving_signature_serves_good_requests(conditional_signature):
    import tensorflow as tf

    gan, serve = conditional_signature
    latents = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    labels = np.array([0, 7, 3], "int32")
    served = serve(latents=tf.constant(latents), labels=tf.constant(labels))["samples"]
    np.testing.assert_allclose(served.numpy(), keras.ops.convert_to_numpy(
        gan.generator([latents, labels])), atol=1e-6)


def test_infogan_signature_refuses_codes_of_the_wrong_width(tmp_path, build_variant):
    import tensorflow as tf

    model = build_variant("infogan")
    serve = tf.saved_model.load(keras_gans.export_generator(
        model, str(tmp_path / "info"))).signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"`codes` must be a float32 "
                                                            r"matrix of shape \(batch, 10\)"):
        serve(latents=tf.zeros((2, 4)), codes=tf.zeros((2, 9)))
    assert serve(latents=tf.zeros((2, 4)), codes=tf.zeros((2, 10)))["samples"].shape == (2, 2)


# --- Safe export -----------------------------------------------------------------


def test_export_refuses_a_non_empty_folder_unless_overwrite(tmp_path, tiny_mlp_pair):
    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    target = tmp_path / "served"
    target.mkdir()  # an empty folder is fine
    keras_gans.export_generator(gan, str(target))
    stamp = (target / "saved_model.pb").stat().st_mtime_ns
    with pytest.raises(ValueError, match=r"`path`=.*exists and is not empty.*overwrite=True"):
        keras_gans.export_generator(gan, str(target))
    assert (target / "saved_model.pb").stat().st_mtime_ns == stamp
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        keras_gans.export_generator(gan, str(tmp_path / "file"), overwrite=True)
    keras_gans.export_generator(gan, str(target), overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "served"]


def test_an_interrupted_export_leaves_the_previous_model_in_place(
        tmp_path, tiny_mlp_pair, monkeypatch):
    import tensorflow as tf

    gan = keras_gans.GAN(*tiny_mlp_pair(), latent_dim=4)
    target = str(tmp_path / "served")
    keras_gans.export_generator(gan, target)

    def interrupted(self, path, **kwargs):
        open(os.path.join(path, "saved_model.pb"), "wb").write(b"half")
        raise KeyboardInterrupt("preempted")

    # ExportArchive() builds the backend's archive class.
    monkeypatch.setattr(type(keras.export.ExportArchive()), "write_out", interrupted)
    with pytest.raises(KeyboardInterrupt):
        keras_gans.export_generator(gan, target, overwrite=True)
    # The old SavedModel still serves, and no staging folder is left behind.
    assert os.listdir(tmp_path) == ["served"]
    serve = tf.saved_model.load(target).signatures["serving_default"]
    assert serve(latents=tf.zeros((1, 4)))["samples"].shape == (1, 2)
