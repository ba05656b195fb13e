"""Expands a study into runs: datasets x seeds x variations, then shards.

Each run is described by the full text of its per-run flags (`flags.txt`):
the study's base values, then the variation's overrides, then the seed. The
text is what `run_one.py` parses and what decides whether a finished run can
be skipped, so two runs with the same text are the same experiment.
"""

import dataclasses
import os

from absl import flags

from benchmarks.harness import run_flags
from benchmarks.harness import variations as variations_lib


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One (variation, seed) run of a study.

    Attributes:
        study: Study folder name (with a `_<dataset>` suffix under --datasets).
        variation: Variation name.
        seed: The run's seed.
        flags_text: The run's complete flags, one `--flag=value` per line.
        values: Dict of the run's parsed flag values.
    """

    study: str
    variation: str
    seed: int
    flags_text: str
    values: dict = dataclasses.field(compare=False, repr=False)

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

    Args:
        args: `--flag=value` strings; later ones win.
        variation_name: Named in error messages.

    Returns:
        `(flag_values, flags_text)`.

    Raises:
        variations_lib.VariationError: a value the flag does not accept
            (wrong type, outside its bounds, not one of its choices).
    """
    fv = flags.FlagValues()
    names = run_flags.define_run_flags(fv)
    try:
        fv(["run"] + list(args), known_only=False)
    except flags.Error as err:
        raise variations_lib.VariationError(
            f"Variation {variation_name!r}: {err}"
        ) from None
    lines = sorted(fv[name].serialize() for name in names)
    return fv, "\n".join(line for line in lines if line) + "\n"


def study_folder(study, dataset):
    """`<study>_<dataset>`, or `study` when it already ends with the dataset.

    Naming the folder after the dataset keeps `--dataset=fashion_mnist`
    results of a flagfile apart from its MNIST ones.
    """
    return study if study.endswith(dataset) else f"{study}_{dataset}"


def plan_study(study, base, variations, seeds, datasets):
    """All runs of a study, in launch order.

    Runs are ordered seed by seed, so that partial results (or one shard)
    already hold every variation.

    Args:
        study: Study name.
        base: Base run-flag arguments (`base_args`).
        variations: List of `Variation`.
        seeds: List of ints.
        datasets: Dataset names; each gives a study folder
            `study_folder(study, name)` trained with `--dataset=<name>`.

    Returns:
        A list of `RunSpec`.
    """
    if not seeds:
        raise ValueError(
            "--seeds is empty; give at least one seed, e.g. --seeds=0,1,2."
        )
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--seeds lists a seed twice: {seeds}.")
    if not datasets:
        raise ValueError("No dataset given; set --dataset or --datasets.")
    runs = []
    for dataset in datasets:
        for seed in seeds:
            for variation in variations:
                args = base + [f"--dataset={dataset}"] + variation.as_args()
                fv, text = resolve_run_flags(args + [f"--seed={seed}"], variation.name)
                runs.append(
                    RunSpec(
                        study=study_folder(study, dataset),
                        variation=variation.name,
                        seed=int(seed),
                        flags_text=text,
                        values=fv.flag_values_dict(),
                    )
                )
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
