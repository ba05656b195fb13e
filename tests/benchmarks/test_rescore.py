"""`benchmarks/rescore.py`: a run's saved model scored again by its own
evaluation reproduces what the run logged."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from benchmarks.harness import launcher as launcher_lib
from benchmarks.harness import run_dir

RESCORE = os.path.join(os.path.dirname(launcher_lib.RUN_ONE), "rescore.py")


def _rescore(folder, env, *options):
    return subprocess.run(
        [sys.executable, RESCORE, f"--flagfile={folder}/flags.txt", f"--run_dir={folder}",
         *options],
        capture_output=True, text=True, env=env, timeout=180,
    )


def test_a_run_without_checkpoints_is_refused_with_the_fix(tmp_path, tiny_ring_args, python_env):
    folder = str(tmp_path / "seed_0")
    run_dir.write_text(os.path.join(folder, "flags.txt"), "\n".join(tiny_ring_args) + "\n")
    result = _rescore(folder, python_env)
    assert result.returncode != 0
    assert "No checkpoint in" in result.stderr and "--checkpoint=PATH" in result.stderr
    result = _rescore(folder, python_env, f"--checkpoint={tmp_path}/missing.keras")
    assert result.returncode != 0 and "missing.keras does not exist" in result.stderr
    assert run_dir.checkpoint_epochs("a/epoch_0034.keras") == 34
    assert run_dir.checkpoint_epochs("a/copy.keras") is None


@pytest.mark.slow
def test_rescoring_a_checkpoint_reproduces_the_logged_metrics(tmp_path, tiny_ring_args,
                                                               python_env):
    folder = str(tmp_path / "seed_0")
    flags_text = "\n".join(tiny_ring_args + ["--epochs=6", "--steps_per_epoch=40", "--seed=5"])
    run_dir.write_text(os.path.join(folder, "flags.txt"), flags_text + "\n")
    process = subprocess.Popen(
        [sys.executable, launcher_lib.RUN_ONE, f"--flagfile={folder}/flags.txt",
         f"--run_dir={folder}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=python_env)
    # Stop the run mid-way (a finished run deletes its checkpoints).
    deadline = time.time() + 120
    while len(run_dir.checkpoints(folder)) < 2:
        assert process.poll() is None, process.stdout.read()
        assert time.time() < deadline, "no checkpoints within 120 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    epochs_done, checkpoint = run_dir.latest_checkpoint(folder)

    out = str(tmp_path / "scores.json")
    result = _rescore(folder, python_env, f"--json_out={out}")
    assert result.returncode == 0, result.stderr
    with open(out) as f:
        scores = json.load(f)
    assert scores["checkpoint"] == checkpoint and scores["epochs_done"] == epochs_done
    assert scores["step"] == 40 * epochs_done and scores["eval_num_samples"] == 256
    # The ring's metrics, computed from the saved weights with the run's own
    # latent seeds: exactly what the run logged after that epoch.
    assert set(scores["scores"]) == {"modes", "high_quality", "mode_kl"}
    assert scores["logged"] == scores["scores"]
    assert f"| mode_kl | {scores['scores']['mode_kl']:.6g} | " in result.stdout

    # A flag after the run's flagfile changes the evaluation: more samples.
    result = _rescore(folder, python_env, "--eval_num_samples=512", f"--json_out={out}")
    assert result.returncode == 0, result.stderr
    with open(out) as f:
        assert json.load(f)["eval_num_samples"] == 512
