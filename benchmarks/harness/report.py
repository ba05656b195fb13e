"""Study folders -> tables (console, Markdown, CSV), comparisons and README blocks.

Reads every `<variation>/seed_<k>/summary.json` under a study folder, so
the tables are always generated from the run files, never pasted by hand:

- `write_report(dir)`: `report.md` (mean ± std, 95% t-intervals, paired
  t-tests against the baseline, published rows), `results.csv`, figures;
- `compare(studies)`: several study folders side by side (e.g. float32 vs
  bf16), each later one's difference from the first, paired by seed;
- `update_readme(text, results_dir)`: the tables between
  `<!-- results:STUDY -->` and `<!-- /results:STUDY -->` markers,
  regenerated from committed study folders.
"""

import csv
import dataclasses
import glob
import io
import math
import operator
import os
import re

import numpy as np

from benchmarks.harness import plan as plan_lib
from benchmarks.harness import run_dir as run_dir_lib
from benchmarks.harness import stats

STUDY_FILE = "study.json"
WALL = "wall_time_s"


def merged_study_meta(previous, current):
    """The `study.json` that a study command writes over `previous`.

    A command that trains part of a study (`--only_variations`, `--seeds`,
    one shard) must not shrink the record of the whole: the report orders
    every finished run by `variations`, and a later reader reruns
    `seeds`. Variations (every one the flagfile defines, for their order)
    and `planned` (those the commands asked to run) keep their earlier
    order with new ones appended; seeds are the union. Baseline, command
    and published numbers are the latest command's; `commands` lists every
    distinct command that wrote the file, first to last, so the record
    says how the whole was made.
    `current` may carry `commands` of its own (those that trained the runs
    a `--copy_only` command collects), listed before its `command`.

    Args:
        previous: The folder's current `study.json` as a dict, or `None`
            (none yet, or unreadable).
        current: What the command about to run would write alone.
    """
    previous = previous or {}
    # Files written before `commands` existed hold one `command`: start there.
    commands = list(previous.get("commands", [previous["command"]] if "command" in previous else []))
    merged = {
        **current,
        "variations": _append_new(previous.get("variations", []), current["variations"]),
        "seeds": sorted(set(previous.get("seeds", [])) | set(current["seeds"])),
        "commands": _append_new(
            commands, list(current.get("commands", [])) + [current["command"]]),
    }
    if "planned" in previous or "planned" in current:
        merged["planned"] = _append_new(previous.get("planned", []), current.get("planned", []))
    return merged


def _append_new(earlier, new):
    """`earlier`, then each item of `new` it lacks, once, in `new`'s order."""
    return list(dict.fromkeys(list(earlier) + list(new)))


# Published numbers beside ours, keyed by protocol, then dataset: lists of
# (model, {metric: value}, source). Only numbers from the same protocol are
# comparable (BENCHMARKS.md). Values are in the harness' units:
# `high_quality` as a fraction (the papers print percent); `fid` as
# published (Inception FIDs, which rank models but are not comparable to
# classifier FIDs).
_VEEGAN, _GDPP, _LUCIC = "VEEGAN, Table 1", "GDPP, Table 1", "Lucic et al. 2018"
# PacGAN's numbers come from its own, larger setting (4x400 ReLU+BN G,
# 3x200 maxout D, batch 100, 400 epochs): a bar to aim at, not the same run.
_PACGAN = "PacGAN, Table 1 (its own protocol)"


def _modes_rows(rows, second="high_quality"):
    return [(model, {"modes": m, second: v}, source) for model, m, v, source in rows]


