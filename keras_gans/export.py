"""Exports a trained generator as a SavedModel that serves without keras_gans."""

import keras


def export_generator(model, path, verbose=False):
    """Writes `model`'s generator as a TensorFlow SavedModel.

    The `serving_default` signature maps the model's serving inputs
    (`model.serving_input_specs()`: float `latents` for `GAN`, plus int32
    `labels` or float `codes` for the variants that take them) to a dict with:

    - `samples`: float32 outputs in the data's value range;
    - `pixels`: uint8 images in [0, 255] (image data with a known value range
      only), ready to encode as PNG.

    The exported network is `model.sampling_generator`: the exponential
    moving average of G when the model has `ema_decay` set, else G.

    The artifact loads with plain TensorFlow, e.g.
    `tf.saved_model.load(path).signatures["serving_default"](latents=z)`, or
    `saved_model_cli run --dir path --tag_set serve
    --signature_def serving_default --input_exprs 'latents=[[0.0, ...]]'` (one row of latent_dim floats).

    Args:
        model: A trained `keras_gans.GAN` (or subclass).
        path: Output directory.
        verbose: Whether Keras prints the exported variables.

    Returns:
        `path`.
    """
    import tensorflow as tf

    # The EMA generator when the model keeps one: it is what `generate` samples.
    generator = model.sampling_generator
    specs = model.serving_input_specs()
    value_range = getattr(model, "value_range", None)
    is_image = len(generator.output_shape) == 4

    def serve(*inputs):
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
    archive.write_out(path, verbose=verbose)
    return path
