"""Trains one run of a study, in its own process.

    python benchmarks/run_one.py --flagfile=RUN_DIR/flags.txt --run_dir=RUN_DIR

`ablate.py` starts one such process per (variation, seed), after writing
the run's complete flags to `RUN_DIR/flags.txt`. Started again on the same
folder, it resumes from the latest end-of-epoch checkpoint; on a finished
run (summary.json present) it does nothing.
"""

import os
import sys

# Run as a script, Python puts benchmarks/ (not the project root) on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import run_dir as run_dir_lib  # noqa: E402
from benchmarks.harness import run_flags  # noqa: E402

FLAGS = flags.FLAGS
RUN_FLAG_NAMES = run_flags.define_run_flags(FLAGS)
flags.DEFINE_string("run_dir", None, "The run's output folder.", required=True)
flags.DEFINE_integer(
    "threads", 0, "TensorFlow intra-op threads (0: TensorFlow's default)."
)
flags.DEFINE_integer(
    "verbose", 2, "Keras fit verbosity: 1 progress bar, 2 one line per epoch."
)
for _name in RUN_FLAG_NAMES:
    flags.declare_key_flag(_name)  # Listed by --help.


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    run_dir = FLAGS.run_dir
    summary_path = os.path.join(run_dir, run_dir_lib.SUMMARY_FILE)
    if os.path.exists(summary_path):
        print(f"{run_dir}: already finished.")
        return
    from benchmarks.harness import trainer

    values = {name: FLAGS[name].value for name in RUN_FLAG_NAMES}
    defaults = {name: FLAGS[name].default for name in RUN_FLAG_NAMES}
    summary = trainer.train_run(
        values, run_dir, defaults, threads=FLAGS.threads, verbose=FLAGS.verbose
    )
    final = ", ".join(f"{k}={v:.4g}" for k, v in sorted(summary["final"].items()))
    print(f"Finished in {summary['wall_time_s']:.1f} s: {final}", flush=True)


if __name__ == "__main__":
    app.run(main)
