"""A study -> its runs: datasets x seeds x variations, checked, then sharded.

Each run is described by the full text of its per-run flags (`flags.txt`):
the study's base values, then the variation's overrides, then the seed. The
text is what `run_one.py` parses and what decides whether a finished run can
be skipped, so two runs with the same text are the same experiment, and a
study that would train one twice (a dataset, a seed or a variation listed
twice) is refused here, before anything starts.
"""

import dataclasses
import glob
import math
import os
import re
import statistics

from absl import flags as absl_flags

from benchmarks.harness import flags as harness_flags

VariationError = harness_flags.VariationError


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One (variation, seed) run of study folder `study` (`<study>_<dataset>`):
    its complete flags, one `--flag=value` per line, their parsed values, and
    the lines of flags at their default (`run_dir.same_flags`)."""

    study: str
    variation: str
    seed: int
    flags_text: str
    values: dict = dataclasses.field(compare=False, repr=False)
    default_lines: frozenset = dataclasses.field(default=frozenset(), compare=False, repr=False)

    def status(self, output_dir):
        from benchmarks.harness import run_dir as run_dir_lib

        return run_dir_lib.status(self.run_dir(output_dir), self.flags_text, self.default_lines)

    @property
    def name(self):
        """`<study>/<variation>/seed_<k>`, also the run's relative folder."""
        return f"{self.study}/{self.variation}/seed_{self.seed}"

    def run_dir(self, output_dir):
        return os.path.join(output_dir, self.study, self.variation, f"seed_{self.seed}")


def base_args(fv, names):
    """The current values of the run flags `names` in `fv`, as arguments."""
    return [fv[name].serialize() for name in names if fv[name].serialize()]


def resolve_run_flags(args, variation_name="(base)"):
    """Parses run-flag arguments into a fresh `FlagValues`.

    Returns:
        `(flag_values, flags_text)`.

    Raises:
        VariationError: a value the flag does not accept (type, bounds,
            choices, NaN), naming the variation and the flag.
    """
    fv = absl_flags.FlagValues()
    names = harness_flags.define(fv, harness_flags.RUN_FLAGS)
    try:
        fv(["run"] + list(args), known_only=False)
    except absl_flags.Error as err:
        raise VariationError(f"Variation {variation_name!r}: {err}") from None
    lines = sorted(fv[name].serialize() for name in names)
    return fv, "\n".join(line for line in lines if line) + "\n"


def study_folder(study, dataset):
    """`<study>_<dataset>`, or `study` when it already ends with the dataset.

    Naming the folder after the dataset keeps `--dataset=fashion_mnist`
    results of a flagfile apart from its MNIST ones.
    """
    return study if study.endswith(dataset) else f"{study}_{dataset}"


def plan_study(study, base, variations, seeds, datasets):
    """All runs of a study, in launch order (seed by seed, so that partial
    results, or one shard, already hold every variation).

    Args:
        study: Study name (a folder-safe name).
        base: Base run-flag arguments (`base_args`).
        variations: List of `flags.Variation`.
        seeds: List of ints >= 0.
        datasets: Dataset names; each gives a study folder
            `study_folder(study, name)` trained with `--dataset=<name>`.

    Returns:
        A list of `RunSpec`.

    Raises:
        ValueError: a bad study name, no or duplicated seeds or datasets, or
            two variations that train identical runs.
    """
    if not harness_flags.NAME_PATTERN.match(study or ""):
        raise ValueError(
            f"--study={study!r} names a folder under --output_dir: start with a "
            "letter or digit and use only letters, digits, '_', '.' and '-'."
        )
    for flag, items in (("seeds", seeds), ("datasets", datasets)):
        if not items:
            raise ValueError(f"--{flag} is empty; give at least one.")
        if len(set(items)) != len(items):
            raise ValueError(
                f"--{flag} lists an entry twice: {list(items)}; the study would "
                "train the same runs twice (and two processes would share a folder)."
            )
    if min(seeds) < 0:
        raise ValueError(f"--seeds must be >= 0; got {min(seeds)}.")
    runs = []
    for dataset in datasets:
        for seed in seeds:
            by_text = {}
            for variation in variations:
                args = base + [f"--dataset={dataset}"] + variation.as_args()
                fv, text = resolve_run_flags(args + [f"--seed={seed}"], variation.name)
                if text in by_text:
                    raise ValueError(
                        f"Variations {by_text[text]!r} and {variation.name!r} train "
                        "identical runs (the same flags); remove one or make "
                        "them differ."
                    )
                by_text[text] = variation.name
                defaults = frozenset(
                    fv[n].serialize() for n in harness_flags.run_flag_names()
                    if fv[n].value == fv[n].default
                )
                runs.append(RunSpec(study_folder(study, dataset), variation.name, int(seed),
                                    text, fv.flag_values_dict(), defaults))
    return runs


def shard(runs, num_shards, shard_index):
    """The runs of one shard: every `num_shards`-th run from `shard_index`.

    Round-robin keeps shards balanced when variations differ in cost, and is
    stable because `plan_study` orders runs deterministically.
    """
    if num_shards < 1:
        raise ValueError(f"--num_shards must be >= 1; got {num_shards}.")
    if not 0 <= shard_index < num_shards:
        raise ValueError(
            f"--shard_index must be in [0, {num_shards}) for --num_shards="
            f"{num_shards}; got {shard_index}."
        )
    return [run for i, run in enumerate(runs) if i % num_shards == shard_index]


