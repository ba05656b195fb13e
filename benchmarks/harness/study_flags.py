"""The flags of a study: what to vary, how many seeds, where results go.

These flags never reach a run; a variation cannot set them (`variations`
refuses them with a message that says so).
"""

from absl import flags

VARIATION_HELP = """\
A named variation over the base flags, repeatable:
--variation=NAME[:flag=value,flag=value,...]. NAME alone (e.g. baseline)
runs the base flags unchanged. A value may itself contain commas
(metrics=fid,kid): a comma only starts a new pair when it is followed by
`flag=`. Example: --variation=baseline --variation=smooth:real_label=0.9
--variation=d3:d_steps=3,d_optimizer=sgd"""


def define_study_flags(fv):
    """Defines the study-level flags into `fv`.

    Returns:
        The tuple of defined flag names.
    """
    before = set(fv)
    flags.DEFINE_string(
        "study",
        None,
        "Study name (default: the flagfile's base name); results go to "
        "--output_dir/<study>_<dataset>.",
        flag_values=fv,
    )
    flags.DEFINE_multi_string("variation", [], VARIATION_HELP, flag_values=fv)
    flags.DEFINE_list(
        "only_variations",
        [],
        "Run only these variations (names), e.g. to rerun two of them.",
        flag_values=fv,
    )
    flags.DEFINE_list(
        "skip_variations",
        [],
        "Leave these variations out (e.g. label-conditioned models on CelebA, "
        "which has no labels).",
        flag_values=fv,
    )
    flags.DEFINE_string(
        "baseline",
        None,
        "Variation the report compares against (default: the first).",
        flag_values=fv,
    )
    flags.DEFINE_list("seeds", ["0"], "Seeds of every variation.", flag_values=fv)
    flags.DEFINE_list(
        "datasets",
        [],
        "Run the whole study once per dataset listed here; empty: once on "
        "--dataset. Study folders are <study>_<dataset>.",
        flag_values=fv,
    )
    flags.DEFINE_string(
        "output_dir",
        "results",
        "Root folder of all studies (git-ignored by default).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "parallel",
        2,
        "Runs trained at the same time (each its own process).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "threads",
        0,
        "TensorFlow intra-op threads per run process; 0 keeps TensorFlow's " "default.",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "num_shards",
        1,
        "Split the run list over this many machines.",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "shard_index",
        0,
        "Which shard this machine runs (0-based).",
        flag_values=fv,
    )
    flags.DEFINE_string(
        "published",
        None,
        "Published table printed beside ours (keys in harness/published.py); "
        "default: the study's own entry, if any.",
        flag_values=fv,
    )
    flags.DEFINE_bool(
        "report", True, "Write the report when the runs are done.", flag_values=fv
    )
    flags.DEFINE_bool(
        "dry_run", False, "Print the planned runs and exit.", flag_values=fv
    )
    flags.DEFINE_integer(
        "run_timeout",
        0,
        "Seconds after which a run process is killed (0: no limit).",
        flag_values=fv,
    )
    return tuple(name for name in fv if name not in before)
