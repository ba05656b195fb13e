"""Training-step throughput of every variant and trick against plain Keras.

Measures images/s of one training step (one D and one G update) on the
TensorFlow DCGAN tutorial network for MNIST (BENCHMARKS.md, "Throughput"),
side by side in one process with a plain-Keras reference `train_step` of the
same networks, and reports each configuration as a ratio to the float32
reference, with the analytic FLOPs per step and the achieved GFLOP/s.

Absolute images/s move from machine to machine; ratios measured in one run
do not (much). Example:

    python benchmarks/throughput.py --output_json=throughput.json
    python benchmarks/throughput.py --quick      # a smoke run, a minute or two

Targets on a 2-core AVX-512/AMX CPU: `GAN` with tricks off >= 0.95x the
reference in float32; `GAN` under mixed_bfloat16 >= 2.5x the float32
reference.
"""

import json
import os
import re
import statistics
import sys
import time

# Run as a script, Python puts benchmarks/ (not the project root) on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import build  # noqa: E402
from benchmarks.harness import run_dir as run_dir_lib  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_integer("batch_size", 256, "Images per training step.")
flags.DEFINE_integer("steps", 12, "Timed steps per measurement.")
flags.DEFINE_integer("warmup", 3, "Untimed steps before timing (tracing, caches).")
flags.DEFINE_integer("repeats", 3, "Interleaved repeats of the headline pair (median).")
flags.DEFINE_list("policies", ["float32", "mixed_bfloat16"], "Dtype policies to measure.")
flags.DEFINE_list("jit_compile", ["false"], "XLA settings to measure: false and/or true.")
flags.DEFINE_boolean("tricks", True, "Measure each trick's cost (float32).")
flags.DEFINE_boolean("variants", True, "Measure every GAN variant.")
flags.DEFINE_boolean("quick", False, "Few steps, one repeat: a smoke run.")
flags.DEFINE_string("output_json", None, "Where to write the results as JSON.")
flags.DEFINE_string("from_json", None, "Measure nothing: read results written by --output_json "
                    "(with --readme).")
flags.DEFINE_string("readme", None, "Markdown file whose <!-- throughput --> block to "
                    "regenerate from the results (see README_BLOCK).")

# The README's table is generated, never typed: this block is rewritten from
# the committed benchmarks/results/throughput/throughput.json.
README_BLOCK = re.compile(r"(<!-- throughput -->\n).*?(<!-- /throughput -->)", re.DOTALL)

LATENT_DIM = 100
IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10

# name -> GAN constructor arguments (float32, on top of tricks off).
TRICKS = {
    "d_steps=2": dict(d_steps=2),
    "g_steps=2": dict(g_steps=2),
    "separate_batches": dict(separate_batches=True),
    "instance_noise=0.1": dict(instance_noise=0.1),
    "real_label=0.9": dict(loss_options=dict(real_label=0.9)),
    "label_noise+flip": dict(loss_options=dict(label_noise=0.1, label_flip=0.05)),
    "minimax loss": dict(loss="minimax"),
    "uniform latents": dict(latent_distribution="uniform"),
    "log_gradient_norms": dict(log_gradient_norms=True),
    # Beyond the guide. `d_builder` options change the tutorial D itself.
    "hinge loss": dict(loss="hinge"),
    "relativistic loss": dict(loss="relativistic"),
    "R1 every step": dict(penalties=("r1",)),
    "R1 lazy, every 16 steps": dict(penalties=("r1@16",)),
    "spectral norm (D)": dict(d_builder=dict(spectral_norm=True)),
    "minibatch stddev (D)": dict(d_builder=dict(minibatch_stddev=True)),
    "EMA of G (0.999)": dict(ema_decay=0.999),
    "pack=2": dict(pack=2, d_builder=dict(pack=2)),
    "DiffAugment color+translation+cutout": dict(augment="color,translation,cutout"),
    "simultaneous updates": dict(update_scheme="simultaneous"),
}


