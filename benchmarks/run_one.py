"""Trains one run of a study, in its own process.

    python benchmarks/run_one.py --flagfile=RUN_DIR/flags.txt --run_dir=RUN_DIR

`ablate.py` starts one such process per (variation, seed), after writing
the run's complete flags to `RUN_DIR/flags.txt`, and hands it the run's lock
(`--lock_fd`). Started by hand, it takes the lock itself and refuses to
train a run another process is training. Started again on the same folder,
it resumes from the newest intact end-of-epoch checkpoint; on a finished
run (summary.json present) it does nothing.
"""

import os
import sys

# Run as a script, Python puts benchmarks/ (not the project root) on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import flags as harness_flags  # noqa: E402
from benchmarks.harness import launcher  # noqa: E402
from benchmarks.harness import run_dir as run_dir_lib  # noqa: E402

FLAGS = flags.FLAGS
RUN_FLAG_NAMES = harness_flags.define(FLAGS, harness_flags.RUN_FLAGS)
flags.DEFINE_string("run_dir", None, "The run's output folder.", required=True)
flags.DEFINE_integer(
    "threads", 0, "TensorFlow intra-op threads (0: TensorFlow's default).", lower_bound=0
)
flags.DEFINE_integer(
    "steps_per_execution", 1, "Training steps per compiled call (results are unchanged).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "verbose", 2, "Keras fit verbosity: 1 progress bar, 2 one line per epoch."
)
flags.DEFINE_integer(
    "lock_fd", None, "Inherited descriptor of the run's lock, already held (set by ablate.py)."
)
for _name in RUN_FLAG_NAMES:
    flags.declare_key_flag(_name)  # Listed by --help.


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    run_dir = FLAGS.run_dir
    if os.path.exists(os.path.join(run_dir, run_dir_lib.SUMMARY_FILE)):
        print(f"{run_dir}: already finished.")
        return
    lock = run_dir_lib.RunLock(run_dir, fd=FLAGS.lock_fd)
    if FLAGS.lock_fd is None and not lock.acquire():
        print(
            f"{run_dir}: another process (pid {lock.owner()}) is training this "
            "run; not starting a second copy.",
            flush=True,
        )
        sys.exit(launcher.LOCKED_EXIT_CODE)
    with launcher.quiet_native_stderr():
        from benchmarks.harness import trainer  # Imports TensorFlow.

    values = {name: FLAGS[name].value for name in RUN_FLAG_NAMES}
    summary = trainer.train_run(values, run_dir, threads=FLAGS.threads, verbose=FLAGS.verbose,
                                steps_per_execution=FLAGS.steps_per_execution)
    print(trainer.finish_line(summary), flush=True)
    lock.release()


if __name__ == "__main__":
    app.run(main)
