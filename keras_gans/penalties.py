"""Penalties added to the discriminator's loss, as objects.

A model takes any number of them (`GAN(penalties=[...])`); each is a weight
times a scalar computed from a *critic* (a callable mapping D's inputs to its
real/fake scores) on the step's real and/or generated inputs. Gradients are
taken with respect to D's input as D sees it: after augmentation, instance
noise and packing, so that the penalty constrains the function D is.

- `GradientPenalty`: WGAN-GP's `E[(||grad D(x_hat)|| - target)^2]` on
  per-example interpolates (Gulrajani et al. 2017).
- `R1`, `R2`: zero-centred penalties `gamma / 2 * E[||grad D(x)||^2]` on
  real (R1) or generated (R2) data (Mescheder et al. 2018, "Which Training
  Methods for GANs do actually Converge?").

Every penalty can be lazy (`every_n_steps=n`): it is computed on one D step
in n, with its weight multiplied by n so that its average strength is
unchanged (Karras et al. 2020, "Analyzing and Improving the Image Quality of
StyleGAN", section 4.1).

To write a penalty of your own, subclass `Penalty`, set `name` and `uses`,
implement `compute`, and register the class for saving; see the README.
"""

import keras
from keras import ops

from keras_gans import checks


def squared_input_gradient_norms(critic, inputs):
    """Per-example `||d critic(x) / dx||^2` at `inputs`.

    Args:
        critic: Callable mapping a batch to scores `(batch,)` or `(batch, 1)`.
        inputs: The batch `(batch, ...)` to differentiate at.

    Returns:
        Float32 tensor `(batch,)`.
    """
    import tensorflow as tf

    inputs = ops.cast(inputs, "float32")
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        # Summing the scores gives every example's own gradient at once: the
        # examples of a batch are independent (no batch norm in D).
        scores = ops.sum(ops.cast(critic(inputs), "float32"))
    grads = ops.cast(tape.gradient(scores, inputs), "float32")
    batch_size = ops.shape(inputs)[0]
    return ops.sum(ops.reshape(ops.square(grads), (batch_size, -1)), axis=-1)


class Penalty:
    """Base class of D penalties.

    Class attributes:
        name: The log name of the penalty's (unweighted) value.
        uses: Which inputs `compute` needs: `("real",)`, `("fake",)` or
            `("real", "fake")`. With `separate_batches=True` a penalty runs in
            the real-only update if it uses only real inputs, otherwise in the
            generated-only update (which is given the real inputs too).

    Args:
        weight: Multiplier of the value in D's loss (>= 0).
        every_n_steps: Compute the penalty on one D step in n, with weight
            `weight * n` (lazy regularisation).
    """

    name = "penalty"
    uses = ("real", "fake")

    def __init__(self, weight, every_n_steps=1):
        self.weight = checks.non_negative("weight", weight)
        self.every_n_steps = checks.positive_int("every_n_steps", every_n_steps)

    def compute(self, critic, real_inputs, fake_inputs, seed=None):
        """The unweighted penalty, a float32 scalar.

        Args:
            critic: Callable mapping D's inputs to scores.
            real_inputs: D's inputs for the real batch (None if unused).
            fake_inputs: D's inputs for the generated batch (None if unused).
            seed: SeedGenerator for penalties that draw random numbers.
        """
        raise NotImplementedError

    def get_config(self):
        return {"weight": self.weight, "every_n_steps": self.every_n_steps}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


@keras.saving.register_keras_serializable(package="keras_gans")
class GradientPenalty(Penalty):
    """The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1).

    `weight * E[(||grad_x D(x_hat)|| - target)^2]`, where
    `x_hat = x + alpha (G(z) - x)` with one `alpha ~ U[0, 1]` per example
    (not per pixel, and not from a normal distribution: both mistakes are
    seen in public code). With `one_sided=True` only norms above `target` are
    penalised, `max(0, ||g|| - target)^2` (the paper's appendix variant).

    The norm is `sqrt(sum(g^2) + epsilon)`: the plain `sqrt` has an infinite
    derivative at zero, so a zero gradient (a dead critic, or real == fake)
    would turn every weight into NaN. For a linear critic `w.x` the penalty is
    exactly `(||w|| - target)^2`.

    The penalty is per example, so D should not use batch norm (layer norm is
    the paper's alternative). Conditional critics see the interpolates with
    the real batch's labels.

    Args:
        weight: lambda (10 in the paper).
        target: The norm the penalty pulls toward.
        one_sided: Penalise only norms above `target`.
        every_n_steps: Lazy regularisation interval.
        epsilon: Added inside the square root.
    """

    name = "gradient_penalty"
    uses = ("real", "fake")

    def __init__(self, weight=10.0, target=1.0, one_sided=False, every_n_steps=1,
                 epsilon=1e-12):
        super().__init__(weight, every_n_steps)
        self.target = checks.non_negative("target", target)
        self.one_sided = checks.boolean("one_sided", one_sided)
        # sqrt of a zero gradient norm has an infinite derivative: epsilon > 0.
        self.epsilon = checks.positive("epsilon", epsilon)

    def interpolation_weights(self, real_inputs, fake_inputs, seed=None):
        """Per-example weights alpha ~ U[0, 1], shape `(batch,)`.

        Override to make a step deterministic (e.g. a function of each
        example, to compare devices that draw different random numbers).
        """
        return keras.random.uniform((ops.shape(real_inputs)[0],), seed=seed)

    def compute(self, critic, real_inputs, fake_inputs, seed=None):
        real = ops.cast(real_inputs, "float32")
        fake = ops.cast(fake_inputs, "float32")
        batch_size = ops.shape(real)[0]
        alpha = ops.cast(self.interpolation_weights(real, fake, seed), "float32")
        alpha = ops.reshape(alpha, (batch_size,) + (1,) * (len(real.shape) - 1))
        interpolates = real + alpha * (fake - real)
        norms = ops.sqrt(squared_input_gradient_norms(critic, interpolates)
                         + self.epsilon)
        excess = norms - self.target
        if self.one_sided:
            excess = ops.relu(excess)
        return ops.mean(ops.square(excess))

    def get_config(self):
        return {**super().get_config(), "target": self.target,
                "one_sided": self.one_sided, "epsilon": self.epsilon}