# ---------------------------------------------------------------------------
# The tutorial networks.
# ---------------------------------------------------------------------------
def generator_body(x):
    from keras import layers

    x = layers.Dense(7 * 7 * 256, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((7, 7, 256))(x)
    for filters, strides in ((128, 1), (64, 2)):
        x = layers.Conv2DTranspose(filters, 5, strides=strides, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU()(x)
    x = layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False)(x)
    return layers.Activation("tanh", dtype="float32")(x)


def discriminator_body(x):
    from keras import layers

    for filters in (64, 128):
        x = layers.Conv2D(filters, 5, strides=2, padding="same")(x)
        x = layers.LeakyReLU()(x)
        x = layers.Dropout(0.3)(x)
    return layers.Flatten()(x)


def tutorial_generator(extra_inputs=0):
    import keras

    z = keras.Input((LATENT_DIM + extra_inputs,))
    return keras.Model(z, generator_body(z), name="generator")


def tutorial_discriminator(pack=1, spectral_norm=False, minibatch_stddev=False):
    """The tutorial D; the options are the stabilisers the builders offer."""
    import keras

    from keras_gans.networks import common

    image = keras.Input(IMAGE_SHAPE[:-1] + (IMAGE_SHAPE[-1] * pack,))
    x = image
    for filters in (64, 128):
        if minibatch_stddev and filters == 128:
            x = common.MinibatchStdDev()(x)
        x = common.maybe_spectral_norm(
            keras.layers.Conv2D(filters, 5, strides=2, padding="same"), spectral_norm)(x)
        x = keras.layers.LeakyReLU()(x)
        x = keras.layers.Dropout(0.3)(x)
    logit = common.maybe_spectral_norm(keras.layers.Dense(1, dtype="float32"),
                                       spectral_norm)(keras.layers.Flatten()(x))
    return keras.Model(image, logit, name="discriminator")


def conditional_tutorial_generator():
    import keras
    from keras import layers

    z = keras.Input((LATENT_DIM,))
    label = keras.Input((), dtype="int32")
    embedded = layers.Embedding(NUM_CLASSES, NUM_CLASSES)(label)
    x = layers.Concatenate()([z, embedded])
    return keras.Model([z, label], generator_body(x), name="generator")


def conditional_tutorial_discriminator():
    import keras
    from keras import layers

    image = keras.Input(IMAGE_SHAPE)
    label = keras.Input((), dtype="int32")
    plane = layers.Reshape((28, 28, 1))(layers.Embedding(NUM_CLASSES, 28 * 28)(label))
    x = layers.Concatenate()([image, plane])
    logit = layers.Dense(1, dtype="float32")(discriminator_body(x))
    return keras.Model([image, label], logit, name="discriminator")


def tutorial_encoder():
    import keras
    from keras import layers

    image = keras.Input(IMAGE_SHAPE)
    features = discriminator_body(image)
    outputs = [layers.Dense(LATENT_DIM, dtype="float32")(features) for _ in range(2)]
    return keras.Model(image, outputs, name="encoder")


# ---------------------------------------------------------------------------
# The plain-Keras reference.
# ---------------------------------------------------------------------------
def reference_model():
    """A plain `keras.Model` whose `train_step` is one D and one G update.

    The common alternating step (as in the PyTorch DCGAN example): D is
    updated on a real batch and a generated batch, then G is updated through
    the updated D with fresh latents. Nothing else: no trackers beyond the
    two losses, no tricks.
    """
    import keras
    import tensorflow as tf

    class ReferenceGAN(keras.Model):
        def __init__(self):
            super().__init__()
            self.generator = tutorial_generator()
            self.discriminator = tutorial_discriminator()
            self.d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
            self.g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
            self.d_loss = keras.metrics.Mean(name="d_loss")
            self.g_loss = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self):
            return [self.d_loss, self.g_loss]

        def train_step(self, real):
            bce = tf.nn.sigmoid_cross_entropy_with_logits
            batch = tf.shape(real)[0]
            fake = self.generator(tf.random.normal((batch, LATENT_DIM)), training=True)
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = tf.reduce_mean(
                    bce(tf.ones_like(real_logits), real_logits)
                ) + tf.reduce_mean(bce(tf.zeros_like(fake_logits), fake_logits))
            variables = self.discriminator.trainable_variables
            self.d_optimizer.apply(tape.gradient(d_loss, variables), variables)
            with tf.GradientTape() as tape:
                fake = self.generator(tf.random.normal((batch, LATENT_DIM)), training=True)
                fake_logits = self.discriminator(fake, training=True)
                g_loss = tf.reduce_mean(bce(tf.ones_like(fake_logits), fake_logits))
            variables = self.generator.trainable_variables
            self.g_optimizer.apply(tape.gradient(g_loss, variables), variables)
            self.d_loss.update_state(d_loss)
            self.g_loss.update_state(g_loss)
            return {"d_loss": self.d_loss.result(), "g_loss": self.g_loss.result()}

    return ReferenceGAN()


# ---------------------------------------------------------------------------
# Models under test.
# ---------------------------------------------------------------------------
# Row label -> (keras_gans class name, constructor arguments).
MODELS = {
    "GAN": ("GAN", {}),
    "ConditionalGAN": ("ConditionalGAN", {"num_classes": NUM_CLASSES}),
    "ACGAN": ("ACGAN", {"num_classes": NUM_CLASSES}),
    "InfoGAN": ("InfoGAN", {"categorical_dims": (NUM_CLASSES,), "continuous_dims": 2}),
    "WGAN (n_critic=1)": ("WGAN", {"n_critic": 1}),
    "WGANGP (n_critic=1)": ("WGANGP", {"n_critic": 1}),
    "VAEGAN": ("VAEGAN", {}),
}


