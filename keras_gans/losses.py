"""Adversarial losses as objects: D's terms on real and fake outputs, and G's.

A loss object says what the discriminator minimises on real outputs and on
generated outputs, and what the generator minimises, as three methods that
return *per-example* losses of shape `(batch,)` (the model averages them, over
the replica's batch or, through its loss scaling, over the global batch under
`tf.distribute`). The model never needs to know which loss it trains with;
this is the shape of TF-GAN's `gan_loss` (a pair of functions plus weighted
extra terms) in Keras style.

Every method takes D's raw outputs (logits or critic scores, never
probabilities): `softplus` on logits is exact where `log(sigmoid(x))`
underflows. Outputs are cast to float32, so mixed-precision models compute
their losses in float32.

Strings are shortcuts: `"non_saturating"` (the default), `"minimax"`,
`"wasserstein"`, `"hinge"`, `"least_squares"`, `"relativistic"` and
`"relativistic_hinge"`; `get(name, **options)` builds the object and refuses
options that have no meaning for that loss, with the reason.

To write a loss of your own, subclass `GANLoss`, implement the three methods
and register it (`@keras.saving.register_keras_serializable()`) so that models
using it save and load; see the README.

References:
    Goodfellow et al. 2014, "Generative Adversarial Nets" (minimax and
    non-saturating losses). Salimans et al. 2016, "Improved Techniques for
    Training GANs" (one-sided label smoothing). Arjovsky et al. 2017,
    "Wasserstein GAN". Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018,
    "Spectral Normalization for GANs" (hinge loss). Mao et al. 2017, "Least
    Squares Generative Adversarial Networks". Jolicoeur-Martineau 2019, "The
    relativistic discriminator: a key element missing from standard GAN".
"""

import inspect

import keras
from keras import ops

from keras_gans import checks


def _flat(outputs):
    """D's outputs as float32 `(batch, n)`: `(batch,)` and `(batch, 1)` give n=1."""
    outputs = ops.cast(outputs, "float32")
    return ops.reshape(outputs, (ops.shape(outputs)[0], -1))


def _per_example(values):
    """Mean over the non-batch axes of `(batch, n)` values -> `(batch,)`."""
    return ops.mean(values, axis=-1)


def binary_cross_entropy_with_logits(labels, logits):
    """Per-example binary cross-entropy between soft `labels` and `logits`.

    Computed as `softplus(x) - y * x`, which equals
    `-(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))` without overflow.

    Args:
        labels: Targets in [0, 1]: a scalar or a `(batch,)` tensor.
        logits: Discriminator logits of shape `(batch,)` or `(batch, ...)`.

    Returns:
        Float32 tensor of shape `(batch,)`: the loss averaged over any
        non-batch axes.
    """
    logits = _flat(logits)
    labels = ops.cast(labels, "float32")
    if len(ops.shape(labels)) == 1:
        labels = ops.expand_dims(labels, -1)
    return _per_example(ops.softplus(logits) - labels * logits)


