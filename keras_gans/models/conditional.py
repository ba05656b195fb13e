"""Class-conditional GAN: labels condition both networks (TRICKS.md 4.1)."""

import keras
import numpy as np
from keras import ops

from keras_gans import checks
from keras_gans.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalGAN(GAN):
    """Conditional GAN (Mirza & Osindero 2014, "Conditional Generative
    Adversarial Nets").

    G maps `[z, labels]` to samples and D scores `[samples, labels]`; the
    model trains on `(samples, labels)` batches, e.g.
    `datasets.load("mnist", with_labels=True)`. Generated batches use labels
    drawn uniformly from `[0, num_classes)`, or from `class_prior` when the
    classes are not equally frequent (k-means clusters as labels:
    `datasets.cluster_labels`). Every per-step trick of `GAN`
    applies unchanged (instance noise perturbs the samples, never the labels).

    Build the networks with the builders' `num_classes=` option
    (`networks.dcgan_generator(..., num_classes=10)`,
    `dcgan_discriminator(..., num_classes=10)`, or the `mlp_` ones): both
    then take their inputs as a list `[x, labels]` with int32 labels of shape
    `(batch,)`.

    Args:
        generator: Model `[z (batch, latent_dim), labels (batch,)] -> samples`.
        discriminator: Model `[samples, labels] -> logit (batch, 1)`.
        latent_dim: Latent size.
        num_classes: Number of classes; labels lie in `[0, num_classes)`.
        class_prior: None (uniform), or `num_classes` non-negative weights,
            e.g. each class's fraction of the training data: the labels of
            generated batches (in training, metrics and `generate`) are drawn
            in these proportions. With a uniform draw over unequal classes,
            D sees rare classes far more often among fakes than among reals
            and the metrics score a class mix unlike the data's.
        **kwargs: `GAN` arguments.

    Example:

    ```python
    cgan = keras_gans.ConditionalGAN(
        networks.dcgan_generator(64, (28, 28, 1), num_classes=10),
        networks.dcgan_discriminator((28, 28, 1), num_classes=10),
        latent_dim=64, num_classes=10)
    cgan.compile()
    cgan.fit(datasets.load("mnist", with_labels=True), epochs=5)
    sevens = cgan.generate(16, labels=7)
    ```
    """

    needs_labels = True
    generator_takes_labels = True
    discriminator_takes_labels = True

    def __init__(self, generator, discriminator, latent_dim, num_classes, *,
                 class_prior=None, **kwargs):
        self.num_classes = checks.integer("num_classes", num_classes, minimum=2)
        self.class_prior = _check_prior(class_prior, self.num_classes)
        super().__init__(generator, discriminator, latent_dim, **kwargs)

    def check_networks(self):
        super().check_networks()
        # Labels index an embedding in each network that takes them: a
        # different class count there looks ids up out of range.
        checks.num_classes_match(self.generator, "generator", self.generator.inputs[1],
                                 self.num_classes)
        if self.discriminator_takes_labels:
            checks.num_classes_match(self.discriminator, "discriminator",
                                     self.discriminator.inputs[1], self.num_classes)

    # Batches ---------------------------------------------------------------
    def unpack_batch(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} trains on (samples, labels) batches but "
                "the data has no labels. Load it with labels, e.g. "
                "keras_gans.datasets.load(name, with_labels=True), or pass "
                "fit(x, y).")
        return x, ops.cast(ops.reshape(y, (-1,)), "int32")

    def sample_labels(self, batch_size, seed=None):
        """Class ids drawn from `class_prior` (uniformly when it is None)."""
        seed = self.seed_generator if seed is None else seed
        if self.class_prior is not None:
            # log(0) = -inf: a class of prior 0 is never drawn.
            with np.errstate(divide="ignore"):
                logits = np.log(np.asarray(self.class_prior, "float32"))[None]
            return ops.reshape(keras.random.categorical(
                logits, batch_size, seed=seed, dtype="int32"), (-1,))
        return keras.random.randint(
            (batch_size,), 0, self.num_classes, seed=seed, dtype="int32")

    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        return [self.sample_latents(batch_size, seed=seed),
                self.sample_labels(batch_size, seed=seed)]

    def generate_batch(self, batch_size, real_batch=None, training=True):
        inputs = self.generator_inputs(batch_size, real_batch)
        samples = self.generator(inputs, training=training)
        return inputs, (samples, inputs[1])

    def validate_batch(self, data):
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            self.unpack_batch(data)  # Raises the "no labels" error.
        samples, labels = data[0], data[1]
        checks.training_samples(samples, self.generator.output_shape, self.value_range)
        checks.class_ids(labels, self.num_classes, len(samples))

    def batch_assertions(self, data):
        assertions = super().batch_assertions(data)
        _, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if labels is not None:
            # A negative id would silently wrap to the last class in the
            # embedding lookup; one >= num_classes reads out of range.
            assertions.append(checks.class_id_assertion(
                labels, self.num_classes,
                f"`labels` of a training batch must be integer class ids in "
                f"[0, {self.num_classes}) for num_classes={self.num_classes}. "
                "Check num_classes or remap the labels in the input pipeline"))
        return assertions

    # Sampling --------------------------------------------------------------
    def resolve_labels(self, n, labels, seed):
        """Turns `generate`'s `labels` argument into an int32 `(n,)` tensor."""
        if labels is None:
            return self.sample_labels(n, seed=seed)
        labels = np.asarray(labels)
        if labels.ndim == 0:
            # Kept in its dtype, so that labels=1.7 is refused, not truncated.
            labels = np.full((n,), labels)
        return ops.convert_to_tensor(checks.class_ids(labels, self.num_classes, n))

    def generate(self, n, labels=None, seed=None, batch_size=256):
        """Generates `n` samples of the given classes.

        Args:
            n: Number of samples.
            labels: None (random classes, drawn from `class_prior`), one
                class id for all, or `n` class ids.
            seed: Int for a reproducible draw, None for the sampling stream.
            batch_size: Generator batch size.

        Returns:
            A float32 NumPy array `(n,) + sample_shape`.
        """
        n, seed, batch_size = self.sampling_arguments(n, seed, batch_size)
        # Given labels are checked before anything is drawn; drawn ones come
        # after the latents, from the same stream.
        given = None if labels is None else self.resolve_labels(n, labels, seed)
        latents = self.sample_latents(n, seed=seed)
        labels = self.resolve_labels(n, None, seed) if given is None else given
        return self._run_generator([latents, labels], batch_size)

    def serving_input_specs(self):
        import tensorflow as tf

        return super().serving_input_specs() + [
            tf.TensorSpec(None, tf.int32, name="labels")]

    def check_serving_inputs(self, latents, labels):
        import tensorflow as tf

        (latents,) = super().check_serving_inputs(latents)
        (labels,) = checks.after([
            checks.vector_assertion(
                labels, latents,
                "`labels` must be a vector of int32 class ids, one per row of `latents`"),
            checks.class_id_assertion(
                labels, self.num_classes,
                f"`labels` must be class ids in [0, {self.num_classes}) "
                f"(num_classes={self.num_classes})"),
        ], (labels,))
        return latents, tf.ensure_shape(labels, (None,))

    def serving_generator_inputs(self, latents, labels):
        return [latents, labels]

    def get_config(self):
        config = {**super().get_config(), "num_classes": self.num_classes}
        if self.class_prior is not None:
            config["class_prior"] = list(self.class_prior)
        return config


def _check_prior(class_prior, num_classes):
    """`class_prior` normalised to a tuple of floats summing to 1, or None."""
    if class_prior is None:
        return None
    checks.finite_array("class_prior", class_prior)
    prior = np.asarray(class_prior, dtype=np.float64)  # Not float32's rounding.
    if prior.shape != (num_classes,) or np.any(prior < 0) or prior.sum() <= 0:
        raise ValueError(
            f"`class_prior` must be {num_classes} non-negative weights (one per class, "
            f"num_classes={num_classes}) with a positive sum, e.g. each class's count "
            f"in the training data; received shape {prior.shape}: {class_prior!r}.")
    return tuple(float(p) for p in prior / prior.sum())