def build_model(name, tricks=None):
    """The reference or a keras_gans model on the tutorial networks.

    The variants are put together by the harness' `build.assemble_model`,
    which asks each class what it needs (label inputs, D heads, extra G
    inputs, an encoder), so a new variant needs only a row in `MODELS`.
    """
    import keras_gans

    tricks = dict(tricks or {})
    d_builder = tricks.pop("d_builder", {})
    if "penalties" in tricks:
        tricks["penalties"] = [
            keras_gans.penalties.R1(1.0, every_n_steps=int(spec.partition("@")[2] or 1))
            for spec in tricks["penalties"]]
    if "loss_options" in tricks:
        tricks["loss"] = keras_gans.losses.get(tricks.pop("loss", "non_saturating"),
                                               **tricks.pop("loss_options"))
    if name == "reference":
        return reference_model()
    class_name, arguments = MODELS[name]

    def generator(input_dim, num_classes):
        if num_classes:
            return conditional_tutorial_generator()
        return tutorial_generator(extra_inputs=input_dim - LATENT_DIM)

    def discriminator(num_classes):
        if num_classes:
            return conditional_tutorial_discriminator()
        return tutorial_discriminator(**d_builder)

    return build.assemble_model(
        getattr(keras_gans, class_name), LATENT_DIM, {**arguments, **tricks},
        generator, discriminator, tutorial_encoder,
    )


VARIANT_NAMES = ("ConditionalGAN", "ACGAN", "InfoGAN", "WGAN (n_critic=1)",
                 "WGANGP (n_critic=1)", "VAEGAN")


# ---------------------------------------------------------------------------
# FLOPs.
# ---------------------------------------------------------------------------
forward_flops = build.forward_flops


def step_flops(batch_size):
    """Analytic FLOPs of one alternating step (the reference's computation).

    Backward = 2x forward (input and weight gradients), except through D in the
    G update, where only input gradients are needed (1x). Per example: G
    forward for D's fakes (1 G), D forward + backward on real and fake
    (2 x 3 D); G forward + backward (3 G) through D forward + input backward
    (2 D). Total 4 G + 8 D.
    """
    g = forward_flops(tutorial_generator())
    d = forward_flops(tutorial_discriminator())
    return batch_size * (4 * g + 8 * d)


# ---------------------------------------------------------------------------
# Timing.
# ---------------------------------------------------------------------------
class _StepTimer:
    def __init__(self, warmup):
        import keras

        timer = self

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                timer.ends.append(time.perf_counter())

        self.callback = Callback()
        self.warmup = warmup
        self.ends = []

    def seconds_per_step(self):
        timed = self.ends[self.warmup - 1:]
        return (timed[-1] - timed[0]) / (len(timed) - 1)


def make_dataset(name, batch_size):
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch_size,) + IMAGE_SHAPE).astype("float32")
    labels = rng.integers(0, NUM_CLASSES, batch_size).astype("int32")
    element = (images, labels) if name in ("ConditionalGAN", "ACGAN") else images
    # One batch repeated: the input pipeline costs nothing, the step is all.
    return tf.data.Dataset.from_tensors(element).repeat()


class Measurement:
    """A compiled model ready to be timed repeatedly."""

    def __init__(self, name, policy, jit_compile, tricks=None, batch_size=256):
        import keras

        keras.mixed_precision.set_global_policy(policy)
        try:
            self.model = build_model(name, tricks)
        finally:
            keras.mixed_precision.set_global_policy("float32")
        self.model.compile(jit_compile=jit_compile)
        self.dataset = make_dataset(name, batch_size)
        self.batch_size = batch_size
        self.samples = []

    def run(self, steps, warmup):
        timer = _StepTimer(warmup)
        self.model.fit(self.dataset, steps_per_epoch=warmup + steps, epochs=1,
                       verbose=0, callbacks=[timer.callback])
        self.samples.append(self.batch_size / timer.seconds_per_step())
        return self.samples[-1]

    @property
    def images_per_second(self):
        return statistics.median(self.samples)


def markdown_table(results):
    """The README table of a results dict (as --output_json writes it)."""
    lines = ["| configuration | images/s | x reference (float32) | GFLOP/s |", "|---|---|---|---|"]
    for row in results["rows"]:
        lines.append(f"| {row['config']} | {row['images_per_s']:.1f} | "
                     f"{row['ratio_to_reference']:.3f} | {row['gflop_per_s']:.1f} |")
    env = results["environment"]
    versions = env.get("versions", {})
    # Results written before `cpu_features` was recorded have no such key.
    features = [f"CPU flags {' '.join(env['cpu_features'])}"] if env.get("cpu_features") else []
    described = "; ".join([env.get("device", "unknown device")] + features + [
        f"{name} {versions[key]}" for key, name in
        (("tensorflow", "TF"), ("keras", "Keras")) if key in versions])
    lines += ["", f"Batch {results['batch_size']}, {results['steps']} timed steps per row "
              f"({results['repeats']} interleaved repeats for the headline pair); {described}."]
    return "\n".join(lines) + "\n"


