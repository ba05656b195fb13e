"""A study's results -> tables (console, Markdown, CSV) with statistics.

Reads every `<variation>/seed_<k>/summary.json` under a study folder, so
the tables are always generated from the run files, never pasted by hand.
"""

import csv
import dataclasses
import glob
import io
import math
import os

from benchmarks.harness import published as published_lib
from benchmarks.harness import run_dir as run_dir_lib
from benchmarks.harness import stats

STUDY_FILE = "study.json"


@dataclasses.dataclass(frozen=True)
class MetricInfo:
    """How to show a metric: its title, direction and display scale."""

    title: str
    higher_is_better: bool
    scale: float = 1.0
    digits: int = 2


# Display order of the known metrics.
METRICS = {
    "modes": MetricInfo("modes", True, digits=1),
    "high_quality": MetricInfo("% high-quality", True, 100.0, 1),
    "mode_kl": MetricInfo("mode KL", False, digits=3),
    "classes": MetricInfo("classes", True, digits=1),
    "class_kl": MetricInfo("class KL", False, digits=3),
    "fid": MetricInfo("FID", False, digits=2),
    "kid": MetricInfo("KID", False, digits=3),
    "is": MetricInfo("IS", True, digits=2),
    "precision": MetricInfo("precision", True, digits=3),
    "recall": MetricInfo("recall", True, digits=3),
    "density": MetricInfo("density", True, digits=3),
    "coverage": MetricInfo("coverage", True, digits=3),
    "diversity": MetricInfo("diversity", True, digits=3),
}


@dataclasses.dataclass
class Study:
    """The finished runs of one study.

    Attributes:
        name: Study name.
        directory: Study folder.
        variations: Variation names in report order.
        baseline: The variation others are compared against.
        runs: Dict variation -> dict seed -> summary dict.
        metrics: Metric names present in the summaries, in display order.
        published_key: Key of `published.PUBLISHED`, or `None`.
        dataset: Dataset of the runs.
    """

    name: str
    directory: str
    variations: list
    baseline: str
    runs: dict
    metrics: list
    published_key: str = None
    dataset: str = None

    def values(self, variation, metric):
        """Dict seed -> scaled metric value of one variation."""
        scale = METRICS[metric].scale if metric in METRICS else 1.0
        out = {}
        for seed, summary in self.runs.get(variation, {}).items():
            value = summary["final"].get(metric)
            if value is not None:
                out[seed] = float(value) * scale
        return out

    def wall_times(self, variation):
        return {s: m["wall_time_s"] for s, m in self.runs.get(variation, {}).items()}


def load_study(directory, baseline=None, published_key=None):
    """Reads a study folder.

    Args:
        directory: `output_dir/<study>`.
        baseline: Variation to compare against; default the study's own
            (from `study.json`), else "baseline" if present, else the first.
        published_key: Overrides the study's published table key.

    Returns:
        A `Study`.

    Raises:
        FileNotFoundError: no finished run under `directory`.
    """
    meta_path = os.path.join(directory, STUDY_FILE)
    meta = run_dir_lib.read_json(meta_path) if os.path.exists(meta_path) else {}
    runs = {}
    pattern = os.path.join(directory, "*", "seed_*", run_dir_lib.SUMMARY_FILE)
    for path in sorted(glob.glob(pattern)):
        seed_dir = os.path.dirname(path)
        if ".stale-" in os.path.basename(seed_dir):
            continue
        variation = os.path.basename(os.path.dirname(seed_dir))
        summary = run_dir_lib.read_json(path)
        runs.setdefault(variation, {})[int(summary["seed"])] = summary
    if not runs:
        raise FileNotFoundError(
            f"No finished run (*/seed_*/summary.json) under {directory}; run "
            "the study with benchmarks/ablate.py first."
        )
    order = [v for v in meta.get("variations", []) if v in runs]
    order += sorted(v for v in runs if v not in order)
    baseline = baseline or meta.get("baseline")
    if baseline is None:
        baseline = "baseline" if "baseline" in runs else order[0]
    if baseline not in runs:
        raise ValueError(
            f"Baseline {baseline!r} has no finished run in {directory}; "
            f"variations with results: {', '.join(order)}."
        )
    present = set()
    for per_seed in runs.values():
        for summary in per_seed.values():
            present |= set(summary["final"])
    metrics = [m for m in METRICS if m in present]
    any_summary = next(iter(runs[order[0]].values()))
    return Study(
        name=meta.get("study", os.path.basename(os.path.normpath(directory))),
        directory=directory,
        variations=order,
        baseline=baseline,
        runs=runs,
        metrics=metrics,
        published_key=published_key or meta.get("published"),
        dataset=meta.get("dataset", any_summary.get("dataset")),
    )


def _fmt(value, digits):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _mean_std(description, digits):
    if description.n == 0:
        return "n/a"
    if description.n < 2:
        return _fmt(description.mean, digits)
    return f"{_fmt(description.mean, digits)} ± {_fmt(description.std, digits)}"


def rows(study):
    """Per variation and metric: the `Description` and the baseline `Comparison`.

    Returns:
        A list of dicts with keys `variation`, `metric`, `description`,
        `comparison` (`None` for the baseline itself).
    """
    out = []
    for variation in study.variations:
        for metric in study.metrics + ["wall_time_s"]:
            if metric == "wall_time_s":
                values, base = study.wall_times(variation), study.wall_times(
                    study.baseline
                )
            else:
                values = study.values(variation, metric)
                base = study.values(study.baseline, metric)
            comparison = (
                None
                if variation == study.baseline
                else stats.paired_comparison(values, base)
            )
            out.append(
                dict(
                    variation=variation,
                    metric=metric,
                    description=stats.describe(list(values.values())),
                    comparison=comparison,
                )
            )
    return out


