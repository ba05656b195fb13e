"""Auxiliary-classifier GAN: D also classifies (TRICKS.md 4.2)."""

import keras
from keras import ops

from keras_gans.models import data_checks
from keras_gans.models.conditional import ConditionalGAN


def _class_terms(labels, class_logits):
    """Per-example cross-entropy and accuracy of class logits."""
    class_logits = ops.cast(class_logits, "float32")
    loss = keras.losses.sparse_categorical_crossentropy(
        labels, class_logits, from_logits=True)
    correct = ops.cast(ops.equal(ops.argmax(class_logits, axis=-1),
                                 ops.cast(labels, "int32")), "float32")
    return loss, ops.mean(correct)


@keras.saving.register_keras_serializable(package="keras_gans")
class ACGAN(ConditionalGAN):
    """AC-GAN (Odena et al. 2017, "Conditional Image Synthesis with Auxiliary
    Classifier GANs").

    G is class-conditional (`[z, labels] -> samples`); D sees only the samples
    and has two heads: a real/fake logit and class logits. As in the paper,
    both networks maximise the class log-likelihood on real *and* generated
    data: D's loss is the real/fake BCE plus `class_loss_weight` times the
    class cross-entropy on both batches; G's loss adds the weighted class
    cross-entropy of its samples under their intended labels.

    Every `GAN` trick applies; label smoothing, label noise and label flips
    act on the real/fake head only (the class targets stay exact).

    Build D with `networks.discriminator_with_heads(d, {"class": num_classes})`:
    a model returning a dict with `"logit"` and `"class_logits"`.

    Logs add `class_acc_real` and `class_acc_fake`: D's class accuracy on
    real data and on generated data (the latter measures whether G makes the
    class it was asked for).

    Args:
        generator: Conditional generator `[z, labels] -> samples`.
        discriminator: Model `samples -> {"logit", "class_logits"}`.
        latent_dim: Latent size.
        num_classes: Number of classes.
        class_loss_weight: Weight of the class cross-entropy terms.
        **kwargs: `GAN` arguments.
    """

    discriminator_takes_labels = False

    @classmethod
    def discriminator_heads(cls, num_classes, **arguments):
        return {"class": int(num_classes)}

    def __init__(self, generator, discriminator, latent_dim, num_classes, *,
                 class_loss_weight=1.0, **kwargs):
        if class_loss_weight < 0:
            raise ValueError(
                f"class_loss_weight must be >= 0; received {class_loss_weight}.")
        self.class_loss_weight = float(class_loss_weight)
        super().__init__(generator, discriminator, latent_dim, num_classes, **kwargs)

    def check_networks(self):
        self._check_conditional_generator()
        data_checks.check_input_count(self.discriminator, "discriminator", 1, "samples")
        data_checks.check_heads(
            self.discriminator, {"class_logits": self.num_classes}, "ACGAN",
            "networks.discriminator_with_heads(discriminator, {'class': num_classes})")
        data_checks.check_same_shape(
            "the generator's output", self.generator.output_shape,
            "the discriminator's input", self.discriminator.inputs[0].shape)

    def build_trackers(self):
        trackers = super().build_trackers()
        for name in ("class_acc_real", "class_acc_fake"):
            trackers[name] = keras.metrics.Mean(name=name)
        return trackers

    def discriminate(self, batch, training=True):
        samples, _ = batch
        return self.discriminator(self.add_instance_noise(samples), training=training)

    def _weighted_class_terms(self, labels, outputs, log_name):
        loss, accuracy = _class_terms(labels, outputs["class_logits"])
        return self.class_loss_weight * loss, {log_name: accuracy}

    def auxiliary_real_loss(self, real_batch, outputs):
        return self._weighted_class_terms(real_batch[1], outputs, "class_acc_real")

    def auxiliary_fake_loss(self, fake_inputs, fake_batch, outputs):
        return self._weighted_class_terms(fake_batch[1], outputs, "class_acc_fake")

    def auxiliary_generator_loss(self, fake_inputs, fake_batch, outputs):
        loss, _ = self._weighted_class_terms(fake_batch[1], outputs, "class_acc_fake")
        return loss, {}

    def get_config(self):
        return {**super().get_config(), "class_loss_weight": self.class_loss_weight}
