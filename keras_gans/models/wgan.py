"""Wasserstein GANs as presets of `GAN`: weight clipping (WGAN) and gradient penalty (WGAN-GP).

Both are `GAN` with other defaults and no code of their own in the training
step: the loss is `losses.Wasserstein()`; WGAN keeps the critic Lipschitz by
clipping its weights through a Keras constraint (applied by the optimizer
after every critic update), WGAN-GP by `penalties.GradientPenalty`. Every
`GAN` argument can still be passed (e.g. `instance_noise`, `augment`,
`separate_batches`, extra `penalties`); the loss object refuses what has no
meaning for a critic (label smoothing).
"""

import keras

from keras_gans import checks
from keras_gans import constraints
from keras_gans import penalties as gan_penalties
from keras_gans.models.gan import GAN


def _critic_steps(d_steps, n_critic):
    n_critic = checks.optional_positive_int("n_critic", n_critic)
    d_steps = checks.optional_positive_int("d_steps", d_steps)
    if n_critic is not None and d_steps is not None and n_critic != d_steps:
        raise ValueError(
            f"n_critic is the name of d_steps for critics; received both "
            f"n_critic={n_critic} and d_steps={d_steps}. Pass one.")
    return n_critic if n_critic is not None else (5 if d_steps is None else d_steps)


@keras.saving.register_keras_serializable(package="keras_gans")
class WGAN(GAN):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017).

    Defaults follow the paper: the critic minimises `D(G(z)) - D(x)`, G
    minimises `-D(G(z))` (`loss="wasserstein"`); every critic weight is
    clipped to `[-clip_value, clip_value]` after every critic update
    (Algorithm 1; `constraints.Clip` set on the critic's variables);
    `n_critic=5` critic updates per G update; RMSprop(5e-5) for both networks.

    Logs: `d_loss` (critic loss), `g_loss`, `critic_real`, `critic_fake`
    (mean scores) and `wasserstein` (`critic_real - critic_fake`, the
    critic's estimate of the Wasserstein-1 distance up to a constant factor).

    Args:
        generator: Generator model.
        discriminator: Critic model with one unbounded score per example. Its
            variables get the clipping constraint.
        latent_dim: Latent size.
        clip_value: Weight-clipping bound c; None for no clipping.
        n_critic: Critic updates per generator update (`d_steps`).
        **kwargs: Other `GAN` arguments.
    """

    def __init__(self, generator, discriminator, latent_dim, *, clip_value=0.01,
                 n_critic=None, d_steps=None, loss="wasserstein", **kwargs):
        clip_value = checks.positive("clip_value", clip_value, allow_none=True)
        super().__init__(generator, discriminator, latent_dim, loss=loss,
                         d_steps=_critic_steps(d_steps, n_critic), **kwargs)
        self.clip_value = clip_value
        if self.clip_value is not None:
            constraints.constrain_variables(
                self.discriminator.trainable_variables,
                constraints.Clip(self.clip_value), owner="WGAN(clip_value=...)")

    @property
    def n_critic(self):
        return self.d_steps

    def default_optimizer(self):
        return keras.optimizers.RMSprop(learning_rate=5e-5)

    def get_config(self):
        return {**super().get_config(), "clip_value": self.clip_value}


@keras.saving.register_keras_serializable(package="keras_gans")
class WGANGP(GAN):
    """WGAN with a gradient penalty instead of clipping (Gulrajani et al. 2017).

    Defaults follow the paper: `loss="wasserstein"`, `penalties=
    [GradientPenalty(gp_weight)]` (`E[(||grad D(x_hat)|| - 1)^2]` on
    per-example interpolates, logged unweighted as `gradient_penalty`),
    `gp_weight=10`, `n_critic=5`, Adam(1e-4, beta_1=0, beta_2=0.9). The
    penalty is per example, so the critic should not use batch norm (build it
    with `batch_norm=False`; layer norm is the paper's alternative).

    With `separate_batches=True` the penalty, which needs real and generated
    data, runs in the generated-only update.

    Args:
        generator: Generator model.
        discriminator: Critic model.
        latent_dim: Latent size.
        gp_weight: Weight of the penalty (lambda); used when `penalties` is
            not given.
        n_critic: Critic updates per generator update (`d_steps`).
        **kwargs: Other `GAN` arguments.
    """

    def __init__(self, generator, discriminator, latent_dim, *, gp_weight=None,
                 n_critic=None, d_steps=None, loss="wasserstein", penalties=None,
                 **kwargs):
        gp_weight = checks.non_negative("gp_weight", gp_weight, allow_none=True)
        if penalties is None:
            penalties = [gan_penalties.GradientPenalty(10.0 if gp_weight is None
                                                       else gp_weight)]
        elif gp_weight is not None:
            raise ValueError(
                "gp_weight sets the weight of the default penalty; with penalties= "
                "given, set it there (penalties.GradientPenalty(weight=...)).")
        super().__init__(generator, discriminator, latent_dim, loss=loss,
                         penalties=penalties, d_steps=_critic_steps(d_steps, n_critic),
                         **kwargs)

    @property
    def n_critic(self):
        return self.d_steps

    @property
    def gp_weight(self):
        """The weight of the gradient penalty (None if there is none)."""
        for penalty in self.penalties:
            if isinstance(penalty, gan_penalties.GradientPenalty):
                return penalty.weight
        return None

    def default_optimizer(self):
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)
