"""The GAN base model: the training step composed from a loss, penalties and options.

A model is two networks plus an objective made of parts:

- a loss object (`keras_gans.losses`): D's per-example terms on real and
  generated outputs and G's term; the guide's label tricks live in
  `losses.BinaryCrossEntropy`;
- any number of penalty objects added to D's loss (`keras_gans.penalties`:
  gradient penalty, R1, R2, each optionally lazy);
- constraints on D's variables, applied by the optimizer itself after every
  update (`keras_gans.constraints.Clip`, WGAN's weight clipping);
- options that change what D sees (instance noise, DiffAugment, packing),
  how updates are scheduled (d_steps, g_steps, separate batches, alternating
  or simultaneous updates) and what is sampled (an EMA of G).

`WGAN` and `WGANGP` are presets of these defaults; subclasses exist only
where the batch structure or the networks differ (conditional, AC, Info and
VAE GANs). This follows TF-GAN's `gan_loss` (losses are pairs of functions,
extra terms are added by weight) and StyleGAN2-ADA's training loop (the
phases are data; one loss method serves every phase).

Reference: Goodfellow et al. 2014, "Generative Adversarial Nets"; the
per-step tricks follow the field guide in TRICKS.md (items 1.2-1.4, 2.3, 2.4,
3.3, 4.3 and 4.5), with the papers cited where each is implemented.
"""

import contextlib
import inspect
import os
import warnings

import keras
import numpy as np
from keras import ops

from keras_gans import augment as gan_augment
from keras_gans import checks
from keras_gans import losses as gan_losses
from keras_gans import penalties as gan_penalties
from keras_gans.io_utils import atomic_write
from keras_gans.models.distribution import num_replicas_in_sync
from keras_gans.models.distribution import reducible_logs
from keras_gans.models.distribution import scale_loss_for_replicas
from keras_gans.models.non_finite_guard import default_guards

LATENT_DISTRIBUTIONS = ("normal", "uniform")
UPDATE_SCHEMES = ("alternating", "simultaneous")
# `keras.Model.fit`'s signature, to read `batch_size`, `epochs`, ... however
# they were passed.
_FIT_SIGNATURE = inspect.signature(keras.Model.fit)


def _warn_inexact_backups(callbacks):
    """Warns that a batch-level `BackupAndRestore` does not resume exactly.

    Keras' `BackupAndRestore(save_freq=n)` saves every n batches but records
    only the epoch: a resumed `fit` restarts the interrupted epoch from its
    first batch on the mid-epoch weights, so the batches before the save are
    trained twice. `save_freq="epoch"` (the default) resumes bit-exactly.
    """
    for callback in callbacks:
        if (isinstance(callback, keras.callbacks.BackupAndRestore)
                and callback.save_freq != "epoch"):
            warnings.warn(
                f"BackupAndRestore(save_freq={callback.save_freq!r}) saves "
                "mid-epoch, but a resumed fit restarts the interrupted epoch "
                "from its first batch on the mid-epoch weights: the batches "
                "before the save are trained again, so the run differs from an "
                "uninterrupted one. save_freq='epoch' (the default) resumes "
                "exactly.", RuntimeWarning, stacklevel=3)


