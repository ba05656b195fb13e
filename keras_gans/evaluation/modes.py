"""Mode counts: the "missing modes" failure, measured.

The field guide's third failure: the data has clear modes (mixture
components, MNIST digits) and the generator covers only some of them.

- `mixture_modes` scores 2D Gaussian mixtures (ring of 8, grid of 25) with
  the VEEGAN / GDPP protocol (Srivastava et al. 2017, Table 1).
- `class_modes` scores a classifier's labels of the samples: classes hit and
  the KL of the class histogram to uniform (or to the data's histogram);
  with `stacked_mnist_labels` it gives the 1000-mode Stacked MNIST numbers
  (VEEGAN Table 2; PacGAN, Lin et al. 2018).
"""

import dataclasses

import numpy as np
import scipy.special

from keras_gans import checks


@dataclasses.dataclass(frozen=True)
class MixtureModes:
    """Mode coverage of samples from a Gaussian mixture.

    Attributes:
        modes: Number of mixture components that are the nearest mean of at
            least one high-quality sample ("modes covered").
        high_quality: Fraction (0 to 1, not percent) of samples within
            `threshold` standard deviations of their nearest mean.
        kl: KL(p || uniform) of the mode histogram of the high-quality
            samples, in nats: 0 when they spread evenly over all modes,
            log(num_modes) when they sit in one. With no high-quality sample
            it is log(num_modes) too (nothing covered is scored like total
            collapse, and the value stays finite for monitors).
        counts: Tuple of high-quality sample counts per mode.
        num_modes: Number of mixture components.
    """

    modes: int
    high_quality: float
    kl: float
    counts: tuple
    num_modes: int


@dataclasses.dataclass(frozen=True)
class ClassModes:
    """Class coverage of samples.

    Attributes:
        classes: Number of distinct classes assigned to at least one sample.
        kl: KL(p || q) in nats of the sample class histogram p to the
            reference histogram q (uniform unless reference labels were
            given); 0 for a perfect match.
        counts: Tuple of sample counts per class.
        num_classes: Number of classes.
    """

    classes: int
    kl: float
    counts: tuple
    num_classes: int


def _kl_to(p_counts, q):
    """KL(p || q) for a count vector p and a probability vector q (q > 0)."""
    p = p_counts / p_counts.sum()
    # 0 log 0 = 0: empty modes add nothing; q has full support so KL(p||q)
    # is finite without any epsilon.
    return float(np.sum(scipy.special.xlogy(p, p) - scipy.special.xlogy(p, q)))


def mixture_modes(samples, centers, std, threshold=3.0):
    """Modes covered, fraction of high-quality samples and mode-histogram KL.

    Definitions (VEEGAN / GDPP protocol, BENCHMARKS.md Tier A): a sample is
    high-quality when it lies within `threshold` (3) standard deviations of
    its nearest mixture mean; a mode is covered when it is the nearest mean
    of at least one high-quality sample. The KL is KL(p || uniform) with p
    the histogram of the high-quality samples' nearest modes: it measures
    how evenly the good samples spread, separately from how many are good.

    Args:
        samples: Array (num_samples, dim) of generated points (the protocol
            uses 2,500 samples).
        centers: Array (num_modes, dim) of mixture means.
        std: Standard deviation of each component: a scalar, or an array
            (num_modes,) for per-component values (isotropic components).
        threshold: Radius of a high-quality sample, in standard deviations.

    Returns:
        A `MixtureModes` with fields `modes`, `high_quality`, `kl`, `counts`,
        `num_modes`.

    Example:

    ```python
    centers = [[np.cos(a), np.sin(a)] for a in 2 * np.pi * np.arange(8) / 8]
    result = mixture_modes(samples, centers, std=0.01)
    result.modes, result.high_quality
    ```
    """
    samples = checks.feature_matrix(samples, "samples")
    centers = checks.feature_matrix(centers, "centers")
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(
            f"`samples` have dimension {samples.shape[1]} but `centers` have "
            f"{centers.shape[1]}; pass one mean per row, e.g. shape (8, 2)."
        )
    num_modes = centers.shape[0]
    std = np.broadcast_to(np.asarray(checks.positive_values("std", std), np.float64),
                          (num_modes,))
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    nearest = np.argmin(distances, axis=1)
    nearest_distance = distances[np.arange(samples.shape[0]), nearest]
    good = nearest_distance <= threshold * std[nearest]
    counts = np.bincount(nearest[good], minlength=num_modes)
    if counts.sum() == 0:
        kl = float(np.log(num_modes))
    else:
        kl = _kl_to(counts, np.full(num_modes, 1.0 / num_modes))
    return MixtureModes(
        modes=int(np.count_nonzero(counts)),
        high_quality=float(good.mean()),
        kl=kl,
        counts=tuple(int(c) for c in counts),
        num_modes=int(num_modes),
    )


def _as_labels(probabilities_or_labels, num_classes, name):
    values = np.asarray(probabilities_or_labels)
    if values.ndim == 2:
        if values.shape[1] != num_classes:
            raise ValueError(
                f"`{name}` has {values.shape[1]} columns but num_classes="
                f"{num_classes}."
            )
        return np.argmax(values, axis=1)
    if values.ndim == 1:
        return checks.class_ids(values, num_classes, len(values), name=name).astype(np.int64)
    raise ValueError(
        f"`{name}` must be labels (num_samples,) or probabilities "
        f"(num_samples, num_classes); got shape {values.shape}."
    )


