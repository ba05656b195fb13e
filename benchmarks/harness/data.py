"""Training data and evaluation references from a run's flag values."""

import dataclasses

import numpy as np

from benchmarks.harness import stacked_mnist

MIXTURES = ("ring", "grid")
MNIST_LIKE = ("mnist", "fashion_mnist")
# Output activation -> value range of the data it can produce (TRICKS 1.1).
VALUE_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


@dataclasses.dataclass
class DataInfo:
    """What the networks and metrics need to know about a dataset.

    Attributes:
        name: Dataset name.
        sample_shape: Shape of one example, `(2,)` or `(side, side, channels)`.
        is_image: Whether examples are images.
        value_range: `(low, high)` of images; `None` for mixtures (unbounded).
        output_activation: The generator's output activation (`None` linear).
        num_classes: Classes (mixture components, digits; 1000 for Stacked
            MNIST; `None` for CelebA).
        centers: Mixture means `(modes, 2)`, for the `modes` metric.
        std: Mixture component std.
    """

    name: str
    sample_shape: tuple
    is_image: bool
    value_range: tuple = None
    output_activation: str = None
    num_classes: int = None
    centers: np.ndarray = None
    std: float = None


def output_activation_for(values):
    """The generator output activation: the flag, or the dataset's natural one."""
    choice = values["g_output_activation"]
    if choice == "auto":
        return None if values["dataset"] in MIXTURES else "tanh"
    return None if choice == "none" else choice


def data_info(values):
    """A `DataInfo` for the run, without loading any data."""
    from keras_gans import datasets

    name = values["dataset"]
    activation = output_activation_for(values)
    if name in MIXTURES:
        if activation is not None:
            raise ValueError(
                f"--g_output_activation={activation} squashes samples into "
                f"{VALUE_RANGES[activation]} but the {name} mixture spans "
                "[-4, 4] (grid) or [-1, 1] (ring) with no margin; use "
                "--g_output_activation=none (or auto)."
            )
        centers, std = datasets.mixture_spec(name)
        return DataInfo(name, (2,), False, None, None, len(centers), centers, std)
    if activation is None:
        raise ValueError(
            f"Image data needs a bounded generator output: set "
            f"--g_output_activation=tanh (data in [-1, 1]) or sigmoid "
            f"([0, 1]) for --dataset={name}."
        )
    value_range = VALUE_RANGES[activation]
    if name == "celeb_a":
        side = values["image_size"] or 64
        return DataInfo(name, (side, side, 3), True, value_range, activation)
    if name == "stacked_mnist":
        return DataInfo(
            name, (28, 28, 3), True, value_range, activation, stacked_mnist.NUM_MODES
        )
    side = values["image_size"] or 28
    return DataInfo(name, (side, side, 1), True, value_range, activation, 10)


# Memory the shuffle buffer may take; whole datasets fit below it except
# CelebA, which is shuffled within windows of this size.
_SHUFFLE_BUFFER_BYTES = 256 * 2**20


def _examples(values, info, with_labels):
    """The training split, unshuffled, one example per element."""
    from keras_gans import datasets

    common = dict(
        batch_size=1,
        with_labels=with_labels,
        shuffle=False,
        seed=values["seed"],
        num_examples=values["num_examples"],
        drop_remainder=False,
    )
    if info.name in MIXTURES:
        batched = datasets.load(info.name, **common)
    elif info.name == "stacked_mnist":
        batched = stacked_mnist.load(
            data_dir=values["data_dir"], value_range=info.value_range, **common
        )
    else:
        batched = datasets.load(
            info.name,
            value_range=info.value_range,
            data_dir=values["data_dir"],
            image_size=values["image_size"],
            **common,
        )
    return batched.unbatch(), int(batched.cardinality())


class TrainingStream:
    """The run's endless stream of training batches.

    Pass `p` over the data is shuffled with the seed `(seed, p)` and cut into
    `n // batch_size` full batches. The order therefore depends only on the
    run's seed and the step, not on how many iterators were opened before
    (Keras and `GAN.fit` open some): a resumed run, started at the step of
    its checkpoint, sees exactly the batches an uninterrupted run would, and
    seeds differ in data order as well as in initial weights.

    Build the stream before `keras.utils.set_random_seed(0)` or
    `tf.random.set_seed(0)`: tf.data cannot combine a global seed of 0 with
    the per-pass seed tensors used here.

    Args:
        values: The run's flag values.
        info: Its `DataInfo`.
        with_labels: Yield `(x, labels)` batches.

    Attributes:
        steps_per_pass: Full batches in one pass over the data.
    """

    def __init__(self, values, info, with_labels=False):
        self.examples, count = _examples(values, info, with_labels)
        self.batch_size = values["batch_size"]
        if count < self.batch_size:
            raise ValueError(
                f"--dataset={info.name} has {count} training examples, fewer "
                f"than --batch_size={self.batch_size}; lower the batch size or "
                "raise --num_examples."
            )
        self.steps_per_pass = count // self.batch_size
        bytes_per_example = 4 * int(np.prod(info.sample_shape))
        self.buffer = min(count, max(1000, _SHUFFLE_BUFFER_BYTES // bytes_per_example))
        self.seed = values["seed"]

    def _one_pass(self, index):
        import tensorflow as tf

        # A large odd multiplier keeps (seed, pass) pairs from colliding.
        seed = tf.constant(self.seed, tf.int64) * 1_000_003 + index
        shuffled = self.examples.shuffle(
            self.buffer, seed=seed, reshuffle_each_iteration=False
        )
        return shuffled.batch(self.batch_size, drop_remainder=True)

    def from_step(self, step):
        """The stream starting at batch `step` (0 for a fresh run)."""
        import tensorflow as tf

        first_pass, offset = divmod(step, self.steps_per_pass)
        passes = tf.data.Dataset.range(first_pass, 2**62)
        return passes.flat_map(self._one_pass).skip(offset).prefetch(tf.data.AUTOTUNE)


def reference_images(values, info, num_examples):
    """Real test images for the image metrics (FID, KID, precision/recall).

    Returns:
        A `tf.data.Dataset` of batches in the generator's value range.
    """
    from keras_gans import datasets

    if info.name == "stacked_mnist":
        return stacked_mnist.load(
            split="test",
            batch_size=250,
            value_range=info.value_range,
            seed=values["seed"],
            num_examples=num_examples,
            data_dir=values["data_dir"],
            shuffle=False,
            drop_remainder=False,
        )
    return datasets.load(
        info.name,
        split="test",
        batch_size=250,
        value_range=info.value_range,
        data_dir=values["data_dir"],
        image_size=values["image_size"],
        num_examples=num_examples,
        shuffle=False,
        drop_remainder=False,
    )
