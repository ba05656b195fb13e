"""Runs an ablation study: every variation x seed, one process each, then a report.

    python benchmarks/ablate.py --flagfile=benchmarks/configs/quickstart.flags

A study is a flagfile: base values of the per-run flags (model, tricks,
networks, data, optimizers, budget, evaluation), the seeds, and named
variations over the base:

    --variation=baseline
    --variation=label_smoothing:real_label=0.9
    --variation=d_steps_3:d_steps=3,d_optimizer=sgd

Any flag given after the flagfile overrides it (e.g. `--dataset=fashion_mnist`,
`--seeds=0`, `--epochs=1`). A value may contain commas (`metrics=fid,kid`):
a comma starts a new pair only when `flag=` follows it. Unknown flags, bad
values and malformed variations fail before any run starts, and every
distinct configuration is built once (networks, model, optimizers) so that
whatever the library refuses is refused then too. `--dry_run` prints the
plan and its estimated time. Results go to
`--output_dir/<study>_<dataset>/<variation>/seed_<k>/`; re-running the same
command skips finished runs and resumes interrupted ones from their last
intact end-of-epoch checkpoint. Each run folder is locked while a process
trains it, so two `ablate.py` on one folder (or shards sharing it) share the
work. The report (`report.md`, `results.csv`, figures) is written into the
study folder and its table printed at the end.
"""

import os
import sys

# Run as a script, Python puts benchmarks/ (not the project root) on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import flags as harness_flags  # noqa: E402
from benchmarks.harness import plan as plan_lib  # noqa: E402

FLAGS = flags.FLAGS
RUN_FLAG_NAMES = harness_flags.define(FLAGS, harness_flags.RUN_FLAGS)
STUDY_FLAG_NAMES = harness_flags.define(FLAGS, harness_flags.STUDY_FLAGS)
# Key flags of the main module are the ones `--help` lists.
for _name in STUDY_FLAG_NAMES + RUN_FLAG_NAMES:
    flags.declare_key_flag(_name)


def parse_flags(argv):
    """absl's parser, with unknown flags reported with suggestions and the
    list of valid names, and bad values with the flag named."""
    try:
        return FLAGS(argv)
    except flags.UnrecognizedFlagError as err:
        name = err.flagname
        suggestion = harness_flags.suggest(name, RUN_FLAG_NAMES + STUDY_FLAG_NAMES)
        sys.stderr.write(
            f"ablate.py: unknown flag --{name}.{suggestion}\n"
            f"Valid run flags: {', '.join(sorted(RUN_FLAG_NAMES))}.\n"
            f"Valid study flags: {', '.join(sorted(STUDY_FLAG_NAMES))}.\n"
        )
        sys.exit(2)
    except flags.Error as err:
        sys.stderr.write(f"ablate.py: {err}\nRun with --helpfull for every flag.\n")
        sys.exit(2)


def study_name(argv):
    """--study, else the last flagfile's base name, else "study"."""
    if FLAGS.study:
        return FLAGS.study
    flagfiles = [a.split("=", 1)[1] for a in argv if a.startswith("--flagfile=")]
    if flagfiles:
        return os.path.splitext(os.path.basename(flagfiles[-1]))[0]
    return "study"


