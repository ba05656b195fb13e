"""The GAN base model: one adversarial training step with every per-step trick.

Reference: Goodfellow et al. 2014, "Generative Adversarial Nets"; the
per-step tricks follow the field guide in TRICKS.md (items 1.2-1.4, 2.3, 2.4,
3.3, 4.3 and 4.5), with the papers cited where each is implemented.
"""

import inspect

import keras
import numpy as np
from keras import ops

from keras_gans import losses as gan_losses
from keras_gans.callbacks.non_finite_loss import StopOnNonFiniteLoss
from keras_gans.models import data_checks
from keras_gans.models.distribution import num_replicas_in_sync
from keras_gans.models.distribution import reducible_logs
from keras_gans.models.distribution import scale_loss_for_replicas

LATENT_DISTRIBUTIONS = ("normal", "uniform")


def _check_probability(name, value):
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"`{name}` must be in [0, 1]; received {name}={value}.")


def _check_positive_int(name, value):
    if int(value) != value or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer; received {name}={value!r}."
        )


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(keras.Model):
    """An unconditional GAN (NSGAN/DCGAN) trained with `fit()`.

    Each training step runs `d_steps` discriminator updates and then
    `g_steps` generator updates on one batch of real data. D is trained with
    binary cross-entropy against real/fake labels on logits (TRICKS.md 1.2);
    G with the non-saturating loss by default (1.3).

    The per-step tricks are constructor arguments, so an ablation changes an
    argument, never the code:

    - `loss`: `"non_saturating"` (`-log D(G(z))`, default) or `"minimax"`
      (`log(1 - D(G(z)))`), Goodfellow et al. 2014.
    - `latent_distribution`: `"normal"` (default, 1.4) or `"uniform"` on
      [-1, 1].
    - `d_steps`, `g_steps`: updates of each network per step (2.3, 2.4). Every
      D update draws fresh latents and reuses the step's real batch.
    - `separate_batches`: each D step becomes two D updates, first on the
      real-only batch, then on a fake-only batch (3.3). Without it D gets one
      update from both batches (each still passed through D on its own, so
      batch-norm statistics never mix real and fake).
    - `real_label`, `fake_label`: D's targets; `real_label=0.9` is one-sided
      label smoothing (Salimans et al. 2016), 4.3.
    - `label_noise`: targets drawn per example from
      `U[real_label - label_noise, real_label]` and
      `U[fake_label, fake_label + label_noise]`, i.e. noise that moves each
      label toward the other (4.3).
    - `label_flip`: probability that an example's D target is swapped
      (real <-> fake), per example and per D update (4.3).
    - `instance_noise`: std of Gaussian noise added to every input D sees,
      real and generated, in D and in G updates (Sonderby et al. 2016,
      "Amortised MAP Inference for Image Super-resolution"; Arjovsky & Bottou
      2017). Held in the `keras.Variable` `model.instance_noise`, so
      `callbacks.VariableSchedule` can anneal it (4.5).

    Logs (per-epoch means): `d_loss` (D's loss, real term + fake term),
    `loss` (`d_loss + g_loss`, for stock callbacks that watch `loss`, such as
    `keras.callbacks.TerminateOnNaN`; it says nothing about sample quality),
    `g_loss`, `p_real` and `p_fake` (D's mean probability that real and
    generated samples are real; 0.5/0.5 is the equilibrium), plus
    `d_grad_norm`/`g_grad_norm` when `log_gradient_norms=True`.

    Args:
        generator: A `keras.Model` mapping `(batch, latent_dim)` latents to
            samples.
        discriminator: A `keras.Model` mapping samples to one logit per
            example, `(batch, 1)` or `(batch,)`.
        latent_dim: Size of the latent vector; must match the generator's input.
        loss: Generator loss name, see above.
        latent_distribution: `"normal"` or `"uniform"`.
        d_steps: Discriminator updates per training step.
        g_steps: Generator updates per training step.
        separate_batches: Whether D steps use a real-only then a fake-only update.
        real_label: D's target for real data.
        fake_label: D's target for generated data.
        label_noise: Width of the uniform noise on the targets.
        label_flip: Probability of swapping an example's target.
        instance_noise: Initial std of the Gaussian noise on D's inputs.
        data_range: `(low, high)` of the data, `"auto"` to read it from the
            generator's output activation (tanh -> (-1, 1), sigmoid -> (0, 1),
            anything else -> unbounded), or `None` for no range check.
        log_gradient_norms: Whether to log the global gradient norms of D and G.
        seed: Seed of the model's random streams (latents, label noise,
            instance noise). Their state is saved with the model.
        **kwargs: Passed to `keras.Model` (e.g. `name`).

    Example:

    ```python
    gan = keras_gans.GAN(
        networks.dcgan_generator(100, (28, 28, 1)),
        networks.dcgan_discriminator((28, 28, 1)),
        latent_dim=100, real_label=0.9, d_steps=2)
    gan.compile()
    gan.fit(keras_gans.datasets.load("mnist", batch_size=64), epochs=5)
    images = gan.generate(16, seed=0)
    ```
    """

    # What the model needs from its data and networks, as data, so that tools
    # (the benchmark harness) build any variant without a registry of their
    # own: whether batches carry class labels, which networks take them, and
    # whether an encoder comes first.
    needs_labels = False
    generator_takes_labels = False
    discriminator_takes_labels = False
    takes_encoder = False

    @classmethod
    def discriminator_heads(cls, **arguments):
        """Auxiliary D heads for `networks.discriminator_with_heads`, or None.

        Args:
            **arguments: The variant's constructor arguments (e.g.
                `num_classes`); unknown ones are ignored.
        """
        return None

    @classmethod
    def extra_generator_inputs(cls, **arguments):
        """Width G's input has beyond `latent_dim` (InfoGAN's codes)."""
        return 0

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        *,
        loss="non_saturating",
        latent_distribution="normal",
        d_steps=1,
        g_steps=1,
        separate_batches=False,
        real_label=1.0,
        fake_label=0.0,
        label_noise=0.0,
        label_flip=0.0,
        instance_noise=0.0,
        data_range="auto",
        log_gradient_norms=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._generator_loss_fn = gan_losses.get_generator_loss(loss)
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(
                f"Unknown latent_distribution {latent_distribution!r}. "
                f"Valid values: {list(LATENT_DISTRIBUTIONS)}."
            )
        _check_positive_int("d_steps", d_steps)
        _check_positive_int("g_steps", g_steps)
        _check_probability("real_label", real_label)
        _check_probability("fake_label", fake_label)
        _check_probability("label_noise", label_noise)
        _check_probability("label_flip", label_flip)
        if instance_noise < 0:
            raise ValueError(
                f"`instance_noise` is a standard deviation and must be >= 0; "
                f"received {instance_noise}."
            )

        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.loss = loss
        self.latent_distribution = latent_distribution
        self.d_steps = int(d_steps)
        self.g_steps = int(g_steps)
        self.separate_batches = bool(separate_batches)
        self.real_label = float(real_label)
        self.fake_label = float(fake_label)
        self.label_noise = float(label_noise)
        self.label_flip = float(label_flip)
        self.initial_instance_noise = float(instance_noise)
        self.data_range = data_range
        self.log_gradient_norms = bool(log_gradient_norms)
        self.seed = seed

        self.check_networks()
        self.value_range = data_checks.resolve_data_range(data_range, generator)

        # A Variable, not a float: a float would be frozen into the traced
        # train_step and a schedule callback's changes silently ignored.
        self.instance_noise = keras.Variable(
            float(instance_noise),
            trainable=False,
            dtype="float32",
            name="instance_noise",
        )
        self.seed_generator = keras.random.SeedGenerator(seed, name="train_seed")
        # Sampling for callbacks and `generate()` draws from its own stream so
        # that monitoring never changes the training trajectory.
        sample_seed = None if seed is None else seed + 1
        self.sample_seed_generator = keras.random.SeedGenerator(
            sample_seed, name="sample_seed"
        )
        self._trackers = self.build_trackers()
        # The sub-networks are functional models, built at construction, so
        # the GAN needs no build step (and loading can restore into it).
        self.built = True

    # ------------------------------------------------------------------
    # Construction helpers that subclasses extend.
    # ------------------------------------------------------------------
    def check_networks(self):
        """Checks that G's input matches `latent_dim` and D accepts G's output.

        Raises:
            ValueError: naming the mismatching shapes and how to fix them.
        """
        data_checks.check_input_count(
            self.generator, "generator", 1,
            "the latent vector (ConditionalGAN takes [z, labels])",
        )
        data_checks.check_latent_dim(
            self.generator, self.generator.inputs[0], self.latent_dim
        )
        data_checks.check_same_shape(
            "the generator's output",
            self.generator.output_shape,
            "the discriminator's input",
            self.discriminator.inputs[0].shape,
        )

    def build_trackers(self):
        """Returns the `keras.metrics.Mean` trackers logged each epoch."""
        names = ["loss", "d_loss", "g_loss", "p_real", "p_fake"]
        if self.log_gradient_norms:
            names += ["d_grad_norm", "g_grad_norm"]
        return {name: keras.metrics.Mean(name=name) for name in names}

    def reject_inapplicable(self, given, inapplicable, reason):
        """Raises if an argument that has no meaning for this model was set.

        Args:
            given: The keyword arguments the constructor received.
            inapplicable: Names of base arguments that do not apply.
            reason: Why they do not apply (completes the error message).
        """
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(GAN.__init__).parameters.items()
        }
        for name in inapplicable:
            if name in given and given[name] != defaults[name]:
                raise ValueError(
                    f"{type(self).__name__} does not take {name}={given[name]!r}: "
                    f"{reason} Remove the argument."
                )

    @property
    def metrics(self):
        # Listing the trackers here makes Keras reset them every epoch.
        return list(self._trackers.values())

    # ------------------------------------------------------------------
    # Compilation and optimizers.
    # ------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets the two optimizers and builds their state.

        Args:
            d_optimizer: Discriminator optimizer (instance, name or config);
                default `Adam(2e-4, beta_1=0.5)`.
            g_optimizer: Generator optimizer; same default.
            **kwargs: `run_eagerly`, `steps_per_execution`, `jit_compile`,
                passed to `keras.Model.compile`.
        """
        for key in ("optimizer", "loss", "metrics"):
            if key in kwargs:
                raise TypeError(
                    f"GAN.compile() takes no `{key}`: use d_optimizer= and "
                    "g_optimizer= for the optimizers; losses and metrics are "
                    "set by the model's constructor arguments."
                )
        d_optimizer = self._prepare_optimizer(d_optimizer, "d_optimizer")
        g_optimizer = self._prepare_optimizer(g_optimizer, "g_optimizer")
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # Building now (the networks are built) lets `load_model`,
        # `load_weights` and `BackupAndRestore` restore the optimizers' state
        # before the first step instead of silently restarting Adam.
        self.d_optimizer.build(self.discriminator_variables)
        self.g_optimizer.build(self.generator_variables)
        self._compile_kwargs = dict(kwargs)

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            **self._compile_kwargs,
        }

    def _prepare_optimizer(self, optimizer, name):
        optimizer = self.default_optimizer() if optimizer is None else optimizer
        optimizer = keras.optimizers.get(optimizer)
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            # float16 gradients underflow without dynamic loss scaling.
            optimizer = keras.optimizers.LossScaleOptimizer(
                optimizer, name=f"{name}_loss_scale"
            )
        return optimizer

    def default_optimizer(self):
        """The optimizer used when `compile` gets none (one per network)."""
        # Radford et al. 2016 (DCGAN): Adam, lr 2e-4, beta_1 0.5 (TRICKS 1.5).
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)

    @property
    def discriminator_variables(self):
        """The variables the D optimizer updates."""
        return self.discriminator.trainable_variables

    @property
    def generator_variables(self):
        """The variables the G optimizer updates."""
        return self.generator.trainable_variables

    # ------------------------------------------------------------------
    # Random draws.
    # ------------------------------------------------------------------
    def sample_latents(self, batch_size, seed=None):
        """Draws latent vectors from the prior.

        Args:
            batch_size: Number of vectors.
            seed: An int for a reproducible draw, a `SeedGenerator`, or `None`
                for the model's training stream.

        Returns:
            Float tensor of shape `(batch_size, latent_dim)`.
        """
        seed = self.seed_generator if seed is None else seed
        shape = (batch_size, self.latent_dim)
        if self.latent_distribution == "uniform":
            return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        """The generator's inputs for one generated batch (subclasses add labels)."""
        del real_batch
        return self.sample_latents(batch_size, seed=seed)

    def real_targets(self, batch_size):
        """D's per-example targets for real data, with smoothing, noise and flips."""
        return self._targets(batch_size, real=True)

    def fake_targets(self, batch_size):
        """D's per-example targets for generated data, with noise and flips."""
        return self._targets(batch_size, real=False)

    def _targets(self, batch_size, real):
        own, other = (
            (self.real_label, self.fake_label)
            if real
            else (self.fake_label, self.real_label)
        )
        targets = ops.full((batch_size,), own, dtype="float32")
        if self.label_noise > 0:
            # Noise pushes each label toward the opposite one.
            direction = 1.0 if other > own else -1.0
            noise = keras.random.uniform(
                (batch_size,), maxval=self.label_noise, seed=self.seed_generator
            )
            targets = ops.clip(targets + direction * noise, 0.0, 1.0)
        if self.label_flip > 0:
            flip = (
                keras.random.uniform((batch_size,), seed=self.seed_generator)
                < self.label_flip
            )
            flipped = ops.full((batch_size,), other, dtype="float32")
            targets = ops.where(flip, flipped, targets)
        return targets

    def add_instance_noise(self, samples):
        """Adds N(0, instance_noise^2) noise to D's input (no-op at zero)."""
        sigma = self.instance_noise

        def noisy():
            noise = keras.random.normal(
                ops.shape(samples), seed=self.seed_generator, dtype="float32"
            )
            return samples + ops.cast(sigma * noise, samples.dtype)

        return ops.cond(sigma > 0, noisy, lambda: samples)

    # ------------------------------------------------------------------
    # The pieces of a training step. Subclasses override these, not
    # `train_step`, where their mathematics differs. A "batch" is what D
    # judges: samples for `GAN`, `(samples, labels)` for conditional models;
    # real and generated batches have the same structure.
    # ------------------------------------------------------------------
    def unpack_batch(self, data):
        """Returns the real batch the model trains on (samples for `GAN`)."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def batch_size_of(self, batch):
        """Number of examples in a (real or generated) batch."""
        return ops.shape(keras.tree.flatten(batch)[0])[0]

    def generate_batch(self, batch_size, real_batch=None, training=True):
        """Generates one fake batch.

        Args:
            batch_size: Number of examples.
            real_batch: The step's real batch (variants may use it, e.g. VAEGAN
                reconstructs it).
            training: Mode of the generator (batch norm, dropout).

        Returns:
            A tuple `(inputs, fake_batch)`: the generator's inputs and the
            batch D judges as fake, structured like a real batch.
        """
        inputs = self.generator_inputs(batch_size, real_batch)
        return inputs, self.generator(inputs, training=training)

    def discriminate(self, batch, training=True):
        """D's outputs on a batch, after instance noise on the samples."""
        return self.discriminator(self.add_instance_noise(batch), training=training)

    @staticmethod
    def adversarial_logits(outputs):
        """The real/fake logit among D's outputs (multi-head Ds return a dict)."""
        return outputs["logit"] if isinstance(outputs, dict) else outputs

    def discriminator_real_loss(self, real_batch):
        """Per-example D loss on real data, and scalars to log.

        Returns:
            A tuple `(loss, logs)`: `loss` of shape `(batch,)`.
        """
        outputs = self.discriminate(real_batch)
        logits = self.adversarial_logits(outputs)
        loss = gan_losses.binary_cross_entropy_with_logits(
            self.real_targets(self.batch_size_of(real_batch)), logits
        )
        logs = {"p_real": ops.mean(ops.sigmoid(ops.cast(logits, "float32")))}
        return self._with_auxiliary(
            loss, logs, self.auxiliary_real_loss(real_batch, outputs)
        )

    def discriminator_fake_loss(self, fake_inputs, fake_batch):
        """Per-example D loss on generated data, and scalars to log."""
        outputs = self.discriminate(fake_batch)
        logits = self.adversarial_logits(outputs)
        loss = gan_losses.binary_cross_entropy_with_logits(
            self.fake_targets(self.batch_size_of(fake_batch)), logits
        )
        logs = {"p_fake": ops.mean(ops.sigmoid(ops.cast(logits, "float32")))}
        return self._with_auxiliary(
            loss, logs, self.auxiliary_fake_loss(fake_inputs, fake_batch, outputs)
        )

    def generator_loss(self, fake_inputs, fake_batch):
        """Per-example G loss through D, and scalars to log."""
        outputs = self.discriminate(fake_batch)
        loss = self._generator_loss_fn(self.adversarial_logits(outputs))
        return self._with_auxiliary(
            loss,
            {},
            self.auxiliary_generator_loss(fake_inputs, fake_batch, outputs),
        )

    # Auxiliary terms: the extra losses of ACGAN (class) and InfoGAN (mutual
    # information), computed from the same D outputs as the adversarial term.
    # Each returns None or `(per_example_loss, logs)`.
    def auxiliary_real_loss(self, real_batch, outputs):
        return None

    def auxiliary_fake_loss(self, fake_inputs, fake_batch, outputs):
        return None

    def auxiliary_generator_loss(self, fake_inputs, fake_batch, outputs):
        return None

    @staticmethod
    def _with_auxiliary(loss, logs, auxiliary):
        if auxiliary is None:
            return loss, logs
        extra_loss, extra_logs = auxiliary
        return loss + extra_loss, {**logs, **extra_logs}

    def discriminator_penalty(self, real_batch, fake_inputs, fake_batch):
        """A regulariser added to D's loss in joint updates (none for `GAN`).

        Returns:
            None, or a tuple `(scalar_penalty, logs)`.
        """
        return None

    # ------------------------------------------------------------------
    # Updates.
    # ------------------------------------------------------------------
    @staticmethod
    def scale_loss(optimizer, loss):
        """The loss to differentiate: replica-scaled and loss-scaled.

        Must be called inside the `GradientTape`, or the scaling is not
        recorded and every gradient is None.
        """
        return optimizer.scale_loss(scale_loss_for_replicas(loss))

    def _apply_update(self, optimizer, tape, scaled_loss, variables):
        """Differentiates a `scale_loss` result and applies one update.

        Returns:
            The global gradient norm if `log_gradient_norms`, else None.
        """
        return self._apply_gradients(
            optimizer, tape.gradient(scaled_loss, variables), variables
        )

    def _apply_gradients(self, optimizer, grads, variables):
        """Applies gradients of a scaled loss; returns their norm if logged."""
        optimizer.apply(grads, variables)
        if not self.log_gradient_norms:
            return None
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            grads = [g / optimizer.dynamic_scale for g in grads]
        # Undo the replica scaling: the logged norm is that of the gradient
        # of the (replica's) mean loss.
        squares = [ops.sum(ops.square(ops.cast(g, "float32"))) for g in grads]
        return ops.sqrt(sum(squares)) * num_replicas_in_sync()

    def _update_discriminator(self, tape, scaled_loss):
        norm = self._apply_update(
            self.d_optimizer, tape, scaled_loss, self.discriminator_variables
        )
        self.after_discriminator_update()
        return norm

    def after_discriminator_update(self):
        """Hook run after every D optimizer update (WGAN clips weights here)."""

    def discriminator_step(self, real_batch):
        """One D step: a joint update, or real-then-fake updates."""
        import tensorflow as tf

        batch_size = self.batch_size_of(real_batch)
        fake_inputs, fake_batch = self.generate_batch(batch_size, real_batch)
        fake_batch = keras.tree.map_structure(ops.stop_gradient, fake_batch)
        if self.separate_batches:
            with tf.GradientTape() as tape:
                real_loss, real_logs = self.discriminator_real_loss(real_batch)
                real_loss = ops.mean(real_loss)
                scaled = self.scale_loss(self.d_optimizer, real_loss)
            norm_real = self._update_discriminator(tape, scaled)
            with tf.GradientTape() as tape:
                fake_loss, fake_logs = self.discriminator_fake_loss(
                    fake_inputs, fake_batch
                )
                fake_loss = ops.mean(fake_loss)
                scaled = self.scale_loss(self.d_optimizer, fake_loss)
            norm_fake = self._update_discriminator(tape, scaled)
            logs = {"d_loss": real_loss + fake_loss, **real_logs, **fake_logs}
            norm = None if norm_real is None else ops.maximum(norm_real, norm_fake)
        else:
            with tf.GradientTape() as tape:
                real_loss, real_logs = self.discriminator_real_loss(real_batch)
                fake_loss, fake_logs = self.discriminator_fake_loss(
                    fake_inputs, fake_batch
                )
                loss = ops.mean(real_loss) + ops.mean(fake_loss)
                logs = {"d_loss": loss, **real_logs, **fake_logs}
                penalty = self.discriminator_penalty(
                    real_batch, fake_inputs, fake_batch
                )
                if penalty is not None:
                    penalty, penalty_logs = penalty
                    loss = loss + penalty
                    logs.update(penalty_logs)
                scaled = self.scale_loss(self.d_optimizer, loss)
            norm = self._update_discriminator(tape, scaled)
        if norm is not None:
            logs["d_grad_norm"] = norm
        return logs

    def generator_step(self, batch_size, real_batch=None):
        """One G update through D."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            fake_inputs, fake_batch = self.generate_batch(batch_size, real_batch)
            loss, logs = self.generator_loss(fake_inputs, fake_batch)
            loss = ops.mean(loss)
            scaled = self.scale_loss(self.g_optimizer, loss)
        norm = self._apply_update(
            self.g_optimizer, tape, scaled, self.generator_variables
        )
        logs = {"g_loss": loss, **logs}
        if norm is not None:
            logs["g_grad_norm"] = norm
        return logs

    def train_step(self, data):
        real_batch = self.unpack_batch(data)
        batch_size = self.batch_size_of(real_batch)
        logs = {}
        # Python loops: d_steps and g_steps are small constants, so the
        # traced graph simply holds that many updates.
        for _ in range(self.d_steps):
            logs.update(self.discriminator_step(real_batch))
        for _ in range(self.g_steps):
            logs.update(self.generator_step(batch_size, real_batch))
        # A combined `loss` is what stock callbacks such as TerminateOnNaN
        # watch; it is a health signal, not a measure of sample quality.
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        for name, value in logs.items():
            if name in self._trackers:
                self._trackers[name].update_state(value)
        return reducible_logs(
            {name: tracker.result() for name, tracker in self._trackers.items()}
        )

    def test_step(self, data):
        raise NotImplementedError(
            "GANs have no validation loss: remove `validation_data` from fit() "
            "and monitor sample quality with keras_gans.callbacks.GANMetrics."
        )

    # ------------------------------------------------------------------
    # Training entry point: input checks before any work is done.
    # ------------------------------------------------------------------
    def fit(self, x=None, y=None, *args, callbacks=None, validate_data=True, **kwargs):
        """`keras.Model.fit`, after checking the data and arming a NaN guard.

        With `validate_data=True` the first batch (or the whole array) is
        checked against the generator's output shape and value range before
        training starts. For a `tf.data.Dataset` that reads one batch through
        an extra iterator, which advances a seeded reshuffling pipeline by one
        pass; pass `validate_data=False` where that order must not change (e.g.
        bit-exact resumption of such a pipeline). A `StopOnNonFiniteLoss`
        callback is added unless a `keras.callbacks.TerminateOnNaN` is given.
        """
        if not getattr(self, "compiled", False):
            raise RuntimeError(
                "Call `model.compile()` before `fit()` (it sets the two "
                "optimizers; `compile()` with no arguments uses Adam(2e-4, 0.5))."
            )
        sample = data_checks.peek_batch(x, y) if validate_data else None
        if sample is not None:
            self.validate_batch(sample)
        callbacks = list(callbacks or [])
        if not any(
            isinstance(c, (StopOnNonFiniteLoss, keras.callbacks.TerminateOnNaN))
            for c in callbacks
        ):
            callbacks.append(StopOnNonFiniteLoss())
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    def validate_batch(self, data):
        """Raises a clear error if a batch cannot train this model.

        Args:
            data: One batch (or the whole array) as given to `fit`.
        """
        images = self.unpack_batch(data)
        data_checks.check_samples(
            images, self.generator.output_shape, self.value_range
        )

    # ------------------------------------------------------------------
    # Sampling.
    # ------------------------------------------------------------------
    def generate(self, n, seed=None, batch_size=256, **kwargs):
        """Generates `n` samples in the data's value range.

        Args:
            n: Number of samples.
            seed: Int for a reproducible draw; `None` draws from the model's
                sampling stream (independent of the training stream).
            batch_size: Generator batch size.
            **kwargs: Extra generator inputs of subclasses (labels, codes).

        Returns:
            A float32 NumPy array of shape `(n,) + sample_shape`.
        """
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.generate() got unexpected arguments "
                f"{sorted(kwargs)}."
            )
        seed = self.sampling_seed(seed)
        z = self.sample_latents(n, seed=seed)
        return self._run_generator(z, batch_size)

    def sampling_seed(self, seed):
        """The seed stream for one `generate` call.

        `None` continues the model's sampling stream. An int starts a fresh
        `SeedGenerator`, so that the several draws of one call (latents, then
        labels or codes) are independent yet reproducible; passing the same
        int to each draw would make them functions of the same random bits.
        """
        if seed is None:
            return self.sample_seed_generator
        return keras.random.SeedGenerator(int(seed))

    def serving_input_specs(self):
        """`tf.TensorSpec`s of the exported generator's inputs, in order."""
        import tensorflow as tf

        return [tf.TensorSpec((None, self.latent_dim), tf.float32, name="latents")]

    def serving_generator_inputs(self, *serving_inputs):
        """Maps the serving inputs (see `serving_input_specs`) to G's inputs."""
        (latents,) = serving_inputs
        return latents

    def _run_generator(self, inputs, batch_size):
        """Runs G in inference mode over `inputs` (a tensor or list) in chunks."""
        flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        n = int(ops.shape(flat[0])[0])
        chunks = []
        for start in range(0, n, batch_size):
            part = [t[start : start + batch_size] for t in flat]
            part = part if isinstance(inputs, (list, tuple)) else part[0]
            out = self.generator(part, training=False)
            chunks.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        if not chunks:
            return np.zeros((0,) + tuple(self.generator.output_shape[1:]), "float32")
        return np.concatenate(chunks, axis=0)

    # ------------------------------------------------------------------
    # Saving.
    # ------------------------------------------------------------------
    def _own_state(self):
        # Layer.save_own_variables leaves out seed generators; saving them
        # is what makes a resumed run draw the same numbers as an unbroken one.
        return (
            list(self._trainable_variables)
            + list(self._non_trainable_variables)
            + [sg.state for sg in self._seed_generators]
        )

    def save_own_variables(self, store):
        for i, variable in enumerate(self._own_state()):
            store[str(i)] = variable

    def load_own_variables(self, store):
        state = self._own_state()
        if len(store.keys()) != len(state):
            raise ValueError(
                f"{type(self).__name__} expected {len(state)} saved variables "
                f"(instance noise and random-seed state) but the file holds "
                f"{len(store.keys())}; it was saved by a different version or "
                "configuration of the model."
            )
        for i, variable in enumerate(state):
            variable.assign(store[str(i)])

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "loss": self.loss,
            "latent_distribution": self.latent_distribution,
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "separate_batches": self.separate_batches,
            "real_label": self.real_label,
            "fake_label": self.fake_label,
            "label_noise": self.label_noise,
            "label_flip": self.label_flip,
            "instance_noise": self.initial_instance_noise,
            "data_range": (
                list(self.data_range)
                if isinstance(self.data_range, (tuple, list))
                else self.data_range
            ),
            "log_gradient_norms": self.log_gradient_norms,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.network_config_keys():
            config[key] = keras.saving.deserialize_keras_object(config[key])
        if isinstance(config.get("data_range"), list):
            config["data_range"] = tuple(config["data_range"])
        return cls(**config)

    @classmethod
    def network_config_keys(cls):
        """Config entries that hold serialized sub-models."""
        return ("generator", "discriminator")