def update_readme(text, results):
    """`text` with its throughput block regenerated; ValueError without one."""
    return run_dir_lib.replace_blocks(text, README_BLOCK, lambda _: markdown_table(results))


def write_readme(path, results):
    changed = run_dir_lib.rewrite_text(path, lambda text: update_readme(text, results))
    print(f"{path}: throughput table {'regenerated' if changed else 'already up to date'}.")


def main(argv):
    del argv
    if FLAGS.from_json:
        with open(FLAGS.from_json, encoding="utf-8") as f:
            results = json.load(f)
        if FLAGS.readme:
            write_readme(FLAGS.readme, results)
        else:
            print(markdown_table(results))
        return 0
    steps, warmup, repeats = FLAGS.steps, FLAGS.warmup, FLAGS.repeats
    if FLAGS.quick:
        steps, warmup, repeats = 3, 2, 1
    batch = FLAGS.batch_size
    flops = step_flops(batch)
    rows = []

    def record(label, measurement, reference_ips):
        ips = measurement.images_per_second
        row = {"config": label, "images_per_s": round(ips, 1),
               "ratio_to_reference": round(ips / reference_ips, 3),
               "gflop_per_s": round(ips / batch * flops / 1e9, 1)}
        rows.append(row)
        print(f"{label:<42} {ips:9.1f} img/s  {row['ratio_to_reference']:6.3f}x  "
              f"{row['gflop_per_s']:7.1f} GFLOP/s", flush=True)

    print(f"DCGAN-MNIST tutorial networks, batch {batch}, "
          f"{flops / 1e9:.2f} GFLOP per step (analytic)\n", flush=True)
    for jit in FLAGS.jit_compile:
        jit_compile = jit.lower() in ("true", "1", "yes")
        suffix = " [XLA]" if jit_compile else ""
        # The headline pair, interleaved so that machine noise hits both.
        headline = {(p, n): Measurement(n, p, jit_compile, batch_size=batch)
                    for p in FLAGS.policies for n in ("reference", "GAN")}
        for _ in range(repeats):
            for measurement in headline.values():
                measurement.run(steps, warmup)
        reference_ips = headline[("float32", "reference")].images_per_second \
            if ("float32", "reference") in headline else \
            next(iter(headline.values())).images_per_second
        for (policy, name), measurement in headline.items():
            label = f"{name} (tricks off), {policy}{suffix}" if name == "GAN" \
                else f"plain-Keras reference, {policy}{suffix}"
            record(label, measurement, reference_ips)
        if FLAGS.tricks and not jit_compile:
            for trick, arguments in TRICKS.items():
                m = Measurement("GAN", "float32", jit_compile, arguments, batch)
                m.run(steps, warmup)
                record(f"GAN + {trick}, float32", m, reference_ips)
            m = Measurement("WGANGP (n_critic=1)", "float32", jit_compile, batch_size=batch)
            m.run(steps, warmup)
            record("gradient penalty (WGANGP, n_critic=1), float32", m, reference_ips)
        if FLAGS.variants and not jit_compile:
            for name in VARIANT_NAMES:
                m = Measurement(name, "float32", jit_compile, batch_size=batch)
                m.run(steps, warmup)
                record(f"{name}, float32", m, reference_ips)

    results = {"batch_size": batch, "gflop_per_step": flops / 1e9, "steps": steps,
               "warmup": warmup, "repeats": repeats, "environment": build.environment(),
               "rows": rows}
    by_config = {r["config"]: r for r in rows}
    gan32 = by_config.get("GAN (tricks off), float32")
    ganbf16 = by_config.get("GAN (tricks off), mixed_bfloat16")
    if gan32:
        print(f"\nGAN float32 / reference float32: {gan32['ratio_to_reference']:.3f} "
              "(target >= 0.95)")
    if ganbf16:
        print(f"GAN mixed_bfloat16 / reference float32: {ganbf16['ratio_to_reference']:.3f} "
              "(target >= 2.5)")
    if FLAGS.output_json:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output_json)), exist_ok=True)
        with open(FLAGS.output_json, "w") as f:
            json.dump(results, f, indent=2)
    if FLAGS.readme:
        write_readme(FLAGS.readme, results)
    return 0


if __name__ == "__main__":
    app.run(main)
