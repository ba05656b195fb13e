"""Run folders: status, atomic writes, locks, skipping finished runs,
resuming killed ones, surviving damaged checkpoints."""

import os
import signal
import stat
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from benchmarks.harness import flags as variations_lib
from benchmarks.harness import launcher as launcher_lib
from benchmarks.harness import plan
from benchmarks.harness import run_dir

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


def test_latest_checkpoint_ignores_partial_saves_and_prune_keeps_the_last_two(tmp_path):
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
    run_dir.prune_checkpoints(folder)
    assert sorted(os.listdir(os.path.join(folder, "checkpoints"))) == [
        "epoch_0002.json",
        "epoch_0002.keras",
        "epoch_0010.json",
        "epoch_0010.keras",
    ]


def _checkpoint(folder, epoch, elapsed):
    path = run_dir.checkpoint_path(folder, epoch)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.weights.h5", b"w" * 5000)
        archive.writestr("config.json", '{"epoch": %d}' % epoch)
    run_dir.write_json(run_dir.state_path(path), {"epochs_done": epoch, "elapsed_s": elapsed})
    return path


def _truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def test_a_damaged_checkpoint_is_set_aside_and_the_previous_one_resumed(tmp_path):
    folder = str(tmp_path / "seed_0")
    _checkpoint(folder, 1, 1.5)
    newest = _checkpoint(folder, 2, 3.0)
    assert run_dir.damage(newest) is None
    _truncate(newest)
    assert "BadZipFile" in run_dir.damage(newest)
    warnings = []
    epochs, path, damaged = run_dir.resume_point(folder, warn=warnings.append)
    assert (epochs, path) == (1, run_dir.checkpoint_path(folder, 1))
    assert [d["epoch"] for d in damaged] == [2] and "BadZipFile" in damaged[0]["reason"]
    moved = damaged[0]["moved_to"]
    assert moved.startswith(os.path.join(folder, "damaged")) and os.path.exists(moved)
    assert os.path.exists(run_dir.state_path(moved))  # Its state file went along.
    assert run_dir.latest_checkpoint(folder)[0] == 1
    assert "is damaged" in warnings[0] and "Trying the previous one" in warnings[0]


def test_with_no_intact_checkpoint_left_the_run_starts_fresh(tmp_path):
    folder = str(tmp_path / "seed_0")
    _truncate(_checkpoint(folder, 1, 1.5))
    # An intact zip whose state file is unreadable cannot be resumed either.
    second = _checkpoint(folder, 2, 3.0)
    with open(run_dir.state_path(second), "w") as f:
        f.write('{"elapsed_s": ')
    warnings = []
    epochs, path, damaged = run_dir.resume_point(folder, warn=warnings.append)
    assert (epochs, path) == (0, None)
    assert [d["epoch"] for d in damaged] == [2, 1]
    assert "from scratch" in warnings[-1]
    assert run_dir.checkpoints(folder) == []


LOCK_HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from benchmarks.harness import run_dir
lock = run_dir.RunLock({folder!r})
print(lock.acquire(), flush=True)
time.sleep(60)
"""


def test_a_run_lock_is_exclusive_across_processes_and_freed_by_sigkill(tmp_path):
    folder = str(tmp_path / "study" / "v" / "seed_0")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER.format(root=root, folder=folder)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        lock = run_dir.RunLock(folder)
        assert not lock.acquire()
        assert lock.owner() == str(holder.pid)
        assert lock.path == str(tmp_path / "study" / "v" / ".seed_0.lock")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert lock.acquire()  # The kernel released the killed holder's lock.
    lock.release()


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
    from benchmarks.harness.trainer import RunRecorder

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
# Stands in for `python run_one.py ...`: records the call, fails on request,
# and checks that it was handed the run's lock.
import fcntl, json, os, sys
run_dir = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--run_dir=")][0]
lock_fd = int([a.split("=", 1)[1] for a in sys.argv if a.startswith("--lock_fd=")][0])
fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # Ours already: no wait.
other = os.open(os.path.join(os.path.dirname(run_dir), "." + os.path.basename(run_dir) + ".lock"), os.O_RDWR)
try:
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    sys.exit("the run's lock was not held")
except BlockingIOError:
    pass
with open(os.environ["CALLS_FILE"], "a") as f:
    f.write(run_dir + "\\n")
print("Epoch 1/1", flush=True)
if "slow" in run_dir:  # Trains until stopped, its pid beside its log.
    import time
    with open(os.path.join(run_dir, "pid"), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(120)
if "broken" in run_dir:
    sys.exit(3)
summary = {{"seed": 0, "final": {{}}, "wall_time_s": 0.0}}
if "resumed" in run_dir:  # Resumed after its last epoch: trained nothing.
    summary.update(epochs_completed=2, resumed_from_epoch=2)
with open(os.path.join(run_dir, "summary.json"), "w") as f:
    json.dump(summary, f)
"""


