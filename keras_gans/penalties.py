"""Discriminator regularisers as pure functions of a critic callable."""

import keras
from keras import ops


def gradient_penalty(critic, real, fake, seed=None, target=1.0, epsilon=1e-12,
                     alpha=None):
    """The WGAN-GP gradient penalty `E[(||grad_x D(x_hat)|| - target)^2]`.

    `x_hat = real + alpha * (fake - real)` with one `alpha ~ U[0, 1]` per
    example (not per pixel, and not from a normal distribution: both are
    mistakes seen in public code). Gulrajani et al. 2017, "Improved Training
    of Wasserstein GANs", Algorithm 1.

    The norm is `sqrt(sum(g^2) + epsilon)`: the plain `sqrt` has an infinite
    derivative at zero, so a zero gradient (e.g. a dead critic, or real ==
    fake) would turn every weight into NaN.

    Args:
        critic: Callable mapping a batch of samples to scores `(batch,)` or
            `(batch, 1)`; it is differentiated with respect to its input.
        real: Real samples `(batch, ...)`.
        fake: Generated samples, same shape.
        seed: Seed or `keras.random.SeedGenerator` for alpha.
        target: The norm the penalty pulls toward (1 for WGAN-GP).
        epsilon: Added inside the square root.
        alpha: Optional interpolation weights of shape `(batch,)` to use
            instead of drawing them (e.g. to make a step reproducible across
            devices); `seed` is then unused.

    Returns:
        A float32 scalar: the penalty averaged over the batch (multiply by the
        penalty weight, 10 in the paper).
    """
    import tensorflow as tf

    real = ops.cast(real, "float32")
    fake = ops.cast(fake, "float32")
    batch_size = ops.shape(real)[0]
    alpha_shape = (batch_size,) + (1,) * (len(real.shape) - 1)
    if alpha is None:
        alpha = keras.random.uniform(alpha_shape, seed=seed)
    else:
        alpha = ops.reshape(ops.cast(alpha, "float32"), alpha_shape)
    interpolated = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = ops.cast(critic(interpolated), "float32")
    grads = ops.cast(tape.gradient(scores, interpolated), "float32")
    squared = ops.sum(ops.reshape(ops.square(grads), (batch_size, -1)), axis=-1)
    norms = ops.sqrt(squared + epsilon)
    return ops.mean(ops.square(norms - target))
