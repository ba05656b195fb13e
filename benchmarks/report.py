"""Writes study reports from their run files, compares studies, fills the README.

    python benchmarks/report.py --study_dir=results/quickstart_ring
    python benchmarks/report.py --study_dir=results/mp_f32 --study_dir=results/mp_bf16 --compare
    python benchmarks/report.py --readme=README.md --results_dir=benchmarks/results [--check]

With `--study_dir` (repeatable): writes each study's `report.md` (mean ±
std, 95% t-intervals, paired t-tests against the baseline, published
numbers where the study follows a paper's protocol), `results.csv` and
`figures/*.png`, exactly as `ablate.py` does at the end of a study. With
`--compare`: prints (and with `--compare_output` writes) the studies side by
side instead, each one's difference from the first paired by seed.
With `--readme`: regenerates every `<!-- results:STUDY -->` block of that
file (and every `<!-- verdicts:NAME -->` block: better / worse / no
resolved difference per variation and dataset, with Holm-corrected p-values)
from the study folders under
`--results_dir`; `--check` only reports
whether the file is up to date (exit 1 if not).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import report  # noqa: E402
from benchmarks.harness import run_dir as run_dir_lib  # noqa: E402

flags.DEFINE_multi_string("study_dir", [], "Study folder(s): output_dir/<study>.")
flags.DEFINE_string("baseline", None, "Variation to compare against.")
flags.DEFINE_string("published", None, "Published table to print beside ours (e.g. veegan).")
flags.DEFINE_bool("plots", True, "Also draw the figures.")
flags.DEFINE_bool("compare", False, "Compare the --study_dir folders side by side.")
flags.DEFINE_string("compare_output", None, "Markdown file for the --compare table.")
flags.DEFINE_string("readme", None, "Markdown file whose results blocks to regenerate.")
flags.DEFINE_string("results_dir", "benchmarks/results", "Study folders of --readme blocks.")
flags.DEFINE_bool("check", False, "With --readme: fail if the file is out of date.")
FLAGS = flags.FLAGS


def fail(message):
    sys.stderr.write(f"report.py: {message}\n")
    sys.exit(2)


def readme_main():
    text = run_dir_lib.read_text(FLAGS.readme)
    changed = []
    updated, names = report.update_readme(text, FLAGS.results_dir, changed)
    if not names:
        print(f"{FLAGS.readme}: no <!-- results:STUDY --> block.")
    elif FLAGS.check:
        if updated != text:
            print(
                f"{FLAGS.readme} disagrees with {FLAGS.results_dir} in "
                f"{', '.join(changed)}; rerun without --check to update it."
            )
            sys.exit(1)
        print(f"{FLAGS.readme}: {len(names)} block(s) match {FLAGS.results_dir}.")
    elif updated == text:
        # Untouched when nothing changed: no needless mtime bump or rewrite.
        print(f"{FLAGS.readme}: {len(names)} block(s) already match {FLAGS.results_dir}.")
    else:
        run_dir_lib.write_text(FLAGS.readme, updated)
        print(f"{FLAGS.readme}: regenerated {', '.join(names)}.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not FLAGS.study_dir and not FLAGS.readme:
        fail("give --study_dir=FOLDER (repeatable) or --readme=FILE.")
    try:
        if FLAGS.readme:
            readme_main()
        if FLAGS.compare:
            if len(FLAGS.study_dir) < 2:
                fail("--compare needs two or more --study_dir folders.")
            studies = [
                report.load_study(d, FLAGS.baseline, FLAGS.published) for d in FLAGS.study_dir
            ]
            table = report.compare(studies)
            print(table)
            if FLAGS.compare_output:
                run_dir_lib.write_text(FLAGS.compare_output, table)
            return
        for directory in FLAGS.study_dir:
            study = report.write_report(
                directory, FLAGS.baseline, FLAGS.published, plots=FLAGS.plots
            )
            print(report.console_table(study))
            print(f"Report: {os.path.join(directory, 'report.md')}\n")
    except (FileNotFoundError, ValueError) as err:
        fail(err)


if __name__ == "__main__":
    app.run(main)
