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


def _save(figure, path):
    plt = _pyplot()
    figure.tight_layout()
    run_dir_lib.atomic_write(
        path, lambda tmp: figure.savefig(tmp, format="png", dpi=90)
    )
    plt.close(figure)
    return path


def metric_bars(study, path):
    """One panel per metric: mean over seeds per variation, std error bars."""
    plt = _pyplot()
    metrics = study.metrics or []
    if not metrics:
        return None
    cols = min(3, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    figure, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False
    )
    positions = np.arange(len(study.variations))
    for ax, metric in zip(axes.flat, metrics):
        described = [
            stats.describe(list(study.values(v, metric).values()))
            for v in study.variations
        ]
        means = [d.mean for d in described]
        errors = [0.0 if d.n < 2 else d.std for d in described]
        colors = [
            "tab:gray" if v == study.baseline else "tab:blue" for v in study.variations
        ]
        ax.bar(positions, means, yerr=errors, capsize=3, color=colors)
        ax.set_xticks(positions)
        ax.set_xticklabels(study.variations, rotation=35, ha="right", fontsize=8)
        ax.set_title(stats.metric_info(metric).title)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    return _save(figure, path)


def training_curves(study, path):
    """Each metric (and the losses) against epoch, mean over seeds."""
    plt = _pyplot()
    keys = list(study.metrics) + ["d_loss", "g_loss"]
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    figure, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False
    )
    for variation in study.variations:
        per_seed = [
            run_dir_lib.read_jsonl(
                os.path.join(
                    study.directory, variation, f"seed_{s}", run_dir_lib.METRICS_FILE
                )
            )
            for s in sorted(study.runs[variation])
        ]
        for ax, key in zip(axes.flat, keys):
            by_epoch = {}
            for records in per_seed:
                for record in records:
                    if key in record:
                        by_epoch.setdefault(record["epoch"], []).append(record[key])
            if not by_epoch:
                continue
            epochs = sorted(by_epoch)
            scale = stats.metric_info(key).scale
            ax.plot(
                epochs,
                [np.mean(by_epoch[e]) * scale for e in epochs],
                marker="o",
                markersize=2,
                label=variation,
            )
    for ax, key in zip(axes.flat, keys):
        ax.set_title(stats.metric_info(key).title)
        ax.set_xlabel("epoch")
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    return _save(figure, path)


def sample_grids(study, path):
    """The final sample picture of each variation's first seed, side by side."""
    plt = _pyplot()
    pictures = []
    for variation in study.variations:
        seed = min(study.runs[variation])
        picture = os.path.join(
            study.directory, variation, f"seed_{seed}", run_dir_lib.SAMPLES_FILE
        )
        if os.path.exists(picture):
            pictures.append((f"{variation} (seed {seed})", picture))
    if not pictures:
        return None
    cols = min(4, len(pictures))
    rows = math.ceil(len(pictures) / cols)
    figure, axes = plt.subplots(
        rows, cols, figsize=(3.2 * cols, 3.4 * rows), squeeze=False
    )
    for ax, (title, picture) in zip(axes.flat, pictures):
        ax.imshow(plt.imread(picture), cmap="gray")
        ax.set_title(title, fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    return _save(figure, path)


def write_all(study):
    """Writes every figure of the study.

    Returns:
        A list of `(title, path)` of the figures written.
    """
    folder = os.path.join(study.directory, FIGURE_DIR)
    figures = [
        (
            "Final metrics (mean, std error bars)",
            metric_bars(study, os.path.join(folder, "metrics.png")),
        ),
        (
            "Training curves (mean over seeds)",
            training_curves(study, os.path.join(folder, "curves.png")),
        ),
        (
            "Samples (first seed)",
            sample_grids(study, os.path.join(folder, "samples.png")),
        ),
    ]
    return [(title, path) for title, path in figures if path]
