"""A tiny real study, end to end: 2 variations x 2 seeds on MNIST, trained by
two `ablate.py` processes at once on one folder, re-reported, then re-run."""

import os
import subprocess
import sys

import pytest

from benchmarks.harness import build
from benchmarks.harness import run_dir

PROJECT_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
SHARED_DATA = os.path.join(PROJECT_ROOT, "..", "shared", "data")
ABLATE = os.path.join(PROJECT_ROOT, "benchmarks", "ablate.py")


@pytest.fixture
def shared_data_dir():
    if not os.path.exists(os.path.join(SHARED_DATA, "mnist.npz")):
        pytest.skip(f"real MNIST not found in {SHARED_DATA}")
    return SHARED_DATA


def _study_args(output_dir, data_dir):
    return [
        f"--output_dir={output_dir}",
        "--study=tiny",
        "--dataset=mnist",
        f"--data_dir={data_dir}",
        "--num_examples=512",
        "--batch_size=32",
        "--latent_dim=8",
        "--g_filters=4",
        "--d_filters=4",
        "--epochs=2",
        "--steps_per_epoch=3",
        "--metrics=fid,is,classes",
        "--eval_num_samples=100",
        "--grid_samples=16",
        "--seeds=0,1",
        "--parallel=1",
        "--threads=1",
        "--steps_per_execution=3",
        "--variation=baseline",
        # Also checks the pass-through of a dtype policy and of the export.
        "--variation=smooth:real_label=0.9,export=true,mixed_precision=mixed_bfloat16",
    ]


@pytest.mark.slow
def test_two_concurrent_studies_on_one_folder_train_each_run_once(
    tmp_path, shared_data_dir, python_env
):
    output_dir = str(tmp_path)
    command = [sys.executable, ABLATE] + _study_args(output_dir, shared_data_dir)
    # Two processes on one output folder (as two shells, or a job array
    # without --num_shards would): the run locks split the work between them.
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=python_env)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=400) for p in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, out + err
        # (The second may start after the first has finished a run.)
        assert "4 runs: " in out and " to train, 1 at a time (1 TensorFlow thread each); about " in out
        assert "cuda" not in out + err and "absl::InitializeLog" not in out + err
    out = outputs[0][0] + outputs[1][0]
    # Every run started exactly once, by one of the two.
    for run in ("baseline/seed_0", "smooth/seed_0", "baseline/seed_1", "smooth/seed_1"):
        assert out.count(f" {run}] start (tiny_mnist)") == 1, out
    assert out.count("finished by the other process.") == out.count("another process (pid")
    assert "Epoch 2/2" in out and "ETA" in out  # Per-run progress lines.

    study = os.path.join(output_dir, "tiny_mnist")
    for variation in ("baseline", "smooth"):
        for seed in (0, 1):
            folder = os.path.join(study, variation, f"seed_{seed}")
            flags_text = run_dir.read_text(os.path.join(folder, "flags.txt"))
            assert f"--seed={seed}\n" in flags_text
            assert ("--real_label=0.9\n" in flags_text) == (variation == "smooth")
            records = run_dir.read_jsonl(os.path.join(folder, "metrics.jsonl"))
            assert [r["epoch"] for r in records] == [1, 2]
            assert {"fid", "is", "classes", "class_kl", "d_loss"} <= set(records[-1])
            summary = run_dir.read_json(os.path.join(folder, "summary.json"))
            assert summary["seed"] == seed and summary["steps_completed"] == 6
            assert summary["final"]["fid"] == records[-1]["fid"]
            assert summary["versions"]["keras"] and summary["git_commit"]
            assert summary["device"] and summary["wall_time_s"] > 0
            assert set(summary["cpu_features"]) <= set(build.CPU_SPEED_FLAGS)
            assert summary["load_average"] is None or len(summary["load_average"]) == 3
            policy = "mixed_bfloat16" if variation == "smooth" else "float32"
            assert summary["dtype_policy"] == policy and summary["replicas"] == 1
            assert summary["threads"] == 1 and summary["steps_per_execution"] == 3
            assert os.path.getsize(os.path.join(folder, "samples.png")) > 100
            assert os.path.exists(os.path.join(folder, "log.txt"))
            exported = os.path.join(folder, "generator", "saved_model.pb")
            assert os.path.exists(exported) == (variation == "smooth")
            assert summary["damaged_checkpoints"] == [] and summary["resumed_from_epoch"] == 0
            log = run_dir.read_text(os.path.join(folder, "log.txt"))
            assert log.count("Epoch 1/2") == 1  # Trained once, by one process.
    report = run_dir.read_text(os.path.join(study, "report.md"))
    assert "| smooth | 2 |" in report and "paired t-test" in report
    assert os.path.exists(os.path.join(study, "results.csv"))
    assert os.path.exists(os.path.join(study, "figures", "samples.png"))
    assert "Study tiny_mnist (mnist)" in outputs[0][0] and "Study tiny_mnist" in outputs[1][0]

    # The same command again trains nothing and rewrites no result.
    summary_path = os.path.join(study, "baseline", "seed_0", "summary.json")
    before = os.stat(summary_path).st_mtime_ns
    again = subprocess.run(
        command, capture_output=True, text=True, env=python_env, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "4 runs: 4 already finished, 0 to train" in again.stdout
    assert os.stat(summary_path).st_mtime_ns == before

    # Part of the study again (one variation that is not the baseline, one
    # seed: nothing left to train) keeps the record of the whole: the report
    # still orders both variations against the study's baseline, and
    # study.json still lists both seeds and the command that made the whole.
    part = subprocess.run(
        command + ["--only_variations=smooth", "--seeds=1"],
        capture_output=True, text=True, env=python_env, timeout=300,
    )
    assert part.returncode == 0, part.stdout + part.stderr
    assert "1 runs: 1 already finished, 0 to train" in part.stdout, part.stdout
    meta = run_dir.read_json(os.path.join(study, "study.json"))
    assert meta["variations"] == ["baseline", "smooth"] and meta["seeds"] == [0, 1]
    assert meta["baseline"] == "baseline"
    assert "baseline `baseline`" in run_dir.read_text(os.path.join(study, "report.md"))
    assert meta["command"].endswith("--only_variations=smooth --seeds=1")
    assert len(meta["commands"]) == 2 and meta["commands"][-1] == meta["command"]
    assert "--only_variations" not in meta["commands"][0]
