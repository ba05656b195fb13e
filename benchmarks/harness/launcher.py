"""Runs a study's runs as subprocesses, a few at a time, with progress and ETA.

Each run is its own `python benchmarks/run_one.py` process: a crash, a
memory leak or a global Keras setting (dtype policy, seeds) cannot leak
into the next run, and a killed run resumes from its own checkpoint.

Runs never collide: before a run starts, the launcher takes the run
folder's lock (`run_dir.RunLock`) and hands it to the run process. A run
whose lock another process holds (a second `ablate.py` on the same output
folder, another shard) is left to that process; once nothing else is left
to do, the launcher waits for it and then skips it if it finished (or
resumes it if its owner died). So two launchers on one folder share the
work, train every run once and both end with the complete set of results.

Console lines of every run are prefixed with its name and copied to its
`log.txt`; TensorFlow's start-up chatter goes to `log.txt` only.
"""

import contextlib
import dataclasses
import errno
import fcntl
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

from benchmarks.harness import plan as plan_lib
from benchmarks.harness import run_dir as run_dir_lib

RUN_ONE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run_one.py"
)
# TensorFlow's C++ start-up lines (absl-formatted, printed before
# TF_CPP_MIN_LOG_LEVEL is read, so the variable alone cannot hide them) and
# library warnings of the run processes.
NOISE = re.compile(
    r"^(?:[IWE]\d{4} |WARNING: All log messages|.*Warning: |\s+self\.data_adapter"
    r"|.*oneDNN custom operations|.*cuda drivers|.*computation placer"
    r"|.*TF-TRT Warning|.*absl::InitializeLog|To enable the following instructions)"
)
# Exit code of a run process that found its lock held (EX_TEMPFAIL).
LOCKED_EXIT_CODE = 75