PUBLISHED = {
    "veegan": {
        "ring": _modes_rows([("GAN", 1.0, 0.993, _VEEGAN), ("Unrolled GAN", 7.6, 0.356, _VEEGAN),
                             ("VEEGAN", 8.0, 0.529, _VEEGAN), ("WGAN-GP", 6.8, 0.596, _GDPP),
                             ("GDPP", 8.0, 0.717, _GDPP), ("PacGAN2", 7.9, 0.956, _PACGAN)]),
        "grid": _modes_rows([("GAN", 3.3, 0.005, _VEEGAN), ("Unrolled GAN", 23.6, 0.16, _VEEGAN),
                             ("VEEGAN", 24.6, 0.40, _VEEGAN), ("WGAN-GP", 24.2, 0.287, _GDPP),
                             ("GDPP", 24.8, 0.685, _GDPP), ("PacGAN2", 23.8, 0.913, _PACGAN)]),
    },
    "stacked_mnist": {
        "stacked_mnist": _modes_rows(
            [("DCGAN", 99.0, 3.4, "VEEGAN, Table 2"), ("Unrolled GAN", 48.7, 4.32, "VEEGAN, Table 2"),
             ("VEEGAN", 150.0, 2.95, "VEEGAN, Table 2"), ("PacDCGAN2", 1000.0, 0.06, "PacGAN, Table 2"),
             ("WGAN-GP", 995.0, 0.148, "GDPP, Table 3")], second="mode_kl"),
    },
    # Best FIDs of Lucic et al. 2018, in the 2015 Inception network's
    # features: they show beside a study's `fid_inception` column only.
    "lucic": {
        dataset: [(model, {"fid_inception": fid}, _LUCIC) for model, fid in rows]
        for dataset, rows in {
            "mnist": [("NS GAN", 6.8), ("MM GAN", 9.8), ("LSGAN", 7.8), ("WGAN", 6.7),
                      ("WGAN-GP", 20.3), ("DRAGAN", 7.6), ("BEGAN", 13.1)],
            "fashion_mnist": [("NS GAN", 26.5), ("MM GAN", 29.6), ("LSGAN", 30.7), ("WGAN", 21.5),
                              ("WGAN-GP", 24.5), ("DRAGAN", 27.7), ("BEGAN", 22.9)],
            "celeb_a": [("NS GAN", 55.0), ("WGAN", 41.3), ("WGAN-GP", 30.3), ("BEGAN", 38.9)],
        }.items()
    },
}
NOTES = {
    "veegan": "VEEGAN/GDPP protocol, 5 runs averaged; 25k iterations.",
    "stacked_mnist": "VEEGAN setting (DCGAN, 26k samples); full budget is GPU-sized.",
    "lucic": "Inception 2015 FIDs (--fid_extractor=fid_inception) of the best of many "
             "hyperparameter settings; different networks and budgets: rank order only.",
}


def published_rows(key, dataset):
    """`(rows, note)` of a published table for a dataset; `([], None)` if none.

    Raises:
        ValueError: an unknown key (with the valid ones).
    """
    if not key:
        return [], None
    if key not in PUBLISHED:
        raise ValueError(
            f"Unknown --published={key!r}; valid: {', '.join(sorted(PUBLISHED))}."
        )
    return PUBLISHED[key].get(dataset, []), NOTES.get(key)


@dataclasses.dataclass
class Study:
    """The finished runs of one study: `runs` maps variation -> seed ->
    summary dict; `variations` are in report order; `metrics` are those
    present in the summaries, in display order; `published_key` is a key of
    `PUBLISHED` or `None`; `planned` are the variations the study's
    commands asked to run (`study.json`), finished or not, which Holm's
    correction counts."""

    name: str
    directory: str
    variations: list
    baseline: str
    runs: dict
    metrics: list
    published_key: str = None
    dataset: str = None
    planned: list = None
    # metrics.jsonl per (variation, seed), read once: an at_minutes table
    # reads the baseline's records again for every variation it compares.
    _records: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def time_budget_minutes(self):
        """The largest `--time_budget_minutes` of the runs (0: none)."""
        return max(
            (float(s.get("flags", {}).get("time_budget_minutes") or 0.0)
             for per_seed in self.runs.values() for s in per_seed.values()),
            default=0.0,
        )

    def records(self, variation, seed):
        """The `metrics.jsonl` records of one run (empty if it has none)."""
        if (variation, seed) not in self._records:
            path = os.path.join(self.directory, variation, f"seed_{seed}",
                                run_dir_lib.METRICS_FILE)
            self._records[variation, seed] = run_dir_lib.read_jsonl(path)
        return self._records[variation, seed]

    def clustering(self, variation, seed):
        """The run's `--pseudo_labels` record (`PSEUDO_LABELS_INFO_FILE`:
        method, seconds, purity), or `None` for a run without one."""
        path = os.path.join(self.directory, variation, f"seed_{seed}",
                            run_dir_lib.PSEUDO_LABELS_INFO_FILE)
        return run_dir_lib.read_json(path) if os.path.exists(path) else None

    def values(self, variation, metric, minutes=None):
        """Dict seed -> scaled metric value of one variation: its final value,
        or with `minutes` its value at the last evaluation within that much
        training time (`value_at_minutes`; a seed with none by then is left
        out)."""
        scale = stats.metric_info(metric).scale
        out = {}
        for seed, summary in self.runs.get(variation, {}).items():
            if minutes is not None:
                value = value_at_minutes(self.records(variation, seed), metric, minutes)
            else:
                value = summary.get(WALL) if metric == WALL else summary["final"].get(metric)
            if value is not None:
                out[seed] = float(value) * scale
        return out

    def describe(self, variation, metric, minutes=None):
        return stats.describe(list(self.values(variation, metric, minutes).values()))

    def compare(self, variation, metric, other=None, minutes=None):
        """Paired comparison of `variation` with the baseline (or `other`),
        of final values or, with `minutes`, of values at that training time."""
        return stats.paired_comparison(
            self.values(variation, metric, minutes),
            self.values(other or self.baseline, metric, minutes),
        )