def _title(metric):
    return METRICS[metric].title if metric in METRICS else "wall s"


def _digits(metric):
    return METRICS[metric].digits if metric in METRICS else 1


def console_table(study):
    """A plain-text table: mean ± std over seeds, and published rows."""
    table = {(r["variation"], r["metric"]): r for r in rows(study)}
    columns = study.metrics + ["wall_time_s"]
    header = ["variation", "seeds"] + [_title(m) for m in columns]
    body = []
    for variation in study.variations:
        n = table[(variation, columns[0])]["description"].n
        cells = [variation, str(n)]
        for metric in columns:
            cells.append(
                _mean_std(table[(variation, metric)]["description"], _digits(metric))
            )
        body.append(cells)
    published_rows, note = published_lib.lookup(study.published_key, study.dataset)
    for model, values, source in published_rows:
        cells = [f"{model} (published)", "-"]
        for metric in columns:
            value = values.get(metric)
            scale = METRICS[metric].scale if metric in METRICS else 1.0
            cells.append("-" if value is None else _fmt(value * scale, _digits(metric)))
        body.append(cells)
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    lines = [f"Study {study.name} ({study.dataset}); mean ± std over seeds"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    if note and published_rows:
        lines.append(f"Published: {note}")
    return "\n".join(lines)


def markdown_report(study, figures=()):
    """The study's Markdown report: results, intervals, baseline comparison."""
    table = {(r["variation"], r["metric"]): r for r in rows(study)}
    columns = study.metrics + ["wall_time_s"]
    out = [f"# Study `{study.name}`", ""]
    out.append(
        f"Dataset `{study.dataset}`; baseline `{study.baseline}`. Values are "
        "mean ± std over seeds (sample std), with the 95% t-interval of the "
        "mean below. Generated by `benchmarks/report.py` from the run files."
    )
    out += ["", "## Results", ""]
    out.append("| variation | seeds | " + " | ".join(_title(m) for m in columns) + " |")
    out.append("|---|---|" + "---|" * len(columns))
    for variation in study.variations:
        n = table[(variation, columns[0])]["description"].n
        cells = [
            _mean_std(table[(variation, m)]["description"], _digits(m)) for m in columns
        ]
        out.append(f"| {variation} | {n} | " + " | ".join(cells) + " |")
    published_rows, note = published_lib.lookup(study.published_key, study.dataset)
    for model, values, source in published_rows:
        cells = []
        for metric in columns:
            value = values.get(metric)
            scale = METRICS[metric].scale if metric in METRICS else 1.0
            cells.append("-" if value is None else _fmt(value * scale, _digits(metric)))
        out.append(f"| {model} (published, {source}) | - | " + " | ".join(cells) + " |")
    if note and published_rows:
        out += ["", f"Published rows: {note}"]
    out += ["", "## 95% confidence intervals (t-distribution)", ""]
    out.append("| variation | " + " | ".join(_title(m) for m in columns) + " |")
    out.append("|---|" + "---|" * len(columns))
    for variation in study.variations:
        cells = []
        for metric in columns:
            d = table[(variation, metric)]["description"]
            digits = _digits(metric)
            cells.append(
                "n/a"
                if d.n < 2
                else f"[{_fmt(d.ci_low, digits)}, {_fmt(d.ci_high, digits)}]"
            )
        out.append(f"| {variation} | " + " | ".join(cells) + " |")
    out += ["", f"## Difference from `{study.baseline}` (paired t-test over seeds)", ""]
    out.append("| variation | " + " | ".join(_title(m) for m in columns) + " |")
    out.append("|---|" + "---|" * len(columns))
    for variation in study.variations:
        if variation == study.baseline:
            continue
        cells = []
        for metric in columns:
            c = table[(variation, metric)]["comparison"]
            p = "p n/a" if c.p_value is None else f"p={c.p_value:.3g}"
            cells.append(f"{c.difference:+.{_digits(metric)}f} ({p})")
        out.append(f"| {variation} | " + " | ".join(cells) + " |")
    if figures:
        out += ["", "## Figures", ""]
        for title, path in figures:
            out.append(f"![{title}]({os.path.relpath(path, study.directory)})")
    return "\n".join(out) + "\n"


def csv_report(study):
    """One row per (variation, metric): statistics and the baseline test."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "study",
            "variation",
            "metric",
            "n",
            "mean",
            "std",
            "ci95_low",
            "ci95_high",
            "baseline",
            "diff_vs_baseline",
            "paired_n",
            "p_value",
        ]
    )
    for r in rows(study):
        d, c = r["description"], r["comparison"]
        writer.writerow(
            [
                study.name,
                r["variation"],
                r["metric"],
                d.n,
                d.mean,
                d.std,
                d.ci_low,
                d.ci_high,
                study.baseline,
                "" if c is None else c.difference,
                "" if c is None else c.n,
                "" if c is None or c.p_value is None else c.p_value,
            ]
        )
    return buffer.getvalue()


def write_report(directory, baseline=None, published_key=None, plots=True):
    """Writes `report.md`, `results.csv` and the figures of a study.

    Returns:
        The `Study` read.
    """
    study = load_study(directory, baseline, published_key)
    figures = []
    if plots:
        from benchmarks.harness import plots as plots_lib

        figures = plots_lib.write_all(study)
    run_dir_lib.write_text(
        os.path.join(directory, "report.md"), markdown_report(study, figures)
    )
    run_dir_lib.write_text(os.path.join(directory, "results.csv"), csv_report(study))
    return study