class GANLoss:
    """Base class of adversarial losses.

    Subclasses implement `discriminator_real`, `discriminator_fake` and
    `generator`; each returns a float32 per-example loss of shape `(batch,)`.
    The optional `real_outputs`/`fake_outputs` arguments carry the other
    batch's outputs, which relativistic losses compare against; losses that
    need them set `couples_real_and_fake` (D's two terms need both batches,
    so `separate_batches` cannot split them) and `generator_needs_real` (G's
    loss needs D's outputs on real data).

    Class attributes:
        probabilities: D's outputs are log-odds; the model logs `p_real` and
            `p_fake` (mean sigmoid). Otherwise it logs `critic_real` and
            `critic_fake` (mean raw score).
        couples_real_and_fake: see above.
        generator_needs_real: see above.
        options_refused: Option name -> why this loss cannot take it (used by
            `get` to refuse e.g. label smoothing for a Wasserstein critic).
    """

    probabilities = False
    couples_real_and_fake = False
    generator_needs_real = False
    options_refused = {}

    def discriminator_real(self, real_outputs, fake_outputs=None, seed=None):
        """D's per-example loss on real data.

        Args:
            real_outputs: D's logits/scores on the real batch.
            fake_outputs: D's outputs on the generated batch (relativistic
                losses only).
            seed: A `keras.random.SeedGenerator` for losses that draw random
                numbers (noisy labels).
        """
        raise NotImplementedError

    def discriminator_fake(self, fake_outputs, real_outputs=None, seed=None):
        """D's per-example loss on generated data (arguments as above)."""
        raise NotImplementedError

    def generator(self, fake_outputs, real_outputs=None):
        """G's per-example loss, from D's outputs on generated data."""
        raise NotImplementedError

    # Logging --------------------------------------------------------------
    @property
    def log_names(self):
        """Names of the scalars `summary` and `derived_logs` produce."""
        if self.probabilities:
            return ("p_real", "p_fake")
        return ("critic_real", "critic_fake")

    def summary(self, outputs, real):
        """The scalar logged for D's outputs on one batch.

        Args:
            outputs: D's outputs on a real (`real=True`) or generated batch.
        """
        outputs = ops.cast(outputs, "float32")
        if self.probabilities:
            return {("p_real" if real else "p_fake"): ops.mean(ops.sigmoid(outputs))}
        return {("critic_real" if real else "critic_fake"): ops.mean(outputs)}

    def derived_logs(self, logs):
        """Scalars computed from a whole D step's logs (none by default)."""
        return {}

    # Saving ---------------------------------------------------------------
    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


@keras.saving.register_keras_serializable(package="keras_gans")
class BinaryCrossEntropy(GANLoss):
    """The original GAN loss: binary cross-entropy on D's logits.

    D minimises the cross-entropy against per-example targets (TRICKS.md
    1.2), where the guide's label tricks (4.3) live:

    - `real_label`, `fake_label`: D's targets; `real_label=0.9` is one-sided
      label smoothing (Salimans et al. 2016).
    - `label_noise`: targets drawn per example from
      `U[real_label - label_noise, real_label]` and
      `U[fake_label, fake_label + label_noise]`, noise that moves each label
      toward the other.
    - `label_flip`: probability that an example's target is swapped (real
      <-> fake), per example and per D update.

    G's loss (1.3): `"non_saturating"` minimises `-log D(G(z))` (its gradient
    stays large while D confidently rejects the samples) and `"minimax"`
    minimises `log(1 - D(G(z)))` (Goodfellow et al. 2014). G's loss never uses
    the smoothed or noisy targets.

    Args:
        real_label: Target for real data, in [0, 1].
        fake_label: Target for generated data, below `real_label`.
        label_noise: Width of the uniform noise on the targets, in [0, 1].
        label_flip: Probability of swapping an example's target, in [0, 1].
        generator: `"non_saturating"` or `"minimax"`.
    """

    probabilities = True
    GENERATOR_LOSSES = ("non_saturating", "minimax")

    def __init__(self, real_label=1.0, fake_label=0.0, label_noise=0.0,
                 label_flip=0.0, generator="non_saturating"):
        self.real_label = checks.probability("real_label", real_label)
        self.fake_label = checks.probability("fake_label", fake_label)
        if not self.fake_label < self.real_label:
            raise ValueError(
                f"fake_label={self.fake_label} must be below real_label="
                f"{self.real_label}: with equal targets D learns nothing, and "
                "inverted targets train D (and so G) backwards. One-sided "
                "smoothing is e.g. real_label=0.9, fake_label=0.0.")
        self.label_noise = checks.probability("label_noise", label_noise)
        self.label_flip = checks.probability("label_flip", label_flip)
        self.generator_loss = checks.choice("generator", generator, self.GENERATOR_LOSSES)

    def targets(self, batch_size, real, seed=None):
        """D's per-example targets for a real or generated batch.

        Args:
            batch_size: Number of examples.
            real: Whether the batch is real.
            seed: SeedGenerator for the noise and flips (needed when
                `label_noise` or `label_flip` is set).

        Returns:
            Float32 tensor `(batch_size,)`.
        """
        own, other = ((self.real_label, self.fake_label) if real
                      else (self.fake_label, self.real_label))
        targets = ops.full((batch_size,), own, dtype="float32")
        if self.label_noise > 0:
            # Noise pushes each label toward the opposite one.
            direction = 1.0 if other > own else -1.0
            noise = keras.random.uniform((batch_size,), maxval=self.label_noise,
                                         seed=seed)
            targets = ops.clip(targets + direction * noise, 0.0, 1.0)
        if self.label_flip > 0:
            flip = keras.random.uniform((batch_size,), seed=seed) < self.label_flip
            targets = ops.where(flip, ops.full((batch_size,), other, "float32"), targets)
        return targets

    def discriminator_real(self, real_outputs, fake_outputs=None, seed=None):
        targets = self.targets(ops.shape(real_outputs)[0], True, seed)
        return binary_cross_entropy_with_logits(targets, real_outputs)

    def discriminator_fake(self, fake_outputs, real_outputs=None, seed=None):
        targets = self.targets(ops.shape(fake_outputs)[0], False, seed)
        return binary_cross_entropy_with_logits(targets, fake_outputs)

    def generator(self, fake_outputs, real_outputs=None):
        logits = _flat(fake_outputs)
        if self.generator_loss == "minimax":
            # log(1 - sigmoid(x)) = -softplus(x).
            return -_per_example(ops.softplus(logits))
        # -log(sigmoid(x)) = softplus(-x).
        return _per_example(ops.softplus(-logits))

    def get_config(self):
        return {"real_label": self.real_label, "fake_label": self.fake_label,
                "label_noise": self.label_noise, "label_flip": self.label_flip,
                "generator": self.generator_loss}


