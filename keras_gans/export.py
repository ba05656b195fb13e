"""Exports a trained generator as a SavedModel that serves without keras_gans."""

import os
import shutil
import tempfile

import keras

from keras_gans import checks


def export_generator(model, path, verbose=False, overwrite=False):
    """Writes `model`'s generator as a TensorFlow SavedModel.

    The `serving_default` signature maps the model's serving inputs
    (`model.serving_input_specs()`: float `latents` for `GAN`, plus int32
    `labels` or float `codes` for the variants that take them) to a dict with:

    - `samples`: float32 outputs in the data's value range;
    - `pixels`: uint8 images in [0, 255] (image data with a known value range
      only), ready to encode as PNG.

    Requests are validated inside the exported function
    (`model.check_serving_inputs`): latents of the wrong rank or width,
    non-finite values, labels outside `[0, num_classes)` or of another length
    than the latents fail with an `InvalidArgumentError` whose message names
    the input, instead of a shape error deep inside the generator.

    The exported network is `model.sampling_generator`: the exponential
    moving average of G when the model has `ema_decay` set, else G.

    The folder is written atomically: the SavedModel is built in a temporary
    sibling folder and renamed onto `path`, so an interrupted export never
    leaves a half-written model where a server may load it.

    The artifact loads with plain TensorFlow, e.g.
    `tf.saved_model.load(path).signatures["serving_default"](latents=z)`, or
    `saved_model_cli run --dir path --tag_set serve
    --signature_def serving_default --input_exprs 'latents=[[0.0, ...]]'` (one row of latent_dim floats).

    Args:
        model: A trained `keras_gans.GAN` (or subclass).
        path: Output directory. It must not exist, or be empty, unless
            `overwrite=True`, which replaces it.
        verbose: Whether Keras prints the exported variables.
        overwrite: Whether to replace an existing non-empty folder.

    Returns:
        `path`.
    """
    import tensorflow as tf

    path = checks.string("path", path)
    overwrite = checks.boolean("overwrite", overwrite)
    target = os.path.abspath(path)
    if os.path.exists(target):
        if not os.path.isdir(target):
            raise ValueError(
                f"`path`={path!r} is a file, not a folder; export_generator writes "
                "a SavedModel folder. Choose another path.")
        if os.listdir(target) and not overwrite:
            raise ValueError(
                f"`path`={path!r} exists and is not empty. Pass overwrite=True to "
                "replace it, or choose a new folder.")

    # The EMA generator when the model keeps one: it is what `generate` samples.
    generator = model.sampling_generator
    specs = model.serving_input_specs()
    value_range = getattr(model, "value_range", None)
    is_image = len(generator.output_shape) == 4

    def serve(*inputs):
        inputs = model.check_serving_inputs(*inputs)
        net_inputs = model.serving_generator_inputs(*inputs)
        samples = tf.cast(generator(net_inputs, training=False), tf.float32)
        outputs = {"samples": samples}
        if is_image and value_range is not None:
            low, high = value_range
            scaled = (samples - low) * (255.0 / (high - low))
            outputs["pixels"] = tf.cast(
                tf.clip_by_value(tf.round(scaled), 0.0, 255.0), tf.uint8
            )
        return outputs

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint("serving_default", serve, input_signature=specs)

    parent, name = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    # Siblings of `path`: a rename is atomic only within one file system.
    staging = tempfile.mkdtemp(prefix=f".{name}.tmp", dir=parent)
    try:
        archive.write_out(staging, verbose=verbose)
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=f".{name}.old", dir=parent)
            os.replace(target, os.path.join(old, name))
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    return path
