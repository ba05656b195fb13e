"""The 2D Gaussian mixtures of the mode-collapse protocol (BENCHMARKS.md Tier A).

Data as in VEEGAN (Srivastava et al., 2017, https://arxiv.org/abs/1705.07761)
and GDPP (Elfeki et al., 2019, https://arxiv.org/abs/1812.00068):

- `"ring"`: 8 Gaussians with means on the unit circle at angles
  `2 * pi * k / 8`, k = 0..7, standard deviation 0.01.
- `"grid"`: 25 Gaussians with means `{-4, -2, 0, 2, 4}^2`, standard
  deviation 0.05.

Each sample picks a component uniformly at random; its label is the index of
that component in `ring_centers()` / `grid_centers()`, so conditional models
can use it and evaluation can compare against it.
"""

import numpy as np
import tensorflow as tf

from keras_gans import checks

RING_STD = 0.01
GRID_STD = 0.05
MIXTURE_NAMES = ("ring", "grid")
# Large enough that an epoch is many steps at the protocol's batch of 512, and
# small enough (1.6 MB) to build in memory instantly.
DEFAULT_NUM_EXAMPLES = 100_000
# Distinct random streams for the splits, so "test" points are not "train".
_SPLIT_STREAMS = {"train": 0, "test": 1}


def ring_centers():
    """Means of the ring mixture.

    Returns:
        float32 array of shape `(8, 2)`: `(cos a_k, sin a_k)` with
        `a_k = 2 * pi * k / 8`. The angles exclude 2 * pi, which would
        duplicate the first mode (a known bug of `linspace` with its
        default endpoint).
    """
    angles = 2.0 * np.pi * np.arange(8) / 8
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def grid_centers():
    """Means of the grid mixture.

    Returns:
        float32 array of shape `(25, 2)`, all pairs of `{-4, -2, 0, 2, 4}`
        in row-major order: `(-4, -4), (-4, -2), ..., (4, 4)`.
    """
    values = np.arange(-4.0, 5.0, 2.0)
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def mixture_spec(name):
    """Means and standard deviation of a named mixture.

    Args:
        name: `"ring"` or `"grid"`.

    Returns:
        `(centers, std)`: a fresh float32 array `(num_modes, 2)` and a float.
    """
    if name == "ring":
        return ring_centers(), RING_STD
    if name == "grid":
        return grid_centers(), GRID_STD
    raise ValueError(
        f"Unknown mixture {name!r}. Valid names: "
        f"{', '.join(repr(n) for n in MIXTURE_NAMES)}."
    )


def sample_mixture(name, num_examples=DEFAULT_NUM_EXAMPLES, seed=0, split="train"):
    """Draws points from a named mixture with NumPy.

    Args:
        name: `"ring"` or `"grid"`.
        num_examples: number of points.
        seed: int; the same seed and split always give the same points.
        split: `"train"` or `"test"`; the two splits use independent random
            streams of the same seed.

    Returns:
        `(points, labels)`: float32 `(num_examples, 2)` and int32
        `(num_examples,)` component indices.
    """
    centers, std = mixture_spec(name)
    checks.choice("split", split, tuple(_SPLIT_STREAMS))
    num_examples = checks.positive_int("num_examples", num_examples)
    seed = checks.non_negative_int("seed", seed)
    rng = np.random.default_rng([seed, _SPLIT_STREAMS[split]])
    labels = rng.integers(0, len(centers), size=num_examples)
    noise = rng.normal(0.0, std, size=(num_examples, 2))
    points = centers[labels] + noise
    return points.astype(np.float32), labels.astype(np.int32)


def stream_mixture(name, batch_size=64, with_labels=False, seed=0, split="train",
                   start_batch=0):
    """An endless `tf.data.Dataset` of fresh mixture points, one new draw per batch.

    The original code of the 2D protocol (the unrolled-GAN notebook, GDPP's
    `gdppgan_Synthetic.py`) samples a fresh batch every step instead of
    cycling over a fixed set. Batch `i` is a pure function of `(seed, split,
    i)` (stateless random ops), so a resumed run that starts at
    `start_batch=k` sees exactly the batches an unbroken run sees from its
    k-th on. Use it with `fit(..., steps_per_epoch=...)`.

    Args:
        name: `"ring"` or `"grid"`.
        batch_size: points per batch.
        with_labels: yield `(points, labels)` with int32 component indices.
        seed: int seed of the stream.
        split: `"train"` or `"test"` (independent streams).
        start_batch: index of the first batch (for exact resumption).

    Returns:
        An infinite `tf.data.Dataset` of float32 `(batch_size, 2)` points.
    """
    centers, std = mixture_spec(name)
    checks.choice("split", split, tuple(_SPLIT_STREAMS))
    batch_size = checks.positive_int("batch_size", batch_size)
    seed = checks.non_negative_int("seed", seed)
    start_batch = checks.non_negative_int("start_batch", start_batch)
    checks.boolean("with_labels", with_labels)
    centers_t = tf.constant(centers)
    base = tf.constant([seed, 1000 + _SPLIT_STREAMS[split]], tf.int64)

    def draw(index):
        seeds = tf.random.experimental.stateless_split(
            tf.random.experimental.stateless_fold_in(base, index), 2)
        labels = tf.random.stateless_uniform(
            (batch_size,), seeds[0], minval=0, maxval=len(centers), dtype=tf.int32)
        noise = tf.random.stateless_normal((batch_size, 2), seeds[1], stddev=std)
        points = tf.gather(centers_t, labels) + noise
        return (points, labels) if with_labels else points

    ds = tf.data.Dataset.counter(start=start_batch).map(draw)
    # No autotuning: a draw is a few microseconds, so there is nothing to
    # tune, and tf.data's autotuning thread held up the iterator's deletion
    # at the end of `fit` by about 15 s in most runs trained two at a time
    # on 2 cores (the quickstart's 3,000 steps take 25-30 s).
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(2).with_options(options)


def load_mixture(
    name,
    split="train",
    batch_size=64,
    with_labels=False,
    shuffle=True,
    seed=0,
    num_examples=None,
    drop_remainder=True,
):
    """A batched `tf.data.Dataset` of mixture points.

    Points are returned as generated: a mixture has no pixel range, so the
    `value_range` of `keras_gans.datasets.load` does not rescale it (the
    generator should use a linear output).

    Args:
        name: `"ring"` or `"grid"`.
        split: `"train"` or `"test"` (independent draws).
        batch_size: points per batch.
        with_labels: if True, yield `(points, labels)` with int32 labels.
        shuffle: reshuffle the points every epoch (seeded).
        seed: seed of the points and of the shuffle order.
        num_examples: number of points, `DEFAULT_NUM_EXAMPLES` (100,000)
            when None.
        drop_remainder: drop the last incomplete batch.

    Returns:
        A prefetched `tf.data.Dataset` of float32 `(batch, 2)` points, or of
        `(points, labels)` pairs.
    """
    if num_examples is None:
        num_examples = DEFAULT_NUM_EXAMPLES
    points, labels = sample_mixture(name, num_examples, seed=seed, split=split)
    data = (points, labels) if with_labels else points
    ds = tf.data.Dataset.from_tensor_slices(data)
    if shuffle:
        ds = ds.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)
