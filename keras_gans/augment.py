"""Differentiable augmentation of everything the discriminator sees.

DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for
Data-Efficient GAN Training"): the same random, differentiable transforms
are applied to real and generated images, in D's updates and in G's, so D
never sees un-augmented data and G's gradient flows through the transforms.
Augmenting only real images would teach G to produce augmented images; only
differentiable transforms let G learn through them.

Transforms (the paper's "color,translation,cutout" policy), each scaled by
`strength` so that `strength=0` is the identity:

- `"color"`: per image, brightness `x + (u - 0.5) * s`, saturation (scale
  around the per-pixel channel mean by `1 + (2u - 1) * s`) and contrast
  (scale around the image mean by `1 + (u - 0.5) * s`), `u ~ U[0, 1)`.
  The magnitudes are the paper's for data in [-1, 1].
- `"translation"`: a shift by whole pixels of up to `translation * s` of the
  side in each direction, with zeros shifted in.
- `"cutout"`: a square of side `cutout * s` of the image side, at a uniform
  random position, set to zero.

Vectors (2D mixtures and other non-image data) pass through unchanged.
"""

import keras
from keras import ops

from keras_gans import checks

POLICIES = ("color", "translation", "cutout")


def _check_policy(policy):
    if isinstance(policy, str):
        # "+" as well as ",": flag values cannot hold commas.
        policy = [p.strip() for p in policy.replace("+", ",").split(",") if p.strip()]
    policy = tuple(policy)
    unknown = [p for p in policy if p not in POLICIES]
    if unknown or not policy:
        raise ValueError(
            f"Invalid augmentation policy {policy!r}: use a comma- or "
            f"plus-separated subset of {', '.join(POLICIES)} (e.g. "
            "'color,translation,cutout').")
    return policy


def _shift_matrices(shift, size):
    """One-hot `(batch, size, size)` matrices moving rows by `shift` pixels.

    Row i of the output reads row `i - shift` of the input; rows that would
    read outside the image read nothing (zero).
    """
    positions = ops.arange(size, dtype="int32")
    source = positions[None, :, None] - shift[:, None, None]
    return ops.cast(ops.equal(source, positions[None, None, :]), "float32")


@keras.saving.register_keras_serializable(package="keras_gans")
class DiffAugment(keras.layers.Layer):
    """DiffAugment as a layer owned by the GAN (`GAN(augment=...)`).

    `strength` is a `keras.Variable`, so `callbacks.VariableSchedule(
    "augment.strength", ...)` can anneal it (an ADA-like schedule by hand).
    The random draws come from the model's seed stream, passed at call time,
    so augmentation is reproducible and resumes exactly.

    Args:
        policy: Comma- (or plus-) separated transforms or a sequence, from
            `"color"`, `"translation"`, `"cutout"`.
        strength: Initial strength in [0, 1]; 0 is the identity.
        translation: Largest shift as a fraction of the side (at strength 1).
        cutout: Side of the cut-out square as a fraction of the side.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    ```python
    gan = keras_gans.GAN(g, d, 64, augment="color,translation,cutout")
    ```
    """

    def __init__(self, policy="color,translation,cutout", strength=1.0,
                 translation=0.125, cutout=0.5, **kwargs):
        # float32 whatever the global policy: augmenting in bfloat16 would
        # round the real data before D sees it.
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.policy = _check_policy(policy)
        strength = checks.probability("strength", strength)
        self.translation = checks.probability("translation", translation)
        self.cutout = checks.probability("cutout", cutout)
        self.initial_strength = strength
        self.strength = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(float(strength)),
            trainable=False, dtype="float32", name="strength")

    def call(self, images, seed=None):
        if len(images.shape) != 4:
            return images
        dtype = images.dtype
        x = ops.cast(images, "float32")
        for transform in self.policy:
            x = getattr(self, f"_{transform}")(x, seed)
        return ops.cast(x, dtype)

    def _uniform(self, shape, seed):
        return keras.random.uniform(shape, seed=seed)

    def _color(self, x, seed):
        s = self.strength
        batch = ops.shape(x)[0]
        brightness = (self._uniform((batch, 1, 1, 1), seed) - 0.5) * s
        x = x + brightness
        saturation = 1.0 + (2.0 * self._uniform((batch, 1, 1, 1), seed) - 1.0) * s
        mean = ops.mean(x, axis=-1, keepdims=True)
        x = mean + (x - mean) * saturation
        contrast = 1.0 + (self._uniform((batch, 1, 1, 1), seed) - 0.5) * s
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        return mean + (x - mean) * contrast

    def _random_offsets(self, batch, limit, seed):
        # Integers uniform in [-limit, limit].
        u = self._uniform((batch,), seed)
        choices = ops.cast(2 * limit + 1, "float32")
        # min() guards the u -> 1 rounding edge of float32.
        return ops.minimum(ops.cast(ops.floor(u * choices), "int32"), 2 * limit) - limit

    def _translation(self, x, seed):
        batch = ops.shape(x)[0]
        height, width = int(x.shape[1]), int(x.shape[2])
        limits = [ops.cast(ops.round(side * self.translation * self.strength), "int32")
                  for side in (height, width)]
        rows = _shift_matrices(self._random_offsets(batch, limits[0], seed), height)
        cols = _shift_matrices(self._random_offsets(batch, limits[1], seed), width)
        # out[b, i, k] = sum_j,l rows[b, i, j] x[b, j, l] cols[b, k, l]: a
        # linear map of x, so its gradient is the transposed shift.
        return ops.einsum("bij,bjlc,bkl->bikc", rows, x, cols)

    def _cutout(self, x, seed):
        batch = ops.shape(x)[0]
        height, width = int(x.shape[1]), int(x.shape[2])
        inside = []
        for axis, side in ((1, height), (2, width)):
            size = ops.cast(ops.round(side * self.cutout * self.strength), "int32")
            centre = ops.cast(ops.floor(self._uniform((batch,), seed) * side), "int32")
            start = centre - size // 2
            positions = ops.arange(side, dtype="int32")[None, :]
            inside.append((positions >= start[:, None])
                          & (positions < (start + size)[:, None]))
        cut = inside[0][:, :, None] & inside[1][:, None, :]
        mask = 1.0 - ops.cast(cut, "float32")
        return x * mask[:, :, :, None]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "policy": ",".join(self.policy),
                "strength": self.initial_strength, "translation": self.translation,
                "cutout": self.cutout}


def get(identifier):
    """`None`, a policy string or a `DiffAugment` (or its config) -> layer or None."""
    if identifier is None or isinstance(identifier, DiffAugment):
        return identifier
    if isinstance(identifier, str):
        return DiffAugment(policy=identifier)
    if isinstance(identifier, dict):
        layer = keras.saving.deserialize_keras_object(identifier)
        if isinstance(layer, DiffAugment):
            return layer
    raise ValueError(
        f"Invalid augment={identifier!r}: pass None, a policy such as "
        "'color,translation,cutout', or a keras_gans.augment.DiffAugment.")


__all__ = ["DiffAugment", "POLICIES", "get"]