def load_study(directory, baseline=None, published_key=None):
    """Reads a study folder.

    Args:
        directory: `output_dir/<study>`.
        baseline: Variation to compare against; default the study's own
            (from `study.json`), else "baseline" if present, else the first.
        published_key: Overrides the study's published table key.

    Raises:
        FileNotFoundError: no finished run under `directory`.
        ValueError: a baseline without results.
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
    present = {key for per_seed in runs.values() for s in per_seed.values() for key in s["final"]}
    any_summary = next(iter(runs[order[0]].values()))
    study = Study(
        name=meta.get("study", os.path.basename(os.path.normpath(directory))),
        directory=directory,
        variations=order,
        baseline=baseline,
        runs=runs,
        metrics=[m for m in stats.METRICS if m in present and m != WALL],
        published_key=published_key or meta.get("published"),
        dataset=meta.get("dataset", any_summary.get("dataset")),
        # Folders written before `planned` existed: the variations with runs.
        planned=list(meta.get("planned") or order),
    )
    published_rows(study.published_key, study.dataset)  # Fails early on a bad key.
    return study


# --- Formatting.


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


def _cell(study, variation, metric, minutes=None):
    return _mean_std(study.describe(variation, metric, minutes),
                     stats.metric_info(metric).digits)


def holm_comparisons(study, variations, metric):
    """Variation -> `(Comparison with the baseline, Holm-adjusted p)` of
    `variations`, corrected over the study's whole plan (`stats.holm`): its
    planned variations without a p-value yet (not run, or one seed) count
    as p = 1, so a study committed half-finished is not under-corrected."""
    comparisons = [study.compare(v, metric) for v in variations]
    family = set(variations) | {v for v in study.planned or () if v != study.baseline}
    adjusted = stats.holm([c.p_value for c in comparisons], family_size=len(family))
    return dict(zip(variations, zip(comparisons, adjusted)))


def _difference(comparison, digits, interval=False, adjusted=None):
    """`+d (p=...)`, with `interval` `+d [low, high] (p=...)` (95% t-interval
    of the mean paired difference, when there are 2+ seeds), with `adjusted`
    `(p=..., Holm ...)`."""
    if comparison.n == 0:  # No seed has the metric in both (e.g. logged later).
        return "n/a (no common seed)"
    p = "p n/a" if comparison.p_value is None else f"p={comparison.p_value:.3g}"
    if adjusted is not None:
        p += f", Holm {adjusted:.3g}"
    ci = ""
    if interval and not math.isnan(comparison.ci_low):
        ci = f" [{comparison.ci_low:+.{digits}f}, {comparison.ci_high:+.{digits}f}]"
    return f"{comparison.difference:+.{digits}f}{ci} ({p})"


def _published_cells(study, columns):
    """`(label, source, cells)` of each published row, and the note."""
    rows, note = published_rows(study.published_key, study.dataset)
    out = []
    for model, values, source in rows:
        cells = []
        for metric in columns:
            info = stats.metric_info(metric)
            value = values.get(metric)
            cells.append("-" if value is None else _fmt(value * info.scale, info.digits))
        # A row with nothing in this study's columns (e.g. Inception FIDs
        # beside a study of classifier FIDs) would only mislead.
        if any(cell != "-" for cell in cells):
            out.append((model, source, cells))
    return out, note


def _markdown_table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in body]


def console_table(study):
    """A plain-text table: mean ± std over seeds, and published rows."""
    columns = study.metrics + [WALL]
    header = ["variation", "seeds"] + [stats.metric_info(m).title for m in columns]
    body = [
        [v, str(study.describe(v, columns[0]).n)] + [_cell(study, v, m) for m in columns]
        for v in study.variations
    ]
    published, note = _published_cells(study, columns)
    body += [[f"{model} (published)", "-"] + cells for model, _, cells in published]
    widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
    lines = [f"Study {study.name} ({study.dataset}); mean ± std over seeds"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    if note and published:
        lines.append(f"Published: {note}")
    return "\n".join(lines)


def markdown_report(study, figures=()):
    """The study's Markdown report: results, intervals, baseline comparison."""
    columns = study.metrics + [WALL]
    titles = [stats.metric_info(m).title for m in columns]
    out = [f"# Study `{study.name}`", ""]
    out.append(
        f"Dataset `{study.dataset}`; baseline `{study.baseline}`. Values are "
        "mean ± std over seeds (sample std), with the 95% t-interval of the "
        "mean below. Generated by `benchmarks/report.py` from the run files."
    )
    copies = [
        f"`{v}/seed_{seed}` from `{summary[run_dir_lib.REUSED_KEY]}`"
        for v in study.variations for seed, summary in sorted(study.runs[v].items())
        if summary.get(run_dir_lib.REUSED_KEY)
    ]
    if copies:
        out += ["", "Runs copied from another study (`ablate.py --reuse_from`: the same "
                "flags, so the same experiment, trained once): " + ", ".join(copies)
                + ". Their wall times are the source runs', measured on the host that "
                "trained them."]
    out += ["", "## Results", ""]
    body = [
        [v, str(study.describe(v, columns[0]).n)] + [_cell(study, v, m) for m in columns]
        for v in study.variations
    ]
    published, note = _published_cells(study, columns)
    body += [[f"{model} (published, {source})", "-"] + cells for model, source, cells in published]
    out += _markdown_table(["variation", "seeds"] + titles, body)
    if note and published:
        out += ["", f"Published rows: {note}"]
    out += ["", "## 95% confidence intervals (t-distribution)", ""]
    body = []
    for variation in study.variations:
        cells = []
        for metric in columns:
            d, digits = study.describe(variation, metric), stats.metric_info(metric).digits
            cells.append(
                "n/a" if d.n < 2 else f"[{_fmt(d.ci_low, digits)}, {_fmt(d.ci_high, digits)}]"
            )
        body.append([variation] + cells)
    out += _markdown_table(["variation"] + titles, body)
    others = [v for v in study.variations if v != study.baseline]
    out += ["", f"## Difference from `{study.baseline}` (paired t-test over seeds; mean "
            "difference [95% t-interval] (p, and Holm's p corrected over the "
            "study's planned variations, one without a p-value counting as p = 1))", ""]
    cells = {m: holm_comparisons(study, others, m) for m in columns}
    body = [
        [v] + [_difference(cells[m][v][0], stats.metric_info(m).digits, interval=True,
                           adjusted=cells[m][v][1])
               for m in columns]
        for v in others
    ]
    out += _markdown_table(["variation"] + titles, body)
    out += time_to_quality(study)
    if figures:
        out += ["", "## Figures", ""]
        for title, path in figures:
            out.append(f"![{title}]({os.path.relpath(path, study.directory)})")
    return "\n".join(out) + "\n"