_SCORE_REASON = (
    "{name} trains a critic with unbounded scores, not probabilities, so "
    "targets, label noise and label flips have no meaning for it.")


def _refusals(name, reason=_SCORE_REASON):
    text = reason.format(name=name)
    return {option: text for option in
            ("real_label", "fake_label", "label_noise", "label_flip", "generator")}


@keras.saving.register_keras_serializable(package="keras_gans")
class Wasserstein(GANLoss):
    """The WGAN critic loss (Arjovsky et al. 2017).

    D (the critic) minimises `D(G(z)) - D(x)`, G minimises `-D(G(z))`: the
    critic's mean difference estimates the Wasserstein-1 distance when D is
    kept 1-Lipschitz (weight clipping, `constraints.Clip`; or a gradient
    penalty, `penalties.GradientPenalty`). Logs add `wasserstein`
    (`critic_real - critic_fake`).
    """

    options_refused = _refusals("Wasserstein")

    def discriminator_real(self, real_outputs, fake_outputs=None, seed=None):
        return -_per_example(_flat(real_outputs))

    def discriminator_fake(self, fake_outputs, real_outputs=None, seed=None):
        return _per_example(_flat(fake_outputs))

    def generator(self, fake_outputs, real_outputs=None):
        return -_per_example(_flat(fake_outputs))

    @property
    def log_names(self):
        return ("critic_real", "critic_fake", "wasserstein")

    def derived_logs(self, logs):
        return {"wasserstein": logs["critic_real"] - logs["critic_fake"]}


@keras.saving.register_keras_serializable(package="keras_gans")
class Hinge(GANLoss):
    """The hinge loss (Lim & Ye 2017; Miyato et al. 2018).

    D minimises `relu(1 - D(x)) + relu(1 + D(G(z)))`; G minimises
    `-D(G(z))`. D stops pushing an example once its score is beyond the
    margin, which with spectral normalisation is the SN-GAN/BigGAN recipe.
    """

    options_refused = _refusals("Hinge")

    def discriminator_real(self, real_outputs, fake_outputs=None, seed=None):
        return _per_example(ops.relu(1.0 - _flat(real_outputs)))

    def discriminator_fake(self, fake_outputs, real_outputs=None, seed=None):
        return _per_example(ops.relu(1.0 + _flat(fake_outputs)))

    def generator(self, fake_outputs, real_outputs=None):
        return -_per_example(_flat(fake_outputs))


