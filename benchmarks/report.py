"""Writes a study's report from its run files, and prints its table.

    python benchmarks/report.py --study_dir=results/quickstart_ring

Writes `report.md` (mean ± std, 95% t-intervals, paired t-tests against the
baseline, published numbers where the study follows a paper's protocol),
`results.csv` and `figures/*.png` into the study folder. `ablate.py` calls
the same code at the end of every study.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

from benchmarks.harness import reporting  # noqa: E402

flags.DEFINE_multi_string(
    "study_dir", [], "Study folder(s): output_dir/<study>.", required=True
)
flags.DEFINE_string("baseline", None, "Variation to compare against.")
flags.DEFINE_string(
    "published", None, "Published table to print beside ours (e.g. veegan)."
)
flags.DEFINE_bool("plots", True, "Also draw the figures.")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    for directory in FLAGS.study_dir:
        try:
            study = reporting.write_report(
                directory, FLAGS.baseline, FLAGS.published, plots=FLAGS.plots
            )
        except (FileNotFoundError, ValueError) as err:
            sys.stderr.write(f"report.py: {err}\n")
            sys.exit(2)
        print(reporting.console_table(study))
        print(f"Report: {os.path.join(directory, 'report.md')}\n")


if __name__ == "__main__":
    app.run(main)
