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
a comma starts a new pair only when `flag=` follows it. Unknown flags and
malformed variations fail before any run starts. Results go to
`--output_dir/<study>_<dataset>/<variation>/seed_<k>/`; re-running the same
command skips finished runs and resumes interrupted ones from their last
end-of-epoch checkpoint. The report (`report.md`, `results.csv`, figures) is
written into the study folder and its table printed at the end.
`--num_shards/--shard_index` split the runs over machines that share the
output folder.
"""

import os
import sys

# Run as a script, Python puts benchmarks/ (not the project root) on the path.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import launcher as launcher_lib  # noqa: E402
from benchmarks.harness import plan as plan_lib  # noqa: E402
from benchmarks.harness import reporting  # noqa: E402
from benchmarks.harness import run_dir as run_dir_lib  # noqa: E402
from benchmarks.harness import run_flags  # noqa: E402
from benchmarks.harness import study_flags  # noqa: E402
from benchmarks.harness import variations as variations_lib  # noqa: E402

FLAGS = flags.FLAGS
RUN_FLAG_NAMES = run_flags.define_run_flags(FLAGS)
STUDY_FLAG_NAMES = study_flags.define_study_flags(FLAGS)
# Key flags of the main module are the ones `--help` lists.
for _name in STUDY_FLAG_NAMES + RUN_FLAG_NAMES:
    flags.declare_key_flag(_name)


class StudyError(ValueError):
    """A study that cannot run as configured (reported before any run starts)."""


def parse_flags(argv):
    """absl's parser, with unknown flags reported with suggestions and the
    list of valid names."""
    try:
        return FLAGS(argv)
    except flags.UnrecognizedFlagError as err:
        names = RUN_FLAG_NAMES + STUDY_FLAG_NAMES
        name = err.flagname
        sys.stderr.write(
            f"ablate.py: unknown flag --{name}.{variations_lib.suggest(name, names)}\n"
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


def parse_seeds(texts):
    try:
        return [int(t) for t in texts]
    except ValueError:
        raise StudyError(
            f"--seeds must be integers, e.g. --seeds=0,1,2; got {texts}."
        ) from None


def preflight(runs):
    """Checks what only the library can check, once per distinct setting.

    Importing keras_gans costs a TensorFlow start-up, so it happens only
    when a study uses a model variant other than `gan`.
    """
    from benchmarks.harness import registry

    models = sorted({run.values["model"] for run in runs} - {"gan"})
    for model in models:
        try:
            registry.model_class(model)
        except registry.ModelNotAvailableError as err:
            raise StudyError(str(err)) from None
    for run in runs:
        entry = registry.get_entry(run.values["model"])
        labelled = run.values["num_classes"] or run.values["dataset"] != "celeb_a"
        if entry.needs_labels and not labelled:
            raise StudyError(
                f"Variation {run.variation!r} (--model={run.values['model']}) "
                f"trains on labels, but --dataset={run.values['dataset']} has "
                f"none; leave it out with --skip_variations={run.variation}."
            )


def plan(argv):
    """Flags -> (study names, all runs, this shard's runs, variations, baseline)."""
    name = study_name(argv)
    variations = variations_lib.parse_variations(
        FLAGS.variation, RUN_FLAG_NAMES, STUDY_FLAG_NAMES
    )
    baseline = FLAGS.baseline or variations[0].name
    variations = variations_lib.select(
        variations, FLAGS.only_variations, FLAGS.skip_variations
    )
    names = [v.name for v in variations]
    if baseline not in names:
        raise StudyError(
            f"--baseline={baseline} is not a variation of this study (or was left "
            "out by --only_variations/--skip_variations)."
            f"{variations_lib.suggest(baseline, names)} Variations: {', '.join(names)}."
        )
    base = plan_lib.base_args(FLAGS, RUN_FLAG_NAMES)
    runs = plan_lib.plan_study(
        name,
        base,
        variations,
        parse_seeds(FLAGS.seeds),
        FLAGS.datasets or [FLAGS.dataset],
    )
    mine = plan_lib.shard(runs, FLAGS.num_shards, FLAGS.shard_index)
    return runs, mine, names, baseline


def write_study_files(runs, names, baseline):
    """Writes `study.json` (variation order, baseline...) into each study folder."""
    studies = {}
    for run in runs:
        studies.setdefault(run.study, run.values["dataset"])
    for study, dataset in studies.items():
        meta = {
            "study": study,
            "dataset": dataset,
            "variations": names,
            "baseline": baseline,
            "seeds": sorted({r.seed for r in runs if r.study == study}),
            "published": FLAGS.published,
            "command": " ".join(sys.argv),
        }
        run_dir_lib.write_json(
            os.path.join(FLAGS.output_dir, study, reporting.STUDY_FILE), meta
        )
    return list(studies)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    try:
        runs, mine, names, baseline = plan(sys.argv)
        preflight(mine)
    except (variations_lib.VariationError, StudyError, ValueError) as err:
        sys.stderr.write(f"ablate.py: {err}\n")
        sys.exit(2)
    launcher = launcher_lib.Launcher(
        mine,
        FLAGS.output_dir,
        parallel=FLAGS.parallel,
        threads=FLAGS.threads,
        run_timeout=FLAGS.run_timeout,
    )
    if FLAGS.dry_run:
        print(f"{len(runs)} runs planned, {len(mine)} in shard {FLAGS.shard_index}:")
        for run in mine:
            state = run_dir_lib.status(run.run_dir(FLAGS.output_dir), run.flags_text)
            print(f"  {run.name} [{state}]")
        if mine:
            print("First command:", " ".join(launcher.command(mine[0])))
        return
    studies = write_study_files(runs, names, baseline)
    try:
        results = launcher.run()
    except KeyboardInterrupt:
        sys.exit(130)
    failed = [r for r in results if r.outcome == "failed"]
    if FLAGS.report:
        for study in studies:
            directory = os.path.join(FLAGS.output_dir, study)
            try:
                report = reporting.write_report(directory)
            except FileNotFoundError as err:
                print(err)
                continue
            print()
            print(reporting.console_table(report))
            print(f"Report: {os.path.join(directory, 'report.md')}")
    if failed:
        print(f"{len(failed)} run(s) failed: " + ", ".join(r.spec.name for r in failed))
        sys.exit(1)


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
