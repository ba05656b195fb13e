"""Auxiliary-classifier GAN: D also classifies (TRICKS.md 4.2)."""

import keras
from keras import ops

from keras_gans import checks
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
        return {"class": checks.integer("num_classes", num_classes, minimum=2)}

    def __init__(self, generator, discriminator, latent_dim, num_classes, *,
                 class_loss_weight=1.0, **kwargs):
        self.class_loss_weight = checks.non_negative("class_loss_weight", class_loss_weight)
        super().__init__(generator, discriminator, latent_dim, num_classes, **kwargs)

    def check_networks(self):
        super().check_networks()
        checks.heads(
            self.discriminator, {"class_logits": self.num_classes}, "ACGAN",
            "networks.discriminator_with_heads(discriminator, {'class': num_classes})")

    def log_names(self):
        return super().log_names() + ["class_acc_real", "class_acc_fake"]

    def auxiliary_loss(self, part, batch, outputs, generator_inputs=None):
        # Both networks maximise the class log-likelihood on real and on
        # generated data (the paper's L_C); batch[1] holds the labels, the
        # intended ones for generated samples.
        loss, accuracy = _class_terms(batch[1], outputs["class_logits"])
        logs = {} if part == "generator" else {f"class_acc_{part}": accuracy}
        return self.class_loss_weight * loss, logs

    def get_config(self):
        return {**super().get_config(), "class_loss_weight": self.class_loss_weight}
