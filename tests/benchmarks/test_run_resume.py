"""Run folders: status, atomic writes, skipping finished runs, resuming killed ones."""

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from benchmarks.harness import launcher as launcher_lib
from benchmarks.harness import plan
from benchmarks.harness import run_dir
from benchmarks.harness import variations as variations_lib
from benchmarks.harness.recorder import RunRecorder

RUN_ONE = launcher_lib.RUN_ONE


def _touch(path, text="x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def test_status_follows_flags_summary_and_checkpoints(tmp_path):
    folder = str(tmp_path / "seed_0")
    assert run_dir.status(folder, "--a=1\n") == run_dir.FRESH
    _touch(os.path.join(folder, "flags.txt"), "--a=1\n")
    assert run_dir.status(folder, "--a=1\n") == run_dir.FRESH
    _touch(run_dir.checkpoint_path(folder, 3))
    assert run_dir.status(folder, "--a=1\n") == run_dir.RESUMABLE
    _touch(os.path.join(folder, "summary.json"), "{}")
    assert run_dir.status(folder, "--a=1\n") == run_dir.FINISHED
    # The same folder holds another experiment once the flags change.
    assert run_dir.status(folder, "--a=2\n") == run_dir.FRESH


def test_stale_results_are_moved_aside_not_deleted(tmp_path):
    folder = str(tmp_path / "seed_0")
    _touch(os.path.join(folder, "flags.txt"), "--a=1\n")
    _touch(os.path.join(folder, "summary.json"), "{}")
    assert run_dir.set_aside_stale(folder, "--a=1\n") is None
    moved = run_dir.set_aside_stale(folder, "--a=2\n")
    assert ".stale-" in moved and not os.path.exists(folder)
    assert os.path.exists(os.path.join(moved, "summary.json"))


def test_latest_checkpoint_ignores_partial_saves_and_prune_keeps_its_state(tmp_path):
    folder = str(tmp_path)
    for epoch in (1, 2, 10):
        _touch(run_dir.checkpoint_path(folder, epoch))
        _touch(run_dir.checkpoint_path(folder, epoch)[:-6] + ".json")
    # A save killed mid-way leaves only a dotted temporary file.
    _touch(os.path.join(folder, "checkpoints", ".epoch_0011.tmp99.keras"))
    assert run_dir.latest_checkpoint(folder) == (
        10,
        run_dir.checkpoint_path(folder, 10),
    )
    run_dir.prune_checkpoints(folder, 10)
    assert sorted(os.listdir(os.path.join(folder, "checkpoints"))) == [
        "epoch_0010.json",
        "epoch_0010.keras",
    ]


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    path = str(tmp_path / "summary.json")
    run_dir.write_json(path, {"v": 1})

    def broken(tmp):
        with open(tmp, "w") as f:
            f.write('{"v": ')
        raise OSError("disk full")

    with pytest.raises(OSError):
        run_dir.atomic_write(path, broken)
    assert run_dir.read_json(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["summary.json"]


def test_resume_drops_records_newer_than_the_checkpoint(tmp_path):
    folder = str(tmp_path)
    run_dir.write_jsonl(
        os.path.join(folder, "metrics.jsonl"),
        [{"epoch": e, "elapsed_s": 2.0 * e} for e in (1, 2, 3)],
    )
    run_dir.write_json(
        run_dir.checkpoint_path(folder, 2)[:-6] + ".json", {"elapsed_s": 4.5}
    )
    records, elapsed = RunRecorder.resume(folder, 2)
    assert [r["epoch"] for r in records] == [1, 2] and elapsed == 4.5
    assert [
        r["epoch"] for r in run_dir.read_jsonl(os.path.join(folder, "metrics.jsonl"))
    ] == [1, 2]
    assert RunRecorder.resume(folder, 0) == ([], 0.0)


FAKE_RUN = """#!{python}
# Stands in for `python run_one.py ...`: records the call, fails on request.
import json, os, sys
run_dir = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--run_dir=")][0]
with open(os.environ["CALLS_FILE"], "a") as f:
    f.write(run_dir + "\\n")
print("Epoch 1/1", flush=True)
if "broken" in run_dir:
    sys.exit(3)
with open(os.path.join(run_dir, "summary.json"), "w") as f:
    json.dump({{"seed": 0, "final": {{}}, "wall_time_s": 0.0}}, f)
"""


def test_launcher_skips_finished_runs_and_reports_failures(
    tmp_path, monkeypatch, capsys
):
    fake = tmp_path / "fake_python"
    fake.write_text(FAKE_RUN.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("CALLS_FILE", str(calls))
    names = ("baseline", "broken:d_steps=2", "smooth:real_label=0.9")
    variations = variations_lib.parse_variations(list(names), ("d_steps", "real_label"))
    runs = plan.plan_study("s", [], variations, [0, 1], ["ring"])
    out = str(tmp_path / "out")

    results = launcher_lib.Launcher(runs, out, parallel=2, python=str(fake)).run()
    outcomes = {r.spec.name: r.outcome for r in results}
    assert outcomes["s_ring/broken/seed_1"] == "failed"
    assert outcomes["s_ring/smooth/seed_0"] == "finished"
    assert len(calls.read_text().split()) == 6
    log = os.path.join(out, "s_ring", "smooth", "seed_0", "log.txt")
    assert open(log).read() == "Epoch 1/1\n"
    printed = capsys.readouterr().out
    assert "[6/6 done]" in printed and "ETA" in printed and "exit code 3" in printed

    # Same command again: only the failed runs train again.
    calls.write_text("")
    results = launcher_lib.Launcher(runs, out, parallel=2, python=str(fake)).run()
    assert sorted(calls.read_text().split()) == sorted(
        os.path.join(out, "s_ring", "broken", f"seed_{s}") for s in (0, 1)
    )
    assert [r.outcome for r in results].count("skipped") == 4


def test_eta_is_mean_duration_times_remaining_work_over_parallel_runs():
    assert launcher_lib.estimate_remaining([], 3, [], 2) is None
    # 4 runs left at 10 s each, one run 4 s in: (40 + 6) / 2.
    assert launcher_lib.estimate_remaining([8.0, 12.0], 4, [4.0], 2) == pytest.approx(
        23.0
    )
    assert launcher_lib.format_duration(75) == "1m15s"
    assert launcher_lib.format_duration(3725) == "1h02m"


def _start_run(folder, args, env):
    os.makedirs(folder, exist_ok=True)
    flags_text = "\n".join(args + ["--epochs=4", "--steps_per_epoch=40", "--seed=5"])
    run_dir.write_text(os.path.join(folder, "flags.txt"), flags_text + "\n")
    return subprocess.Popen(
        [
            sys.executable,
            RUN_ONE,
            f"--flagfile={folder}/flags.txt",
            f"--run_dir={folder}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def test_run_killed_with_sigkill_resumes_from_its_checkpoint_exactly(
    tmp_path, tiny_ring_args, python_env
):
    killed, control = str(tmp_path / "killed"), str(tmp_path / "control")
    # An uninterrupted run with the same flags, trained alongside.
    control_process = _start_run(control, tiny_ring_args, python_env)
    process = _start_run(killed, tiny_ring_args, python_env)
    deadline = time.time() + 120
    while run_dir.latest_checkpoint(killed) is None:
        assert process.poll() is None, process.stdout.read()
        assert time.time() < deadline, "no checkpoint within 120 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    epochs_done, _ = run_dir.latest_checkpoint(killed)
    assert epochs_done < 4 and not os.path.exists(os.path.join(killed, "summary.json"))

    resumed = _start_run(killed, tiny_ring_args, python_env)
    output, _ = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, output
    assert f"(epoch {epochs_done})" in output
    control_output, _ = control_process.communicate(timeout=180)
    assert control_process.returncode == 0, control_output

    summary = run_dir.read_json(os.path.join(killed, "summary.json"))
    assert summary["resumed_from_epoch"] == epochs_done
    assert summary["epochs_completed"] == 4 and summary["steps_completed"] == 160
    records = run_dir.read_jsonl(os.path.join(killed, "metrics.jsonl"))
    assert [r["epoch"] for r in records] == [1, 2, 3, 4]
    assert not os.path.exists(os.path.join(killed, "checkpoints"))
    # Weights, optimizer state, random streams and the data position were all
    # restored: the resumed run ends exactly where the unbroken one does.
    expected = run_dir.read_json(os.path.join(control, "summary.json"))["final"]
    assert summary["final"] == expected
    assert summary["seed"] == 5 and summary["flags"]["d_steps"] == 1