def plan(argv):
    """Flags -> (all runs, this shard's runs, the study's variation names,
    baseline). The names are every variation the study declares, in its
    order, also those `--only_variations`/`--skip_variations` leave out of
    this command: `study.json` records the whole study, so a baseline
    skipped by the first command (copied or trained later) still heads
    the report."""
    if FLAGS.copy_only and not FLAGS.reuse_from:
        raise ValueError(
            "--copy_only copies finished runs from the study folders of --reuse_from: "
            "give them, e.g. --reuse_from=/mnt/machine_b/results/level2_20k_mnist.")
    variations = harness_flags.parse_variations(
        FLAGS.variation, RUN_FLAG_NAMES, STUDY_FLAG_NAMES
    )
    # The baseline belongs to the whole study, not to this command: a
    # command that trains part of it (--only_variations without the
    # baseline, whose runs are done) keeps the study's baseline in
    # study.json instead of needing --baseline moved onto what it trains.
    baseline = FLAGS.baseline or variations[0].name
    every = [v.name for v in variations]
    if baseline not in every:
        raise plan_lib.VariationError(
            f"--baseline={baseline} is not a variation of this study."
            f"{harness_flags.suggest(baseline, every)} Variations: {', '.join(every)}."
        )
    variations = harness_flags.select(
        variations, FLAGS.only_variations, FLAGS.skip_variations
    )
    runs = plan_lib.plan_study(
        study_name(argv),
        plan_lib.base_args(FLAGS, RUN_FLAG_NAMES),
        variations,
        [int(s) for s in FLAGS.seeds],
        FLAGS.datasets or [FLAGS.dataset],
    )
    mine = plan_lib.shard(runs, FLAGS.num_shards, FLAGS.shard_index)
    return runs, mine, every, baseline


def write_study_files(runs, names, baseline):
    """Writes `study.json` (variation order, baseline...) into each study
    folder, under the study's lock, merged with what earlier commands wrote
    there (`merged_study_meta`); returns the study folder names."""
    from benchmarks.harness import report as report_lib
    from benchmarks.harness import run_dir as run_dir_lib

    studies = {}
    for run in runs:
        studies.setdefault(run.study, run.values["dataset"])
    asked = {(r.study, r.variation) for r in runs}
    for study, dataset in studies.items():
        meta = {
            "study": study,
            "dataset": dataset,
            "variations": names,
            # What this command asked to run (after --only/--skip_variations):
            # the family Holm's correction counts, run yet or not.
            "planned": [v for v in names if (study, v) in asked],
            "baseline": baseline,
            "seeds": sorted({r.seed for r in runs if r.study == study}),
            "published": FLAGS.published,
            "command": " ".join(sys.argv),
        }
        if FLAGS.copy_only:
            # The commands that trained what it collects, then this one;
            # `command` stays the one that trains (what a reader reruns).
            trained = _source_commands(study)
            meta["commands"] = trained + [meta["command"]]
            meta["command"] = trained[-1] if trained else meta["command"]
        directory = os.path.join(FLAGS.output_dir, study)
        path = os.path.join(directory, report_lib.STUDY_FILE)
        with run_dir_lib.RunLock(directory):
            try:
                previous = run_dir_lib.read_json(path)
            except (OSError, ValueError):
                previous = None  # none yet, or cut short: this command's alone
            run_dir_lib.write_json(path, report_lib.merged_study_meta(previous, meta))
    return list(studies)


def _source_commands(study):
    """The commands recorded by the `--reuse_from` folders' `study.json`
    files of `study`, in order, each once."""
    from benchmarks.harness import report as report_lib
    from benchmarks.harness import run_dir as run_dir_lib

    commands = []
    for folder in FLAGS.reuse_from:
        try:
            meta = run_dir_lib.read_json(os.path.join(folder, report_lib.STUDY_FILE))
        except (OSError, ValueError):
            continue
        if meta.get("study") == study:
            commands += meta.get("commands", [meta["command"]] if "command" in meta else [])
    return list(dict.fromkeys(commands))


def copy_sources(mine):
    """Run name -> the `--reuse_from` run folder it would be copied from."""
    from benchmarks.harness import launcher as launcher_lib
    from benchmarks.harness import run_dir as run_dir_lib

    sources = {}
    for run in mine:
        if run.status(FLAGS.output_dir) != run_dir_lib.FINISHED:
            source = launcher_lib.reuse_source(run, FLAGS.output_dir, FLAGS.reuse_from)
            if source is not None:
                sources[run.name] = source
    return sources