@keras.saving.register_keras_serializable(package="keras_gans")
class LeastSquares(GANLoss):
    """The least-squares GAN loss (Mao et al. 2017, eq. 2), a-b-c = 0-1-1.

    D minimises `0.5 (D(x) - b)^2 + 0.5 (D(G(z)) - a)^2`, G minimises
    `0.5 (D(G(z)) - c)^2`, with D's raw (linear) output. The defaults are the
    paper's 0-1-1 coding; `a=-1, b=1, c=0` is its Pearson chi^2 variant.

    Args:
        a: D's target for generated data.
        b: D's target for real data.
        c: The value G wants D to believe for its samples.
    """

    options_refused = _refusals(
        "LeastSquares", "{name} sets its targets with a=, b= and c=; targets, "
        "label noise and label flips of the cross-entropy loss do not apply.")

    def __init__(self, a=0.0, b=1.0, c=1.0):
        self.a, self.b, self.c = (checks.number(name, v) for name, v in
                                  (("a", a), ("b", b), ("c", c)))
        if self.a == self.b:
            raise ValueError(
                f"LeastSquares needs targets a != b (D's targets for generated and "
                f"real data); received a={a}, b={b}. The paper's coding is a=0, b=1.")

    def discriminator_real(self, real_outputs, fake_outputs=None, seed=None):
        return 0.5 * _per_example(ops.square(_flat(real_outputs) - self.b))

    def discriminator_fake(self, fake_outputs, real_outputs=None, seed=None):
        return 0.5 * _per_example(ops.square(_flat(fake_outputs) - self.a))

    def generator(self, fake_outputs, real_outputs=None):
        return 0.5 * _per_example(ops.square(_flat(fake_outputs) - self.c))

    def get_config(self):
        return {"a": self.a, "b": self.b, "c": self.c}


@keras.saving.register_keras_serializable(package="keras_gans")
class RelativisticAverage(GANLoss):
    """Relativistic average GAN losses (Jolicoeur-Martineau 2019).

    D judges whether a real example is more realistic than the *average*
    generated one, and vice versa: with critic scores C,
    `r = C(x) - mean C(G(z))` and `f = C(G(z)) - mean C(x)`.

    - `base="bce"` (RaSGAN): D minimises `softplus(-r) + softplus(f)`, G
      minimises `softplus(r) + softplus(-f)`.
    - `base="hinge"` (RaHingeGAN): D minimises `relu(1 - r) + relu(1 + f)`,
      G minimises `relu(1 + r) + relu(1 - f)`.

    The means are over the batch, so D's two terms couple the real and
    generated batches (`separate_batches` does not apply) and G's loss needs
    D's outputs on real data (the model computes them in G's update). The
    per-example G loss adds the real and generated terms of example i, so its
    mean is the paper's sum of the two expectations (both batches have the
    same size).

    Args:
        base: `"bce"` or `"hinge"`.
    """

    couples_real_and_fake = True
    generator_needs_real = True
    BASES = ("bce", "hinge")
    options_refused = _refusals(
        "RelativisticAverage", "{name} compares real with generated scores; "
        "the targets, label noise and label flips of the cross-entropy loss "
        "have no meaning for it.")

    def __init__(self, base="bce"):
        self.base = checks.choice("base", base, self.BASES)

    def _relative(self, outputs, other):
        if other is None:
            raise ValueError(
                "RelativisticAverage needs D's outputs on both batches; the "
                "model passes them unless separate_batches=True, which this "
                "loss cannot use.")
        other = _flat(other)
        return _flat(outputs) - ops.mean(other)

    def _below(self, values):
        # The loss of pushing `values` up: softplus(-v) or relu(1 - v).
        return ops.softplus(-values) if self.base == "bce" else ops.relu(1.0 - values)

    def _above(self, values):
        # The loss of pushing `values` down: softplus(v) or relu(1 + v).
        return ops.softplus(values) if self.base == "bce" else ops.relu(1.0 + values)

    def discriminator_real(self, real_outputs, fake_outputs=None, seed=None):
        return _per_example(self._below(self._relative(real_outputs, fake_outputs)))

    def discriminator_fake(self, fake_outputs, real_outputs=None, seed=None):
        return _per_example(self._above(self._relative(fake_outputs, real_outputs)))

    def generator(self, fake_outputs, real_outputs=None):
        real_term = self._above(self._relative(real_outputs, fake_outputs))
        fake_term = self._below(self._relative(fake_outputs, real_outputs))
        return _per_example(real_term) + _per_example(fake_term)

    def get_config(self):
        return {"base": self.base}


