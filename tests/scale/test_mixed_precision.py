"""Every variant trains under mixed_bfloat16 and mixed_float16.

Losses and penalties stay float32, training stays finite, generator outputs
and exported SavedModels are float32, and float16 gets loss scaling on both
optimizers.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans import datasets

VARIANTS = ("gan", "conditional_gan", "acgan", "infogan", "wgan", "wgangp", "vaegan",
            "stabilised")


@pytest.fixture
def policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    yield request.param
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"], indirect=True)
@pytest.mark.parametrize("name", VARIANTS)
def test_variant_trains_in_mixed_precision(build_variant, policy, name, tmp_path):
    model = build_variant(name, log_gradient_norms=True)
    compute_dtype = "bfloat16" if policy == "mixed_bfloat16" else "float16"
    assert model.generator.layers[1].compute_dtype == compute_dtype
    assert all(v.dtype == "float32" for v in model.generator.trainable_variables)
    model.compile()
    scaled = policy == "mixed_float16"
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled

    points, labels = datasets.sample_mixture("ring", 256, seed=0)
    y = labels if name in ("conditional_gan", "acgan") else None
    history = model.fit(points, y, batch_size=64, epochs=2, verbose=0)
    for key, values in history.history.items():
        assert np.all(np.isfinite(values)), (key, values)
    assert history.history["d_grad_norm"][-1] > 0  # gradients reached D

    kwargs = {"labels": 1} if y is not None else {}
    samples = model.generate(8, seed=0, **kwargs)
    assert samples.dtype == np.float32 and np.all(np.isfinite(samples))

    path = keras_gans.export_generator(model, str(tmp_path / "export"))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    inputs = {"latents": tf.zeros((2, model.latent_dim))}
    if y is not None:
        inputs["labels"] = tf.constant([0, 1], tf.int32)
    if name == "infogan":
        inputs["codes"] = tf.zeros((2, model.code_dim))
    assert serve(**inputs)["samples"].dtype == tf.float32


@pytest.mark.parametrize("policy", ["mixed_float16"], indirect=True)
def test_float16_losses_are_float32_and_loss_scale_adapts(build_variant, policy):
    model = build_variant("wgangp")
    model.compile()
    real = tf.constant(datasets.sample_mixture("ring", 32, seed=0)[0])
    _, fake = model.generate_batch(32)
    objective, logs, _ = model.discriminator_terms(real, fake, None, d_step=0)
    assert objective.dtype == "float32" and logs["d_loss"].dtype == "float32"
    assert logs["gradient_penalty"].dtype == "float32"
    scale = float(model.d_optimizer.dynamic_scale)
    assert scale > 1.0  # the loss really is scaled before differentiation
