"""Statistics over seeds, and how each metric reads (title, direction, scale).

With a handful of seeds the normal approximation understates uncertainty,
so intervals use Student's t with n - 1 degrees of freedom, and variations
are compared with a paired t-test over the seeds both were run with (the
same seed gives both runs the same data order, so pairing removes that
source of variance).
"""

import dataclasses
import math

import numpy as np
import scipy.stats


@dataclasses.dataclass(frozen=True)
class MetricInfo:
    """How to show a metric: its title, direction and display scale."""

    title: str
    higher_is_better: bool
    scale: float = 1.0
    digits: int = 2


# Display order of the known metrics; other keys show under their own name.
METRICS = {
    "modes": MetricInfo("modes", True, digits=1),
    "high_quality": MetricInfo("% high-quality", True, 100.0, 1),
    "mode_kl": MetricInfo("mode KL", False, digits=3),
    "mode_kl_channels": MetricInfo("mode KL: channels", False, digits=3),
    "mode_kl_dependence": MetricInfo("mode KL: dependence", False, digits=3),
    "classes": MetricInfo("classes", True, digits=1),
    "class_kl": MetricInfo("class KL", False, digits=3),
    # The network is part of the name: classifier FIDs, published-comparable
    # Inception FIDs and Keras-InceptionV3 FIDs never share a column.
    "fid": MetricInfo("classifier FID", False, digits=2),
    "fid_inception": MetricInfo("FID (Inception 2015)", False, digits=2),
    "fid_inception_v3": MetricInfo("FID (Keras InceptionV3)", False, digits=2),
    "kid": MetricInfo("classifier KID", False, digits=3),
    "kid_inception": MetricInfo("KID (Inception 2015)", False, digits=4),
    "kid_inception_v3": MetricInfo("KID (Keras InceptionV3)", False, digits=4),
    "is": MetricInfo("classifier IS", True, digits=2),
    "is_inception_v3": MetricInfo("IS (Keras InceptionV3)", True, digits=2),
    "precision": MetricInfo("precision", True, digits=3),
    "recall": MetricInfo("recall", True, digits=3),
    "density": MetricInfo("density", True, digits=3),
    "coverage": MetricInfo("coverage", True, digits=3),
    "diversity": MetricInfo("diversity", True, digits=3),
    "wall_time_s": MetricInfo("wall s", False, digits=1),
}
# `--eval_raw_generator` logs the trained G's scores of an EMA run under
# `raw_` keys (GANMetrics' RAW_PREFIX); they read like the EMA's, after them.
METRICS.update({
    "raw_" + key: dataclasses.replace(info, title=f"{info.title} (raw G)")
    for key, info in list(METRICS.items()) if key != "wall_time_s"
})


def metric_info(key):
    return METRICS.get(key, MetricInfo(key, True))


@dataclasses.dataclass(frozen=True)
class Description:
    """Summary of one metric of one variation over seeds.

    Attributes:
        n: Number of seeds.
        mean: Sample mean.
        std: Sample standard deviation (ddof=1); NaN when n < 2.
        ci_low, ci_high: Two-sided t-interval of the mean at `confidence`;
            NaN when n < 2.
    """

    n: int
    mean: float
    std: float
    ci_low: float
    ci_high: float


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A variation against the baseline, paired by seed.

    Attributes:
        n: Seeds both have.
        difference: Mean of (variation - baseline) over those seeds.
        p_value: Two-sided paired t-test p-value; `None` when n < 2 ("n/a").
        ci_low, ci_high: 95% t-interval of the mean difference (NaN when
            n < 2; both equal the difference when every one is the same).
    """

    n: int
    difference: float
    p_value: float
    ci_low: float = float("nan")
    ci_high: float = float("nan")


def describe(values, confidence=0.95):
    """Mean, std and t-interval of `values`.

    Args:
        values: Sequence of floats (one per seed); NaNs are dropped.
        confidence: Coverage of the interval.

    Returns:
        A `Description`.
    """
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], float)
    n = len(x)
    if n == 0:
        nan = float("nan")
        return Description(0, nan, nan, nan, nan)
    mean = float(x.mean())
    if n < 2:
        nan = float("nan")
        return Description(1, mean, nan, nan, nan)
    std = float(x.std(ddof=1))
    half = float(scipy.stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
    return Description(n, mean, std, mean - half, mean + half)


def verdict(comparison, higher_is_better):
    """How a variation compares with the baseline, read off the 95% t-interval
    of the mean paired difference: "better" or "worse" when the interval
    excludes 0 (the same as p < 0.05 for the paired t-test), "no resolved
    difference" when it holds 0, "n/a" with fewer than 2 paired seeds.

    Args:
        comparison: A `Comparison` (variation minus baseline).
        higher_is_better: The metric's direction (`MetricInfo`).
    """
    if comparison.n < 2 or math.isnan(comparison.ci_low):
        return "n/a"
    if comparison.ci_low > 0 or comparison.ci_high < 0:
        return "better" if (comparison.difference > 0) == higher_is_better else "worse"
    return "no resolved difference"


def holm(p_values, family_size=None):
    """Holm's step-down adjustment of a family of p-values.

    With the m p-values of the family sorted, p(1) <= ... <= p(m), the
    adjusted p(i) is max over k <= i of min(1, (m - k + 1) p(k)): a
    comparison whose adjusted p is below alpha is resolved with a
    family-wise error rate of alpha over the m comparisons (Holm 1979),
    which the per-comparison p does not give when a study tests many
    variations.

    Args:
        p_values: Sequence of p-values; `None` (too few seeds) stays `None`.
        family_size: The number of comparisons in the family, when it is
            larger than the defined p-values: the members without one (a
            planned variation not run yet) count as p = 1. Holm's adjusted
            p never falls when another member's p rises, so this is the
            largest adjustment the finished family can give, and a study
            committed half-run is not corrected for fewer comparisons than
            it makes. Default: the number of defined p-values.

    Returns:
        The adjusted p-values, in the order given.

    Raises:
        ValueError: `family_size` below the number of defined p-values.
    """
    defined = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(defined) if family_size is None else family_size
    if m < len(defined):
        raise ValueError(f"holm: family_size={family_size} is below the {len(defined)} "
                         "defined p-values; give at least that many, or None.")
    adjusted = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(defined):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def paired_comparison(variation, baseline):
    """Paired t-test of a variation against the baseline over common seeds.

    Args:
        variation: Dict seed -> value.
        baseline: Dict seed -> value.

    Returns:
        A `Comparison`; `p_value` is `None` with fewer than 2 common seeds.
        When every paired difference is the same, the t statistic is
        undefined: p is 1 if that difference is 0, else 0 (the limit).
    """
    seeds = sorted(set(variation) & set(baseline))
    a = np.asarray([variation[s] for s in seeds], float)
    b = np.asarray([baseline[s] for s in seeds], float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = len(a)
    if n == 0:
        return Comparison(0, float("nan"), None)
    diff = a - b
    if n < 2:
        return Comparison(n, float(diff.mean()), None)
    if np.all(diff == diff[0]):
        d = float(diff[0])
        return Comparison(n, d, 1.0 if d == 0 else 0.0, d, d)
    p = float(scipy.stats.ttest_rel(a, b).pvalue)
    interval = describe(diff)
    return Comparison(n, float(diff.mean()), p, interval.ci_low, interval.ci_high)