def class_modes(probabilities_or_labels, num_classes, reference_labels=None):
    """Classes hit by the samples and the KL of their class histogram.

    Args:
        probabilities_or_labels: Class probabilities (num_samples,
            num_classes), reduced with argmax, or integer labels
            (num_samples,).
        num_classes: Number of classes (10 for MNIST, 1000 for Stacked MNIST).
        reference_labels: Optional labels or probabilities of real data. When
            given, the KL is to the real class histogram (classes absent from
            the reference get a count of 0.5 so the KL stays finite);
            otherwise to the uniform distribution.

    Returns:
        A `ClassModes` with fields `classes`, `kl`, `counts`, `num_classes`.
    """
    labels = _as_labels(probabilities_or_labels, num_classes, "probabilities_or_labels")
    if labels.size == 0:
        raise ValueError("`probabilities_or_labels` is empty.")
    counts = np.bincount(labels, minlength=num_classes)
    if reference_labels is None:
        q = np.full(num_classes, 1.0 / num_classes)
    else:
        ref = _as_labels(reference_labels, num_classes, "reference_labels")
        ref_counts = np.bincount(ref, minlength=num_classes).astype(np.float64)
        ref_counts[ref_counts == 0] = 0.5
        q = ref_counts / ref_counts.sum()
    return ClassModes(
        classes=int(np.count_nonzero(counts)),
        kl=_kl_to(counts, q),
        counts=tuple(int(c) for c in counts),
        num_classes=int(num_classes),
    )


def stacked_mnist_labels(channel_labels):
    """Combines per-channel digit labels into Stacked MNIST's 1000 classes.

    Stacked MNIST (Metz et al. 2017; VEEGAN) stacks three MNIST digits as
    the channels of one image; each channel is labelled by an MNIST
    classifier and the triple (a, b, c) is the mode 100 a + 10 b + c.

    Args:
        channel_labels: Integer array (num_samples, 3) of digit labels,
            channel 0 first, or probabilities (num_samples, 3, 10).

    Returns:
        Integer array (num_samples,) of classes in [0, 1000).
    """
    values = np.asarray(channel_labels)
    if values.ndim == 3:
        values = np.argmax(values, axis=-1)
    if values.ndim != 2 or values.shape[1] != 3:
        raise ValueError(
            "`channel_labels` must have shape (num_samples, 3) or "
            f"(num_samples, 3, 10); got {np.asarray(channel_labels).shape}."
        )
    values = values.astype(np.int64)
    return values[:, 0] * 100 + values[:, 1] * 10 + values[:, 2]


def stacked_mnist_digits(modes):
    """The inverse of `stacked_mnist_labels`: modes `100 a + 10 b + c` back
    to their digit triples, an int array (num_samples, 3), channel 0 first."""
    modes = np.asarray(modes)
    return np.stack([modes // 100, modes // 10 % 10, modes % 10], axis=1)


@dataclasses.dataclass(frozen=True)
class ModeKLParts:
    """Where a multi-channel mode histogram's KL to uniform comes from.

    For modes that are tuples of per-channel classes (Stacked MNIST's digit
    triples), the KL of the joint histogram p to the uniform one splits
    exactly (for the empirical histograms too) into

        KL(p || uniform) = sum_k KL(p_k || uniform_k) + KL(p || p_1 x ... x p_K)

    the channels' own class imbalance plus their dependence (total
    correlation: 0 when the channels are drawn independently).

    Attributes:
        total: KL(p || uniform) over all `num_classes ** K` modes, in nats
            (what `class_modes` of `stacked_mnist_labels` reports).
        channels: Tuple of each channel's KL(p_k || uniform), in nats.
        dependence: KL(p || product of the channel marginals), in nats.
    """

    total: float
    channels: tuple
    dependence: float


def mode_kl_parts(channel_labels, num_classes=10):
    """Splits the mode KL of tuple-valued modes into channels and dependence.

    Tells a Stacked MNIST generator that favours some digits in every channel
    (large `channels`) from one that pairs digits across channels unevenly
    (large `dependence`).

    Args:
        channel_labels: Integer array (num_samples, K) of per-channel class
            labels (e.g. the MNIST evaluator's digit for each of 3 channels),
            or probabilities (num_samples, K, num_classes), reduced by argmax.
        num_classes: Classes per channel (10 for digits).

    Returns:
        A `ModeKLParts`; `total == sum(channels) + dependence` up to rounding.
    """
    num_classes = checks.positive_int("num_classes", num_classes)
    values = np.asarray(channel_labels)
    if values.ndim == 3:
        values = np.argmax(values, axis=-1)
    if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] < 1:
        raise ValueError(
            "`channel_labels` must have shape (num_samples, channels) with at least "
            f"one sample, or (num_samples, channels, num_classes); got {values.shape}.")
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"`channel_labels` must be integer labels; got dtype {values.dtype}.")
    if values.min() < 0 or values.max() >= num_classes:
        raise ValueError(f"`channel_labels` must lie in [0, {num_classes}); got values from "
                         f"{values.min()} to {values.max()}.")
    num_channels = values.shape[1]
    shape = (num_classes,) * num_channels
    joint = np.bincount(np.ravel_multi_index(values.T, shape),
                        minlength=num_classes ** num_channels).astype(np.float64)
    joint /= joint.sum()
    marginals = [np.bincount(values[:, k], minlength=num_classes) / len(values)
                 for k in range(num_channels)]
    uniform = np.full(num_classes, 1.0 / num_classes)
    channels = tuple(float(np.sum(scipy.special.rel_entr(m, uniform))) for m in marginals)
    product = marginals[0]
    for m in marginals[1:]:
        product = np.multiply.outer(product, m)
    # Where p > 0 every marginal is > 0, so the product is too: finite.
    dependence = float(np.sum(scipy.special.rel_entr(joint, product.ravel())))
    total = float(np.sum(scipy.special.rel_entr(joint, 1.0 / joint.size)))
    return ModeKLParts(total=total, channels=channels, dependence=dependence)