def check_runs(runs):
    """Builds every distinct configuration once, before any run starts.

    Networks, model and optimizers are built exactly as the run will build
    them (`build.check`), so whatever a builder or constructor refuses
    (label smoothing on a WGAN critic, an unknown initializer, a
    conditional model on unlabelled data) fails here, naming the variation.
    Runs that differ only in their seed share a check.

    Returns:
        Dict flags text without the seed line -> `build.Cost` of that
        configuration (for `estimate`).

    Raises:
        VariationError: the first configuration that cannot run.
    """
    from benchmarks.harness import build

    costs = {}
    for run in runs:
        key = _without_seed(run.flags_text)
        if key in costs:
            continue
        try:
            costs[key] = build.check(run.values)
        except (ValueError, TypeError) as err:
            raise VariationError(
                f"Variation {run.variation!r} ({run.study}) cannot run: {err}"
            ) from None
    return costs


def check_steps_per_execution(runs, steps_per_execution):
    """Refuses a `--steps_per_execution` that does not divide a run's
    `--steps_per_epoch`, before any run starts (runs of one pass over the
    data are checked when their data is loaded)."""
    from benchmarks.harness import build

    for run in runs:
        steps = run.values["steps_per_epoch"]
        if steps:
            try:
                build.check_steps_per_execution(steps, steps_per_execution)
            except ValueError as err:
                raise VariationError(f"Variation {run.variation!r} ({run.study}): {err}") from None


def _without_seed(flags_text):
    return "".join(
        line + "\n" for line in flags_text.splitlines() if not line.startswith("--seed=")
    )


def _other_seeds(run, output_dir):
    """Run folders of `run`'s experiment with another seed, finished in
    `output_dir` beside it (`<variation>/seed_<k>`), whether or not the
    plan names them: a seed added to a study is timed by those before it."""
    from benchmarks.harness import run_dir as run_dir_lib

    folders = []
    for candidate in sorted(glob.glob(os.path.join(os.path.dirname(run.run_dir(output_dir)),
                                                   "seed_*"))):
        seed = os.path.basename(candidate)[len("seed_"):]
        if not seed.isdigit() or int(seed) == run.seed:
            continue  # Also skips folders set aside as stale (`seed_0.stale-...`).
        text = re.sub(r"^--seed=\d+$", f"--seed={int(seed)}", run.flags_text, flags=re.M)
        if run_dir_lib.status(candidate, text, run.default_lines) == run_dir_lib.FINISHED:
            folders.append(candidate)
    return folders


def _run_seconds(run_dir):
    """A finished run's measured seconds (this process's, else training's),
    `None` if its summary cannot be read."""
    from benchmarks.harness import run_dir as run_dir_lib

    try:
        summary = run_dir_lib.read_json(os.path.join(run_dir, run_dir_lib.SUMMARY_FILE))
    except (OSError, ValueError):  # An estimate is no reason to stop a study.
        return None
    return summary.get("process_time_s") or summary.get("wall_time_s")


def estimate(runs, costs, output_dir, parallel, copies=()):
    """Rough seconds per run and for the whole plan.

    A run's time is taken from finished runs of the same configuration in
    `output_dir` when there are some, planned or not (another seed's
    folder; measured beats modelled), else from
    `build.Cost`'s FLOP model, scaled by the median ratio of measured to
    modelled seconds over the finished runs the plan has (its own and the
    sources of its copies): the model is of no particular CPU, the ratio is
    of this one. Runs already finished cost nothing, nor do those named in
    `copies` (`RunSpec.name`s copied from another study; a dict maps each
    to its source run folder, whose time then counts in the ratio).

    Returns:
        `(per_run, total_seconds)`: a list of `(seconds, source)` in plan
        order (source "finished", "copied", "measured", "modelled", or
        "modelled xR" when scaled by R), and the wall time with `parallel`
        runs at a time.
    """
    from benchmarks.harness import run_dir as run_dir_lib

    finished = [run.status(output_dir) == run_dir_lib.FINISHED for run in runs]
    measured = {}
    ratios = []
    for run, done in zip(runs, finished):
        key = _without_seed(run.flags_text)
        source = run.run_dir(output_dir) if done else None
        if not done and isinstance(copies, dict) and run.name in copies:
            source = copies[run.name]
        seconds = _run_seconds(source) if source else None
        if not seconds:
            continue
        if done:
            measured.setdefault(key, []).append(seconds)
        ratios.append(seconds / costs[key].seconds(run.values))
    for run, done in zip(runs, finished):
        key = _without_seed(run.flags_text)
        if done or key in measured:
            continue
        for folder in _other_seeds(run, output_dir):
            seconds = _run_seconds(folder)
            if seconds:
                measured.setdefault(key, []).append(seconds)
                ratios.append(seconds / costs[key].seconds(run.values))
    scale = statistics.median(ratios) if ratios else 1.0
    per_run = []
    for run, done in zip(runs, finished):
        key = _without_seed(run.flags_text)
        if done:
            per_run.append((0.0, "finished"))
        elif run.name in copies:
            per_run.append((0.0, "copied"))
        elif key in measured:
            per_run.append((sum(measured[key]) / len(measured[key]), "measured"))
        else:
            per_run.append((costs[key].seconds(run.values) * scale,
                            f"modelled x{scale:.2f}" if ratios else "modelled"))
    # Runs start in plan order on the first free slot.
    slots = [0.0] * max(1, parallel)
    for seconds, _ in per_run:
        slots[slots.index(min(slots))] += seconds
    return per_run, max(slots) if per_run else 0.0


def format_duration(seconds):
    """`75` -> `"1m15s"`, `3725` -> `"1h02m"`."""
    seconds = int(round(seconds)) if math.isfinite(seconds) else 0
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