@pytest.fixture
def fake_python(tmp_path, monkeypatch):
    """`(interpreter, calls file)`: FAKE_RUN as the run processes' Python,
    appending each run folder it is started on to the calls file."""
    fake = tmp_path / "fake_python"
    fake.write_text(FAKE_RUN.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("CALLS_FILE", str(calls))
    return fake, calls


def test_launcher_skips_finished_runs_and_reports_failures(
    tmp_path, fake_python, capsys
):
    fake, calls = fake_python
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


def test_launcher_waits_for_a_run_another_process_owns_then_skips_it(
    tmp_path, fake_python, capsys
):
    fake, calls = fake_python
    variations = variations_lib.parse_variations(["a", "b:d_steps=2"], ("d_steps",))
    runs = plan.plan_study("s", [], variations, [0], ["ring"])
    out = str(tmp_path / "out")
    # Another process owns run "a" and finishes it 1 s later.
    owned = runs[0].run_dir(out)
    other = run_dir.RunLock(owned)
    assert other.acquire()

    def finish_and_release():
        time.sleep(1.0)
        run_dir.write_text(os.path.join(owned, "flags.txt"), runs[0].flags_text)
        run_dir.write_json(os.path.join(owned, "summary.json"), {"seed": 0, "final": {}})
        other.release()

    import threading

    thread = threading.Thread(target=finish_and_release)
    thread.start()
    results = launcher_lib.Launcher(runs, out, parallel=2, python=str(fake)).run()
    thread.join()
    assert [r.outcome for r in results] == ["skipped", "finished"]
    assert calls.read_text().split() == [runs[1].run_dir(out)]
    printed = capsys.readouterr().out
    assert f"another process (pid {os.getpid()}) is training it" in printed
    assert "s_ring/a/seed_0: finished by the other process." in printed


STOPPABLE_LAUNCHER = """
import sys
from benchmarks.harness import flags, launcher, plan
runs = plan.plan_study("s", [], flags.parse_variations(["slow"], ()), [0, 1], ["ring"])
try:
    launcher.Launcher(runs, sys.argv[1], parallel=2, python=sys.argv[2]).run()
except launcher.Stopped as stop:
    sys.exit(128 + stop.signum)
"""


def test_sigterm_stops_the_launcher_and_its_runs_and_frees_their_locks(tmp_path, fake_python):
    fake, calls = fake_python
    out = tmp_path / "out"
    launcher = subprocess.Popen(
        [sys.executable, "-c", STOPPABLE_LAUNCHER, str(out), str(fake)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    folders = [out / "s_ring" / "slow" / f"seed_{s}" for s in (0, 1)]
    deadline = time.time() + 60
    while not all((f / "pid").exists() and (f / "pid").read_text() for f in folders):
        assert launcher.poll() is None, launcher.stdout.read()
        assert time.time() < deadline, "the runs did not start within 60 s"
        time.sleep(0.05)
    pids = [int((f / "pid").read_text()) for f in folders]

    launcher.send_signal(signal.SIGTERM)
    output = launcher.communicate(timeout=30)[0]
    assert launcher.returncode == 128 + signal.SIGTERM, output
    assert "Interrupted: finished runs and end-of-epoch checkpoints are kept" in output
    for pid in pids:  # Ended, not orphaned: the launcher waited for them.
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    for folder in folders:  # Free for the next launcher, and not finished.
        lock = run_dir.RunLock(str(folder))
        assert lock.acquire()
        lock.release()
        assert not (folder / "summary.json").exists()


def _finished(spec_or_text, folder, final=None):
    text = getattr(spec_or_text, "flags_text", spec_or_text)
    run_dir.write_text(os.path.join(folder, "flags.txt"), text)
    run_dir.write_jsonl(os.path.join(folder, "metrics.jsonl"), [{"epoch": 1, "fid": 9.0}])
    run_dir.write_json(os.path.join(folder, "summary.json"),
                       {"seed": 0, "final": final or {"fid": 9.0}, "wall_time_s": 60.0})


def test_a_finished_run_is_found_by_its_flags_and_copied_without_checkpoints(tmp_path):
    other = str(tmp_path / "other_ring")
    # The same experiment under another variation name, a stale copy of it,
    # and another experiment.
    source = os.path.join(other, "base", "seed_0")
    _finished("--a=1\n--seed=0\n", source)
    _touch(os.path.join(source, "samples", "epoch_0001.png"))
    _touch(os.path.join(source, "checkpoints", "epoch_0001.keras"))
    _finished("--a=1\n--seed=0\n", os.path.join(other, "aaa", "seed_0.stale-20260101"))
    _finished("--a=2\n--seed=0\n", os.path.join(other, "aab", "seed_0"))
    assert run_dir.find_finished_run([other], "--a=1\n--seed=0\n") == source
    assert run_dir.find_finished_run([other], "--a=1\n--seed=1\n") is None
    assert run_dir.find_finished_run([str(tmp_path / "absent"), other], "--a=2\n--seed=0\n") \
        == os.path.join(other, "aab", "seed_0")

    target = str(tmp_path / "new_ring" / "baseline" / "seed_0")
    os.makedirs(target)  # Empty (as a claimed run's folder may be): replaced.
    assert run_dir.copy_finished_run(source, target) == "other_ring/base/seed_0"
    assert run_dir.status(target, "--a=1\n--seed=0\n") == run_dir.FINISHED
    assert sorted(os.listdir(target)) == ["flags.txt", "metrics.jsonl", "samples", "summary.json"]
    summary = run_dir.read_json(os.path.join(target, "summary.json"))
    assert summary == {"seed": 0, "final": {"fid": 9.0}, "wall_time_s": 60.0,
                       "reused_from": "other_ring/base/seed_0"}
    assert run_dir.read_jsonl(os.path.join(target, "metrics.jsonl")) == [{"epoch": 1, "fid": 9.0}]
    assert os.listdir(os.path.dirname(target)) == ["seed_0"]  # No staging folder left.
    # A copy of a copy still names the run that trained.
    again = str(tmp_path / "third_ring" / "b" / "seed_0")
    assert run_dir.copy_finished_run(target, again) == "other_ring/base/seed_0"
    # A folder with files in it is never overwritten.
    with pytest.raises(FileExistsError, match="absent or empty folder"):
        run_dir.copy_finished_run(source, again)
    assert run_dir.read_json(os.path.join(again, "summary.json"))["reused_from"] == \
        "other_ring/base/seed_0"


def test_launcher_copies_runs_reuse_from_holds_and_trains_the_rest(
    tmp_path, fake_python, capsys
):
    fake, calls = fake_python
    out = str(tmp_path / "out")
    # An earlier study trained the shared baseline (called "base" there) for
    # seeds 0 and 1, and seed 1 of this study was already started here.
    earlier = variations_lib.parse_variations(["base"], ("d_steps",))
    for spec in plan.plan_study("old", [], earlier, [0, 1], ["ring"]):
        _finished(spec, spec.run_dir(str(tmp_path / "results")), {"fid": 5.0 + spec.seed})
    reuse = [str(tmp_path / "results" / "old_ring")]
    variations = variations_lib.parse_variations(["baseline", "d2:d_steps=2"], ("d_steps",))
    runs = plan.plan_study("s", [], variations, [0, 1], ["ring"])
    started = runs[2].run_dir(out)  # baseline/seed_1, same flags, a checkpoint.
    run_dir.write_text(os.path.join(started, "flags.txt"), runs[2].flags_text)
    _touch(run_dir.checkpoint_path(started, 1))
    assert launcher_lib.reuse_source(runs[0], out, reuse) == os.path.join(
        reuse[0], "base", "seed_0")
    assert launcher_lib.reuse_source(runs[2], out, reuse) is None  # Resumes instead.
    assert launcher_lib.reuse_source(runs[0], out, ()) is None

    results = launcher_lib.Launcher(runs, out, parallel=2, python=str(fake),
                                    reuse_from=reuse).run()
    assert [r.outcome for r in results] == ["copied", "finished", "finished", "finished"]
    assert sorted(calls.read_text().split()) == sorted(r.run_dir(out) for r in runs[1:])
    printed = capsys.readouterr().out
    assert "4 runs: 0 already finished, 1 to copy from --reuse_from, 3 to train" in printed
    assert "s_ring/baseline/seed_0: copied from " in printed
    assert "(the same flags; trained as old_ring/base/seed_0)." in printed
    summary = run_dir.read_json(os.path.join(runs[0].run_dir(out), "summary.json"))
    assert summary["final"] == {"fid": 5.0} and summary["reused_from"] == "old_ring/base/seed_0"

    # The report says which runs were copied, and from where.
    from benchmarks.harness import report

    for spec in runs[1:]:  # The fake run writes seed 0 into every summary.
        path = os.path.join(spec.run_dir(out), "summary.json")
        run_dir.write_json(path, dict(run_dir.read_json(path), seed=spec.seed))
    text = report.markdown_report(report.load_study(os.path.join(out, "s_ring")))
    assert ("Runs copied from another study (`ablate.py --reuse_from`: the same flags, so "
            "the same experiment, trained once): `baseline/seed_0` from "
            "`old_ring/base/seed_0`. Their wall times are the source runs', measured on "
            "the host that trained them.") in text
    # Nothing left to train or copy: the same command does nothing.
    calls.write_text("")
    results = launcher_lib.Launcher(runs, out, parallel=2, python=str(fake),
                                    reuse_from=reuse).run()
    assert [r.outcome for r in results] == ["skipped"] * 4 and calls.read_text() == ""


def test_eta_is_mean_duration_times_remaining_work_over_parallel_runs():
    assert launcher_lib.estimate_remaining([], [1.0] * 3, [], 2) is None
    # Every run weighs 1: 4 runs left at the mean 10 s, one run 4 s in: (40 + 6) / 2.
    assert launcher_lib.estimate_remaining(
        [(8.0, 1.0), (12.0, 1.0)], [1.0] * 4, [(4.0, 1.0)], 2) == pytest.approx(23.0)


def test_eta_weighs_runs_by_their_estimates_corrected_by_the_finished_ones():
    # Before any run ends: the estimates themselves, 2 at a time.
    assert launcher_lib.estimate_remaining([], [60.0, 120.0], [], 2, estimated=True) == 90.0
    # A run estimated at 50 s took 100 s: every estimate counts double. Left:
    # 2 x (50 + 150) = 400 s not started, 2 x 50 - 30 = 70 s of the running one.
    assert launcher_lib.estimate_remaining(
        [(100.0, 50.0)], [50.0, 150.0], [(30.0, 50.0)], 2, estimated=True
    ) == pytest.approx((400.0 + 70.0) / 2)
    assert plan.format_duration(75) == "1m15s"
    assert plan.format_duration(3725) == "1h02m"


def test_a_resumed_run_counts_as_the_whole_run_it_would_have_been():
    fresh = {"epochs_completed": 40, "resumed_from_epoch": 0}
    assert launcher_lib.full_duration(600.0, fresh) == 600.0
    assert launcher_lib.full_duration(600.0, None) == 600.0  # No summary to read.
    # Resumed at epoch 30 of 40: 10 epochs took 150 s, the run 40 x 15 s.
    resumed = {"epochs_completed": 40, "resumed_from_epoch": 30}
    assert launcher_lib.full_duration(150.0, resumed) == pytest.approx(600.0)
    # Resumed after its last epoch: it only wrote its summary, no sample.
    assert launcher_lib.full_duration(6.0, {"epochs_completed": 40,
                                            "resumed_from_epoch": 40}) is None


def test_launcher_states_the_estimated_time_before_the_first_run(
        tmp_path, fake_python, capsys):
    fake, _ = fake_python
    variations = variations_lib.parse_variations(["a", "b:d_steps=2"], ("d_steps",))
    runs = plan.plan_study("s", [], variations, [0, 1], ["ring"])
    launcher_lib.Launcher(runs, str(tmp_path / "out"), parallel=2, python=str(fake),
                          estimates=[60.0, 0.0, 120.0, 60.0]).run()
    printed = capsys.readouterr().out
    # 240 s of runs, 2 at a time.
    assert "4 runs: 0 already finished, 4 to train, 2 at a time" in printed
    assert "each); about 2m00s (estimated)." in printed, printed


def test_runs_that_trained_no_epoch_give_no_eta_sample(tmp_path, fake_python, capsys):
    fake, _ = fake_python
    variations = variations_lib.parse_variations(["resumed:d_steps=2"], ("d_steps",))
    runs = plan.plan_study("s", [], variations, [0, 1, 2], ["ring"])
    launcher_lib.Launcher(runs, str(tmp_path / "out"), parallel=1, python=str(fake)).run()
    printed = capsys.readouterr().out
    # Their seconds are no measure of a run: the ETA stays unknown.
    assert printed.count("ETA ?") == 3, printed


def test_quiet_native_stderr_drops_tensorflow_start_up_lines_only(capfd):
    with launcher_lib.quiet_native_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called\n")
        os.write(2, b"I0000 00:00:1796155375.042062 8836 cudart_stub.cc:31] no cuda\n")
        os.write(2, b"E0000 00:00:1796155378.996147 8836 cuda_platform.cc:52] cuInit\n")
        os.write(2, b"Traceback: a real error\n")
    assert capfd.readouterr().err == "Traceback: a real error\n"
    env = launcher_lib.quiet_environment({"PATH": "/bin"})
    assert env == {"PATH": "/bin", "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


def _start_run(folder, args, env, options=()):
    os.makedirs(folder, exist_ok=True)
    flags_text = "\n".join(args + ["--epochs=4", "--steps_per_epoch=40", "--seed=5"])
    run_dir.write_text(os.path.join(folder, "flags.txt"), flags_text + "\n")
    return subprocess.Popen(
        [
            sys.executable,
            RUN_ONE,
            f"--flagfile={folder}/flags.txt",
            f"--run_dir={folder}",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _kill_when(targets):
    """SIGKILLs each `(process, folder, n)` once `folder` holds n checkpoints."""
    deadline = time.time() + 120
    waiting = list(targets)
    while waiting:
        for process, folder, n in list(waiting):
            assert process.poll() is None, process.stdout.read()
            if len(run_dir.checkpoints(folder)) >= n:
                process.send_signal(signal.SIGKILL)
                process.wait()
                waiting.remove((process, folder, n))
        assert time.time() < deadline, "no checkpoints within 120 s"
        time.sleep(0.05)
    for _, folder, _ in targets:
        assert not os.path.exists(os.path.join(folder, "summary.json"))


def _assert_same_end(final, expected):
    """Two runs' final metrics agree: exactly, except float32 loss means.

    The evaluation metrics are functions of the final weights and must match
    bit for bit. The epoch means of the training losses are float32 sums over
    steps that TensorFlow's CPU kernels do not keep bit-stable from process
    to process (CI once saw the combined `loss` one ulp apart, 2.0384519 vs
    2.0384521, with d_loss, g_loss and every evaluation metric identical):
    they match to float32 precision.
    """
    assert sorted(final) == sorted(expected)
    losses = [k for k in expected if k.endswith("loss")]
    assert {"loss", "d_loss", "g_loss"} <= set(losses)
    assert {k: v for k, v in final.items() if k not in losses} == {
        k: v for k, v in expected.items() if k not in losses}
    for key in losses:
        assert final[key] == pytest.approx(expected[key], rel=1e-6, abs=1e-6), key


@pytest.mark.slow
def test_killed_runs_resume_exactly_from_the_latest_or_the_last_intact_checkpoint(
    tmp_path, tiny_ring_args, python_env
):
    killed, damaged = str(tmp_path / "killed"), str(tmp_path / "damaged")
    control = str(tmp_path / "control")
    # An uninterrupted run with the same flags, trained alongside. The
    # second killed run is killed with two checkpoints, then its newest is
    # cut short (a full disk, a copy interrupted): it must fall back to the
    # one before.
    control_process = _start_run(control, tiny_ring_args, python_env)
    _kill_when(
        [(_start_run(killed, tiny_ring_args, python_env), killed, 1),
         (_start_run(damaged, tiny_ring_args, python_env), damaged, 2)]
    )
    epochs_done, _ = run_dir.latest_checkpoint(killed)
    assert epochs_done < 4
    (newest, newest_path), (previous, _) = run_dir.checkpoints(damaged)[:2]
    with open(newest_path, "r+b") as f:
        f.truncate(os.path.getsize(newest_path) // 2)

    resumed = [_start_run(f, tiny_ring_args, python_env) for f in (killed, damaged)]
    outputs = [p.communicate(timeout=180)[0] for p in resumed]
    for p, output in zip(resumed, outputs):
        assert p.returncode == 0, output
    assert f"(epoch {epochs_done})" in outputs[0]
    assert "is damaged" in outputs[1] and f"(epoch {previous})" in outputs[1]
    control_output, _ = control_process.communicate(timeout=180)
    assert control_process.returncode == 0, control_output

    expected = run_dir.read_json(os.path.join(control, "summary.json"))["final"]
    for folder, start in ((killed, epochs_done), (damaged, previous)):
        summary = run_dir.read_json(os.path.join(folder, "summary.json"))
        assert summary["resumed_from_epoch"] == start
        assert summary["epochs_completed"] == 4 and summary["steps_completed"] == 160
        records = run_dir.read_jsonl(os.path.join(folder, "metrics.jsonl"))
        assert [r["epoch"] for r in records] == [1, 2, 3, 4]
        assert not os.path.exists(os.path.join(folder, "checkpoints"))
        # Weights, optimizer state, random streams and the data position were
        # all restored: the resumed run ends exactly where the unbroken one does.
        _assert_same_end(summary["final"], expected)
        assert summary["seed"] == 5 and summary["flags"]["d_steps"] == 1
    damage = run_dir.read_json(os.path.join(damaged, "summary.json"))["damaged_checkpoints"]
    assert [d["epoch"] for d in damage] == [newest]
    assert os.path.exists(damage[0]["moved_to"])
    assert run_dir.read_json(os.path.join(killed, "summary.json"))["damaged_checkpoints"] == []


@pytest.mark.slow
def test_steps_per_execution_changes_no_result_even_when_a_run_resumes_with_another_value(
    tmp_path, tiny_ring_args, python_env
):
    control, blocked = str(tmp_path / "control"), str(tmp_path / "blocked")
    control_process = _start_run(control, tiny_ring_args, python_env)
    _kill_when([(_start_run(blocked, tiny_ring_args, python_env,
                            ["--steps_per_execution=20"]), blocked, 1)])
    resumed = _start_run(blocked, tiny_ring_args, python_env, ["--steps_per_execution=8"])
    output = resumed.communicate(timeout=180)[0]
    assert resumed.returncode == 0, output
    assert "Resuming from" in output
    control_output = control_process.communicate(timeout=180)[0]
    assert control_process.returncode == 0, control_output
    summaries = [run_dir.read_json(os.path.join(f, "summary.json")) for f in (control, blocked)]
    assert summaries[1]["steps_completed"] == summaries[0]["steps_completed"] == 160
    _assert_same_end(summaries[1]["final"], summaries[0]["final"])
    # The speed setting is not a flag of the run: resuming with another
    # value is the same run.
    assert "steps_per_execution" not in summaries[1]["flags"]


def test_launcher_passes_steps_per_execution_to_each_run(tmp_path, run_flag_names):
    runs = plan.plan_study("s", [], variations_lib.parse_variations(["baseline"], run_flag_names),
                           [0], ["ring"])
    command = launcher_lib.Launcher(runs, str(tmp_path), steps_per_execution=10).command(runs[0])
    assert "--steps_per_execution=10" in command
    assert "--steps_per_execution=1" in launcher_lib.Launcher(runs, str(tmp_path)).command(runs[0])


def test_parallel_runs_share_the_cores_instead_of_each_taking_all(tmp_path, run_flag_names):
    assert launcher_lib.default_threads(2, cores=2) == 1
    assert launcher_lib.default_threads(2, cores=16) == 8
    assert launcher_lib.default_threads(3, cores=16) == 5
    assert launcher_lib.default_threads(4, cores=2) == 1  # Never 0 threads.
    assert launcher_lib.default_threads(1, cores=16) == 0  # Alone: TensorFlow's default.
    runs = plan.plan_study("s", [], variations_lib.parse_variations(["baseline"], run_flag_names),
                           [0], ["ring"])
    cores = len(os.sched_getaffinity(0))
    command = launcher_lib.Launcher(runs, str(tmp_path), parallel=2).command(runs[0])
    assert f"--threads={max(1, cores // 2)}" in command
    assert "--threads=0" in launcher_lib.Launcher(runs, str(tmp_path), parallel=1).command(runs[0])
    assert "--threads=3" in launcher_lib.Launcher(runs, str(tmp_path), threads=3).command(runs[0])


def test_launchers_training_into_one_folder_share_the_cores(
    tmp_path, run_flag_names, monkeypatch
):
    monkeypatch.setattr(launcher_lib, "available_cores", lambda: 12)
    runs = plan.plan_study("s", [], variations_lib.parse_variations(["baseline"], run_flag_names),
                           [0], ["ring"])
    first = launcher_lib.Launcher(runs, str(tmp_path), parallel=1)
    second = launcher_lib.Launcher(runs, str(tmp_path), parallel=2)
    pinned = launcher_lib.Launcher(runs, str(tmp_path), parallel=1, threads=3)
    marks = tmp_path / launcher_lib.LAUNCHERS_DIR
    with launcher_lib.Presence(str(tmp_path), 1) as first._presence:
        assert first._presence.others() == 0
        assert "--threads=0" in first.command(runs[0])  # Alone: TensorFlow's default.
        with launcher_lib.Presence(str(tmp_path), 2) as second._presence:
            assert len(os.listdir(marks)) == 2
            assert first._presence.others() == 2 and second._presence.others() == 1
            # 1 + 2 runs at a time on 12 cores: 4 threads each, not 12 + 6.
            assert "--threads=4" in first.command(runs[0])
            assert "--threads=4" in second.command(runs[0])
            with launcher_lib.Presence(str(tmp_path), 1) as pinned._presence:
                assert "--threads=3" in pinned.command(runs[0])  # --threads=K is kept.
                assert "--threads=3" in first.command(runs[0])  # 12 // (1 + 2 + 1)
        assert first._presence.others() == 0
        assert "--threads=0" in first.command(runs[0])
    assert not marks.exists()  # The last launcher out removes the folder.


def test_a_dead_launchers_mark_is_not_counted_and_is_removed(tmp_path):
    marks = tmp_path / launcher_lib.LAUNCHERS_DIR
    marks.mkdir()
    (marks / "4194304").write_text("2\n")  # Unlocked: its launcher died.
    (marks / ".tmpabc").write_text("5\n")  # Another launcher's mark being written.
    with launcher_lib.Presence(str(tmp_path), 1) as presence:
        assert presence.others() == 0
        assert sorted(os.listdir(marks)) == sorted([".tmpabc", os.path.basename(presence.path)])
        assert presence.path.startswith(str(marks / f"{os.getpid()}."))
        assert (marks / os.path.basename(presence.path)).read_text() == "1\n"


def test_a_launcher_is_marked_while_it_trains_and_shares_the_cores(
    tmp_path, run_flag_names, monkeypatch
):
    monkeypatch.setattr(launcher_lib, "available_cores", lambda: 2)
    runs = plan.plan_study("s", [], variations_lib.parse_variations(["baseline"], run_flag_names),
                           [0], ["ring"])
    launcher = launcher_lib.Launcher(runs, str(tmp_path), parallel=1)
    seen = {}

    def fake_run(running, pending, copies):
        seen["threads"] = launcher.threads_now()
        seen["marks"] = sorted(os.listdir(tmp_path / launcher_lib.LAUNCHERS_DIR))
        return []

    monkeypatch.setattr(launcher, "_run", fake_run)
    with launcher_lib.Presence(str(tmp_path), 1):
        launcher.run()
    assert len(seen["marks"]) == 2  # The other launcher's mark and its own.
    assert seen["threads"] == 1  # 2 cores // (1 + 1), not TensorFlow's default of 2.
    assert launcher.threads_now() == 0  # Done training: no longer counts others.


def test_a_lone_run_left_to_train_gets_every_core(tmp_path, run_flag_names, monkeypatch):
    # Adding one seed to a study trained 2 at a time used to train it alone
    # on 1 of the 2 cores.
    monkeypatch.setattr(launcher_lib, "available_cores", lambda: 2)
    runs = plan.plan_study("s", [], variations_lib.parse_variations(["baseline"], run_flag_names),
                           [0, 1, 2], ["ring"])
    to_copy = {runs[0].name}  # Held finished by a --reuse_from folder: not trained.
    monkeypatch.setattr(launcher_lib, "reuse_source",
                        lambda spec, *_: "elsewhere" if spec.name in to_copy else None)
    seen = {}

    def launch(launcher):
        def fake_run(running, pending, copies):
            seen["threads"] = launcher.threads_now()
            seen["mark"] = [(tmp_path / launcher_lib.LAUNCHERS_DIR / name).read_text()
                            for name in os.listdir(tmp_path / launcher_lib.LAUNCHERS_DIR)]
            return []
        monkeypatch.setattr(launcher, "_run", fake_run)
        launcher.run()
        return seen["threads"], seen["mark"]

    # Two to train (one copied): both cores shared, one thread each.
    assert launch(launcher_lib.Launcher(runs, str(tmp_path), parallel=2)) == (1, ["2\n"])
    # One to train: TensorFlow's default (every core), and other launchers
    # on the folder count it as one run, not two.
    to_copy.add(runs[1].name)
    assert launch(launcher_lib.Launcher(runs, str(tmp_path), parallel=2)) == (0, ["1\n"])
    # --threads=K is kept.
    assert launch(launcher_lib.Launcher(runs, str(tmp_path), parallel=2, threads=1))[0] == 1


def test_a_run_whose_epoch_is_not_whole_blocks_fails_before_training(
    tmp_path, tiny_ring_args, python_env
):
    folder = str(tmp_path / "run")
    process = _start_run(folder, tiny_ring_args, python_env, ["--steps_per_execution=16"])
    output = process.communicate(timeout=120)[0]
    assert process.returncode != 0
    assert "--steps_per_execution=16 does not divide the 40 steps" in output
    assert not run_dir.checkpoints(folder)
    assert not os.path.exists(os.path.join(folder, "metrics.jsonl"))


def test_run_one_refuses_a_run_another_process_holds(tmp_path, tiny_ring_args, python_env):
    folder = str(tmp_path / "seed_0")
    lock = run_dir.RunLock(folder)
    assert lock.acquire()
    process = _start_run(folder, tiny_ring_args, python_env)
    output, _ = process.communicate(timeout=120)
    lock.release()
    assert process.returncode == launcher_lib.LOCKED_EXIT_CODE, output
    assert f"another process (pid {os.getpid()}) is training this run" in output
    assert not os.path.exists(os.path.join(folder, "checkpoints"))


def test_an_older_flags_txt_without_a_new_flag_at_its_default_still_matches(
    tmp_path, run_flag_names
):
    variations = variations_lib.parse_variations(["a:d_steps=2"], run_flag_names)
    (spec,) = plan.plan_study("s", [], variations, [0], ["ring"])
    folder = spec.run_dir(str(tmp_path))
    lines = spec.flags_text.splitlines()
    assert "--d_steps=2" in lines and "--g_steps=1" in spec.default_lines
    # Written before --g_steps existed: the run trained with its default.
    older = "".join(line + "\n" for line in lines if line != "--g_steps=1")
    _touch(os.path.join(folder, "flags.txt"), older)
    _touch(os.path.join(folder, "summary.json"), "{}")
    assert spec.status(str(tmp_path)) == run_dir.FINISHED
    assert run_dir.set_aside_stale(folder, spec.flags_text, spec.default_lines) is None
    # A line that changed, or one the harness no longer has, never matches.
    for text in (older.replace("--d_steps=2", "--d_steps=3"), older + "--removed_flag=1\n",
                 "".join(line + "\n" for line in lines if line != "--d_steps=2")):
        _touch(os.path.join(folder, "flags.txt"), text)
        assert spec.status(str(tmp_path)) == run_dir.FRESH


class _Clock:
    """A stand-in for `RunRecorder`: only its `elapsed` seconds."""

    def __init__(self, elapsed):
        self.elapsed = elapsed


class _Model:
    stop_training = False


def test_time_budget_stops_at_the_first_epoch_end_past_it():
    from benchmarks.harness.trainer import TimeBudget

    clock = _Clock(59.9)
    budget = TimeBudget(clock, 60.0)
    budget.set_model(_Model())
    budget.on_epoch_end(0)
    assert not budget.model.stop_training and budget.stopped_epoch == 0
    clock.elapsed = 60.0
    budget.on_epoch_end(1)
    assert budget.model.stop_training and budget.stopped_epoch == 2 and budget.exhausted


def test_a_run_on_a_time_budget_stops_early_and_says_so(tmp_path, tiny_ring_args):
    from benchmarks.harness import plan
    from benchmarks.harness import trainer

    # 0.0001 minutes: every epoch end is past the budget, so one epoch runs.
    fv, _ = plan.resolve_run_flags(
        tiny_ring_args + ["--epochs=30", "--steps_per_epoch=2", "--time_budget_minutes=0.0001"],
        "v")
    summary = trainer.train_run(fv.flag_values_dict(), str(tmp_path), verbose=0)
    assert summary["epochs_completed"] == 1 and summary["stopped_by_time_budget"]
    records = run_dir.read_jsonl(str(tmp_path / "metrics.jsonl"))
    assert [r["epoch"] for r in records] == [1] and records[0]["elapsed_s"] > 0.006


def test_a_run_with_eval_raw_generator_records_both_generators_scores(tmp_path, tiny_ring_args):
    from benchmarks.harness import plan
    from benchmarks.harness import trainer

    fv, _ = plan.resolve_run_flags(
        tiny_ring_args + ["--epochs=2", "--steps_per_epoch=3", "--ema_decay=0.9",
                          "--eval_raw_generator"], "v")
    summary = trainer.train_run(fv.flag_values_dict(), str(tmp_path), verbose=0)
    final = summary["final"]
    assert {"modes", "high_quality", "mode_kl", "raw_modes", "raw_high_quality",
            "raw_mode_kl"} <= set(final)
    records = run_dir.read_jsonl(str(tmp_path / "metrics.jsonl"))
    assert [r["epoch"] for r in records] == [1, 2] and all("raw_mode_kl" in r for r in records)
    # The values themselves are GANMetrics' (its tests check them against
    # each generator's samples); here: the run passes the flag through.
    assert summary["flags"]["eval_raw_generator"] is True


def test_the_training_stream_shuffles_the_same_whatever_global_seed_ran_before(
        tiny_ring_args):
    import tensorflow as tf

    from benchmarks.harness import build
    from benchmarks.harness import plan

    fv, _ = plan.resolve_run_flags(tiny_ring_args + ["--num_examples=256", "--seed=3"], "v")
    values = fv.flag_values_dict()
    info = build.data_info(values)

    def first_batches(step):
        stream = build.TrainingStream(values, info)
        return [b.numpy() for b in stream.from_step(step).take(6)]

    tf.random.set_seed(None)  # As in a fresh process.
    fresh = first_batches(0)
    # A previous run in this process left a global seed (0 made tf.data fail,
    # any other one changed the order); each stream shuffles as if fresh.
    for previous in (0, 5):
        tf.random.set_seed(previous)
        again = first_batches(0)
        for a, b in zip(fresh, again):
            np.testing.assert_array_equal(a, b)
    # Passes differ from each other (4 batches of 64 per pass of 256 points),
    # and resuming at step 5 sees what the unbroken stream saw there.
    assert not np.array_equal(fresh[0], fresh[4])
    np.testing.assert_array_equal(first_batches(5)[0], fresh[5])


@pytest.mark.parametrize("epochs_done, fresh_stop", [(1, 8), (5, 9), (6, 14), (7, 14)])
def test_a_resumed_early_stopper_continues_the_interrupted_count(epochs_done, fresh_stop):
    """FID evaluated every 2 epochs (carried between), patience 2
    evaluations: an unbroken run stops at epoch 8 (no improvement at 6 and
    8 after the best at 4). Resumed from any checkpoint before, it must stop
    there too; a stopper that starts afresh waits for two more evaluations
    after the resume (or, from epoch 1, happens to agree)."""
    from types import SimpleNamespace

    from benchmarks.harness import build, trainer

    fv, _ = plan.resolve_run_flags(["--dataset=mnist", "--early_stopping_metric=fid",
                                    "--early_stopping_patience=2", "--eval_every_n_epochs=2"])
    values = fv.flag_values_dict()
    evaluated = {0: 10.0, 2: 9.0, 4: 8.0, 6: 8.5, 8: 8.2, 10: 8.1, 12: 8.3, 14: 8.4}

    def stop_epoch(callbacks, start, fid):
        model = SimpleNamespace(stop_training=False)
        for c in callbacks:
            c.set_model(model)
            c.on_train_begin()
        for epoch in range(start, 16):
            fid = evaluated.get(epoch, fid)
            for c in callbacks:
                c.on_epoch_end(epoch, {"fid": fid})
            if model.stop_training:
                return epoch
        return None

    assert stop_epoch([build.early_stopping(values, object())], 0, None) == 8
    # The interrupted attempt's records: its evaluated epochs (1-based).
    records = [{"epoch": e + 1, "fid": v, "is": 1.0} for e, v in evaluated.items()
               if e < epochs_done]
    last = records[-1]["fid"]
    stopper = build.early_stopping(values, object())
    replay = trainer.ContinueEarlyStopping(stopper, records, epochs_done)
    assert [e for e, _ in replay.epoch_logs] == list(range(epochs_done))
    assert stop_epoch([stopper, replay], epochs_done, last) == 8
    assert stop_epoch([build.early_stopping(values, object())], epochs_done, last) == fresh_stop


def test_the_finish_line_says_why_a_run_ended_before_its_last_epoch():
    from benchmarks.harness import trainer

    flags = {"epochs": 40, "early_stopping_metric": "fid", "early_stopping_patience": 2,
             "time_budget_minutes": 30.0}
    summary = {"flags": flags, "epochs_completed": 40, "stopped_early": False,
               "stopped_by_time_budget": False, "wall_time_s": 1823.66,
               "final": {"is": 7.3271, "fid": 46.924}}
    assert trainer.finish_line(summary) == "Finished in 1823.7 s: fid=46.92, is=7.327"
    summary.update(epochs_completed=12, stopped_early=True)
    assert trainer.finish_line(summary).startswith(
        "Finished in 1823.7 s (stopped early after epoch 12 of 40: fid did not improve for "
        "2 evaluations): fid=46.92")
    flags["early_stopping_patience"] = 0  # acts as 1, as the stopper does (build.py)
    assert "fid did not improve for 1 evaluation):" in trainer.finish_line(summary)
    summary.update(stopped_early=False, stopped_by_time_budget=True)
    assert "(stopped after epoch 12 of 40: the time budget of 30 minutes ran out)" in (
        trainer.finish_line(summary))


def test_pseudo_labels_train_a_conditional_model_on_k_means_clusters(tiny_ring_args, tmp_path,
                                                                    monkeypatch):
    """--pseudo_labels=8 on the ring: the 8 clusters are its 8 components
    (std 0.01 on the unit circle), the stream pairs each point with its
    cluster, and the run's model draws generated labels in the clusters'
    shares."""
    from keras_gans import datasets
    from benchmarks.harness import build
    from benchmarks.harness import trainer

    fv, _ = plan.resolve_run_flags(
        tiny_ring_args + ["--model=conditional_gan", "--pseudo_labels=8", "--num_examples=512",
                          "--epochs=1", "--steps_per_epoch=2"], "v")
    values = fv.flag_values_dict()
    info = build.data_info(values)
    assert info.num_classes == 8
    stream = build.TrainingStream(values, info, with_labels=True)
    pairs = list(stream.examples.batch(512).as_numpy_iterator())[0]
    truth = datasets.load("ring", batch_size=512, with_labels=True, shuffle=False,
                          num_examples=512)
    points, components = next(iter(truth.as_numpy_iterator()))
    np.testing.assert_array_equal(pairs[0], points)  # Same points, same order.
    # A bijection between components and cluster ids.
    assert all(len(np.unique(pairs[1][components == c])) == 1 for c in range(8))
    assert len(np.unique(pairs[1])) == 8
    np.testing.assert_allclose(stream.class_prior, np.bincount(pairs[1]) / 512)
    # The record of the clustering: one cluster per component is pure.
    record = dict(stream.pseudo_labels)
    assert 0.0 <= record.pop("seconds") < 30.0  # 512 points: well under a second.
    assert record == {"method": "kmeans", "clusters": 8, "purity": 1.0}
    batch_points, batch_ids = next(iter(stream.from_step(0)))
    assert batch_points.shape == (64, 2) and batch_ids.shape == (64,)

    built, build_model = [], build.build_model
    monkeypatch.setattr(build, "build_model",
                        lambda *args: built.append(build_model(*args)) or built[-1])
    summary = trainer.train_run(values, str(tmp_path), verbose=0)
    assert summary["epochs_completed"] == 1
    np.testing.assert_array_equal(np.load(tmp_path / run_dir.PSEUDO_LABELS_FILE), pairs[1])
    record = run_dir.read_json(str(tmp_path / run_dir.PSEUDO_LABELS_INFO_FILE))
    assert {k: v for k, v in record.items() if k != "seconds"} == {
        "method": "kmeans", "clusters": 8, "purity": 1.0}
    (model,) = built
    assert model.num_classes == 8
    np.testing.assert_allclose(model.class_prior, stream.class_prior)


def test_pseudo_labels_method_reaches_the_clustering(tiny_ring_args, monkeypatch):
    """--pseudo_labels_method=spectral clusters the ring spectrally: the
    stream's ids are those of `cluster_labels(method="spectral")` and the
    call saw that method."""
    from keras_gans import datasets
    from benchmarks.harness import build

    calls, cluster_labels = [], datasets.cluster_labels
    monkeypatch.setattr(datasets, "cluster_labels",
                        lambda *a, **k: calls.append(k) or cluster_labels(*a, **k))
    fv, _ = plan.resolve_run_flags(
        tiny_ring_args + ["--model=conditional_gan", "--pseudo_labels=8", "--num_examples=512",
                          "--pseudo_labels_method=spectral"], "v")
    values = fv.flag_values_dict()
    stream = build.TrainingStream(values, build.data_info(values), with_labels=True)
    points, ids = list(stream.examples.batch(512).as_numpy_iterator())[0]
    assert [k["method"] for k in calls] == ["spectral"]
    expected, _ = cluster_labels(points, 8, seed=values["seed"], method="spectral")
    np.testing.assert_array_equal(ids, expected)


def test_a_run_keeps_its_pseudo_labels_in_its_folder_and_a_resume_reads_them(
        tiny_ring_args, tmp_path):
    from benchmarks.harness import build

    fv, _ = plan.resolve_run_flags(
        tiny_ring_args + ["--model=conditional_gan", "--pseudo_labels=8", "--num_examples=512"],
        "v")
    values = fv.flag_values_dict()
    info = build.data_info(values)
    path = str(tmp_path / run_dir.PSEUDO_LABELS_FILE)
    first = build.TrainingStream(values, info, with_labels=True, labels_path=path)
    ids = np.load(path)
    assert ids.shape == (512,) and ids.dtype == np.int32
    # Another host's k-means might number the clusters otherwise: a resume
    # trains on the file's ids, whatever clustering would give now.
    np.save(path, (ids + 1) % 8)
    resumed = build.TrainingStream(values, info, with_labels=True, labels_path=path)
    pairs = list(resumed.examples.batch(512).as_numpy_iterator())[0]
    np.testing.assert_array_equal(pairs[1], (ids + 1) % 8)
    np.testing.assert_allclose(resumed.class_prior, np.roll(first.class_prior, 1))
    # The clustering's time is the first run's, kept through the resume.
    info_path = str(tmp_path / run_dir.PSEUDO_LABELS_INFO_FILE)
    assert run_dir.read_json(info_path) == first.pseudo_labels
    run_dir.write_json(info_path, {**first.pseudo_labels, "seconds": 57.8})
    resumed = build.TrainingStream(values, info, with_labels=True, labels_path=path)
    assert resumed.pseudo_labels["seconds"] == 57.8
    assert run_dir.read_json(info_path)["seconds"] == 57.8
    # Without the record (a run stopped between the two writes) it is unknown.
    os.remove(info_path)
    resumed = build.TrainingStream(values, info, with_labels=True, labels_path=path)
    assert resumed.pseudo_labels["seconds"] is None
    assert run_dir.read_json(info_path)["seconds"] is None
    # A file that cannot be this run's is refused, with the fix.
    np.save(path, np.arange(512) % 9)
    with pytest.raises(ValueError, match=r"not 512 in \[0, 8\).*Delete it"):
        build.TrainingStream(values, info, with_labels=True, labels_path=path)