def pack_samples(samples, pack):
    """Concatenates groups of `pack` consecutive samples along the last axis.

    PacGAN's packing (Lin et al. 2018): D judges `pack` samples at once.
    Images `(batch, h, w, c)` become `(batch // pack, h, w, pack * c)` and
    vectors `(batch, f)` become `(batch // pack, pack * f)`; pack j of the
    result holds samples `j * pack ... j * pack + pack - 1`, in that order. A
    batch that is not a multiple of `pack` drops its last `batch % pack`
    samples (only a dataset's final partial batch can be one: `fit` checks
    the first batch).
    """
    if pack == 1:
        return samples
    shape = ops.shape(samples)
    packs = shape[0] // pack
    samples = samples[: packs * pack]
    rest = tuple(samples.shape[1:])
    grouped = ops.reshape(samples, (packs, pack) + rest)
    # Move the pack axis next to the feature axis, then merge the two.
    grouped = ops.moveaxis(grouped, 1, -2)
    return ops.reshape(grouped, (packs,) + rest[:-1] + (pack * rest[-1],))


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(keras.Model):
    """An unconditional GAN trained with `fit()`, every per-step trick an argument.

    Each training step runs `d_steps` discriminator updates and then
    `g_steps` generator updates on one batch of real data (or, with
    `update_scheme="simultaneous"`, one update of both from the same forward
    pass). An ablation changes an argument, never the code:

    - `loss`: a `keras_gans.losses` object or shortcut: `"non_saturating"`
      (BCE, default; TRICKS 1.2, 1.3), `"minimax"`, `"wasserstein"`,
      `"hinge"`, `"least_squares"`, `"relativistic"`,
      `"relativistic_hinge"`. Label smoothing, noise and flips (4.3) are
      arguments of `losses.BinaryCrossEntropy`.
    - `penalties`: penalty objects added to D's loss (`penalties.R1(10)`,
      `GradientPenalty(10)`, `R2`), each applied once per D step.
    - `latent_distribution`: `"normal"` (default, 1.4) or `"uniform"` on
      [-1, 1].
    - `d_steps`, `g_steps`: updates of each network per step (2.3, 2.4). Every
      D update draws fresh latents and reuses the step's real batch.
    - `separate_batches`: each D step becomes two D updates, first on the
      real-only batch, then on a generated-only batch (3.3); penalties run in
      the update that has their inputs. Without it D gets one update from
      both batches (each still passed through D on its own, so batch-norm
      statistics never mix real and fake).
    - `update_scheme`: `"alternating"` (default: D, then G through the
      updated D) or `"simultaneous"` (one generator pass; D's and G's
      gradients from the same generated batch and the same D outputs, both
      applied: the update of the 2D-mixture papers' code, and the cheapest
      step).
    - `instance_noise`: std of Gaussian noise added to every input D sees,
      real and generated, in D and in G updates (Sonderby et al. 2016;
      Arjovsky & Bottou 2017). Held in the `keras.Variable`
      `model.instance_noise`, so `callbacks.VariableSchedule` can anneal it
      (4.5).
    - `augment`: DiffAugment of everything D sees (Zhao et al. 2020): `None`,
      a policy such as `"color,translation,cutout"`, or an
      `augment.DiffAugment`; a no-op for non-image data.
    - `pack`: PacGAN packing (Lin et al. 2018): D judges `pack` samples at
      once, concatenated along the last (channel/feature) axis, real packs
      against generated packs. Build D for the packed shape (the builders'
      `pack=` argument).
    - `ema_decay`, `ema_start_step`: sample from an exponential moving
      average of G's weights (Yazici et al. 2019): after every training step
      past `ema_start_step`, `ema = decay * ema + (1 - decay) * weights`
      (before it the average is a copy of G). With `ema_warmup=True` the
      decay of the t-th average is `min(decay, (1 + t) / (10 + t))`, the
      warm-up of `tf.train.ExponentialMovingAverage(num_updates=t)`: at
      short budgets the average then forgets the initial weights (decay
      0.999 from step 0 still holds 0.999^1500 = 22% of them after 1,500
      steps without it). `generate`, the sample and
      metric callbacks and `export_generator` use the averaged generator
      (`model.sampling_generator`); it is saved with the model.

    Logs (per-epoch means): `d_loss` (D's loss without penalties), `g_loss`,
    `loss` (`d_loss + g_loss`, for stock callbacks that watch `loss`, such as
    `keras.callbacks.TerminateOnNaN`; it says nothing about sample quality),
    the loss's own scalars (`p_real`/`p_fake` for BCE, D's mean probability
    that real and generated samples are real, 0.5/0.5 at equilibrium;
    `critic_real`/`critic_fake` otherwise; `wasserstein` for the Wasserstein
    loss), each penalty's unweighted value under its name (`r1`,
    `gradient_penalty`, ...; lazy ones averaged over the steps that computed
    them, 0 in an epoch where none did), and `d_grad_norm`/`g_grad_norm` when `log_gradient_norms=True`.

    Extension points, for variants of your own (the README shows one):
    `check_networks`, `unpack_batch`, `generator_inputs`, `generate_batch`,
    `auxiliary_loss`, `generator_objective` (with `generator_targets`),
    `log_names`, `default_optimizer`, and for input checks `validate_batch`,
    `batch_assertions` and `check_serving_inputs`; `update` is the one update
    primitive every step uses.

    Args:
        generator: A `keras.Model` mapping `(batch, latent_dim)` latents to
            samples.
        discriminator: A `keras.Model` mapping samples (packed when
            `pack > 1`) to one logit or score per example.
        latent_dim: Size of the latent vector; must match the generator's input.
        loss: A `losses.GANLoss` or a shortcut string (see above).
        penalties: A sequence of `penalties.Penalty` objects (or names).
        latent_distribution: `"normal"` or `"uniform"`.
        d_steps: Discriminator updates per training step.
        g_steps: Generator updates per training step.
        separate_batches: Whether D steps use a real-only then a fake-only update.
        update_scheme: `"alternating"` or `"simultaneous"`.
        instance_noise: Initial std of the Gaussian noise on D's inputs.
        augment: `None`, a DiffAugment policy string or layer.
        pack: Number of samples D judges at once.
        ema_decay: `None` (no EMA) or the decay in [0, 1).
        ema_start_step: Training steps before the average starts.
        ema_warmup: Whether the decay ramps up as `(1 + t) / (10 + t)`
            over the first averaging steps `t` (capped at `ema_decay`).
        data_range: `(low, high)` of the data, `"auto"` to read it from the
            generator's output activation (tanh -> (-1, 1), sigmoid -> (0, 1),
            anything else -> unbounded), or `None` for no range check.
        log_gradient_norms: Whether to log the global gradient norms of D and G.
        seed: None or an int >= 0: the seed of the model's random streams
            (latents, label noise, instance noise, augmentation, penalties).
            Their state is saved with the model.
        **kwargs: Passed to `keras.Model` (e.g. `name`).

    Every argument is checked at construction (`keras_gans.checks`): a wrong
    type, NaN or out-of-range value raises a `ValueError` naming it; `fit`
    and `train_step` check the data (see `fit` and `batch_assertions`).

    Example:

    ```python
    gan = keras_gans.GAN(
        networks.dcgan_generator(100, (28, 28, 1)),
        networks.dcgan_discriminator((28, 28, 1)),
        latent_dim=100,
        loss=keras_gans.losses.BinaryCrossEntropy(real_label=0.9),
        d_steps=2)
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
    # Whether `generator_objective` is the base one (simultaneous updates
    # share D's outputs between D's and G's objectives).
    supports_simultaneous = True

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
        penalties=(),
        latent_distribution="normal",
        d_steps=1,
        g_steps=1,
        separate_batches=False,
        update_scheme="alternating",
        instance_noise=0.0,
        augment=None,
        pack=1,
        ema_decay=None,
        ema_start_step=0,
        ema_warmup=False,
        data_range="auto",
        log_gradient_norms=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.loss = gan_losses.get(loss)
        if isinstance(penalties, (str, gan_penalties.Penalty, dict)):
            penalties = [penalties]
        self.penalties = tuple(gan_penalties.get(p) for p in penalties)
        checks.choice("latent_distribution", latent_distribution, LATENT_DISTRIBUTIONS)
        checks.choice("update_scheme", update_scheme, UPDATE_SCHEMES)
        instance_noise = checks.non_negative(
            "instance_noise", instance_noise, hint="It is a standard deviation.")
        ema_decay = checks.number(
            "ema_decay", ema_decay, 0.0, 1.0, exclusive_maximum=True, allow_none=True,
            hint="E.g. 0.999, or None for no average.")

        self.generator = checks.network("generator", generator)
        self.discriminator = checks.network("discriminator", discriminator)
        self.latent_dim = checks.positive_int("latent_dim", latent_dim)
        self.latent_distribution = latent_distribution
        self.d_steps = checks.positive_int("d_steps", d_steps)
        self.g_steps = checks.positive_int("g_steps", g_steps)
        self.separate_batches = checks.boolean("separate_batches", separate_batches)
        self.update_scheme = update_scheme
        self.initial_instance_noise = instance_noise
        self.augment = gan_augment.get(augment)
        self.pack = checks.positive_int("pack", pack)
        self.ema_decay = ema_decay
        self.ema_start_step = checks.non_negative_int("ema_start_step", ema_start_step)
        self.ema_warmup = checks.boolean("ema_warmup", ema_warmup)
        self.data_range = data_range
        self.log_gradient_norms = checks.boolean("log_gradient_norms", log_gradient_norms)
        self.seed = checks.seed("seed", seed)

        self.check_combination()
        self.check_networks()
        self.value_range = checks.resolve_data_range(data_range, generator)
        self._floor = self._batch_floor(synchronized=None)
        self._replica_floor = self._batch_floor(synchronized=False)

        # A Variable, not a float: a float would be frozen into the traced
        # train_step and a schedule callback's changes silently ignored.
        self.instance_noise = keras.Variable(
            instance_noise, trainable=False, dtype="float32", name="instance_noise")
        self.seed_generator = keras.random.SeedGenerator(seed, name="train_seed")
        # Sampling for callbacks and `generate()` draws from its own stream so
        # that monitoring never changes the training trajectory.
        sample_seed = None if seed is None else seed + 1
        self.sample_seed_generator = keras.random.SeedGenerator(
            sample_seed, name="sample_seed")
        self.ema_generator = self._make_ema_generator() if ema_decay is not None else None
        # Set only inside `sampling_from_raw_generator()`.
        self._sample_raw = False
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.log_names()}
        # The sub-networks are functional models, built at construction, so
        # the GAN needs no build step (and loading can restore into it).
        self.built = True

    # ------------------------------------------------------------------
    # Construction checks.
    # ------------------------------------------------------------------
    def check_combination(self):
        """Refuses options that cannot work together, with the reason."""
        if self.separate_batches and self.loss.couples_real_and_fake:
            raise ValueError(
                f"separate_batches=True cannot be used with {self.loss!r}: its "
                "D loss compares real with generated outputs, so each D update "
                "needs both batches.")
        if self.update_scheme == "simultaneous":
            if self.d_steps != 1 or self.g_steps != 1 or self.separate_batches:
                raise ValueError(
                    "update_scheme='simultaneous' updates D and G once each from "
                    "one forward pass; it cannot take d_steps/g_steps other than "
                    "1 or separate_batches=True. Use update_scheme='alternating'.")
            if not self.supports_simultaneous:
                raise ValueError(
                    f"{type(self).__name__} has its own generator objective and "
                    "cannot use update_scheme='simultaneous'.")
        names = [p.name for p in self.penalties]
        if len(set(names)) != len(names):
            raise ValueError(
                f"Each penalty may be given once; received {list(self.penalties)}. "
                "Combine their weights into one.")

    def check_networks(self):
        """Checks the networks against `latent_dim`, each other and the options.

        Raises:
            ValueError: naming the mismatching shapes and how to fix them.
        """
        g_inputs = 2 if self.generator_takes_labels else 1
        checks.input_count(
            self.generator, "generator", g_inputs,
            "[z, labels]" if self.generator_takes_labels
            else "the latent vector (ConditionalGAN takes [z, labels])")
        checks.latent_width(
            self.generator, self.generator.inputs[0], self.latent_dim,
            extra=self.extra_generator_width(), extra_what="the latent codes")
        d_inputs = 2 if self.discriminator_takes_labels else 1
        checks.input_count(
            self.discriminator, "discriminator", d_inputs,
            "[samples, labels]" if self.discriminator_takes_labels else "samples")
        d_output = checks.symbolic_output(self.discriminator)
        if self.pack > 1 and (self.discriminator_takes_labels
                              or isinstance(d_output, dict)):
            raise ValueError(
                f"pack={self.pack} needs a discriminator that judges samples only: "
                f"{type(self).__name__}'s discriminator also reads or predicts "
                "per-example labels or codes, which a pack of samples does not "
                "have. Use pack=1.")
        sample_shape = tuple(self.generator.output_shape)
        packed = sample_shape[:-1] + (sample_shape[-1] * self.pack,)
        checks.same_shape(
            "the generator's output" + (f" packed by {self.pack}" if self.pack > 1 else ""),
            packed, "the discriminator's input", self.discriminator.inputs[0].shape,
            hint=(f" Build D for packed input, e.g. the builders' pack={self.pack}."
                  if self.pack > 1 else ""))
        checks.logit_output(d_output, self.discriminator, self.adversarial_logits)

    def _named_networks(self):
        """The model's networks by constructor name (`generator`, ...)."""
        return {key: getattr(self, key) for key in self.network_config_keys()}

    def _batch_floor(self, synchronized):
        """`(fewest examples per batch, why)`: packing and batch norm need some.

        Batch norm in training mode normalises each feature over the batch,
        so a batch of 1 makes every output a constant: D (or G) receives no
        signal and trains silently on nothing. `synchronized=False` counts
        only the layers that normalise per replica.
        """
        floor, reasons = 1, []
        if self.pack > 1:
            floor, reasons = self.pack, [f"pack={self.pack}"]
        normed = [name for name, net in self._named_networks().items()
                  if checks.batch_norm_layers(net, synchronized=synchronized)]
        if normed and floor < 2:
            floor = 2
        if normed:
            reasons.append(f"batch norm in the {' and '.join(normed)} (a batch of 1 "
                           "gives it no signal)")
        return floor, " and ".join(reasons)

    def extra_generator_width(self):
        """Width of G's first input beyond `latent_dim` (InfoGAN's codes)."""
        return 0

    def log_names(self):
        """Names of the scalars logged each epoch (subclasses add theirs)."""
        names = ["loss", "d_loss", "g_loss", *self.loss.log_names]
        names += [p.name for p in self.penalties]
        if self.log_gradient_norms:
            names += ["d_grad_norm", "g_grad_norm"]
        return names

    @property
    def metrics(self):
        # Listing the trackers here makes Keras reset them every epoch.
        return list(self._trackers.values())

    # ------------------------------------------------------------------
    # Compilation and optimizers.
    # ------------------------------------------------------------------
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets the two optimizers and builds their state.

        Two time-scale updates (TTUR, Heusel et al. 2017) are just two
        optimizers with different learning rates, e.g.
        `compile(d_optimizer=Adam(4e-4, 0.0, 0.9), g_optimizer=Adam(1e-4, 0.0, 0.9))`.

        Args:
            d_optimizer: Discriminator optimizer (instance, name or config);
                default `default_optimizer()`: Adam(2e-4, beta_1=0.5).
            g_optimizer: Generator optimizer; same default.
            **kwargs: `run_eagerly`, `steps_per_execution`, `jit_compile`,
                passed to `keras.Model.compile`.
        """
        for key in ("optimizer", "loss", "metrics"):
            if key in kwargs:
                raise TypeError(
                    f"GAN.compile() takes no `{key}`: use d_optimizer= and "
                    "g_optimizer= for the optimizers; losses and metrics are "
                    "set by the model's constructor arguments.")
        if d_optimizer is not None and d_optimizer is g_optimizer and not isinstance(
                d_optimizer, (str, dict)):
            raise ValueError(
                "d_optimizer and g_optimizer are the same optimizer object: one "
                "instance keeps one step counter and one set of moment estimates "
                "for both networks, so each update would use the other network's "
                "state. Pass two instances, e.g. d_optimizer=keras.optimizers."
                "Adam(2e-4, beta_1=0.5), g_optimizer=keras.optimizers.Adam(2e-4, "
                "beta_1=0.5), or nothing for that default.")
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
                optimizer, keras.optimizers.LossScaleOptimizer):
            # float16 gradients underflow without dynamic loss scaling.
            optimizer = keras.optimizers.LossScaleOptimizer(
                optimizer, name=f"{name}_loss_scale")
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
    # Random draws and batches. A "batch" is what D judges: samples for
    # `GAN`, `(samples, labels)` for models with `needs_labels`; real and
    # generated batches have the same structure.
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

    def unpack_batch(self, data):
        """Returns the real batch the model trains on (samples for `GAN`)."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return x

    def samples_of(self, batch):
        """The samples of a batch (dropping labels)."""
        return batch[0] if self.needs_labels else batch

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

    # ------------------------------------------------------------------
    # What D sees.
    # ------------------------------------------------------------------
    def add_instance_noise(self, samples):
        """Adds N(0, instance_noise^2) noise to D's input (no-op at zero)."""
        sigma = self.instance_noise

        def noisy():
            noise = keras.random.normal(
                ops.shape(samples), seed=self.seed_generator, dtype="float32")
            return samples + ops.cast(sigma * noise, samples.dtype)

        return ops.cond(sigma > 0, noisy, lambda: samples)

    def discriminator_input(self, samples):
        """D's input for samples: augmented, with instance noise, packed."""
        if self.augment is not None:
            samples = self.augment(samples, seed=self.seed_generator)
        return pack_samples(self.add_instance_noise(samples), self.pack)

    def call_discriminator(self, inputs, batch, training=True):
        """D on prepared inputs, with the batch's labels if D takes them."""
        if self.discriminator_takes_labels:
            return self.discriminator([inputs, batch[1]], training=training)
        return self.discriminator(inputs, training=training)

    def discriminate(self, batch, training=True):
        """D's outputs on a batch (as D sees it: see `discriminator_input`)."""
        inputs = self.discriminator_input(self.samples_of(batch))
        return self.call_discriminator(inputs, batch, training=training)

    @staticmethod
    def adversarial_logits(outputs):
        """The real/fake logit among D's outputs (multi-head Ds return a dict)."""
        return outputs["logit"] if isinstance(outputs, dict) else outputs

    def auxiliary_loss(self, part, batch, outputs, generator_inputs=None):
        """Extra per-example terms from D's outputs (ACGAN's class, InfoGAN's codes).

        Args:
            part: `"real"` or `"fake"` (terms of D's loss) or `"generator"`
                (a term of G's loss).
            batch: The batch D judged.
            outputs: D's outputs on it.
            generator_inputs: G's inputs for generated batches.

        Returns:
            None, or `(per_example_loss, logs)`.
        """
        return None

    def _with_auxiliary(self, terms, logs, part, batch, outputs, generator_inputs=None):
        auxiliary = self.auxiliary_loss(part, batch, outputs, generator_inputs)
        if auxiliary is None:
            return terms
        extra, extra_logs = auxiliary
        logs.update(extra_logs)
        return terms + extra

    # ------------------------------------------------------------------
    # Objectives: functions of batches that return `(losses, logs)`, the
    # losses keyed by the names `update` differentiates.
    # ------------------------------------------------------------------
    def discriminator_terms(self, real, fake, generator_inputs, d_step,
                            parts=("real", "fake")):
        """D's loss terms on the parts present, its penalties, and D's outputs.

        Args:
            real: The real batch.
            fake: The generated batch (None in a real-only update).
            generator_inputs: G's inputs for `fake`.
            d_step: Index of this D step (for lazy penalties).
            parts: Which loss terms to compute, `("real", "fake")` for a
                joint update or one of them for `separate_batches`.

        Returns:
            `(objective, logs, outputs)`: the scalar D minimises (loss plus
            weighted penalties), the logs, and D's outputs by part.
        """
        seed = self.seed_generator
        batches = {"real": real, "fake": fake}
        inputs = {part: self.discriminator_input(self.samples_of(batches[part]))
                  for part in parts}
        outputs = {part: self.call_discriminator(inputs[part], batches[part])
                   for part in parts}
        logits = {part: self.adversarial_logits(outputs[part]) for part in parts}
        logs, d_loss = {}, 0.0
        for part in parts:
            if part == "real":
                terms = self.loss.discriminator_real(logits["real"], logits.get("fake"), seed)
            else:
                terms = self.loss.discriminator_fake(logits["fake"], logits.get("real"), seed)
            terms = self._with_auxiliary(terms, logs, part, batches[part], outputs[part],
                                         generator_inputs if part == "fake" else None)
            d_loss = d_loss + ops.mean(terms)
            logs.update(self.loss.summary(logits[part], real=part == "real"))
        logs["d_loss"] = d_loss
        objective = d_loss + self._penalty_terms(batches, inputs, d_step, parts, logs)
        return objective, logs, outputs

    def _penalty_terms(self, batches, inputs, d_step, parts, logs):
        """The weighted sum of the penalties that belong to this update."""
        total = 0.0
        for penalty in self.penalties:
            runs_here = (set(penalty.uses) <= set(parts) if len(parts) == 2
                         else (penalty.uses == ("real",)) == (parts == ("real",)))
            if not runs_here:
                continue
            for part in penalty.uses:
                if part not in inputs:
                    inputs[part] = self.discriminator_input(self.samples_of(batches[part]))
            # Conditional critics judge interpolates with the real labels.
            labelled = batches["real"] if "real" in penalty.uses else batches["fake"]

            def compute(penalty=penalty, labelled=labelled):
                def critic(x):
                    return self.adversarial_logits(self.call_discriminator(x, labelled))

                return ops.cast(penalty.compute(critic, inputs.get("real"),
                                                inputs.get("fake"), self.seed_generator),
                                "float32")

            n = penalty.every_n_steps
            if n == 1:
                value = compute()
                logs[penalty.name] = value
                total = total + penalty.weight * value
            else:
                # Lazy regularisation: computed on one D step in n, n times
                # as strong, so its average pull is unchanged.
                due = ops.equal(d_step % n, 0)
                value = ops.cond(due, compute, lambda: ops.zeros((), "float32"))
                logs[penalty.name] = (value, ops.cast(due, "float32"))
                total = total + (penalty.weight * n) * value
        return total

    def generator_terms(self, real, generator_inputs, fake, fake_outputs,
                        real_logits=None):
        """G's loss from D's outputs on a generated batch, and logs.

        `real_logits` (D's logits on the real batch) are computed here when
        the loss needs them and they are not given.
        """
        if self.loss.generator_needs_real and real_logits is None:
            real_logits = self.adversarial_logits(self.discriminate(real))
        terms = self.loss.generator(self.adversarial_logits(fake_outputs), real_logits)
        logs = {}
        terms = self._with_auxiliary(terms, logs, "generator", fake, fake_outputs,
                                     generator_inputs)
        g_loss = ops.mean(terms)
        logs["g_loss"] = g_loss
        return g_loss, logs

    def generator_objective(self, real_batch):
        """G's objective for one G update: `({"g_objective": loss}, logs)`.

        Override with `generator_targets` for a G update with several terms
        (VAEGAN trains its encoder and decoder on different losses).
        """
        generator_inputs, fake = self.generate_batch(
            self.batch_size_of(real_batch), real_batch)
        g_loss, logs = self.generator_terms(
            real_batch, generator_inputs, fake, self.discriminate(fake))
        return {"g_objective": g_loss}, logs

    @property
    def generator_targets(self):
        """`(loss name, optimizer, variables)` of the G update, for `update`."""
        return [("g_objective", self.g_optimizer, self.generator_variables)]

    @property
    def discriminator_targets(self):
        return [("d_objective", self.d_optimizer, self.discriminator_variables)]

    # ------------------------------------------------------------------
    # The update primitive and the step.
    # ------------------------------------------------------------------
    def update(self, compute, targets):
        """One update: tape, replica and loss scaling, optimizer steps, norms.

        Every update of every model goes through here: D's, G's,
        `separate_batches`' two, VAEGAN's encoder + decoder and the
        simultaneous update of both networks.

        Args:
            compute: Function of no arguments returning `(losses, logs)`:
                scalar losses keyed by name, and scalars to log.
            targets: `(loss name, optimizer, variables)` triples: each loss is
                differentiated with respect to its variables; the variables
                of one optimizer are updated in one `apply` call.

        Returns:
            `logs`, with `d_grad_norm`/`g_grad_norm` (the larger over repeated
            updates) when `log_gradient_norms`.
        """
        import tensorflow as tf

        with tf.GradientTape(persistent=len(targets) > 1) as tape:
            losses, logs = compute()
            # Inside the tape, or the scaling is not recorded and every
            # gradient is None.
            scaled = [optimizer.scale_loss(scale_loss_for_replicas(losses[name]))
                      for name, optimizer, _ in targets]
        steps = {}
        for (_, optimizer, variables), loss in zip(targets, scaled):
            grads = tape.gradient(loss, variables)
            entry = steps.setdefault(id(optimizer), (optimizer, [], []))
            entry[1].extend(grads)
            entry[2].extend(variables)
        del tape
        for optimizer, grads, variables in steps.values():
            optimizer.apply(grads, variables)
            if self.log_gradient_norms:
                name = "d_grad_norm" if optimizer is self.d_optimizer else "g_grad_norm"
                norm = self._gradient_norm(optimizer, grads)
                logs[name] = ops.maximum(logs[name], norm) if name in logs else norm
        return logs

    @staticmethod
    def _gradient_norm(optimizer, grads):
        grads = [g for g in grads if g is not None]
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            grads = [g / optimizer.dynamic_scale for g in grads]
        # Undo the replica scaling: the logged norm is that of the gradient
        # of the (replica's) mean loss.
        squares = [ops.sum(ops.square(ops.cast(g, "float32"))) for g in grads]
        return ops.sqrt(sum(squares)) * num_replicas_in_sync()

    def _d_step_index(self):
        updates_per_step = 2 if self.separate_batches else 1
        return self.d_optimizer.iterations // updates_per_step

    def discriminator_step(self, real_batch):
        """One D step: a joint update, or real-then-fake updates."""
        d_step = self._d_step_index()
        generator_inputs, fake = self.generate_batch(
            self.batch_size_of(real_batch), real_batch)
        fake = keras.tree.map_structure(ops.stop_gradient, fake)

        def objective(parts):
            def compute():
                loss, logs, _ = self.discriminator_terms(
                    real_batch, fake, generator_inputs, d_step, parts)
                return {"d_objective": loss}, logs
            return compute

        if not self.separate_batches:
            logs = self.update(objective(("real", "fake")), self.discriminator_targets)
        else:
            real_logs = self.update(objective(("real",)), self.discriminator_targets)
            logs = self.update(objective(("fake",)), self.discriminator_targets)
            logs = {**real_logs, **logs,
                    "d_loss": real_logs["d_loss"] + logs["d_loss"]}
            if "d_grad_norm" in real_logs:
                logs["d_grad_norm"] = ops.maximum(real_logs["d_grad_norm"],
                                                  logs["d_grad_norm"])
        logs.update(self.loss.derived_logs(logs))
        return logs

    def generator_step(self, real_batch):
        """One G update through D."""
        return self.update(lambda: self.generator_objective(real_batch),
                           self.generator_targets)

    def simultaneous_step(self, real_batch):
        """D and G updated together from one generated batch and one D pass."""
        d_step = self._d_step_index()

        def compute():
            generator_inputs, fake = self.generate_batch(
                self.batch_size_of(real_batch), real_batch)
            d_loss, logs, outputs = self.discriminator_terms(
                real_batch, fake, generator_inputs, d_step)
            real_logits = self.adversarial_logits(outputs["real"])
            g_loss, g_logs = self.generator_terms(
                real_batch, generator_inputs, fake, outputs["fake"], real_logits)
            return {"d_objective": d_loss, "g_objective": g_loss}, {**logs, **g_logs}

        logs = self.update(compute, self.discriminator_targets + self.generator_targets)
        logs.update(self.loss.derived_logs(logs))
        return logs

    def train_step(self, data):
        # Nothing of the step (updates, step counters, random draws) runs
        # before the batch passes its in-graph checks (`batch_assertions`).
        with checks.guarded(self.batch_assertions(data)):
            real_batch = self.unpack_batch(data)
            logs = {}
            if self.update_scheme == "simultaneous":
                logs.update(self.simultaneous_step(real_batch))
            else:
                # Python loops: d_steps and g_steps are small constants, so the
                # traced graph simply holds that many updates.
                for _ in range(self.d_steps):
                    logs.update(self.discriminator_step(real_batch))
                for _ in range(self.g_steps):
                    logs.update(self.generator_step(real_batch))
            self.update_ema()
            # A combined `loss` is what stock callbacks such as TerminateOnNaN
            # watch; it is a health signal, not a measure of sample quality.
            logs["loss"] = logs["d_loss"] + logs["g_loss"]
            return self._record(logs)

    def _record(self, logs):
        for name, tracker in self._trackers.items():
            if name not in logs:
                continue
            value = logs[name]
            if isinstance(value, tuple):
                # (value, weight): lazy penalties count only the steps that
                # computed them.
                tracker.update_state(value[0], sample_weight=value[1])
            else:
                tracker.update_state(value)
        return reducible_logs(
            {name: tracker.result() for name, tracker in self._trackers.items()})

    def test_step(self, data):
        raise NotImplementedError(
            "GANs have no validation loss: remove `validation_data` from fit() "
            "and monitor sample quality with keras_gans.callbacks.GANMetrics.")

    # ------------------------------------------------------------------
    # Exponential moving average of G.
    # ------------------------------------------------------------------
    def _make_ema_generator(self):
        ema = keras.models.clone_model(self.generator)
        ema.set_weights(self.generator.get_weights())
        # Its variables change only through `update_ema`, never the optimizer.
        ema.trainable = False
        return ema

    @property
    def sampling_generator(self):
        """The generator that samples: the EMA one when `ema_decay` is set
        (the trained G inside `sampling_from_raw_generator()`)."""
        if self.ema_generator is None or self._sample_raw:
            return self.generator
        return self.ema_generator

    @contextlib.contextmanager
    def sampling_from_raw_generator(self):
        """A block in which `generate` draws from the trained G, not its EMA.

        An EMA run trains the very same G as the run without EMA (the
        average never feeds back into training), so scoring both generators
        at each evaluation compares "EMA" with "no EMA" in one run, paired
        on the same training trajectory: `GANMetrics(raw_generator=True)`.
        Without an EMA the block changes nothing.

        ```python
        with gan.sampling_from_raw_generator():
            raw = gan.generate(16, seed=0)
        ```
        """
        previous = self._sample_raw
        self._sample_raw = True
        try:
            yield self
        finally:
            self._sample_raw = previous

    def update_ema(self):
        """Moves the EMA generator's weights toward G's (no-op without EMA).

        Trainable weights are averaged; the others (batch-norm statistics)
        are copied, as in StyleGAN's EMA.
        """
        if self.ema_generator is None:
            return
        steps = self.g_optimizer.iterations // self.g_steps
        decay = ops.cast(self.ema_decay, "float32")
        if self.ema_warmup:
            # t = 0 at the first averaging step (steps == ema_start_step + 1).
            t = ops.cast(steps - self.ema_start_step - 1, "float32")
            decay = ops.minimum(decay, (1.0 + t) / (10.0 + t))
        decay = ops.where(steps > self.ema_start_step, decay, 0.0)
        for average, weight in zip(self.ema_generator.weights, self.generator.weights):
            if weight.trainable:
                value = decay * ops.cast(average, "float32") + (1.0 - decay) * ops.cast(
                    weight, "float32")
                average.assign(ops.cast(value, average.dtype))
            else:
                average.assign(weight)

    # ------------------------------------------------------------------
    # Training entry point: input checks before any work is done.
    # ------------------------------------------------------------------
    def fit(self, x=None, y=None, *args, callbacks=None, validate_data=True, **kwargs):
        """`keras.Model.fit`, after checking the input and arming a NaN guard.

        Before any step, `fit` refuses (with a `ValueError` naming the fix):

        - arguments `epochs`, `steps_per_epoch`, `batch_size`,
          `initial_epoch` that are not integers in range;
        - more `steps_per_epoch` than the data holds: a finite `tf.data`
          dataset with fewer than `(epochs - initial_epoch) *
          steps_per_epoch` batches (Keras would stop the whole training when
          it runs out), or arrays with fewer batches per epoch;
        - a `steps_per_epoch` that is not a multiple of the compiled
          `steps_per_execution` (Keras would round each epoch up to whole
          blocks and train steps nobody asked for);
        - with `validate_data=True`: the first batch (or the whole array)
          when it is empty, non-numeric, non-finite, of the wrong shape,
          outside the generator's value range, or (conditional models) holds
          class ids outside `[0, num_classes)`; and batches smaller than
          batch norm (2) or packing (`pack`) needs.

        Every batch is also checked inside the training step
        (`batch_assertions`), so a later batch of a `tf.data` pipeline with a
        NaN or an out-of-range class id fails with the same kind of message,
        before its step updates anything.

        For a `tf.data.Dataset` the first-batch check reads one batch through
        an extra iterator, which advances a seeded reshuffling pipeline by one
        pass; pass `validate_data=False` where that order must not change (e.g.
        bit-exact resumption of such a pipeline). A `StopOnNonFiniteLoss`
        guard is added unless a `keras.callbacks.TerminateOnNaN`, a
        `StopOnNonFiniteLoss` or a callback that restores on non-finite losses
        (`callbacks.DivergenceMonitor(action="restore")`) is given.
        """
        import tensorflow as tf

        if not getattr(self, "compiled", False):
            raise RuntimeError(
                "Call `model.compile()` before `fit()` (it sets the two "
                "optimizers; `compile()` with no arguments uses Adam(2e-4, 0.5)).")
        arguments = self._fit_arguments(x, y, args, kwargs)
        checks.enough_batches(x, arguments["batch_size"], arguments["epochs"],
                              arguments["steps_per_epoch"], arguments["initial_epoch"])
        checks.whole_executions(arguments["steps_per_epoch"], self.steps_per_execution)
        if validate_data:
            sample = checks.first_batch(x, y)
            if sample is not None:
                self.validate_batch(sample)
                self._check_batch_floor(x, sample, arguments["batch_size"])
        if self.jit_compile and isinstance(x, tf.data.Dataset):
            # XLA compiles assertions away: check each batch in the input
            # pipeline instead, which runs outside the compiled step.
            x = x.map(lambda *element: self._checked_element(
                element[0] if len(element) == 1 else element))
        callbacks = list(callbacks or [])
        callbacks += default_guards(callbacks)
        _warn_inexact_backups(callbacks)
        try:
            return super().fit(x, y, *args, callbacks=callbacks, **kwargs)
        except tf.errors.InvalidArgumentError as err:
            message = checks.failed_assertion(err)
            if message is None:
                raise
            raise ValueError(message) from err

    def _checked_element(self, data):
        return checks.after(self.batch_assertions(data), data)

    @staticmethod
    def _fit_arguments(x, y, args, kwargs):
        """`fit`'s batch_size, epochs, steps_per_epoch, initial_epoch, checked."""
        bound = _FIT_SIGNATURE.bind_partial(None, x, y, *args, **kwargs)
        values = {name: bound.arguments.get(name, _FIT_SIGNATURE.parameters[name].default)
                  for name in ("batch_size", "epochs", "steps_per_epoch", "initial_epoch")}
        values["epochs"] = checks.positive_int("epochs", values["epochs"])
        values["batch_size"] = checks.optional_positive_int("batch_size", values["batch_size"])
        values["steps_per_epoch"] = checks.optional_positive_int(
            "steps_per_epoch", values["steps_per_epoch"])
        values["initial_epoch"] = checks.non_negative_int(
            "initial_epoch", values["initial_epoch"])
        return values

    def _check_batch_floor(self, x, sample, batch_size):
        """Refuses batches too small for packing or batch norm (`_batch_floor`)."""
        minimum, reason = self._floor
        if minimum <= 1:
            return
        sizes = checks.batch_sizes(x, batch_size)
        if sizes is None:
            samples = self.samples_of(self.unpack_batch(sample))
            checks.batch_size(int(ops.shape(samples)[0]), minimum, reason)
            return
        full, last = sizes
        checks.batch_size(full, minimum, reason, where=f"Every batch (batch_size={full})")
        checks.batch_size(
            last, minimum, reason,
            where=f"The last batch of the {int(x.shape[0])} examples (in batches of {full})")

    def validate_batch(self, data):
        """Raises a clear error if a batch cannot train this model.

        Args:
            data: One batch (or the whole array) as given to `fit`.
        """
        samples = self.samples_of(self.unpack_batch(data))
        checks.training_samples(samples, self.generator.output_shape, self.value_range)

    def batch_assertions(self, data):
        """In-graph assertions on one training batch, for what `fit` cannot see.

        Later batches of a `tf.data` pipeline are not inspected before
        training; these (a few reductions over the batch) refuse non-finite
        samples, class ids outside `[0, num_classes)` (conditional models)
        and batches too small for batch norm or packing when such a batch
        arrives. The whole training step waits for them, so it updates
        nothing; `fit` turns the failure into a `ValueError` with the
        assertion's message. Under XLA, which compiles assertions away, `fit`
        runs them in the `tf.data` input pipeline instead.

        Args:
            data: The batch as `fit` passes it to `train_step`.

        Returns:
            A list of assertion ops (None entries are skipped).
        """
        import tensorflow as tf

        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        assertions = [checks.finite_assertion(
            t, "a training batch contains NaN or infinite values: D would learn "
               "nothing from it and every weight would become NaN. Remove or "
               "impute them in the input pipeline.") for t in tf.nest.flatten(x)]
        minimum, reason = self._replica_floor
        if minimum > 1:
            assertions.append(checks.min_batch_assertion(
                tf.nest.flatten(x)[0], minimum,
                f"a training batch (per replica) is smaller than {reason} needs "
                f"({minimum} examples). Drop small last batches "
                "(drop_remainder=True) or use a larger batch_size."))
        return assertions

    # ------------------------------------------------------------------
    # Sampling.
    # ------------------------------------------------------------------
    def generate(self, n, seed=None, batch_size=256, **kwargs):
        """Generates `n` samples in the data's value range.

        Args:
            n: Number of samples (an integer >= 0).
            seed: Int >= 0 for a reproducible draw; `None` draws from the
                model's sampling stream (independent of the training stream).
            batch_size: Generator batch size (an integer >= 1).
            **kwargs: Extra generator inputs of subclasses (labels, codes).

        Returns:
            A float32 NumPy array of shape `(n,) + sample_shape`, from
            `sampling_generator` (the EMA generator when it is on).
        """
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.generate() got unexpected arguments "
                f"{sorted(kwargs)}.")
        n, seed, batch_size = self.sampling_arguments(n, seed, batch_size)
        z = self.sample_latents(n, seed=seed)
        return self._run_generator(z, batch_size)

    def sampling_arguments(self, n, seed, batch_size):
        """`generate`'s common arguments, checked: `(n, seed stream, batch_size)`."""
        n = checks.non_negative_int("n", n)
        batch_size = checks.positive_int("batch_size", batch_size)
        return n, self.sampling_seed(checks.seed("seed", seed)), batch_size

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
        """`tf.TensorSpec`s of the exported generator's inputs, in order.

        Shapes are left open so that a request of the wrong width or rank
        reaches `check_serving_inputs`, whose assertions name the input.
        """
        import tensorflow as tf

        return [tf.TensorSpec(None, tf.float32, name="latents")]

    def check_serving_inputs(self, latents):
        """The serving inputs behind assertions, with their static shapes.

        Runs inside the exported function: a request with latents of the
        wrong rank or width, or non-finite latents, fails with a message
        naming `latents` instead of a shape error deep in the generator.
        """
        import tensorflow as tf

        (latents,) = checks.after([
            checks.matrix_assertion(
                latents, self.latent_dim,
                f"`latents` must be a float32 matrix of shape (batch, "
                f"{self.latent_dim}) (latent_dim={self.latent_dim})"),
            checks.finite_assertion(latents, "`latents` contain NaN or infinite values"),
        ], (latents,))
        return (tf.ensure_shape(latents, (None, self.latent_dim)),)

    def serving_generator_inputs(self, *serving_inputs):
        """Maps the serving inputs (see `serving_input_specs`) to G's inputs."""
        (latents,) = serving_inputs
        return latents

    def _run_generator(self, inputs, batch_size):
        """Runs the sampling generator in inference mode over `inputs` in chunks."""
        generator = self.sampling_generator
        flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        n = int(ops.shape(flat[0])[0])
        chunks = []
        for start in range(0, n, batch_size):
            part = [t[start: start + batch_size] for t in flat]
            part = part if isinstance(inputs, (list, tuple)) else part[0]
            out = generator(part, training=False)
            chunks.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        if not chunks:
            return np.zeros((0,) + tuple(generator.output_shape[1:]), "float32")
        return np.concatenate(chunks, axis=0)

    # ------------------------------------------------------------------
    # Saving.
    # ------------------------------------------------------------------
    def _own_state(self):
        # Layer.save_own_variables leaves out seed generators; saving them
        # is what makes a resumed run draw the same numbers as an unbroken one.
        return (list(self._trainable_variables) + list(self._non_trainable_variables)
                + [sg.state for sg in self._seed_generators])

    def save_own_variables(self, store):
        for i, variable in enumerate(self._own_state()):
            store[str(i)] = variable

    def save(self, filepath, overwrite=True, **kwargs):
        """`keras.Model.save`, written atomically for `.keras` files.

        The archive is written to a temporary file beside `filepath` and
        renamed onto it, so an interrupted save (a preempted job, a full disk)
        leaves the previous file intact instead of a truncated one that no
        longer loads.
        """
        path = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else None
        if (path is None or not path.endswith(".keras") or "://" in path
                or kwargs.get("zipped") is False
                or (not overwrite and os.path.exists(path))):
            return super().save(filepath, overwrite=overwrite, **kwargs)
        atomic_write(path, lambda tmp: super(GAN, self).save(tmp, overwrite=True, **kwargs))

    def load_own_variables(self, store):
        state = self._own_state()
        if len(store.keys()) != len(state):
            raise ValueError(
                f"{type(self).__name__} expected {len(state)} saved variables "
                f"(instance noise and random-seed state) but the file holds "
                f"{len(store.keys())}; it was saved by a different version or "
                "configuration of the model.")
        for i, variable in enumerate(state):
            variable.assign(store[str(i)])

    def get_config(self):
        serialize = keras.saving.serialize_keras_object
        return {
            "name": self.name,
            "generator": serialize(self.generator),
            "discriminator": serialize(self.discriminator),
            "latent_dim": self.latent_dim,
            "loss": serialize(self.loss),
            "penalties": [serialize(p) for p in self.penalties],
            "latent_distribution": self.latent_distribution,
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "separate_batches": self.separate_batches,
            "update_scheme": self.update_scheme,
            "instance_noise": self.initial_instance_noise,
            "augment": None if self.augment is None else serialize(self.augment),
            "pack": self.pack,
            "ema_decay": self.ema_decay,
            "ema_start_step": self.ema_start_step,
            "ema_warmup": self.ema_warmup,
            "data_range": (list(self.data_range)
                           if isinstance(self.data_range, (tuple, list))
                           else self.data_range),
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