def record_at_minutes(records, metric, minutes):
    """The last `metrics.jsonl` record with `metric` finished within
    `minutes` of training time (evaluations included), or `None`."""
    seen = [r for r in records
            if metric in r and r.get("elapsed_s", math.inf) <= 60.0 * minutes]
    return seen[-1] if seen else None


def value_at_minutes(records, metric, minutes):
    """`metric` at the last evaluation finished within `minutes` of training
    time, or `None` when none had finished by then."""
    record = record_at_minutes(records, metric, minutes)
    return None if record is None else record[metric]


def _steps_cell(study, variation, metric, minutes):
    """`4,500, 4,500, 5,000`: per seed, the generator steps of the record
    `value_at_minutes` reads (`-` where it has none or no step count)."""
    cells = []
    for seed in sorted(study.runs[variation]):
        record = record_at_minutes(study.records(variation, seed), metric, minutes)
        cells.append("-" if record is None or "step" not in record else f"{record['step']:,}")
    return ", ".join(cells)


def _device_cell(study, variation):
    """The distinct `device` strings of a variation's runs, in seed order."""
    devices = []
    for seed in sorted(study.runs[variation]):
        device = study.runs[variation][seed].get("device", "unknown")
        if device not in devices:
            devices.append(device)
    return "; ".join(devices)


