"""Scores a run's saved model again, with the run's own evaluation.

    python benchmarks/rescore.py --flagfile=RUN_DIR/flags.txt --run_dir=RUN_DIR \
        [--checkpoint=PATH] [--json_out=FILE] [--eval_num_samples=N ...]

Loads the newest checkpoint of `RUN_DIR` (or `--checkpoint`, e.g. a copy
kept after the run finished: a finished run deletes its checkpoints) and
evaluates it with the `GANMetrics` callback the run trained with, built
from the same flags: same metrics, extractor, number of samples and latent
seeds. What for:

- new metrics on old runs: a metric added since (such as Stacked MNIST's
  `mode_kl_channels` / `mode_kl_dependence`) is computed for the saved
  model without training again;
- a check: on a checkpoint of an evaluated epoch, every metric the run
  logged in `metrics.jsonl` is reproduced (the table shows both).

Flags after `--flagfile` override the run's, e.g. `--eval_num_samples` for a
larger sample. Prints the table; `--json_out` writes the values as JSON.
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
flags.DEFINE_string("run_dir", None, "The run's folder (for its checkpoints and "
                    "metrics.jsonl).", required=True)
flags.DEFINE_string("checkpoint", None, "A `.keras` checkpoint of the run; default: the "
                    "newest in RUN_DIR/checkpoints.")
flags.DEFINE_string("json_out", None, "Also write the scores here, as JSON.")
for _name in RUN_FLAG_NAMES:
    flags.declare_key_flag(_name)


def find_checkpoint(run_dir, checkpoint=None):
    """`(epochs_done or None, path)` of the checkpoint to score.

    Raises:
        FileNotFoundError: no such checkpoint, saying where it looked.
    """
    if checkpoint:
        if not os.path.isfile(checkpoint):
            raise FileNotFoundError(f"--checkpoint={checkpoint} does not exist.")
        return run_dir_lib.checkpoint_epochs(checkpoint), checkpoint
    found = run_dir_lib.latest_checkpoint(run_dir)
    if found is None:
        raise FileNotFoundError(
            f"No checkpoint in {os.path.join(run_dir, run_dir_lib.CHECKPOINT_DIR)}: a finished "
            "run deletes its checkpoints. Pass --checkpoint=PATH to a copy.")
    return found


def logged_record(run_dir, epochs_done):
    """The `metrics.jsonl` record of the evaluation after `epochs_done`
    epochs, or `{}` when that epoch was not evaluated (or is unknown)."""
    if epochs_done is None:
        return {}
    for record in run_dir_lib.read_jsonl(os.path.join(run_dir, run_dir_lib.METRICS_FILE)):
        if record.get("epoch") == epochs_done:
            return record
    return {}


def table(scores, logged):
    """Markdown: each metric rescored, beside the value the run logged."""
    lines = ["| metric | rescored | logged by the run |", "|---|---|---|"]
    for key, value in scores.items():
        before = logged.get(key)
        lines.append(f"| {key} | {value:.6g} | {'-' if before is None else f'{before:.6g}'} |")
    return "\n".join(lines)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    epochs_done, checkpoint = find_checkpoint(FLAGS.run_dir, FLAGS.checkpoint)
    values = {name: FLAGS[name].value for name in RUN_FLAG_NAMES}
    with launcher.quiet_native_stderr():
        import keras

        from benchmarks.harness import build
    build.configure_runtime(values)
    info = build.data_info(values)
    metrics = build.metrics_callback(values, info)
    if metrics is None:
        raise app.UsageError("The run evaluates nothing (--metrics is empty); pass --metrics.")
    model = keras.saving.load_model(checkpoint)
    metrics.set_model(model)
    scores = {metrics.prefix + k: float(v) for k, v in metrics.evaluate().items()}
    logged = logged_record(FLAGS.run_dir, epochs_done)
    where = f"after {epochs_done} epochs" if epochs_done is not None else "epoch unknown"
    print(f"{checkpoint} ({where}, {values['eval_num_samples']:,} samples):\n")
    print(table(scores, logged))
    if FLAGS.json_out:
        result = {"checkpoint": checkpoint, "epochs_done": epochs_done,
                  "step": logged.get("step"), "eval_num_samples": values["eval_num_samples"],
                  "scores": scores, "logged": {k: logged[k] for k in scores if k in logged}}
        run_dir_lib.write_json(FLAGS.json_out, result)


if __name__ == "__main__":
    app.run(main)