# Shortcut strings -> (class, fixed arguments).
SHORTCUTS = {
    "non_saturating": (BinaryCrossEntropy, {}),
    "minimax": (BinaryCrossEntropy, {"generator": "minimax"}),
    "wasserstein": (Wasserstein, {}),
    "hinge": (Hinge, {}),
    "least_squares": (LeastSquares, {}),
    "relativistic": (RelativisticAverage, {"base": "bce"}),
    "relativistic_hinge": (RelativisticAverage, {"base": "hinge"}),
}


def get(identifier, **options):
    """Returns a loss object from an object, a shortcut string or a config.

    Args:
        identifier: A `GANLoss`, one of `SHORTCUTS`' names, or a serialized
            loss (dict).
        **options: Arguments of the loss named by a string, e.g.
            `get("non_saturating", real_label=0.9)`. Options the loss cannot
            take are refused with the reason (label smoothing for a
            Wasserstein critic).

    Raises:
        ValueError: for an unknown name or an option the loss refuses.
    """
    if isinstance(identifier, GANLoss):
        if options:
            raise ValueError(
                f"Options {sorted(options)} were given with a loss object "
                f"{identifier!r}: pass them to its constructor instead.")
        return identifier
    if isinstance(identifier, dict):
        loss = keras.saving.deserialize_keras_object(identifier)
        if not isinstance(loss, GANLoss):
            raise ValueError(f"{identifier!r} does not describe a GANLoss.")
        return get(loss, **options)
    if not isinstance(identifier, str) or identifier not in SHORTCUTS:
        raise ValueError(
            f"Unknown loss {identifier!r}. Pass a keras_gans.losses object or one "
            f"of {sorted(SHORTCUTS)}.")
    cls, fixed = SHORTCUTS[identifier]
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    for option in options:
        if option in cls.options_refused:
            raise ValueError(
                f"loss={identifier!r} does not take {option}={options[option]!r}: "
                f"{cls.options_refused[option]} Remove the option.")
        if option in fixed:
            raise ValueError(
                f"loss={identifier!r} already sets {option}={fixed[option]!r}; "
                f"build {cls.__name__}(...) yourself to change it.")
        if option not in accepted:
            raise ValueError(
                f"loss={identifier!r} ({cls.__name__}) has no option {option!r}; "
                f"valid options: {sorted(accepted - set(fixed)) or 'none'}.")
    return cls(**fixed, **options)


def serialize(loss):
    """A loss as `get_config`-style data for a model's config."""
    return keras.saving.serialize_keras_object(loss)


__all__ = [
    "BinaryCrossEntropy",
    "GANLoss",
    "Hinge",
    "LeastSquares",
    "RelativisticAverage",
    "SHORTCUTS",
    "Wasserstein",
    "binary_cross_entropy_with_logits",
    "get",
    "serialize",
]