def time_to_quality(study, marks=4, metrics=None):
    """Markdown lines: each metric at fractions of the time budget.

    A cell is mean ± std over the seeds that had an evaluation by then, with
    their count when some had none yet. Empty when the study has no budget.
    """
    budget = study.time_budget_minutes()
    if not budget:
        return []
    minutes = [budget * (k + 1) / marks for k in range(marks)]
    out = ["", "## Quality against training time", "",
           f"Each metric at its last evaluation within the given training minutes (evaluations "
           f"included; budget {budget:g} min). Cells: mean ± std over seeds, (n) when fewer "
           "seeds had been evaluated by then.", ""]
    for metric in metrics or study.metrics:
        info = stats.metric_info(metric)
        body = []
        for variation in study.variations:
            cells = []
            for mark in minutes:
                values = [value_at_minutes(study.records(variation, seed), metric, mark)
                          for seed in sorted(study.runs[variation])]
                values = [v * info.scale for v in values if v is not None]
                if not values:
                    cells.append("-")
                    continue
                mean = float(np.mean(values))
                text = _fmt(mean, info.digits)
                if len(values) > 1:
                    text += f" ± {_fmt(float(np.std(values, ddof=1)), info.digits)}"
                if len(values) < len(study.runs[variation]):
                    text += f" ({len(values)})"
                cells.append(text)
            body.append([variation] + cells)
        out += [f"{info.title}:", ""]
        out += _markdown_table(["variation"] + [f"{m:g} min" for m in minutes], body) + [""]
    return out[:-1]


_CONDITION = re.compile(
    r"^(?P<metric>[A-Za-z0-9_]+)(?P<op><=|>=)(?P<value>[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)$")


_COMPARISONS = {">=": operator.ge, "<=": operator.le}


def parse_target(text):
    """`"is>=9.5,fid<=5.2"` -> `[("is", ">=", 9.5), ("fid", "<=", 5.2)]`.

    Thresholds are in the units the tables show (a `high_quality` target of
    90 means 90%, as the column reads).
    """
    conditions = []
    for item in text.split(","):
        match = _CONDITION.match(item.strip())
        if not match:
            raise ValueError(
                f"README block option target={text!r}: cannot read {item!r}; write "
                "conditions as METRIC>=VALUE or METRIC<=VALUE joined by commas, e.g. "
                "target=is>=9.5,fid<=5.2.")
        conditions.append((match["metric"], match["op"], float(match["value"])))
    return conditions


def first_meeting(records, conditions):
    """The first `metrics.jsonl` record meeting every condition, or `None`.

    Only records that evaluated all the conditions' metrics count: a run
    meets a target at an evaluation, not between them.
    """
    for record in records:
        values = [record.get(metric) for metric, _, _ in conditions]
        if any(v is None for v in values):
            continue
        if all(_COMPARISONS[op](v * stats.metric_info(m).scale, t)
               for v, (m, op, t) in zip(values, conditions)):
            return record
    return None


def _target_header(conditions):
    parts = [f"{stats.metric_info(m).title} {'≥' if op == '>=' else '≤'} {t:g}"
             for m, op, t in conditions]
    return f"first met: {', '.join(parts)}"


def _target_cell(study, variation, conditions):
    """`2/2 seeds: 12.4, 13.0 min`: training minutes (evaluations included)
    of each seed's first evaluation meeting every condition, plus the
    minutes its `--pseudo_labels` clustering took before training (the
    method's cost as much as training is; the cell says so, or that some
    seed's clustering time was not recorded)."""
    seeds = sorted(study.runs[variation])
    minutes, clustered, unrecorded = [], False, False
    for seed in seeds:
        record = first_meeting(study.records(variation, seed), conditions)
        if record is None or "elapsed_s" not in record:
            continue
        clustering = study.clustering(variation, seed)
        seconds = clustering and clustering["seconds"]
        clustered |= clustering is not None
        unrecorded |= clustering is not None and seconds is None
        minutes.append((record["elapsed_s"] + (seconds or 0.0)) / 60.0)
    text = f"{len(minutes)}/{len(seeds)} seeds"
    if minutes:
        text += ": " + ", ".join(f"{m:.1f}" for m in minutes) + " min"
    if unrecorded:
        text += ", clustering included where recorded (not for every seed)"
    elif clustered:
        text += ", clustering included"
    return text


def _clustering_cells(study, variation):
    """The purity (%) and seconds of a variation's `--pseudo_labels`
    clusters, mean ± std over the seeds that recorded them (`""` for a
    variation without)."""
    records = [r for r in (study.clustering(variation, seed)
                           for seed in sorted(study.runs[variation])) if r is not None]
    if not records:
        return ["", ""]
    purity = [100.0 * r["purity"] for r in records if r.get("purity") is not None]
    seconds = [r["seconds"] for r in records if r.get("seconds") is not None]
    return [_mean_std(stats.describe(purity), 1) if purity else "-",
            _mean_std(stats.describe(seconds), 0) if seconds else "-"]


