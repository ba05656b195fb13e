"""Adversarial VAE: a VAE decoder used as the generator (TRICKS.md 3.4)."""

import keras
from keras import ops

from keras_gans import checks
from keras_gans.models.gan import GAN


@keras.saving.register_keras_serializable(package="keras_gans")
class VAEGAN(GAN):
    """VAE/GAN (Larsen et al. 2016, "Autoencoding beyond pixels using a
    learned similarity metric").

    An encoder E maps data to `q(z|x) = N(mu, exp(log_var))`; the generator
    is the VAE decoder. Per step:

    - D (as in `GAN`, every trick applies) judges real data against two kinds
      of fakes at once: decodings of prior samples `G(z)`, `z ~ p(z)`, and
      reconstructions `G(E(x))`.
    - E minimises `kl_weight * KL + reconstruction_weight * reconstruction`.
    - G minimises `reconstruction_weight * reconstruction +
      adversarial_weight * adversarial` (the adversarial term is the `loss=`
      generator loss on both kinds of fakes), the paper's split of the
      objective between encoder and decoder (its Algorithm 1).

    Reconstruction is the per-pixel mean squared error (the paper measures it
    in D's features instead) and KL is the per-example KL to N(0, I) divided
    by the number of data values, so the two keep the ELBO's ratio.
    `g_optimizer` updates both E and G. Logs add `kl` and `reconstruction`.

    Args:
        encoder: Model `samples -> [z_mean, z_log_var]`
            (`networks.dcgan_encoder` / `mlp_encoder`).
        generator: Decoder `z -> samples`.
        discriminator: Model `samples -> logit`.
        latent_dim: Latent size.
        kl_weight: Weight of the KL term (beta).
        reconstruction_weight: Weight of the reconstruction term (gamma).
        adversarial_weight: Weight of G's adversarial term.
        **kwargs: `GAN` arguments.
    """

    takes_encoder = True
    supports_simultaneous = False

    def __init__(self, encoder, generator, discriminator, latent_dim, *, kl_weight=1.0,
                 reconstruction_weight=1.0, adversarial_weight=1.0, **kwargs):
        self.encoder = checks.network("encoder", encoder)
        self.kl_weight = checks.non_negative("kl_weight", kl_weight)
        self.reconstruction_weight = checks.non_negative(
            "reconstruction_weight", reconstruction_weight)
        self.adversarial_weight = checks.non_negative("adversarial_weight", adversarial_weight)
        super().__init__(generator, discriminator, latent_dim, **kwargs)

    def check_networks(self):
        super().check_networks()
        checks.input_count(self.encoder, "encoder", 1, "samples")
        checks.same_shape(
            "the generator's output", self.generator.output_shape,
            "the encoder's input", self.encoder.inputs[0].shape)
        outputs = self.encoder.outputs
        if len(outputs) != 2 or any(o.shape[-1] != self.latent_dim for o in outputs):
            raise ValueError(
                "The encoder must return [z_mean, z_log_var], each of width "
                f"latent_dim={self.latent_dim}; got outputs of shapes "
                f"{[tuple(o.shape) for o in outputs]}.")

    @property
    def generator_variables(self):
        return self.generator.trainable_variables + self.encoder.trainable_variables

    def log_names(self):
        return super().log_names() + ["kl", "reconstruction"]

    def encode(self, samples, training=False):
        """Posterior mean and log-variance of `samples`' latents."""
        z_mean, z_log_var = self.encoder(samples, training=training)
        return ops.cast(z_mean, "float32"), ops.cast(z_log_var, "float32")

    def _reconstruct_in_step(self, real_batch):
        z_mean, z_log_var = self.encode(real_batch, training=True)
        noise = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * noise
        return z_mean, z_log_var, self.generator(z, training=True)

    def generate_batch(self, batch_size, real_batch=None, training=True):
        latents = self.generator_inputs(batch_size)
        prior_samples = self.generator(latents, training=training)
        if real_batch is None:
            return latents, prior_samples
        _, _, reconstructions = self._reconstruct_in_step(real_batch)
        return latents, ops.concatenate([prior_samples, reconstructions], axis=0)

    def vae_terms(self, real_batch, reconstructions, z_mean, z_log_var):
        """Per-pixel reconstruction error and per-value KL, batch means."""
        real = ops.cast(real_batch, "float32")
        reconstructions = ops.cast(reconstructions, "float32")
        reconstruction = ops.mean(ops.square(reconstructions - real))
        values_per_example = ops.cast(ops.size(real) // ops.shape(real)[0], "float32")
        kl = -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var),
                            axis=-1)
        return reconstruction, ops.mean(kl) / values_per_example

    def generator_objective(self, real_batch):
        # The paper's split (Algorithm 1): the encoder minimises KL +
        # reconstruction, the decoder reconstruction + adversarial; one
        # forward pass serves both, differentiated per network (see
        # `generator_targets`).
        z_mean, z_log_var, reconstructions = self._reconstruct_in_step(real_batch)
        prior_samples = self.generator(
            self.generator_inputs(self.batch_size_of(real_batch)), training=True)
        reconstruction, kl = self.vae_terms(real_batch, reconstructions, z_mean, z_log_var)
        fakes = ops.concatenate([prior_samples, reconstructions], axis=0)
        adversarial, _ = self.generator_terms(real_batch, None, fakes,
                                              self.discriminate(fakes))
        losses = {
            "decoder_loss": (self.reconstruction_weight * reconstruction
                             + self.adversarial_weight * adversarial),
            "encoder_loss": self.kl_weight * kl + self.reconstruction_weight * reconstruction,
        }
        logs = {"g_loss": adversarial, "kl": kl, "reconstruction": reconstruction}
        return losses, logs

    @property
    def generator_targets(self):
        # One optimizer, one apply() for both networks.
        return [("decoder_loss", self.g_optimizer, self.generator.trainable_variables),
                ("encoder_loss", self.g_optimizer, self.encoder.trainable_variables)]

    def reconstruct(self, samples, batch_size=256):
        """Decodes the posterior means of `samples` (inference mode).

        Returns:
            A float32 NumPy array shaped like `samples`.
        """
        z_mean, _ = self.encode(ops.convert_to_tensor(samples, "float32"))
        return self._run_generator(z_mean, batch_size)

    def get_config(self):
        return {**super().get_config(),
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "kl_weight": self.kl_weight,
                "reconstruction_weight": self.reconstruction_weight,
                "adversarial_weight": self.adversarial_weight}

    @classmethod
    def network_config_keys(cls):
        return ("encoder", "generator", "discriminator")