class _ZeroCentred(Penalty):
    """`gamma / 2 * E[||grad D(x)||^2]` on one kind of input."""

    def __init__(self, gamma=10.0, every_n_steps=1):
        gamma = checks.non_negative("gamma", gamma)
        super().__init__(gamma / 2.0, every_n_steps)
        self.gamma = gamma

    def compute(self, critic, real_inputs, fake_inputs, seed=None):
        inputs = real_inputs if self.uses == ("real",) else fake_inputs
        return ops.mean(squared_input_gradient_norms(critic, inputs))

    def get_config(self):
        return {"gamma": self.gamma, "every_n_steps": self.every_n_steps}


@keras.saving.register_keras_serializable(package="keras_gans")
class R1(_ZeroCentred):
    """R1: `gamma / 2 * E_x[||grad D(x)||^2]` on real data (Mescheder et al. 2018).

    Logged as `r1`, the unweighted mean squared gradient norm. StyleGAN2 uses
    it lazily (`every_n_steps=16`).

    Args:
        gamma: The penalty's gamma (its weight is `gamma / 2`).
        every_n_steps: Lazy regularisation interval.
    """

    name = "r1"
    uses = ("real",)


@keras.saving.register_keras_serializable(package="keras_gans")
class R2(_ZeroCentred):
    """R2: `gamma / 2 * E_z[||grad D(G(z))||^2]` on generated data.

    Logged as `r2`. Args as `R1`.
    """

    name = "r2"
    uses = ("fake",)


SHORTCUTS = {"gradient_penalty": GradientPenalty, "r1": R1, "r2": R2}


def get(identifier, **arguments):
    """Returns a penalty from an object, a name (`"r1"`, ...) or a config dict."""
    if isinstance(identifier, Penalty):
        if arguments:
            raise ValueError(f"Arguments {sorted(arguments)} were given with the "
                             f"penalty object {identifier!r}.")
        return identifier
    if isinstance(identifier, dict):
        penalty = keras.saving.deserialize_keras_object(identifier)
        if not isinstance(penalty, Penalty):
            raise ValueError(f"{identifier!r} does not describe a Penalty.")
        return penalty
    if isinstance(identifier, str) and identifier in SHORTCUTS:
        return SHORTCUTS[identifier](**arguments)
    raise ValueError(
        f"Unknown penalty {identifier!r}. Pass a keras_gans.penalties object or "
        f"one of {sorted(SHORTCUTS)}.")


def gradient_penalty(critic, real, fake, seed=None, target=1.0, epsilon=1e-12,
                     alpha=None):
    """The WGAN-GP penalty as a function (see `GradientPenalty`).

    Args:
        critic: Callable mapping a batch to scores.
        real: Real samples `(batch, ...)`.
        fake: Generated samples, same shape.
        seed: Seed or SeedGenerator for alpha.
        target: The norm the penalty pulls toward.
        epsilon: Added inside the square root.
        alpha: Optional interpolation weights `(batch,)` instead of a draw.

    Returns:
        The unweighted penalty, a float32 scalar.
    """
    penalty = GradientPenalty(target=target, epsilon=epsilon)
    if alpha is not None:
        penalty.interpolation_weights = lambda real, fake, seed=None: alpha
    return penalty.compute(critic, real, fake, seed=seed)


__all__ = [
    "GradientPenalty",
    "Penalty",
    "R1",
    "R2",
    "SHORTCUTS",
    "get",
    "gradient_penalty",
    "squared_input_gradient_norms",
]