def csv_report(study):
    """One row per (variation, metric): statistics and the baseline test."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["study", "variation", "metric", "n", "mean", "std", "ci95_low", "ci95_high",
                     "baseline", "diff_vs_baseline", "paired_n", "p_value", "diff_ci95_low",
                     "diff_ci95_high"])
    for variation in study.variations:
        for metric in study.metrics + [WALL]:
            d = study.describe(variation, metric)
            c = None if variation == study.baseline else study.compare(variation, metric)
            test = ["", "", "", "", ""] if c is None else [
                c.difference, c.n, "" if c.p_value is None else c.p_value, c.ci_low, c.ci_high]
            writer.writerow([study.name, variation, metric, d.n, d.mean, d.std, d.ci_low,
                             d.ci_high, study.baseline] + test)
    return buffer.getvalue()


def write_report(directory, baseline=None, published_key=None, plots=True):
    """Writes `report.md`, `results.csv` and the figures of a study.

    Holds the study folder's lock, so two processes finishing one study
    write one report after the other, never interleaved.

    Returns:
        The `Study` read.
    """
    with run_dir_lib.RunLock(directory):
        study = load_study(directory, baseline, published_key)
        figures = []
        if plots:
            from benchmarks.harness import figures as figures_lib

            figures = figures_lib.write_all(study)
        run_dir_lib.write_text(
            os.path.join(directory, "report.md"), markdown_report(study, figures)
        )
        run_dir_lib.write_text(os.path.join(directory, "results.csv"), csv_report(study))
    return study


# --- Several studies side by side.


def compare(studies):
    """Markdown comparing studies run variation by variation (e.g. the same
    flagfile in float32 and in bfloat16).

    Each later study's difference from the first is paired by variation and
    seed (paired t-test), so the table shows what changed between the
    studies, with the seed-to-seed noise removed.
    """
    first = studies[0]
    names = [s.name for s in studies]
    variations = list(first.variations)
    for study in studies[1:]:
        variations += [v for v in study.variations if v not in variations]
    metrics = [m for m in stats.METRICS if any(m in s.metrics for s in studies)]
    metrics = [m for m in metrics if m != WALL] + [WALL]
    header = ["variation", "metric"] + [f"`{n}`" for n in names]
    header += [f"`{n}` − `{first.name}`" for n in names[1:]]
    body = []
    for variation in variations:
        for metric in metrics:
            digits = stats.metric_info(metric).digits
            row = [variation, stats.metric_info(metric).title]
            row += [_cell(s, variation, metric) for s in studies]
            for study in studies[1:]:
                c = stats.paired_comparison(
                    study.values(variation, metric), first.values(variation, metric)
                )
                row.append("n/a" if c.n == 0 else _difference(c, digits))
            body.append(row)
    out = [f"# Comparison of {', '.join(f'`{n}`' for n in names)}", ""]
    out.append(
        "Mean ± std over seeds; differences from the first study are paired by "
        "variation and seed (paired t-test). Generated by `benchmarks/report.py`."
    )
    return "\n".join(out + [""] + _markdown_table(header, body)) + "\n"


# --- README tables between markers.

_BLOCK = re.compile(
    r"(<!-- results:(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]*)(?P<options>[^\n]*?) -->\n)"
    r".*?"
    r"(<!-- /results:(?P=name) -->)",
    re.DOTALL,
)


def _block_choice(study, kind, chosen, present):
    """`chosen` (all of `present` when empty), refused if any is absent."""
    unknown = [c for c in chosen or () if c not in present]
    if unknown:
        raise ValueError(f"README block {study.name}: no {kind} {unknown} in its results; "
                         f"present: {', '.join(present)}.")
    return list(chosen or present)


def parse_minutes(text):
    """`"26"` -> 26.0: the `at_minutes=` option of a README block."""
    try:
        minutes = float(text)
    except ValueError:
        minutes = math.nan
    if not minutes > 0 or math.isinf(minutes):
        raise ValueError(f"README block option at_minutes={text!r}: give a positive number "
                         "of training minutes, e.g. at_minutes=26.")
    return minutes


def readme_table(study, metrics=None, interval=False, variations=None, published=False,
                 target=None, at_minutes=None, clusters=False):
    """A compact Markdown table for the README: mean ± std per variation and
    the first metric's difference from the baseline (with `interval`, its
    95% t-interval too).

    `variations` picks and orders the rows (e.g. the multi-seed ones of a
    study that also holds single-seed scouting); `published` adds the
    study's published rows, with their sources, under them; `target` (a
    `parse_target` string) adds a last column: how many seeds met every
    condition at some evaluation, and after how many training minutes.

    `at_minutes` (a number) compares at equal training time instead of at
    the end: every cell and the difference read each seed's last evaluation
    within that many minutes (evaluations included; a seed with none by
    then is left out), and two last columns give each seed's generator
    steps by then and the devices the runs trained on, since minutes on
    different hosts are not the same compute.

    `clusters` adds two columns for `--pseudo_labels` runs: the clusters'
    purity against the dataset's labels (%) and the seconds clustering
    took.
    """
    metrics = _block_choice(study, "metric", metrics, study.metrics)
    variations = _block_choice(study, "variation", variations, study.variations)
    conditions = parse_target(target) if target else None
    if conditions:
        _block_choice(study, "target metric", [m for m, _, _ in conditions], study.metrics)
    minutes = None if at_minutes is None else parse_minutes(at_minutes)
    if minutes is not None and published:
        # The papers' rows are final values, not values at a training time.
        raise ValueError(f"README block {study.name}: at_minutes and published=true cannot "
                         "be combined; drop one of them.")
    titles = [stats.metric_info(m).title for m in metrics]
    if minutes is not None:
        titles = [f"{t} at {minutes:g} min" for t in titles]
    header = ["variation", "seeds"] + titles + [f"vs `{study.baseline}` ({titles[0]})"]
    if conditions:
        header.append(_target_header(conditions))
    if minutes is not None:
        header += [f"steps by {minutes:g} min", "device"]
    if clusters:
        header += ["cluster purity (%)", "clustering (s)"]
    digits = stats.metric_info(metrics[0]).digits
    body = []
    for v in variations:
        cells = [_cell(study, v, m, minutes) for m in metrics]
        diff = "" if v == study.baseline else _difference(
            study.compare(v, metrics[0], minutes=minutes), digits, interval=interval)
        body.append([v, str(study.describe(v, metrics[0], minutes).n)] + cells + [diff]
                    + ([_target_cell(study, v, conditions)] if conditions else [])
                    + ([_steps_cell(study, v, metrics[0], minutes), _device_cell(study, v)]
                       if minutes is not None else [])
                    + (_clustering_cells(study, v) if clusters else []))
    if published:
        rows, _ = _published_cells(study, metrics)
        body += [[f"{model} (published, {source})", "-"] + cells + [""]
                 + ([""] if conditions else []) + (["", ""] if clusters else [])
                 for model, source, cells in rows]
    return "\n".join(_markdown_table(header, body)) + "\n"


_BLOCK_OPTIONS = {"metrics", "variations", "interval", "published", "target", "at_minutes",
                  "clusters"}


_VERDICT_BLOCK = re.compile(
    r"(<!-- verdicts:(?P<name>[A-Za-z0-9][A-Za-z0-9_.\-]*)(?P<options>[^\n]*?) -->\n)"
    r".*?"
    r"(<!-- /verdicts:(?P=name) -->)",
    re.DOTALL,
)


def verdict_table(results_dir, studies, datasets, metric):
    """One row per variation of `studies`, one column per dataset: how the
    variation compares with its study's baseline on `metric` ("better",
    "worse" or "no resolved difference" from the 95% t-interval of the
    paired difference, which the cell shows with its p-value and that
    p-value corrected by `stats.holm` over the study's variations on the
    dataset), then a note saying what the correction means.

    The study run on `dataset` is the folder `plan.study_folder(study,
    dataset)` under `results_dir`; a dataset it has not run on (yet) reads
    "not run".

    Raises:
        ValueError: a study with no folder for any of `datasets`, or no
            `metric` in its results.
    """
    info = stats.metric_info(metric)
    header = ["study", "variation"] + [f"`{d}`" for d in datasets]
    body = []
    for name in studies:
        loaded = {}
        for dataset in datasets:
            directory = os.path.join(results_dir, plan_lib.study_folder(name, dataset))
            if os.path.isdir(directory):
                loaded[dataset] = load_study(directory)
        if not loaded:
            raise ValueError(
                f"README verdicts block: study {name!r} has no folder under {results_dir} "
                f"for any of the datasets {', '.join(datasets)}.")
        variations = []
        for study in loaded.values():
            _block_choice(study, "metric", [metric], study.metrics)
            variations += [v for v in study.variations
                           if v != study.baseline and v not in variations]
        # Each study on each dataset is one family for Holm's correction:
        # its variations, each against its baseline.
        compared = {
            dataset: holm_comparisons(study, [v for v in study.variations
                                              if v != study.baseline and v in study.runs], metric)
            for dataset, study in loaded.items()
        }
        for variation in variations:
            row = [f"`{name}`", variation]
            for dataset in datasets:
                if variation not in compared.get(dataset, {}):
                    row.append("not run")
                    continue
                c, adjusted = compared[dataset][variation]
                word = stats.verdict(c, info.higher_is_better)
                word = word if word in ("n/a", "no resolved difference") else f"**{word}**"
                row.append(f"{word}: {_difference(c, info.digits, True, adjusted)}")
            body.append(row)
    note = ("\nHolm: the p-value adjusted for the number of variations the study "
            "compares with its baseline on that dataset (Holm's step-down method; one "
            "not run yet counts as p = 1); "
            "below 0.05, the verdict holds at a 5% family-wise error rate over them.\n")
    return "\n".join(_markdown_table(header, body)) + "\n" + note


def _block_options(match, allowed):
    """The `key=value` options of a README block's opening marker, refused
    when one is not in `allowed` (or has no `=`), naming the options."""
    items = match.group("options").split()
    options = dict(item.split("=", 1) for item in items if "=" in item)
    unknown = sorted((set(options) - allowed) | {item for item in items if "=" not in item})
    if unknown:
        raise ValueError(
            f"README block {match.group('name')}: unknown option(s) {', '.join(unknown)}; "
            f"the options are {', '.join(sorted(allowed))}.")
    return options


def _render_verdicts(match, results_dir):
    required = ("studies", "datasets", "metric")
    options = _block_options(match, set(required))
    missing = [key for key in required if not options.get(key)]
    if missing:
        raise ValueError(
            f"README verdicts block {match.group('name')}: give {', '.join(missing)} "
            "(e.g. <!-- verdicts:NAME studies=level1_2k,level2_2k "
            "datasets=mnist,fashion_mnist metric=fid -->).")
    return verdict_table(results_dir, options["studies"].split(","),
                         options["datasets"].split(","), options["metric"])


def update_readme(text, results_dir, changed=None):
    """`text` with every results block regenerated from `results_dir`.

    A block is `<!-- results:STUDY [metrics=a,b] [variations=x,y]
    [interval=true] [published=true] [target=is>=9.5,fid<=5.2]
    [at_minutes=26] [clusters=true] -->` ... `<!-- /results:STUDY -->`; its
    content becomes `readme_table` of `results_dir/STUDY` (`interval=true`:
    the difference with its 95% interval; `published=true`: the papers' rows
    under the study's; `target=`: when each seed first met those
    conditions; `at_minutes=`: the values at that training time, not the
    final ones; `clusters=true`: the purity and time of `--pseudo_labels`
    clusters).
    A study may have several blocks (e.g. one at the end, one at equal
    minutes). An unknown option is refused. A `<!--
    verdicts:NAME studies=a,b datasets=x,y metric=m -->` ... `<!--
    /verdicts:NAME -->` block becomes `verdict_table` of those studies and
    datasets.

    Args:
        changed: A list that gets the name of each block whose content
            changes (what `report.py --check` names), if given.

    Returns:
        `(new_text, names of the blocks)`.
    """
    names = []

    def note(match, content):
        old = match.string[match.end(1):match.start(match.re.groups)]  # Between the markers.
        if changed is not None and content != old:
            changed.append(match.group("name"))
        return content

    def replace(match):
        names.append(match.group("name"))
        options = _block_options(match, _BLOCK_OPTIONS)
        listed = {key: options[key].split(",") if key in options else None
                  for key in ("metrics", "variations")}
        study = load_study(os.path.join(results_dir, match.group("name")))
        return note(match, readme_table(
            study, listed["metrics"], interval=options.get("interval") == "true",
            variations=listed["variations"], published=options.get("published") == "true",
            target=options.get("target"), at_minutes=options.get("at_minutes"),
            clusters=options.get("clusters") == "true"))

    text = run_dir_lib.replace_blocks(text, _BLOCK, replace, required=False)

    def replace_verdicts(match):
        names.append(match.group("name"))
        return note(match, _render_verdicts(match, results_dir))

    return run_dir_lib.replace_blocks(text, _VERDICT_BLOCK, replace_verdicts,
                                      required=False), names
