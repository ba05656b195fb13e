"""Runs a study's runs as subprocesses, a few at a time, with progress and ETA.

Each run is its own `python benchmarks/run_one.py` process: a crash, a
memory leak or a global Keras setting (dtype policy, seeds) cannot leak
into the next run, and a killed run resumes from its own checkpoint.
Console lines of every run are prefixed with its name and copied to its
`log.txt`.
"""

import dataclasses
import os
import re
import subprocess
import sys
import threading
import time

from benchmarks.harness import run_dir as run_dir_lib

RUN_ONE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run_one.py"
)
# TensorFlow's C++ start-up chatter and Python warnings stay in log.txt only.
_NOISE = re.compile(
    r"^(?:[IWE]\d{4} |WARNING: All log messages|.*Warning: |\s+self\.data_adapter"
    r"|.*oneDNN custom operations|.*cuda drivers|.*computation placer"
    r"|.*TF-TRT Warning|.*absl::InitializeLog)"
)


@dataclasses.dataclass
class RunResult:
    """Outcome of one planned run.

    Attributes:
        spec: The `plan.RunSpec`.
        outcome: "skipped" (already finished), "finished", or "failed".
        seconds: Wall time of this attempt (0 when skipped).
        returncode: Exit code of the run process (`None` when skipped).
    """

    spec: object
    outcome: str
    seconds: float = 0.0
    returncode: int = None


def format_duration(seconds):
    """`75` -> `"1m15s"`, `3725` -> `"1h02m"`."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def estimate_remaining(durations, remaining, running_elapsed, parallel):
    """Seconds until the last run ends, from the mean duration so far.

    Args:
        durations: Wall times of the runs trained so far in this study.
        remaining: Runs not started yet.
        running_elapsed: Elapsed seconds of each run in progress.
        parallel: Runs trained at the same time.

    Returns:
        Estimated seconds, or `None` before any run has ended.
    """
    if not durations:
        return None
    mean = sum(durations) / len(durations)
    work = remaining * mean + sum(max(mean - e, 0.0) for e in running_elapsed)
    return work / max(1, min(parallel, remaining + len(running_elapsed)))


def prepare(spec, output_dir):
    """Decides what to do with a run's folder before starting it.

    Returns:
        `run_dir.FINISHED`, `RESUMABLE` or `FRESH`. A folder holding another
        experiment is set aside first (see `run_dir.set_aside_stale`); the
        run's `flags.txt` is written for a fresh or resumable run.
    """
    path = spec.run_dir(output_dir)
    state = run_dir_lib.status(path, spec.flags_text)
    if state == run_dir_lib.FINISHED:
        return state
    moved = run_dir_lib.set_aside_stale(path, spec.flags_text)
    if moved:
        print(f"{spec.name}: flags changed; previous results moved to {moved}")
    run_dir_lib.write_text(os.path.join(path, run_dir_lib.FLAGS_FILE), spec.flags_text)
    return state


class Launcher:
    """Trains planned runs in subprocesses.

    Args:
        runs: List of `plan.RunSpec`.
        output_dir: Root output folder.
        parallel: Runs trained at the same time.
        threads: TensorFlow intra-op threads per run process (0: default).
        run_timeout: Seconds before a run process is killed (0: never).
        python: Interpreter of the run processes.
        echo: Whether run output is printed (always written to log.txt).
    """

    def __init__(
        self,
        runs,
        output_dir,
        parallel=2,
        threads=0,
        run_timeout=0,
        python=sys.executable,
        echo=True,
    ):
        if parallel < 1:
            raise ValueError(f"--parallel must be >= 1; got {parallel}.")
        self.runs = list(runs)
        self.output_dir = output_dir
        self.parallel = parallel
        self.threads = threads
        self.run_timeout = run_timeout
        self.python = python
        self.echo = echo
        self._lock = threading.Lock()

    def command(self, spec):
        """The command line that trains `spec`."""
        path = spec.run_dir(self.output_dir)
        return [
            self.python,
            RUN_ONE,
            f"--flagfile={os.path.join(path, run_dir_lib.FLAGS_FILE)}",
            f"--run_dir={path}",
            f"--threads={self.threads}",
            "--verbose=2",
        ]

    def _print(self, text):
        with self._lock:
            print(text, flush=True)

    def _pump(self, process, prefix, log_path):
        with open(log_path, "a", encoding="utf-8") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if self.echo and not _NOISE.match(line):
                    self._print(f"{prefix} {line.rstrip()}")

    def _start(self, index, env):
        """Starts run `index`; returns `(process, start time, pump thread)`."""
        spec = self.runs[index]
        prefix = f"[{index + 1}/{len(self.runs)} {spec.variation}/seed_{spec.seed}]"
        self._print(f"{prefix} start ({spec.study})")
        process = subprocess.Popen(
            self.command(spec),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        log_path = os.path.join(spec.run_dir(self.output_dir), run_dir_lib.LOG_FILE)
        pump = threading.Thread(
            target=self._pump, args=(process, prefix, log_path), daemon=True
        )
        pump.start()
        return process, time.time(), pump

    def _describe_end(self, spec, code, elapsed):
        if code == 0:
            return f"{spec.name} finished in {format_duration(elapsed)}"
        log_path = os.path.join(spec.run_dir(self.output_dir), run_dir_lib.LOG_FILE)
        return (
            f"{spec.name} failed in {format_duration(elapsed)} (exit code {code}; "
            f"see {log_path})"
        )

    def run(self):
        """Trains every run that is not finished yet.

        On Ctrl-C the run processes are stopped and `KeyboardInterrupt`
        propagates; their checkpoints stay, so the same command resumes them.

        Returns:
            A list of `RunResult`, in plan order.
        """
        running = {}  # index -> (process, start time, pump thread)
        try:
            return self._run(running)
        except KeyboardInterrupt:
            for process, _, _ in running.values():
                process.terminate()
            for process, _, _ in running.values():
                process.wait()
            self._print(
                "Interrupted: finished runs and end-of-epoch checkpoints are "
                "kept; run the same command again to resume."
            )
            raise

    def _run(self, running):
        total = len(self.runs)
        results = [None] * total
        pending = []
        for index, spec in enumerate(self.runs):
            if prepare(spec, self.output_dir) == run_dir_lib.FINISHED:
                results[index] = RunResult(spec, "skipped")
            else:
                pending.append(index)
        done = total - len(pending)
        self._print(
            f"{total} runs: {done} already finished, {len(pending)} to train, "
            f"{self.parallel} at a time."
        )
        durations = []
        study_start = time.time()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        while pending or running:
            while pending and len(running) < self.parallel:
                index = pending.pop(0)
                running[index] = self._start(index, env)
            time.sleep(0.2)
            for index, (process, start, pump) in list(running.items()):
                elapsed = time.time() - start
                if self.run_timeout and elapsed > self.run_timeout:
                    process.kill()  # A no-op if it has just ended.
                code = process.poll()
                if code is None:
                    continue
                pump.join()
                del running[index]
                spec = self.runs[index]
                results[index] = RunResult(
                    spec, "finished" if code == 0 else "failed", elapsed, code
                )
                done += 1
                if code == 0:
                    durations.append(elapsed)
                eta = estimate_remaining(
                    durations,
                    len(pending),
                    [time.time() - s for _, s, _ in running.values()],
                    self.parallel,
                )
                self._print(
                    f"[{done}/{total} done] {self._describe_end(spec, code, elapsed)}; "
                    f"elapsed {format_duration(time.time() - study_start)}, "
                    f"ETA {'?' if eta is None else format_duration(eta)}"
                )
        return results
