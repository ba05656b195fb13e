"""Several runs at once: each taking every core, or the cores shared out.

`ablate.py` trains `--parallel` runs at a time, each its own TensorFlow
process. TensorFlow's default gives each process as many threads as the
machine has cores, so two runs on 2 cores ask for 4; the launcher's default
(`launcher.default_threads`, `--threads=0`) gives each `cores // parallel`.
This benchmark trains the same runs both ways, through `ablate.py` itself,
alternating the two `--repeats` times, and prints each run's mean training
time and the ratio, measured in one invocation, and whether each seed
trained to the same final numbers in every setting and repeat (the thread
count can change the order of a float sum, and a GAN's path follows it):

    python benchmarks/parallel_threads.py \\
        --output_json=benchmarks/results/throughput/parallel_threads.json

By default it runs the level studies' DCGAN on MNIST (level1.flags'
baseline, `--parallel` seeds at once) for 2 epochs of 500 steps with one
evaluation of 5,000 samples, as the converged preset does every 1,000
steps: about 5 minutes on 2 cores. Run it on an otherwise idle machine.
The quickstart's runs, as its flagfile trains them:

    python benchmarks/parallel_threads.py \\
        --study_flagfile=benchmarks/configs/quickstart.flags \\
        --variation=he_normal --dataset=ring --epochs=3 \\
        --steps_per_epoch=1000 --eval_num_samples=2500
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

# Run as a script, Python puts benchmarks/ (not the project root) on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import build  # noqa: E402
from benchmarks.harness import launcher as launcher_lib  # noqa: E402
from benchmarks.harness import run_dir as run_dir_lib  # noqa: E402

BENCHMARKS = os.path.dirname(os.path.abspath(__file__))
ABLATE = os.path.join(BENCHMARKS, "ablate.py")

FLAGS = flags.FLAGS


def define_flags():
    """The script's flags, defined when it runs (not on import, where they
    would collide with another benchmark's in the same process)."""
    flags.DEFINE_string("study_flagfile", os.path.join(BENCHMARKS, "configs", "level1.flags"),
                        "Study whose variation is trained.")
    flags.DEFINE_string("variation", "baseline", "The variation of --study_flagfile to train.")
    flags.DEFINE_string("dataset", "mnist", "Dataset of the runs.")
    flags.DEFINE_integer("parallel", 2, "Runs at a time (each a seed of the variation).",
                         lower_bound=2)
    flags.DEFINE_integer("epochs", 2, "Epochs per run.", lower_bound=1)
    flags.DEFINE_integer("steps_per_epoch", 500, "Steps per epoch.", lower_bound=1)
    flags.DEFINE_integer("eval_num_samples", 5000, "Samples of the one evaluation at the end.",
                         lower_bound=1)
    flags.DEFINE_list("steps_per_execution", ["10"], "As ablate.py's; several values "
                      "measure each thread setting with each (it changes no number: "
                      "the final numbers are compared).")
    flags.DEFINE_integer("repeats", 2, "Times each setting is measured, alternating.",
                         lower_bound=1)
    flags.DEFINE_string("output_json", None, "Where to write the results as JSON.")
    flags.DEFINE_string("output_dir", None, "Where the runs go (kept); default a temporary "
                        "folder, removed at the end.")


def settings(parallel, available, steps_per_execution=(10,)):
    """`[(name, threads per run, steps per execution)]`: what TensorFlow's
    default amounts to (every core in each run) and the launcher's default,
    with each of `steps_per_execution` (named when there are several)."""
    threads = [
        ("every core in each run", available),
        ("cores shared out", launcher_lib.default_threads(parallel, available)),
    ]
    return [
        (name if len(steps_per_execution) == 1 else f"{name}, {steps} steps a call",
         count, steps)
        for steps in steps_per_execution for name, count in threads
    ]


def summarize(seconds_by_setting):
    """`{name: [run seconds]}` -> rows `(name, mean, ratio to the
    first setting's mean)`: above 1 is faster than the first."""
    means = {name: statistics.mean(s) for name, s in seconds_by_setting.items()}
    first = next(iter(means.values()))
    return [(name, mean, first / mean) for name, mean in means.items()]


def differing_keys(records):
    """The keys whose values are not the same in every one of `records`
    (final `metrics.jsonl` records of one seed), `elapsed_s` aside: empty
    when the seed trained to the same numbers every time."""
    keys = set().union(*records) - {"elapsed_s"}
    return sorted(k for k in keys if len({repr(r.get(k)) for r in records}) > 1)


