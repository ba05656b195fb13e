"""A study's figures: metric bars, training curves, sample grids side by side.

Drawn with matplotlib's Agg backend (no display needed) and written
atomically next to the report. Takes a `report.Study` (and never imports
`report`, which imports this module).
"""

import math
import os

import numpy as np

from benchmarks.harness import run_dir as run_dir_lib
from benchmarks.harness import stats

FIGURE_DIR = "figures"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _panels(count, columns, width, height):
    cols = min(columns, count)
    rows = math.ceil(count / cols)
    figure, axes = _pyplot().subplots(rows, cols, figsize=(width * cols, height * rows),
                                      squeeze=False)
    for ax in list(axes.flat)[count:]:
        ax.axis("off")
    return figure, axes.flat


def _save(figure, path):
    figure.tight_layout()
    run_dir_lib.atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=90))
    _pyplot().close(figure)
    return path


def metric_bars(study, path):
    """One panel per metric: mean over seeds per variation, std error bars."""
    if not study.metrics:
        return None
    figure, axes = _panels(len(study.metrics), 3, 4.2, 3.2)
    positions = np.arange(len(study.variations))
    colors = ["tab:gray" if v == study.baseline else "tab:blue" for v in study.variations]
    for ax, metric in zip(axes, study.metrics):
        described = [study.describe(v, metric) for v in study.variations]
        errors = [0.0 if d.n < 2 else d.std for d in described]
        ax.bar(positions, [d.mean for d in described], yerr=errors, capsize=3, color=colors)
        ax.set_xticks(positions)
        ax.set_xticklabels(study.variations, rotation=35, ha="right", fontsize=8)
        ax.set_title(stats.metric_info(metric).title)
    return _save(figure, path)


def y_scale(values, spread=30.0):
    """`"log"` when positive values span more than `spread`x (a FID falling
    from 500 to 4 leaves every line below 50 flat on a linear axis), else
    `"linear"`; any value <= 0 keeps it linear."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values or min(values) <= 0:
        return "linear"
    return "log" if max(values) / min(values) > spread else "linear"


def variation_colors(study):
    """Variation -> line colour, one per variation for the whole figure.
    Matplotlib's own cycle restarts in each panel, so a panel that only
    some variations log (e.g. `mode_kl_channels`, added later) would give
    its first line the colour the legend assigns to the study's first
    variation."""
    cycle = _pyplot().rcParams["axes.prop_cycle"].by_key()["color"]
    return {v: cycle[i % len(cycle)] for i, v in enumerate(study.variations)}


def _finish_axes(axes, keys, plotted, xlabel):
    for ax, key in zip(axes, keys):
        scale = y_scale(plotted.get(key, []))
        ax.set_yscale(scale)
        title = stats.metric_info(key).title
        ax.set_title(f"{title} (log scale)" if scale == "log" else title)
        ax.set_xlabel(xlabel)
    # One legend for every variation drawn in any panel, not only the first.
    handles = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    if handles:
        axes[0].legend(list(handles.values()), list(handles), fontsize=7)


def training_curves(study, path):
    """Each metric (and the losses) against epoch, mean over seeds."""
    return _save(draw_training_curves(study), path)


def draw_training_curves(study):
    """The figure `training_curves` saves: one panel per metric and loss,
    one line per variation in the same colour in every panel."""
    keys = list(study.metrics) + ["d_loss", "g_loss"]
    figure, axes = _panels(len(keys), 3, 4.2, 3.0)
    axes = list(axes)
    colors = variation_colors(study)
    plotted = {}  # Metric -> every value drawn, for its axis' scale.
    for variation in study.variations:
        records = [
            record
            for seed in sorted(study.runs[variation])
            for record in run_dir_lib.read_jsonl(os.path.join(
                study.directory, variation, f"seed_{seed}", run_dir_lib.METRICS_FILE))
        ]
        for ax, key in zip(axes, keys):
            by_epoch = {}
            for record in records:
                if key in record:
                    by_epoch.setdefault(record["epoch"], []).append(record[key])
            epochs = sorted(by_epoch)
            if epochs:
                scale = stats.metric_info(key).scale
                ys = [float(np.mean(by_epoch[e])) * scale for e in epochs]
                plotted.setdefault(key, []).extend(ys)
                ax.plot(epochs, ys, marker="o", markersize=2, label=variation,
                        color=colors[variation])
    _finish_axes(axes, keys, plotted, "epoch")
    return figure


def time_curves(study, path):
    """Each metric against training minutes, one line per seed; `None`
    unless the study ran on a time budget."""
    if not study.time_budget_minutes():
        return None
    keys = list(study.metrics)
    figure, axes = _panels(len(keys), 3, 4.2, 3.0)
    axes = list(axes)
    colors = variation_colors(study)
    plotted = {}  # Metric -> every value drawn, for its axis' scale.
    for variation in study.variations:
        color = colors[variation]
        for number, seed in enumerate(sorted(study.runs[variation])):
            records = study.records(variation, seed)
            for ax, key in zip(axes, keys):
                points = [(r["elapsed_s"] / 60.0, r[key]) for r in records
                          if key in r and "elapsed_s" in r]
                if points:
                    scale = stats.metric_info(key).scale
                    ys = [p[1] * scale for p in points]
                    plotted.setdefault(key, []).extend(ys)
                    ax.plot([p[0] for p in points], ys, color=color, alpha=0.7,
                            linewidth=1, label=variation if number == 0 else None)
    _finish_axes(axes, keys, plotted, "training minutes")
    return _save(figure, path)


def sample_grids(study, path):
    """The final sample picture of each variation's first seed, side by side."""
    pictures = []
    for variation in study.variations:
        seed = min(study.runs[variation])
        picture = os.path.join(study.directory, variation, f"seed_{seed}",
                               run_dir_lib.SAMPLES_FILE)
        if os.path.exists(picture):
            pictures.append((f"{variation} (seed {seed})", picture))
    if not pictures:
        return None
    figure, axes = _panels(len(pictures), 4, 3.2, 3.4)
    for ax, (title, picture) in zip(axes, pictures):
        ax.imshow(_pyplot().imread(picture), cmap="gray")
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    return _save(figure, path)


def write_all(study):
    """Writes every figure of the study; returns `(title, path)` of each."""
    folder = os.path.join(study.directory, FIGURE_DIR)
    figures = [
        ("Final metrics (mean, std error bars)", metric_bars(study, os.path.join(folder, "metrics.png"))),
        ("Training curves (mean over seeds)", training_curves(study, os.path.join(folder, "curves.png"))),
        ("Metrics against training time (one line per seed)",
         time_curves(study, os.path.join(folder, "time.png"))),
        ("Samples (first seed)", sample_grids(study, os.path.join(folder, "samples.png"))),
    ]
    return [(title, path) for title, path in figures if path]
