"""InfoGAN: latent codes the generator must keep recoverable (TRICKS.md 4.4)."""

import keras
import numpy as np
from keras import ops

from keras_gans import checks
from keras_gans.models.gan import GAN


def _check_categorical_dims(categorical_dims):
    """The categorical code sizes as a tuple of ints >= 2."""
    sizes = tuple(np.atleast_1d(np.asarray(categorical_dims, dtype=object)))
    try:
        return tuple(checks.integer("categorical_dims", k, minimum=2) for k in sizes)
    except ValueError:
        raise ValueError(
            "`categorical_dims` must be integers >= 2 categories each (one per "
            f"categorical code), e.g. (10,). Received: {categorical_dims!r}.") from None


@keras.saving.register_keras_serializable(package="keras_gans")
class InfoGAN(GAN):
    """InfoGAN (Chen et al. 2016, "InfoGAN: Interpretable Representation
    Learning by Information Maximizing Generative Adversarial Nets").

    G's input is `[z, c]`: the noise `z` (`latent_dim` values) followed by the
    codes `c`, one one-hot block per categorical code (sizes
    `categorical_dims`, drawn uniformly) and `continuous_dims` values drawn
    from U[-1, 1]. A head Q sharing D's body predicts `c` from G(z, c); the
    variational lower bound of the mutual information I(c; G(z, c)) becomes
    the loss `info_weight * (cross-entropy of each categorical code +
    0.5 * squared error of the continuous codes)` (a unit-variance Gaussian
    Q for the continuous part), added to both D's (training Q) and G's loss.

    Every `GAN` trick applies to the real/fake head.

    Build D with `networks.discriminator_with_heads(d, {"q_cat":
    sum(categorical_dims), "q_cont": continuous_dims})` (a dict with
    `"logit"`, `"q_cat_logits"`, `"q_cont_mean"`) and G with input width
    `latent_dim + code_dim`.

    Logs add `info_loss`, `code_acc` (accuracy of Q on the categorical codes of
    generated samples) and `code_mse` (mean squared error on the continuous
    codes).

    Args:
        generator: Model `(batch, latent_dim + code_dim) -> samples`.
        discriminator: Model `samples -> dict` with the heads above.
        latent_dim: Size of the incompressible noise z.
        categorical_dims: Sizes of the categorical codes, e.g. `(10,)`.
        continuous_dims: Number of continuous codes.
        info_weight: lambda, the weight of the mutual-information term.
        **kwargs: `GAN` arguments.
    """

    @classmethod
    def discriminator_heads(cls, categorical_dims=(10,), continuous_dims=2, **arguments):
        heads = {}
        categorical = sum(_check_categorical_dims(categorical_dims))
        continuous = checks.non_negative_int("continuous_dims", continuous_dims)
        if categorical:
            heads["q_cat"] = categorical
        if continuous:
            heads["q_cont"] = continuous
        return heads

    @classmethod
    def extra_generator_inputs(cls, categorical_dims=(10,), continuous_dims=2, **arguments):
        return (sum(_check_categorical_dims(categorical_dims))
                + checks.non_negative_int("continuous_dims", continuous_dims))

    def __init__(self, generator, discriminator, latent_dim, *,
                 categorical_dims=(10,), continuous_dims=2, info_weight=1.0, **kwargs):
        categorical_dims = _check_categorical_dims(categorical_dims)
        continuous_dims = checks.non_negative_int("continuous_dims", continuous_dims)
        if not categorical_dims and not continuous_dims:
            raise ValueError(
                "InfoGAN needs at least one code: set categorical_dims and/or "
                f"continuous_dims > 0 (got {categorical_dims}, {continuous_dims}).")
        self.categorical_dims = categorical_dims
        self.continuous_dims = continuous_dims
        self.info_weight = checks.non_negative("info_weight", info_weight)
        super().__init__(generator, discriminator, latent_dim, **kwargs)

    @property
    def code_dim(self):
        """Width of the code vector c."""
        return sum(self.categorical_dims) + self.continuous_dims

    def extra_generator_width(self):
        return self.code_dim

    def check_networks(self):
        super().check_networks()
        expected = {}
        if self.categorical_dims:
            expected["q_cat_logits"] = sum(self.categorical_dims)
        if self.continuous_dims:
            expected["q_cont_mean"] = self.continuous_dims
        checks.heads(
            self.discriminator, expected, "InfoGAN",
            "networks.discriminator_with_heads(d, {'q_cat': "
            f"{sum(self.categorical_dims)}, 'q_cont': {self.continuous_dims}}})")

    def log_names(self):
        names = super().log_names() + ["info_loss"]
        names += ["code_acc"] if self.categorical_dims else []
        names += ["code_mse"] if self.continuous_dims else []
        return names

    # Codes -----------------------------------------------------------------
    def sample_codes(self, batch_size, seed=None):
        """Draws codes: uniform one-hot blocks, then U[-1, 1] continuous values."""
        seed = self.seed_generator if seed is None else seed
        parts = []
        for k in self.categorical_dims:
            ids = keras.random.randint((batch_size,), 0, k, seed=seed, dtype="int32")
            parts.append(ops.one_hot(ids, k, dtype="float32"))
        if self.continuous_dims:
            parts.append(keras.random.uniform(
                (batch_size, self.continuous_dims), minval=-1.0, maxval=1.0, seed=seed))
        return ops.concatenate(parts, axis=-1)

    def make_codes(self, categorical=None, continuous=None, n=None):
        """Builds code vectors from class ids and continuous values.

        Args:
            categorical: Ints `(n, len(categorical_dims))`, or `(n,)` / a scalar
                for one categorical code.
            continuous: Floats `(n, continuous_dims)` (or a scalar for all).
            n: Number of rows when both arguments are scalars.

        Returns:
            A float32 array `(n, code_dim)` to pass as `generate(codes=...)`.
        """
        if n is None:
            arrays = [a for a in (categorical, continuous) if np.ndim(a) > 0]
            if not arrays:
                raise ValueError("make_codes needs n= when every argument is a scalar.")
            n = len(arrays[0])
        n = checks.non_negative_int("n", n)
        parts = []
        if self.categorical_dims:
            # Kept in their dtype until checked, so fractional ids are refused,
            # not truncated.
            ids = np.zeros((n, len(self.categorical_dims)))
            if categorical is not None:
                categorical = np.asarray(categorical)
                # One id per row applies to every categorical code.
                ids = ids + (categorical.reshape(-1, 1) if categorical.ndim == 1
                             else categorical)
            for j, k in enumerate(self.categorical_dims):
                column = checks.class_ids(ids[:, j], k, n, name="categorical")
                parts.append(np.eye(k, dtype="float32")[column])
        if self.continuous_dims:
            values = np.zeros((n, self.continuous_dims), "float32")
            if continuous is not None:
                values[:] = checks.finite_array("continuous", continuous)
            parts.append(values)
        return np.concatenate(parts, axis=-1)

    def generator_inputs(self, batch_size, real_batch=None, seed=None):
        return ops.concatenate(
            [self.sample_latents(batch_size, seed=seed),
             self.sample_codes(batch_size, seed=seed)], axis=-1)

    # Losses ----------------------------------------------------------------
    def information_terms(self, codes, outputs):
        """Per-example mutual-information loss of Q on `codes`, and logs."""
        loss = 0.0
        logs = {}
        if self.categorical_dims:
            logits = ops.cast(outputs["q_cat_logits"], "float32")
            start, accuracies = 0, []
            for k in self.categorical_dims:
                target = ops.argmax(codes[:, start:start + k], axis=-1)
                block = logits[:, start:start + k]
                loss = loss + keras.losses.sparse_categorical_crossentropy(
                    target, block, from_logits=True)
                accuracies.append(ops.mean(ops.cast(
                    ops.equal(ops.argmax(block, axis=-1), target), "float32")))
                start += k
            logs["code_acc"] = sum(accuracies) / len(accuracies)
        if self.continuous_dims:
            target = codes[:, sum(self.categorical_dims):]
            error = ops.square(ops.cast(outputs["q_cont_mean"], "float32") - target)
            loss = loss + 0.5 * ops.sum(error, axis=-1)
            logs["code_mse"] = ops.mean(error)
        logs["info_loss"] = ops.mean(loss)
        return self.info_weight * loss, logs

    def auxiliary_loss(self, part, batch, outputs, generator_inputs=None):
        # Q is trained (in D's update) and G is pulled (in G's) on generated
        # samples only: real data has no codes.
        if part == "real":
            return None
        loss, logs = self.information_terms(generator_inputs[:, self.latent_dim:], outputs)
        return loss, (logs if part == "fake" else {})

    # Sampling --------------------------------------------------------------
    def generate(self, n, codes=None, seed=None, batch_size=256):
        """Generates `n` samples with the given codes.

        Args:
            n: Number of samples.
            codes: None (random codes) or floats `(n, code_dim)`, e.g. from
                `make_codes(categorical=..., continuous=...)`.
            seed: Int for a reproducible draw, None for the sampling stream.
            batch_size: Generator batch size.

        Returns:
            A float32 NumPy array `(n,) + sample_shape`.
        """
        n, seed, batch_size = self.sampling_arguments(n, seed, batch_size)
        if codes is not None:
            codes = np.asarray(codes)
            if codes.shape != (n, self.code_dim):
                raise ValueError(
                    f"`codes` must have shape ({n}, {self.code_dim}) (one-hot blocks "
                    f"for {self.categorical_dims}, then {self.continuous_dims} "
                    f"continuous values); got {codes.shape}. make_codes() builds them.")
            codes = checks.finite_array("codes", codes)
        latents = self.sample_latents(n, seed=seed)
        if codes is None:
            codes = self.sample_codes(n, seed=seed)
        return self._run_generator(ops.concatenate([latents, codes], axis=-1), batch_size)

    def serving_input_specs(self):
        import tensorflow as tf

        return super().serving_input_specs() + [
            tf.TensorSpec(None, tf.float32, name="codes")]

    def check_serving_inputs(self, latents, codes):
        import tensorflow as tf

        (latents,) = super().check_serving_inputs(latents)
        (codes,) = checks.after([
            checks.matrix_assertion(
                codes, self.code_dim,
                f"`codes` must be a float32 matrix of shape (batch, {self.code_dim}) "
                "(one-hot blocks, then continuous values), one row per row of "
                "`latents`", rows_like=latents),
            checks.finite_assertion(codes, "`codes` contain NaN or infinite values"),
        ], (codes,))
        return latents, tf.ensure_shape(codes, (None, self.code_dim))

    def serving_generator_inputs(self, latents, codes):
        return ops.concatenate([latents, codes], axis=-1)

    def get_config(self):
        return {**super().get_config(),
                "categorical_dims": list(self.categorical_dims),
                "continuous_dims": self.continuous_dims,
                "info_weight": self.info_weight}