def train(output_dir, study, threads, steps_per_execution):
    """Trains the runs once through ablate.py; returns each seed's last
    `metrics.jsonl` record, whose `elapsed_s` is the seconds from the
    start of training to the end of the last evaluation: what a long
    study spends. Not `wall_time_s`, which also counts the end of the run
    (final checkpoint, samples): there one of two runs ending together
    sometimes stalls for 30-60 s (seen in about half the level 1 runs on
    Fashion-MNIST, whatever the threads): under 5% of a 20-minute run,
    but it would swamp a 1,000-step measurement. (On the 2D mixtures the
    stall was tf.data's autotuning thread, about 15 s, now turned off in
    `stream_mixture`; on the image streams its cause is not known.)"""
    seeds = ",".join(str(s) for s in range(FLAGS.parallel))
    command = [
        sys.executable, ABLATE, f"--flagfile={FLAGS.study_flagfile}",
        f"--only_variations={FLAGS.variation}", f"--dataset={FLAGS.dataset}",
        f"--study={study}", f"--output_dir={output_dir}", f"--seeds={seeds}",
        f"--parallel={FLAGS.parallel}", f"--threads={threads}",
        f"--epochs={FLAGS.epochs}", f"--steps_per_epoch={FLAGS.steps_per_epoch}",
        f"--eval_every_n_epochs={FLAGS.epochs}", f"--eval_num_samples={FLAGS.eval_num_samples}",
        f"--steps_per_execution={steps_per_execution}", "--noreport",
    ]
    result = subprocess.run(command, capture_output=True, text=True,
                            env=launcher_lib.quiet_environment())
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    folder = os.path.join(output_dir, f"{study}_{FLAGS.dataset}", FLAGS.variation)
    return [
        run_dir_lib.read_jsonl(os.path.join(folder, f"seed_{s}", run_dir_lib.METRICS_FILE))[-1]
        for s in range(FLAGS.parallel)
    ]


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    available = launcher_lib.available_cores()
    try:
        steps_per_execution = [int(v) for v in FLAGS.steps_per_execution]
    except ValueError:
        steps_per_execution = []
    if not steps_per_execution or min(steps_per_execution) < 1:
        raise app.UsageError("--steps_per_execution takes positive integers, e.g. 10,100; "
                             f"got {','.join(FLAGS.steps_per_execution)!r}.")
    for steps in steps_per_execution:  # Refused here, not after a run.
        try:
            build.check_steps_per_execution(FLAGS.steps_per_epoch, steps)
        except ValueError as err:
            raise app.UsageError(str(err)) from None
    chosen = settings(FLAGS.parallel, available, steps_per_execution)
    seconds_by_setting = {name: [] for name, _, _ in chosen}
    finals_by_seed = [[] for _ in range(FLAGS.parallel)]
    started = time.time()
    with tempfile.TemporaryDirectory() as temporary:
        output_dir = FLAGS.output_dir or temporary
        for repeat in range(FLAGS.repeats):
            for index, (name, threads, steps) in enumerate(chosen):
                finals = train(output_dir, f"t{index}_r{repeat}", threads, steps)
                seconds = [record["elapsed_s"] for record in finals]
                seconds_by_setting[name] += seconds
                for seed, record in enumerate(finals):
                    finals_by_seed[seed].append(record)
                print(f"repeat {repeat + 1}/{FLAGS.repeats}, {name} ({threads} threads): "
                      + ", ".join(f"{s:.1f} s" for s in seconds), flush=True)
    rows = summarize(seconds_by_setting)
    print(f"\n{FLAGS.parallel} runs at a time on {available} cores "
          f"({FLAGS.epochs * FLAGS.steps_per_epoch} steps each, {FLAGS.repeats} repeats):")
    width = max(len(name) for name, _, _ in chosen)
    for (name, mean, ratio), (_, threads, _) in zip(rows, chosen):
        print(f"  {name:{width}s} {threads:2d} threads: {mean:7.1f} s a run  {ratio:.2f}x")
    differing = {seed: keys for seed, records in enumerate(finals_by_seed)
                 if (keys := differing_keys(records))}
    print("Final numbers of each seed the same in every setting and repeat: "
          + ("yes" if not differing else "no (" + "; ".join(
              f"seed {seed}: {', '.join(keys)}" for seed, keys in differing.items()) + ")"))
    if FLAGS.output_json:
        run_dir_lib.write_json(FLAGS.output_json, {
            "device": build.device_description(),
            "cpu_features": build.cpu_features(),
            "cores": available,
            "parallel": FLAGS.parallel,
            "steps": FLAGS.epochs * FLAGS.steps_per_epoch,
            "study_flagfile": os.path.relpath(FLAGS.study_flagfile),
            "seconds": round(time.time() - started, 1),
            "identical_results": not differing,
            "differing_keys": {str(seed): keys for seed, keys in differing.items()},
            "results": [
                {"setting": name, "threads": threads, "steps_per_execution": steps,
                 "run_s": seconds_by_setting[name],
                 "mean_s": mean, "speed_vs_first": ratio}
                for (name, mean, ratio), (_, threads, steps) in zip(rows, chosen)
            ],
        })


if __name__ == "__main__":
    define_flags()
    app.run(main)
