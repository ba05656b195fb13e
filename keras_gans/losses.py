"""GAN losses as pure functions of discriminator outputs.

Every discriminator loss here takes *logits* (pre-sigmoid scores), never
probabilities: `softplus` on logits is exact where `log(sigmoid(x))` underflows.
Functions return per-example losses of shape `(batch,)` so that the caller
decides how to average them (over the replica batch, or over the global batch
under `tf.distribute`); `reduce_mean` of the result gives the usual scalar.

Conventions: label 1 means "real", label 0 means "generated". The
discriminator loss is the binary cross-entropy against those labels
(TRICKS.md item 1.2), which maximises log D(x) + log(1 - D(G(z))).

References:
    Goodfellow et al. 2014, "Generative Adversarial Nets" (minimax and the
    non-saturating generator loss, section 3).
    Arjovsky et al. 2017, "Wasserstein GAN" (critic and generator losses).
"""

from keras import ops


def _flatten_logits(logits):
    """Casts to float32 and drops trailing singleton axes: (batch, 1) -> (batch,)."""
    logits = ops.cast(logits, "float32")
    return ops.reshape(logits, (ops.shape(logits)[0], -1))


def binary_cross_entropy_with_logits(labels, logits):
    """Per-example binary cross-entropy between soft `labels` and `logits`.

    Computed as `softplus(x) - y * x`, which equals
    `-(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))` without overflow.

    Args:
        labels: Targets in [0, 1], broadcastable to `logits` (scalars allowed,
            e.g. 0.9 for one-sided label smoothing).
        logits: Discriminator scores of shape `(batch,)` or `(batch, ...)`.

    Returns:
        Float32 tensor of shape `(batch,)`: the loss averaged over any
        non-batch axes.
    """
    logits = _flatten_logits(logits)
    labels = ops.cast(labels, "float32")
    if len(ops.shape(labels)) == 1:
        labels = ops.expand_dims(labels, -1)
    per_element = ops.softplus(logits) - labels * logits
    return ops.mean(per_element, axis=-1)


def discriminator_loss(real_logits, fake_logits, real_labels=1.0, fake_labels=0.0):
    """Binary cross-entropy loss of the discriminator on a real and a fake batch.

    With the default labels this is `-log D(x) - log(1 - D(G(z)))`. Passing
    `real_labels=0.9` gives one-sided label smoothing (Salimans et al. 2016,
    "Improved Techniques for Training GANs", section 3.4); tensors give noisy
    or flipped labels per example.

    Args:
        real_logits: D's logits on real data, `(batch,)` or `(batch, 1)`.
        fake_logits: D's logits on generated data.
        real_labels: Target for real data: a scalar or a `(batch,)` tensor.
        fake_labels: Target for generated data: a scalar or a `(batch,)` tensor.

    Returns:
        A tuple `(real_loss, fake_loss)` of per-example losses, each `(batch,)`.
        The usual scalar D loss is `mean(real_loss) + mean(fake_loss)`.
    """
    real_loss = binary_cross_entropy_with_logits(real_labels, real_logits)
    fake_loss = binary_cross_entropy_with_logits(fake_labels, fake_logits)
    return real_loss, fake_loss


def non_saturating_generator_loss(fake_logits):
    """The non-saturating generator loss `-log D(G(z))` (TRICKS.md item 1.3).

    Equivalent to training G with the "real" label; its gradient stays large
    while D confidently rejects the samples, unlike the minimax loss.

    Args:
        fake_logits: D's logits on generated data.

    Returns:
        Per-example loss of shape `(batch,)`: `softplus(-logits)`.
    """
    return ops.mean(ops.softplus(-_flatten_logits(fake_logits)), axis=-1)


def minimax_generator_loss(fake_logits):
    """The original minimax generator loss `log(1 - D(G(z)))`.

    G minimises it; it saturates (its gradient vanishes) when D rejects the
    samples with confidence, which is why the non-saturating loss is the default.

    Args:
        fake_logits: D's logits on generated data.

    Returns:
        Per-example loss of shape `(batch,)`: `-softplus(logits)`.
    """
    return -ops.mean(ops.softplus(_flatten_logits(fake_logits)), axis=-1)


def wasserstein_critic_loss(real_scores, fake_scores):
    """Critic loss of WGAN: `D(G(z)) - D(x)` per example (Arjovsky et al. 2017).

    Args:
        real_scores: Critic outputs on real data.
        fake_scores: Critic outputs on generated data.

    Returns:
        Per-example loss of shape `(batch,)`; its mean estimates the negative
        Wasserstein-1 distance under the Lipschitz constraint.
    """
    real = ops.mean(_flatten_logits(real_scores), axis=-1)
    fake = ops.mean(_flatten_logits(fake_scores), axis=-1)
    return fake - real


def wasserstein_generator_loss(fake_scores):
    """Generator loss of WGAN: `-D(G(z))` per example (Arjovsky et al. 2017).

    Args:
        fake_scores: Critic outputs on generated data.

    Returns:
        Per-example loss of shape `(batch,)`.
    """
    return -ops.mean(_flatten_logits(fake_scores), axis=-1)


GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}


def get_generator_loss(name):
    """Looks up a generator loss by name.

    Args:
        name: One of `GENERATOR_LOSSES`' keys.

    Returns:
        The loss function.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    if name not in GENERATOR_LOSSES:
        raise ValueError(
            f"Unknown generator loss {name!r}. Valid values: "
            f"{sorted(GENERATOR_LOSSES)}."
        )
    return GENERATOR_LOSSES[name]


__all__ = [
    "binary_cross_entropy_with_logits",
    "discriminator_loss",
    "non_saturating_generator_loss",
    "minimax_generator_loss",
    "wasserstein_critic_loss",
    "wasserstein_generator_loss",
    "get_generator_loss",
    "GENERATOR_LOSSES",
]
