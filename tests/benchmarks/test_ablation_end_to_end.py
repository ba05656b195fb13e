"""A tiny real study, end to end: 2 variations x 2 seeds on MNIST, then a re-run."""

import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.harness import run_dir
from benchmarks.harness import stacked_mnist

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
        "--variation=baseline",
        # Also checks the pass-through of a dtype policy and of the export.
        "--variation=smooth:real_label=0.9,export=true,mixed_precision=mixed_bfloat16",
    ]


def test_tiny_study_writes_every_artefact_and_reruns_as_a_no_op(
    tmp_path, shared_data_dir, python_env
):
    output_dir = str(tmp_path)
    command = [sys.executable, ABLATE] + _study_args(output_dir, shared_data_dir)
    result = subprocess.run(
        command, capture_output=True, text=True, env=python_env, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "4 runs: 0 already finished, 4 to train, 2 at a time." in out
    assert "[4/4 done]" in out and "ETA" in out
    assert "[2/4 smooth/seed_0] Epoch 2/2" in out  # Per-run progress lines.

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
            policy = "mixed_bfloat16" if variation == "smooth" else "float32"
            assert summary["dtype_policy"] == policy and summary["replicas"] == 1
            assert os.path.getsize(os.path.join(folder, "samples.png")) > 100
            assert os.path.exists(os.path.join(folder, "log.txt"))
            exported = os.path.join(folder, "generator", "saved_model.pb")
            assert os.path.exists(exported) == (variation == "smooth")
    report = run_dir.read_text(os.path.join(study, "report.md"))
    assert "| smooth | 2 |" in report and "paired t-test" in report
    assert os.path.exists(os.path.join(study, "results.csv"))
    assert os.path.exists(os.path.join(study, "figures", "samples.png"))
    assert "Study tiny_mnist (mnist)" in out

    # The same command again trains nothing and rewrites no result.
    summary_path = os.path.join(study, "baseline", "seed_0", "summary.json")
    before = os.stat(summary_path).st_mtime_ns
    again = subprocess.run(
        command, capture_output=True, text=True, env=python_env, timeout=300
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "4 runs: 4 already finished, 0 to train" in again.stdout
    assert os.stat(summary_path).st_mtime_ns == before


def test_stacked_mnist_stacks_three_digits_into_1000_modes(shared_data_dir):
    from keras_gans import datasets

    images, labels = datasets.load_local_arrays(
        "mnist", "test", data_dir=shared_data_dir
    )
    stacked, modes = stacked_mnist.stack(images, labels, 2000, seed=0)
    assert stacked.shape == (2000, 28, 28, 3) and stacked.dtype == np.uint8
    # Recover which MNIST image each channel came from, and check its label.
    index = np.random.default_rng(0).integers(0, len(images), size=(2000, 3))
    for k in range(3):
        np.testing.assert_array_equal(stacked[..., k], images[index[:, k], ..., 0])
    np.testing.assert_array_equal(
        modes,
        labels[index[:, 0]] * 100 + labels[index[:, 1]] * 10 + labels[index[:, 2]],
    )
    assert len(np.unique(modes)) > 800  # 2000 uniform draws of 1000 modes.
    batch = next(
        iter(stacked_mnist.load("test", batch_size=8, data_dir=shared_data_dir))
    )
    assert batch.shape == (8, 28, 28, 3)
    assert float(batch.numpy().min()) >= -1.0 and float(batch.numpy().max()) <= 1.0
