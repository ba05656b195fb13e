"""Wasserstein GANs: weight clipping (WGAN) and gradient penalty (WGAN-GP)."""

import keras
from keras import ops

from keras_gans import losses as gan_losses
from keras_gans import penalties
from keras_gans.models.gan import GAN

# Base arguments that assume D outputs a probability: meaningless for a
# critic whose scores are unbounded.
_PROBABILITY_ARGUMENTS = ("loss", "real_label", "fake_label", "label_noise", "label_flip")


@keras.saving.register_keras_serializable(package="keras_gans")
class WGAN(GAN):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017).

    The discriminator is a critic `D` with unbounded scores; it minimises
    `D(G(z)) - D(x)` and every critic weight is clipped to
    `[-clip_value, clip_value]` after every critic update (Algorithm 1). G
    minimises `-D(G(z))`. Defaults follow the paper: `n_critic=5` critic
    updates per G update and RMSprop(5e-5) for both networks.

    Tricks that assume probabilities do not apply and raise if set: `loss`,
    `real_label`, `fake_label`, `label_noise`, `label_flip`. The others do
    (`instance_noise`, `g_steps`, `separate_batches`, `latent_distribution`).
    `d_steps` is spelled `n_critic` here.

    Logs: `d_loss` (critic loss), `g_loss`, `critic_real`, `critic_fake`
    (mean scores) and `wasserstein` (`critic_real - critic_fake`, the
    critic's estimate of the Wasserstein-1 distance up to a constant factor).

    Args:
        generator: Generator model.
        discriminator: Critic model with one unbounded score per example.
        latent_dim: Latent size.
        clip_value: Weight-clipping bound c.
        n_critic: Critic updates per generator update.
        **kwargs: Other `GAN` arguments.
    """

    def __init__(self, generator, discriminator, latent_dim, *, clip_value=0.01,
                 n_critic=5, **kwargs):
        self.reject_inapplicable(
            kwargs, _PROBABILITY_ARGUMENTS,
            "a Wasserstein critic outputs unbounded scores, not probabilities, "
            "so labels and the BCE-based generator losses have no meaning.")
        if "d_steps" in kwargs:
            raise ValueError(
                f"{type(self).__name__} counts critic updates with n_critic=; "
                f"received d_steps={kwargs['d_steps']}.")
        if clip_value is not None and clip_value <= 0:
            raise ValueError(f"clip_value must be > 0; received {clip_value}.")
        super().__init__(generator, discriminator, latent_dim, d_steps=n_critic, **kwargs)
        self.clip_value = None if clip_value is None else float(clip_value)
        self.n_critic = self.d_steps

    def default_optimizer(self):
        return keras.optimizers.RMSprop(learning_rate=5e-5)

    def build_trackers(self):
        names = ["loss", "d_loss", "g_loss", "critic_real", "critic_fake", "wasserstein"]
        if self.log_gradient_norms:
            names += ["d_grad_norm", "g_grad_norm"]
        return {name: keras.metrics.Mean(name=name) for name in names}

    def critic_scores(self, batch):
        """The critic's scores on a batch (after instance noise), float32."""
        return ops.cast(self.adversarial_logits(self.discriminate(batch)), "float32")

    def discriminator_real_loss(self, real_batch):
        scores = self.critic_scores(real_batch)
        return -ops.reshape(scores, (-1,)), {"critic_real": ops.mean(scores)}

    def discriminator_fake_loss(self, fake_inputs, fake_batch):
        scores = self.critic_scores(fake_batch)
        return ops.reshape(scores, (-1,)), {"critic_fake": ops.mean(scores)}

    def generator_loss(self, fake_inputs, fake_batch):
        return gan_losses.wasserstein_generator_loss(self.critic_scores(fake_batch)), {}

    def discriminator_step(self, real_batch):
        logs = super().discriminator_step(real_batch)
        logs["wasserstein"] = logs["critic_real"] - logs["critic_fake"]
        return logs

    def after_discriminator_update(self):
        if self.clip_value is None:
            return
        for variable in self.discriminator_variables:
            variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))

    def get_config(self):
        config = super().get_config()
        for name in _PROBABILITY_ARGUMENTS + ("d_steps",):
            config.pop(name)
        config.update(clip_value=self.clip_value, n_critic=self.n_critic)
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class WGANGP(WGAN):
    """WGAN with a gradient penalty instead of clipping (Gulrajani et al. 2017).

    The critic loss gets `gp_weight * E[(||grad D(x_hat)|| - 1)^2]` on
    per-example interpolates of real and generated data
    (`penalties.gradient_penalty`). Defaults follow the paper: `gp_weight=10`,
    `n_critic=5`, Adam(1e-4, beta_1=0, beta_2=0.9). The penalty is per
    example, so the critic should not use batch norm (build it with
    `batch_norm=False`; layer norm is the paper's alternative).

    `separate_batches` does not apply (the penalty needs real and generated
    data in one update) and raises, as do the probability arguments of
    `WGAN`. Logs add `gradient_penalty` (unweighted).

    Args:
        generator: Generator model.
        discriminator: Critic model.
        latent_dim: Latent size.
        gp_weight: Weight of the penalty (lambda).
        n_critic: Critic updates per generator update.
        **kwargs: Other `GAN` arguments.
    """

    def __init__(self, generator, discriminator, latent_dim, *, gp_weight=10.0,
                 n_critic=5, **kwargs):
        self.reject_inapplicable(
            kwargs, ("separate_batches",),
            "the gradient penalty interpolates real and generated samples, so "
            "each critic update needs both.")
        if "clip_value" in kwargs:
            raise ValueError("WGANGP replaces weight clipping with a gradient "
                             "penalty: remove clip_value (or use WGAN).")
        if gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0; received {gp_weight}.")
        super().__init__(generator, discriminator, latent_dim, clip_value=None,
                         n_critic=n_critic, **kwargs)
        self.gp_weight = float(gp_weight)

    def default_optimizer(self):
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)

    def build_trackers(self):
        trackers = super().build_trackers()
        trackers["gradient_penalty"] = keras.metrics.Mean(name="gradient_penalty")
        return trackers

    def discriminator_penalty(self, real_batch, fake_inputs, fake_batch):
        def critic(samples):
            return self.adversarial_logits(self.discriminator(samples, training=True))

        penalty = penalties.gradient_penalty(
            critic, real_batch, fake_batch,
            alpha=self.interpolation_weights(real_batch))
        return self.gp_weight * penalty, {"gradient_penalty": penalty}

    def interpolation_weights(self, real_batch):
        """Per-example weights of the interpolates, drawn from U[0, 1].

        Args:
            real_batch: The step's real batch (its size sets the shape).
        """
        return keras.random.uniform(
            (self.batch_size_of(real_batch),), seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        config.pop("clip_value")
        config["gp_weight"] = self.gp_weight
        return config