def quiet_environment(environ=None):
    """The environment of run processes: unbuffered output, TensorFlow's
    INFO and WARNING C++ logs off."""
    env = dict(os.environ if environ is None else environ, PYTHONUNBUFFERED="1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


@contextlib.contextmanager
def quiet_native_stderr():
    """Drops TensorFlow's C++ start-up lines from this process' stderr.

    They are written by native code straight to file descriptor 2, so
    Python's `sys.stderr` cannot filter them: the descriptor is pointed at a
    temporary file for the duration, and every line that is not `NOISE` is
    written back afterwards (errors are kept, and their order).
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines(True):
                if not NOISE.match(line):
                    sys.stderr.write(line)
            sys.stderr.flush()


@dataclasses.dataclass
class RunResult:
    """Outcome of one planned run: "skipped" (finished already, or by another
    process), "copied" (from a `reuse_from` study), "finished" or "failed",
    with this attempt's wall time and exit code; `Launcher.collect` also
    gives "missing" and "busy"."""

    spec: object
    outcome: str
    seconds: float = 0.0
    returncode: int = None


def estimate_remaining(done, pending, running, parallel, estimated=False):
    """Seconds until the last run ends, or `None` when nothing says yet.

    Each run has a weight: its estimated seconds (`plan.estimate`, then
    `estimated`), or 1 for every run. The runs finished so far give the
    seconds per unit of weight (their seconds over their weights: the mean
    duration when the weights are 1, the correction of the estimates
    otherwise; 1 for estimates before any run has ended).

    Args:
        done: `(seconds it took, weight)` of each run finished so far.
        pending: The weight of each run not started.
        running: `(seconds so far, weight)` of each run in progress.
        parallel: Runs at a time.
        estimated: Whether the weights are estimated seconds.
    """
    if done:
        rate = sum(seconds for seconds, _ in done) / max(sum(w for _, w in done), 1e-9)
    elif estimated:
        rate = 1.0
    else:
        return None
    work = rate * sum(pending) + sum(max(rate * w - e, 0.0) for e, w in running)
    return work / max(1, min(parallel, len(pending) + len(running)))


def full_duration(elapsed, summary):
    """What a finished run would have taken from scratch, as a sample for
    `estimate_remaining`: `elapsed` (seconds this attempt took), scaled by
    the epochs it ran when it resumed a checkpoint (`summary`'s
    `epochs_completed` and `resumed_from_epoch`), or `None` when it trained
    no epoch (resumed after its last one). A resumed run's few seconds
    would otherwise shrink the ETA of a long study to a minute."""
    resumed = (summary or {}).get("resumed_from_epoch") or 0
    if not resumed:
        return elapsed
    trained = (summary.get("epochs_completed") or 0) - resumed
    return elapsed * summary["epochs_completed"] / trained if trained > 0 else None


def available_cores():
    """The cores this process may use: its CPU affinity where the platform
    has one, else the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_threads(parallel, cores=None):
    """TensorFlow threads per run process when none are asked for: the
    cores this process may use (`cores`, default `available_cores`) shared
    by the `parallel` runs, at least 1; 0 (TensorFlow's own default, every
    core) for one run at a time. TensorFlow's default in each of two runs
    on 2 cores oversubscribes them: 1 thread each trained the level
    studies' DCGAN 1.15x faster (`benchmarks/parallel_threads.py`)."""
    if parallel <= 1:
        return 0
    return max(1, (cores or available_cores()) // parallel)


# Where each launcher training into an output folder leaves its mark.
LAUNCHERS_DIR = ".launchers"


class Presence:
    """This launcher's mark in its output folder, so that launchers sharing
    the folder share the cores too.

    README's way of splitting a study, two `ablate.py` on one folder, gave
    each run TensorFlow's default (every core) at `--parallel=1`: two runs
    with 2 threads each on 2 cores, which `benchmarks/parallel_threads.py`
    measured 1.15x slower than 1 thread each. Each launcher holds an
    exclusive `flock` on `<output_dir>/.launchers/<pid>.<random>`, a file
    holding its `--parallel`; `others` sums the `--parallel` of the marks
    still locked, and removes those of launchers that died (the kernel
    dropped their lock). A run started before the other launcher came keeps
    its threads.

    Args:
        output_dir: The launcher's output folder.
        parallel: Its runs at a time.
    """

    def __init__(self, output_dir, parallel):
        self.folder = os.path.join(output_dir, LAUNCHERS_DIR)
        self.path = None  # <pid>.<random>, named on entering.
        self.parallel = parallel
        self.fd = None

    def __enter__(self):
        os.makedirs(self.folder, exist_ok=True)
        # Locked and written under a dot name, then renamed into place: no
        # other launcher sees it unlocked (and so removes it as stale) or
        # empty.
        fd, temp = tempfile.mkstemp(prefix=".", dir=self.folder)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{self.parallel}\n".encode())
        self.path = os.path.join(self.folder, f"{os.getpid()}{os.path.basename(temp)}")
        os.replace(temp, self.path)
        self.fd = fd
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(OSError):
            os.remove(self.path)
        os.close(self.fd)
        self.fd = None
        with contextlib.suppress(OSError):
            os.rmdir(self.folder)  # Only when no other launcher is left.

    def others(self):
        """The `--parallel` of the other live launchers on this folder, summed."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return 0
        total = 0
        for name in names:
            path = os.path.join(self.folder, name)
            if name.startswith(".") or path == self.path:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue  # Its launcher has just ended.
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    text = os.read(fd, 32).decode(errors="replace").strip()
                    total += int(text) if text.isdigit() else 1
                else:  # Unlocked: its launcher died without removing it.
                    with contextlib.suppress(OSError):
                        os.remove(path)
            finally:
                os.close(fd)
        return total


def reuse_source(spec, output_dir, reuse_from):
    """The finished run in the study folders `reuse_from` that `spec` can be
    copied from instead of trained (`run_dir.find_finished_run`), or `None`:
    none there, or `spec`'s own folder already holds something of the same
    experiment (finished, resumable, or the log of a run cut short), which
    is kept and finished or trained as usual."""
    if not reuse_from:
        return None
    path = spec.run_dir(output_dir)
    if run_dir_lib.same_flags(path, spec.flags_text, spec.default_lines):
        return None
    return run_dir_lib.find_finished_run(reuse_from, spec.flags_text, spec.default_lines)


# `prepare`'s state of a run it has just copied from a `reuse_from` study.
COPIED = "copied"


def prepare(spec, output_dir, reuse_from=()):
    """Readies a run's folder, under its lock.

    Returns:
        `run_dir.FINISHED`, `RESUMABLE`, `FRESH` or `COPIED`. A folder
        holding another experiment is set aside first
        (`run_dir.set_aside_stale`); then a run that a study folder of
        `reuse_from` holds finished is copied from there (`reuse_source`:
        COPIED, finished now); else the run's `flags.txt` is written for a
        fresh or resumable run.
    """
    path = spec.run_dir(output_dir)
    state = spec.status(output_dir)
    if state == run_dir_lib.FINISHED:
        return state
    moved = run_dir_lib.set_aside_stale(path, spec.flags_text, spec.default_lines)
    if moved:
        print(f"{spec.name}: flags changed; previous results moved to {moved}")
    source = reuse_source(spec, output_dir, reuse_from)
    if source is not None:
        origin = run_dir_lib.copy_finished_run(source, path)
        print(f"{spec.name}: copied from {source} (the same flags; trained as {origin}).")
        return COPIED
    run_dir_lib.write_text(os.path.join(path, run_dir_lib.FLAGS_FILE), spec.flags_text)
    return state


class Stopped(KeyboardInterrupt):
    """A stop signal (SIGTERM) reached the launcher: handled as Ctrl-C is,
    with the signal's number in `signum` for the exit status."""

    def __init__(self, signum):
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


@contextlib.contextmanager
def stop_on_sigterm():
    """Turns SIGTERM into `Stopped` for the duration, so that `kill` (and
    a batch scheduler's stop) ends the run processes and frees their locks
    the way Ctrl-C does, instead of leaving them training unsupervised. A
    launcher started in the background by a shell ignores Ctrl-C's SIGINT,
    so SIGTERM is how such a study is stopped. Only the main thread can set
    a handler; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _read_summary(spec, output_dir):
    """The run's `summary.json`, or `None` if it cannot be read."""
    try:
        return run_dir_lib.read_json(
            os.path.join(spec.run_dir(output_dir), run_dir_lib.SUMMARY_FILE))
    except (OSError, ValueError):
        return None


class Launcher:
    """Trains planned runs in subprocesses.

    Args:
        runs: List of `plan.RunSpec`.
        output_dir: Root output folder.
        parallel: Runs trained at the same time.
        threads: TensorFlow intra- and inter-op threads per run process
            (0: `default_threads` of `parallel`, or of fewer runs when
            fewer are left to train).
        steps_per_execution: Training steps per compiled call of each run.
        run_timeout: Seconds before a run process is killed (0: never).
        python: Interpreter of the run processes.
        echo: Whether run output is printed (always written to log.txt).
        reuse_from: Study folders whose finished runs of the same flags
            are copied instead of trained (`prepare`), e.g. the baseline
            that several studies share.
        estimates: Estimated seconds of each run (`plan.estimate`: 0 for
            those finished or to be copied), which weight the ETA: a
            study's long runs (more D steps, a WGAN) count for what they
            cost; `None` counts every run alike.
    """

    def __init__(self, runs, output_dir, parallel=2, threads=0, run_timeout=0,
                 python=sys.executable, echo=True, steps_per_execution=1, reuse_from=(),
                 estimates=None):
        if parallel < 1:
            raise ValueError(f"--parallel must be >= 1; got {parallel}.")
        self._weights = list(estimates) if estimates else None
        self.reuse_from = tuple(reuse_from)
        self.runs, self.output_dir, self.parallel = list(runs), output_dir, parallel
        self.threads = threads or default_threads(parallel)
        self._asked_threads = threads
        self._at_once = parallel  # Fewer once `settle` knows fewer are left.
        self._presence = None  # A `Presence` while `run` trains.
        self.run_timeout, self.python, self.echo = run_timeout, python, echo
        self.steps_per_execution = steps_per_execution
        self._print_lock = threading.Lock()

    def threads_now(self):
        """TensorFlow threads for the next run: `--threads` where given, else
        the cores shared by this launcher's runs and those of the other
        launchers training into the same folder (`Presence`)."""
        if self._asked_threads or self._presence is None:
            return self.threads
        return default_threads(self._at_once + self._presence.others())

    def command(self, spec, lock_fd=None, threads=None):
        """The command line that trains `spec` (with `threads`, default
        `threads_now`)."""
        path = spec.run_dir(self.output_dir)
        threads = self.threads_now() if threads is None else threads
        command = [self.python, RUN_ONE, f"--flagfile={os.path.join(path, run_dir_lib.FLAGS_FILE)}",
                   f"--run_dir={path}", f"--threads={threads}",
                   f"--steps_per_execution={self.steps_per_execution}", "--verbose=2"]
        return command + ([f"--lock_fd={lock_fd}"] if lock_fd is not None else [])

    def _print(self, text):
        with self._print_lock:
            print(text, flush=True)

    def _pump(self, process, prefix, log_path):
        with open(log_path, "a", encoding="utf-8") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if self.echo and not NOISE.match(line):
                    self._print(f"{prefix} {line.rstrip()}")

    def _start(self, index, lock):
        """Starts run `index` holding `lock`: `(process, start, pump, lock)`."""
        spec = self.runs[index]
        prefix = f"[{index + 1}/{len(self.runs)} {spec.variation}/seed_{spec.seed}]"
        threads = self.threads_now()
        shared = ""
        if threads != self.threads:
            shared = (f"; {threads} TensorFlow thread{'s' if threads > 1 else ''}: "
                      "other launchers are training into this folder")
        self._print(f"{prefix} start ({spec.study}{shared})")
        process = subprocess.Popen(self.command(spec, lock.fd, threads), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True,
                                   env=quiet_environment(), pass_fds=(lock.fd,))
        log_path = os.path.join(spec.run_dir(self.output_dir), run_dir_lib.LOG_FILE)
        pump = threading.Thread(target=self._pump, args=(process, prefix, log_path), daemon=True)
        pump.start()
        return process, time.time(), pump, lock

    def run(self):
        """Trains every run that is not finished yet.

        On Ctrl-C or SIGTERM the run processes are stopped and
        `KeyboardInterrupt` (`Stopped` for SIGTERM) propagates; their
        checkpoints stay, so the same command resumes them.

        Returns:
            A list of `RunResult`, in plan order.
        """
        running = {}  # index -> (process, start time, pump thread, lock)
        pending, copies = self.settle()
        try:
            with stop_on_sigterm(), Presence(self.output_dir, self._at_once) as presence:
                self._presence = presence
                try:
                    return self._run(running, pending, copies)
                finally:
                    self._presence = None
        except KeyboardInterrupt:
            for process, _, _, _ in running.values():
                process.terminate()
            for process, _, _, lock in running.values():
                process.wait()
                lock.release()
            self._print(
                "Interrupted: finished runs and end-of-epoch checkpoints are "
                "kept; run the same command again to resume."
            )
            raise

    def collect(self):
        """Trains nothing: copies each run not finished in the output folder
        from the `reuse_from` folder that holds it finished (`prepare`), e.g.
        a study's shards trained on other machines, into one folder.

        A run with nothing to copy is left untouched (no folder or
        `flags.txt` is written for it), and so is one another process is
        training.

        Returns:
            A list of `RunResult`, in plan order: "skipped" (finished here
            already), "copied", "missing" (finished nowhere in
            `reuse_from`) or "busy" (locked by another process).
        """
        results = []
        for spec in self.runs:
            path = spec.run_dir(self.output_dir)
            if spec.status(self.output_dir) == run_dir_lib.FINISHED:
                results.append(RunResult(spec, "skipped"))
                continue
            if reuse_source(spec, self.output_dir, self.reuse_from) is None:
                results.append(RunResult(spec, "missing"))
                continue
            lock = run_dir_lib.RunLock(path)
            if not lock.acquire():
                self._print(f"{spec.name}: another process (pid {lock.owner()}) is "
                            "training it; not copied.")
                results.append(RunResult(spec, "busy"))
                continue
            try:
                state = prepare(spec, self.output_dir, self.reuse_from)
            finally:
                lock.release()
            results.append(RunResult(spec, "copied" if state == COPIED else "skipped"))
        counts = {o: sum(r.outcome == o for r in results)
                  for o in ("copied", "skipped", "missing", "busy")}
        self._print(f"{len(results)} runs: {counts['copied']} copied, {counts['skipped']} "
                    f"already here, {counts['missing']} finished in no --reuse_from folder"
                    + (f", {counts['busy']} being trained here" if counts["busy"] else "")
                    + ".")
        missing = [r.spec.name for r in results if r.outcome == "missing"]
        if missing:
            self._print("Not finished anywhere yet: " + ", ".join(missing))
        return results

    def _claim(self, index, results, announced):
        """Takes run `index`'s lock and prepares it.

        Returns:
            The held `RunLock` to train under, or `None`: finished (recorded
            in `results`) or owned by another process (to retry later).
        """
        spec = self.runs[index]
        lock = run_dir_lib.RunLock(spec.run_dir(self.output_dir))
        if not lock.acquire():
            if index not in announced:
                announced.add(index)
                self._print(
                    f"{spec.name}: another process (pid {lock.owner()}) is training "
                    "it; waiting for it before reporting."
                )
            return None
        state = prepare(spec, self.output_dir, self.reuse_from)
        if state in (run_dir_lib.FINISHED, COPIED):
            lock.release()
            results[index] = RunResult(spec, "copied" if state == COPIED else "skipped")
            if index in announced:
                self._print(f"{spec.name}: finished by the other process.")
            return None
        return lock

    def settle(self):
        """Reads which runs are left (`_left`) and sets the runs at a time
        (`at_once`) and the default threads from them; returns `(pending,
        copies)`. A lone run left to train (one seed added to a study, a
        resumed straggler) gets every core, not the 1/parallel share that 2
        runs at a time would each get; runs to copy do not count."""
        pending, copies = self._left()
        self._at_once = max(1, min(self.parallel, len(pending) - copies))
        if not self._asked_threads:
            self.threads = default_threads(self._at_once)
        return pending, copies

    @property
    def at_once(self):
        """Runs trained at a time: `parallel`, or fewer once `settle` knows
        fewer are left to train."""
        return self._at_once

    def _left(self):
        """`(pending, copies)`: the indices of the runs not finished here, and
        how many of them `--reuse_from` holds finished (to copy, not train)."""
        pending = [index for index, spec in enumerate(self.runs)
                   if spec.status(self.output_dir) != run_dir_lib.FINISHED]
        copies = sum(reuse_source(self.runs[index], self.output_dir, self.reuse_from) is not None
                     for index in pending)
        return pending, copies

    def _run(self, running, pending, copies):
        """Trains `pending` (`_left`, read once by `run`), `copies` of them
        copied instead."""
        total = len(self.runs)
        left = set(pending)
        results = [None if index in left else RunResult(spec, "skipped")
                   for index, spec in enumerate(self.runs)]
        copied = f"{copies} to copy from --reuse_from, " if self.reuse_from else ""
        weight = (lambda i: self._weights[i]) if self._weights else (lambda i: 1.0)
        ahead = ""
        if self._weights:  # Copies are estimated at 0 s.
            first = estimate_remaining([], [weight(i) for i in pending], [], self._at_once, True)
            ahead = f"; about {plan_lib.format_duration(first)} (estimated)"
        self._print(
            f"{total} runs: {total - len(pending)} already finished, {copied}"
            f"{len(pending) - copies} to train, {self._at_once} at a time"
            + (f" ({self.threads} TensorFlow thread{'s' if self.threads > 1 else ''} each)"
               if self.threads else "") + ahead + "."
        )
        durations = []
        announced = set()
        study_start = time.time()
        while pending or running:
            for index in list(pending):
                if len(running) >= self.parallel:
                    break
                lock = self._claim(index, results, announced)
                if lock is not None:
                    running[index] = self._start(index, lock)
                if lock is not None or results[index] is not None:
                    pending.remove(index)
            time.sleep(0.2)
            for index, (process, start, pump, lock) in list(running.items()):
                elapsed = time.time() - start
                if self.run_timeout and elapsed > self.run_timeout:
                    process.kill()  # A no-op if it has just ended.
                code = process.poll()
                if code is None:
                    continue
                pump.join()
                lock.release()
                del running[index]
                spec = self.runs[index]
                if code == LOCKED_EXIT_CODE:  # Lost a race it cannot lose; retry.
                    pending.append(index)
                    continue
                outcome = "finished" if code == 0 else "failed"
                results[index] = RunResult(spec, outcome, elapsed, code)
                if code == 0:
                    sample = full_duration(elapsed, _read_summary(spec, self.output_dir))
                    # (A run estimated at 0 s, finished or copied when
                    # planned, says nothing about the estimates' scale.)
                    if sample is not None and weight(index) > 0:
                        durations.append((sample, weight(index)))
                eta = estimate_remaining(
                    durations, [weight(i) for i in pending],
                    [(time.time() - s, weight(i)) for i, (_, s, _, _) in running.items()],
                    self._at_once, estimated=self._weights is not None)
                done = sum(r is not None for r in results)
                self._print(
                    f"[{done}/{total} done] {self._describe_end(spec, code, elapsed)}; "
                    f"elapsed {plan_lib.format_duration(time.time() - study_start)}, "
                    f"ETA {'?' if eta is None else plan_lib.format_duration(eta)}"
                )
        return results

    def _describe_end(self, spec, code, elapsed):
        took = plan_lib.format_duration(elapsed)
        if code == 0:
            return f"{spec.name} finished in {took}"
        log_path = os.path.join(spec.run_dir(self.output_dir), run_dir_lib.LOG_FILE)
        return f"{spec.name} failed in {took} (exit code {code}; see {log_path})"
