"""Expansion of variations x seeds x datasets into runs, and sharding."""

import glob
import os

import pytest
from absl import flags

from benchmarks.harness import plan
from benchmarks.harness import run_flags
from benchmarks.harness import study_flags
from benchmarks.harness import variations as variations_lib

CONFIG_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "benchmarks",
    "configs",
)


def _variations(run_flag_names):
    return variations_lib.parse_variations(
        ["baseline", "smooth:real_label=0.9"], run_flag_names
    )


def test_runs_are_datasets_x_seeds_x_variations_in_seed_order(run_flag_names):
    runs = plan.plan_study(
        "qs", ["--d_steps=2"], _variations(run_flag_names), [0, 1, 2], ["ring", "grid"]
    )
    assert len(runs) == 12
    assert [r.name for r in runs[:4]] == [
        "qs_ring/baseline/seed_0",
        "qs_ring/smooth/seed_0",
        "qs_ring/baseline/seed_1",
        "qs_ring/smooth/seed_1",
    ]
    assert {r.study for r in runs} == {"qs_ring", "qs_grid"}
    smooth = runs[1]
    assert smooth.values["real_label"] == 0.9
    assert smooth.values["d_steps"] == 2  # The base value is kept.
    assert smooth.values["dataset"] == "ring" and smooth.values["seed"] == 0
    assert runs[0].values["real_label"] == 1.0
    assert "--real_label=0.9\n" in smooth.flags_text
    assert "--seed=2\n" in runs[5].flags_text


def test_a_variation_override_wins_over_the_base(run_flag_names):
    variations = variations_lib.parse_variations(["d3:d_steps=3"], run_flag_names)
    (run,) = plan.plan_study("s", ["--d_steps=2"], variations, [0], ["ring"])
    assert run.values["d_steps"] == 3


def test_flags_text_is_complete_and_parses_back_to_the_same_values(run_flag_names):
    (run,) = plan.plan_study(
        "s", ["--g_depth=3"], _variations(run_flag_names)[1:], [4], ["grid"]
    )
    fv = flags.FlagValues()
    names = run_flags.define_run_flags(fv)
    fv(["run"] + run.flags_text.split())
    assert {n: fv[n].value for n in names} == {n: run.values[n] for n in names}
    again = plan.plan_study(
        "s", ["--g_depth=3"], _variations(run_flag_names)[1:], [4], ["grid"]
    )
    assert again[0].flags_text == run.flags_text


def test_seeds_differ_only_in_the_seed_line(run_flag_names):
    a, b = plan.plan_study("s", [], _variations(run_flag_names)[:1], [0, 7], ["ring"])
    diff = set(a.flags_text.splitlines()) ^ set(b.flags_text.splitlines())
    assert diff == {"--seed=0", "--seed=7"}


def test_study_folder_is_suffixed_with_the_dataset_once():
    assert plan.study_folder("level1", "mnist") == "level1_mnist"
    assert plan.study_folder("stacked_mnist", "stacked_mnist") == "stacked_mnist"


@pytest.mark.parametrize("seeds, match", [([], "empty"), ([1, 1], "twice")])
def test_bad_seed_lists_fail(run_flag_names, seeds, match):
    with pytest.raises(ValueError, match=match):
        plan.plan_study("s", [], _variations(run_flag_names), seeds, ["ring"])


@pytest.mark.parametrize("num_shards", [1, 2, 3, 5])
def test_shards_partition_the_runs_and_stay_balanced(run_flag_names, num_shards):
    runs = plan.plan_study(
        "s", [], _variations(run_flag_names), [0, 1, 2, 3, 4], ["ring"]
    )
    shards = [plan.shard(runs, num_shards, i) for i in range(num_shards)]
    names = [r.name for s in shards for r in s]
    assert sorted(names) == sorted(r.name for r in runs)
    assert len(names) == len(set(names))
    sizes = [len(s) for s in shards]
    assert max(sizes) - min(sizes) <= 1


def test_invalid_shard_arguments_fail():
    with pytest.raises(ValueError, match=r"--shard_index must be in \[0, 2\)"):
        plan.shard([], 2, 2)
    with pytest.raises(ValueError, match="--num_shards must be >= 1"):
        plan.shard([], 0, 0)


@pytest.mark.parametrize(
    "path", sorted(glob.glob(os.path.join(CONFIG_DIR, "*.flags"))), ids=os.path.basename
)
def test_every_checked_in_flagfile_plans(path):
    fv = flags.FlagValues()
    run_names = run_flags.define_run_flags(fv)
    study_names = study_flags.define_study_flags(fv)
    fv(["ablate", f"--flagfile={path}"])
    with open(path, encoding="utf-8") as f:
        header = f.read()
    assert "Expected wall time" in header, "each flagfile states its CPU time"
    variations = variations_lib.parse_variations(fv.variation, run_names, study_names)
    runs = plan.plan_study(
        fv.study or "s",
        plan.base_args(fv, run_names),
        variations,
        [int(s) for s in fv.seeds],
        fv.datasets or [fv.dataset],
    )
    assert len(runs) == len(variations) * len(fv.seeds) * max(1, len(fv.datasets))
    assert variations[0].name == "baseline"
