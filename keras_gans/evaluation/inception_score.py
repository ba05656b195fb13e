"""Inception Score (IS).

Salimans et al. 2016, "Improved Techniques for Training GANs":
IS = exp(E_x KL(p(y|x) || p(y))). High when each sample is classified
confidently (sharp p(y|x)) and the classes are used evenly (flat p(y)); its
maximum is the number of classes. With the `"mnist"` extractor's softmax it
is the "classifier Inception Score" (about 9.9 on the MNIST test set).
"""

import dataclasses

import numpy as np
import scipy.special

from keras_gans import checks


@dataclasses.dataclass(frozen=True)
class InceptionScore:
    """Inception Score estimate.

    Attributes:
        mean: Mean of the per-split scores (the reported IS).
        std: Standard deviation of the per-split scores.
        splits: Number of splits.
    """

    mean: float
    std: float
    splits: int


def inception_score(probabilities, splits=10):
    """Inception Score of class probabilities p(y|x).

    The samples are cut into `splits` contiguous parts at
    `i * N // splits` (i = 0..splits), as the original code (Salimans et
    al.'s `improved-gan`) and torch-fidelity do, so when N is not a multiple
    of `splits` the larger parts come last (`np.array_split` would put them
    first and change the score). Each part's score is exp(mean_x KL(p(y|x) || p_part(y))) with
    p_part(y) the part's mean prediction, and the mean and std of the part
    scores are returned. 0 log 0 is taken as 0, so exact one-hot predictions
    are fine: a perfect classifier on balanced parts scores exactly the
    number of classes.

    Args:
        probabilities: Array (num_samples, num_classes) of softmax outputs.
        splits: Number of parts (10 parts of 1,000 or 5,000 is usual).

    Returns:
        An `InceptionScore` with fields `mean`, `std`, `splits`.
    """
    p = checks.probability_rows(probabilities)
    splits = checks.positive_int("splits", splits)
    if splits > p.shape[0]:
        raise ValueError(
            f"`splits` must be between 1 and the number of samples "
            f"({p.shape[0]}); got {splits}."
        )
    n = p.shape[0]
    bounds = [i * n // splits for i in range(splits + 1)]
    scores = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        part = p[start:stop]
        marginal = part.mean(axis=0, keepdims=True)
        # xlogy(p, p) - xlogy(p, q) is p log(p/q) with 0 log 0 = 0, and never
        # divides by a zero marginal (p > 0 implies q > 0).
        kl = scipy.special.xlogy(part, part) - scipy.special.xlogy(part, marginal)
        scores.append(np.exp(kl.sum(axis=1).mean()))
    scores = np.asarray(scores)
    return InceptionScore(
        mean=float(scores.mean()), std=float(scores.std()), splits=int(splits)
    )