def print_plan(runs, mine, costs, launcher):
    from benchmarks.harness import run_dir as run_dir_lib

    sources = copy_sources(mine)
    # The runs at a time and threads the real start would use, and what is left.
    pending, _ = launcher.settle()
    if FLAGS.copy_only:  # Nothing trains: no cost to estimate.
        per_run, total = [(0.0, "")] * len(mine), 0.0
    else:
        per_run, total = plan_lib.estimate(mine, costs, FLAGS.output_dir, FLAGS.parallel,
                                           copies=sources)
    print(
        f"{len(runs)} runs planned, {len(mine)} in shard {FLAGS.shard_index} of "
        f"{FLAGS.num_shards}, {launcher.at_once} at a time:"
    )
    for run, (seconds, source) in zip(mine, per_run):
        state = run.status(FLAGS.output_dir)
        if state == run_dir_lib.FINISHED:
            cost = ""
        elif run.name in sources:
            cost = f" copy of {sources[run.name]}"
        elif FLAGS.copy_only:
            cost = " finished in no --reuse_from folder: not copied"
        else:
            cost = f" ~{plan_lib.format_duration(seconds)} ({source})"
        print(f"  {run.name} [{state}]{cost}")
    if FLAGS.copy_only:
        return
    print(
        f"Estimated time: {plan_lib.format_duration(total)} (rough: measured runs "
        "of the same configuration where finished, else a FLOP model, scaled by "
        "the measured / modelled time of the finished runs it has, if any)."
    )
    to_train = [mine[index] for index in pending if mine[index].name not in sources]
    if to_train:
        print("First command:", " ".join(launcher.command(to_train[0])))


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    try:
        runs, mine, names, baseline = plan(sys.argv)
        # Imported once the flags are known good: scipy and matplotlib take
        # seconds to load, and a typo should not wait for them.
        from benchmarks.harness import launcher as launcher_lib
        from benchmarks.harness import report

        for run in mine:
            report.published_rows(FLAGS.published, run.values["dataset"])
        costs = None
        if not FLAGS.copy_only:  # Builds every configuration: only to train.
            with launcher_lib.quiet_native_stderr():
                costs = plan_lib.check_runs(mine)
            plan_lib.check_steps_per_execution(mine, FLAGS.steps_per_execution)
    except (plan_lib.VariationError, ValueError) as err:
        sys.stderr.write(f"ablate.py: {err}\n")
        sys.exit(2)
    estimates = None
    if not (FLAGS.copy_only or FLAGS.dry_run):  # For the ETA, run by run.
        per_run, _ = plan_lib.estimate(mine, costs, FLAGS.output_dir, FLAGS.parallel,
                                       copies=copy_sources(mine))
        estimates = [seconds for seconds, _ in per_run]
    launcher = launcher_lib.Launcher(
        mine,
        FLAGS.output_dir,
        parallel=FLAGS.parallel,
        threads=FLAGS.threads,
        run_timeout=FLAGS.run_timeout,
        steps_per_execution=FLAGS.steps_per_execution,
        reuse_from=FLAGS.reuse_from,
        estimates=estimates,
    )
    if FLAGS.dry_run:
        print_plan(runs, mine, costs, launcher)
        return
    studies = write_study_files(runs, names, baseline)
    try:
        results = launcher.collect() if FLAGS.copy_only else launcher.run()
    except launcher_lib.Stopped as stop:
        sys.exit(128 + stop.signum)  # The shell's status for a signal's end.
    except KeyboardInterrupt:
        sys.exit(130)
    failed = [r for r in results if r.outcome == "failed"]
    if FLAGS.report:
        for study in studies:
            directory = os.path.join(FLAGS.output_dir, study)
            try:
                written = report.write_report(directory)
            except (FileNotFoundError, ValueError) as err:
                # No finished run yet, or none of the baseline (left out of
                # this command): the runs are saved, the report waits.
                print(f"No report yet: {err}")
                continue
            print()
            print(report.console_table(written))
            print(f"Report: {os.path.join(directory, 'report.md')}")
    if failed:
        print(f"{len(failed)} run(s) failed: " + ", ".join(r.spec.name for r in failed))
        sys.exit(1)


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
