"""Statistics over seeds and report generation from synthetic summaries."""

import csv
import io
import json
import math
import os
import re

import pytest

from benchmarks.harness import report as reporting
from benchmarks.harness import run_dir
from benchmarks.harness import stats

# Student t quantile t_{0.975, 2} (tables: 4.303).
T_975_DF2 = 4.302652729911275


def test_describe_mean_std_and_t_interval():
    d = stats.describe([1.0, 2.0, 3.0])
    assert d.n == 3 and d.mean == pytest.approx(2.0) and d.std == pytest.approx(1.0)
    half = T_975_DF2 / math.sqrt(3)
    assert d.ci_low == pytest.approx(2.0 - half) and d.ci_high == pytest.approx(
        2.0 + half
    )


def test_describe_one_value_has_no_spread_and_nans_are_dropped():
    d = stats.describe([5.0, float("nan")])
    assert d.n == 1 and d.mean == 5.0
    assert math.isnan(d.std) and math.isnan(d.ci_low)
    assert stats.describe([]).n == 0


def test_paired_t_test_matches_the_closed_form_for_two_degrees_of_freedom():
    # Differences 1, 1, 3: mean 5/3, sd sqrt(4/3), t = 2.5 on 2 df. With 2 df
    # the t CDF is 1/2 + t / (2 sqrt(t^2 + 2)), so p = 1 - t / sqrt(t^2 + 2).
    c = stats.paired_comparison({0: 1.0, 1: 2.0, 2: 4.0}, {0: 0.0, 1: 1.0, 2: 1.0})
    assert c.n == 3 and c.difference == pytest.approx(5 / 3)
    assert c.p_value == pytest.approx(1 - 2.5 / math.sqrt(8.25))
    # Its 95% interval: 5/3 -+ t_{0.975, 2} sqrt(4/3) / sqrt(3) = 5/3 -+ 2.868.
    half = T_975_DF2 * math.sqrt(4 / 3) / math.sqrt(3)
    assert (c.ci_low, c.ci_high) == (pytest.approx(5 / 3 - half), pytest.approx(5 / 3 + half))


def test_paired_test_uses_common_seeds_only_and_needs_two():
    c = stats.paired_comparison({0: 1.0, 5: 9.0}, {0: 0.5, 1: 3.0})
    assert c.n == 1 and c.difference == pytest.approx(0.5) and c.p_value is None


def test_constant_differences_give_the_limiting_p_value():
    assert stats.paired_comparison({0: 1.0, 1: 2.0}, {0: 1.0, 1: 2.0}).p_value == 1.0
    assert stats.paired_comparison({0: 2.0, 1: 3.0}, {0: 1.0, 1: 2.0}).p_value == 0.0


def _write_summary(study_dir, variation, seed, **final):
    run = os.path.join(study_dir, variation, f"seed_{seed}")
    os.makedirs(run)
    summary = {
        "seed": seed,
        "dataset": "ring",
        "final": final,
        "wall_time_s": 10.0 + seed,
    }
    with open(os.path.join(run, "summary.json"), "w") as f:
        json.dump(summary, f)
    records = [
        {"epoch": e, **{k: v - 2 + e for k, v in final.items() if k == "modes"}, "d_loss": 1.0}
        for e in (1, 2)
    ]
    with open(os.path.join(run, "metrics.jsonl"), "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def synthetic_study(tmp_path):
    study_dir = str(tmp_path / "toy_ring")
    for seed, (m, hq) in enumerate([(1.0, 0.10), (2.0, 0.20), (3.0, 0.30)]):
        _write_summary(
            study_dir, "baseline", seed, modes=m, high_quality=hq, mode_kl=0.5
        )
    for seed, m in enumerate([2.0, 3.0, 7.0]):
        _write_summary(
            study_dir, "smooth", seed, modes=m, high_quality=0.2, mode_kl=0.4
        )
    _write_summary(study_dir, "one_seed", 0, modes=4.0, high_quality=0.5, mode_kl=0.1)
    with open(os.path.join(study_dir, "study.json"), "w") as f:
        json.dump(
            {
                "study": "toy_ring",
                "dataset": "ring",
                "variations": ["baseline", "smooth", "one_seed"],
                "baseline": "baseline",
                "published": "veegan",
            },
            f,
        )
    return study_dir


def test_report_tables_hold_the_statistics(synthetic_study):
    study = reporting.write_report(synthetic_study, plots=False)
    assert study.variations == ["baseline", "smooth", "one_seed"]
    assert study.metrics == ["modes", "high_quality", "mode_kl"]
    with open(os.path.join(synthetic_study, "report.md")) as f:
        markdown = f.read()
    assert "| baseline | 3 | 2.0 ± 1.0 | 20.0 ± 10.0 | 0.500 ± 0.000 |" in markdown
    half = T_975_DF2 / math.sqrt(3)
    assert f"[{2 - half:.1f}, {2 + half:.1f}]" in markdown
    # smooth - baseline over seeds: 1, 1, 4 -> mean 2, p from a paired t-test.
    diff = stats.paired_comparison({0: 2, 1: 3, 2: 7}, {0: 1, 1: 2, 2: 3})
    # Holm's family is the plan, smooth and one_seed: one_seed has no
    # p-value yet and counts as p = 1, so smooth's p doubles.
    assert (f"+2.0 [{diff.ci_low:+.1f}, {diff.ci_high:+.1f}] (p={diff.p_value:.3g}, "
            f"Holm {min(1.0, 2 * diff.p_value):.3g})") in markdown
    assert "Holm's p corrected over the study's planned variations" in markdown
    assert "| one_seed | 1 | 4.0 | 50.0 |" in markdown
    assert "p n/a" in markdown  # one_seed has a single seed in common.
    assert "GAN (published, VEEGAN, Table 1) | - | 1.0 | 99.3" in markdown
    assert "Quality against training time" not in markdown  # No time budget.


def test_raw_generator_metrics_read_like_their_ema_ones_after_them(tmp_path):
    study_dir = str(tmp_path / "toy_ema")
    # One EMA run scored both generators: raw FIDs 3 lower on every seed.
    for seed, fid in enumerate([20.0, 22.0, 27.0]):
        _write_summary(study_dir, "baseline", seed, fid=fid + 1.0, raw_fid=fid + 1.0)
        _write_summary(study_dir, "ema", seed, fid=fid + 4.0, raw_fid=fid + 1.0)
    study = reporting.write_report(study_dir, plots=False)
    assert study.metrics == ["fid", "raw_fid"]
    info = stats.metric_info("raw_fid")
    assert info.title == "classifier FID (raw G)" and info.higher_is_better is False
    assert info.digits == stats.metric_info("fid").digits
    assert stats.verdict(study.compare("ema", "fid"), False) == "worse"
    assert study.compare("ema", "raw_fid").difference == 0.0
    assert "raw_wall_time_s" not in stats.METRICS


def test_csv_has_one_row_per_variation_and_metric(synthetic_study):
    reporting.write_report(synthetic_study, plots=False)
    with open(os.path.join(synthetic_study, "results.csv")) as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    assert len(rows) == 3 * 4  # 3 variations x (3 metrics + wall time)
    smooth_modes = next(
        r for r in rows if r["variation"] == "smooth" and r["metric"] == "modes"
    )
    assert float(smooth_modes["mean"]) == pytest.approx(4.0)
    assert float(smooth_modes["std"]) == pytest.approx(math.sqrt(7.0))
    assert float(smooth_modes["diff_vs_baseline"]) == pytest.approx(2.0)
    base = next(
        r
        for r in rows
        if r["variation"] == "baseline" and r["metric"] == "high_quality"
    )
    assert float(base["mean"]) == pytest.approx(20.0) and base["p_value"] == ""


def test_console_table_and_figures(synthetic_study):
    study = reporting.write_report(synthetic_study, plots=True)
    lines = reporting.console_table(study).splitlines()
    smooth = next(line for line in lines if line.startswith("smooth "))
    assert smooth.split()[1:5] == ["3", "4.0", "±", "2.6"]
    assert any(line.startswith("GDPP (published)") for line in lines)
    # The synthetic runs have no sample pictures, so no side-by-side figure.
    assert sorted(os.listdir(os.path.join(synthetic_study, "figures"))) == [
        "curves.png",
        "metrics.png",
    ]
    with open(os.path.join(synthetic_study, "report.md")) as f:
        assert "![Training curves (mean over seeds)](figures/curves.png)" in f.read()


def test_training_curves_keep_each_variations_colour_in_every_panel(tmp_path):
    from benchmarks.harness import figures

    directory = str(tmp_path / "packed")
    # The baseline never logged mode_kl_channels (an older run); "packed"
    # did. In that panel packed's line is the only one, and it must still
    # have packed's colour, not the colour matplotlib gives a first line.
    finals = {"baseline": {"mode_kl": 0.12}, "packed": {"mode_kl": 0.10,
                                                         "mode_kl_channels": 0.07}}
    for variation, final in finals.items():
        run = os.path.join(directory, variation, "seed_0")
        os.makedirs(run)
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump({"seed": 0, "dataset": "stacked_mnist", "final": final}, f)
        with open(os.path.join(run, "metrics.jsonl"), "w") as f:
            for epoch in (1, 2):
                f.write(json.dumps({"epoch": epoch, "d_loss": 1.0, "g_loss": 1.0,
                                    **final}) + "\n")
    study = reporting.load_study(directory)
    assert study.metrics == ["mode_kl", "mode_kl_channels"]
    figure = figures.draw_training_curves(study)
    axes = figure.axes
    colour = {line.get_label(): line.get_color() for line in axes[0].get_lines()}
    assert set(colour) == {"baseline", "packed"} and colour["baseline"] != colour["packed"]
    channels = axes[1].get_lines()
    assert [line.get_label() for line in channels] == ["packed"]
    assert channels[0].get_color() == colour["packed"]
    for ax in axes[2:4]:  # The losses: both variations, the same colours.
        assert {l.get_label(): l.get_color() for l in ax.get_lines()} == colour
    legend = [text.get_text() for text in axes[0].get_legend().get_texts()]
    assert legend == ["baseline", "packed"]
    figures._pyplot().close(figure)


def test_missing_results_and_bad_baseline_fail_clearly(tmp_path, synthetic_study):
    with pytest.raises(FileNotFoundError, match="No finished run"):
        reporting.load_study(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="Baseline 'nope' has no finished run"):
        reporting.load_study(synthetic_study, baseline="nope")


REPORT_PY = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "benchmarks",
    "report.py",
)


def test_report_py_standalone_reproduces_report_md_byte_for_byte(synthetic_study, python_env):
    import subprocess
    import sys

    reporting.write_report(synthetic_study, plots=True)
    with open(os.path.join(synthetic_study, "report.md"), "rb") as f:
        written = f.read()
    os.remove(os.path.join(synthetic_study, "report.md"))
    result = subprocess.run(
        [sys.executable, REPORT_PY, f"--study_dir={synthetic_study}"],
        capture_output=True, text=True, env=python_env, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Study toy_ring (ring)" in result.stdout
    with open(os.path.join(synthetic_study, "report.md"), "rb") as f:
        assert f.read() == written
    missing = subprocess.run(
        [sys.executable, REPORT_PY], capture_output=True, text=True, env=python_env, timeout=60
    )
    assert missing.returncode == 2 and "give --study_dir=FOLDER" in missing.stderr


def _toy_study(directory, name, modes_by_seed):
    for seed, m in enumerate(modes_by_seed):
        _write_summary(directory, "baseline", seed, modes=m, high_quality=0.1, mode_kl=0.5)
        _write_summary(directory, "smooth", seed, modes=m + 1.0, high_quality=0.1, mode_kl=0.5)
    with open(os.path.join(directory, "study.json"), "w") as f:
        json.dump({"study": name, "dataset": "ring", "variations": ["baseline", "smooth"]}, f)
    return reporting.load_study(directory)


def test_compare_pairs_two_studies_by_variation_and_seed(tmp_path):
    f32 = _toy_study(str(tmp_path / "f32"), "f32", [1.0, 2.0, 3.0])
    bf16 = _toy_study(str(tmp_path / "bf16"), "bf16", [2.0, 2.0, 5.0])
    table = reporting.compare([f32, bf16])
    expected_p = stats.paired_comparison({0: 2, 1: 2, 2: 5}, {0: 1, 1: 2, 2: 3}).p_value
    # Differences per seed 1, 0, 2: mean +1.0.
    assert f"| baseline | modes | 2.0 ± 1.0 | 3.0 ± 1.7 | +1.0 (p={expected_p:.3g}) |" in table
    assert f"| smooth | modes | 3.0 ± 1.0 | 4.0 ± 1.7 | +1.0 (p={expected_p:.3g}) |" in table
    assert "| `f32` | `bf16` | `bf16` − `f32` |" in table


README_TEXT = """# Project

Some prose.

<!-- results:toy_ring metrics=modes,high_quality -->
stale table
<!-- /results:toy_ring -->

More prose.
"""


def test_readme_blocks_are_regenerated_from_results_and_drift_is_caught(
    tmp_path, synthetic_study
):
    results_dir = os.path.dirname(synthetic_study)
    updated, names = reporting.update_readme(README_TEXT, results_dir)
    assert names == ["toy_ring"]
    assert "stale table" not in updated and updated.endswith("More prose.\n")
    assert (
        "| variation | seeds | modes | % high-quality | vs `baseline` (modes) |" in updated
    )
    expected_p = stats.paired_comparison({0: 2, 1: 3, 2: 7}, {0: 1, 1: 2, 2: 3}).p_value
    assert f"| smooth | 3 | 4.0 ± 2.6 | 20.0 ± 0.0 | +2.0 (p={expected_p:.3g}) |" in updated
    changed = []
    assert reporting.update_readme(updated, results_dir, changed) == (updated, ["toy_ring"])
    assert changed == []
    # A result that changes makes the README disagree, in that block.
    _write_summary(synthetic_study, "late", 0, modes=9.0, high_quality=0.9, mode_kl=0.0)
    assert reporting.update_readme(updated, results_dir, changed)[0] != updated
    assert changed == ["toy_ring"]


def test_report_py_readme_writes_a_change_leaves_a_match_and_check_fails_on_drift(
    tmp_path, synthetic_study, python_env
):
    import subprocess
    import sys

    results_dir = os.path.dirname(synthetic_study)
    readme = tmp_path / "README.md"
    readme.write_text(README_TEXT, encoding="utf-8")

    def cli(*extra):
        return subprocess.run(
            [sys.executable, REPORT_PY, f"--readme={readme}", f"--results_dir={results_dir}",
             *extra], capture_output=True, text=True, env=python_env, timeout=120,
        )

    stale = cli("--check")
    assert stale.returncode == 1 and "disagrees with" in stale.stdout
    assert readme.read_text(encoding="utf-8") == README_TEXT  # --check never writes.
    wrote = cli()
    assert wrote.returncode == 0 and "regenerated toy_ring" in wrote.stdout
    expected, _ = reporting.update_readme(README_TEXT, results_dir)
    assert readme.read_text(encoding="utf-8") == expected
    os.utime(readme, (1, 1))
    again = cli()
    assert again.returncode == 0 and "already match" in again.stdout
    assert os.stat(readme).st_mtime == 1  # A matching README is not rewritten.
    assert cli("--check").returncode == 0


def test_replace_blocks_rewrites_every_block_and_only_them():
    from benchmarks.harness import run_dir as run_dir_lib

    pattern = re.compile(r"(<!-- t:(\w+) -->\n).*?(<!-- /t -->)", re.DOTALL)
    text = "a\n<!-- t:x -->\nold\n<!-- /t -->\nb\n<!-- t:y -->\n<!-- /t -->\nc"
    updated = run_dir_lib.replace_blocks(text, pattern, lambda m: f"new {m.group(2)}\n")
    assert updated == "a\n<!-- t:x -->\nnew x\n<!-- /t -->\nb\n<!-- t:y -->\nnew y\n<!-- /t -->\nc"
    with pytest.raises(ValueError, match="No generated block"):
        run_dir_lib.replace_blocks("a\nb", pattern, lambda m: "")
    assert run_dir_lib.replace_blocks("a\nb", pattern, lambda m: "", required=False) == "a\nb"


def test_rewrite_text_writes_only_a_change_and_nothing_on_error(tmp_path):
    from benchmarks.harness import run_dir as run_dir_lib

    path = tmp_path / "README.md"
    path.write_text("one\n", encoding="utf-8")
    os.utime(path, (1, 1))
    assert run_dir_lib.rewrite_text(str(path), lambda t: t) is False
    assert os.stat(path).st_mtime == 1  # Unchanged text: the file is not touched.
    assert run_dir_lib.rewrite_text(str(path), lambda t: t + "two\n") is True
    assert path.read_text(encoding="utf-8") == "one\ntwo\n"

    def fails(_):
        raise ValueError("bad block")

    with pytest.raises(ValueError, match="bad block"):
        run_dir_lib.rewrite_text(str(path), fails)
    assert path.read_text(encoding="utf-8") == "one\ntwo\n"
    assert sorted(os.listdir(tmp_path)) == ["README.md"]  # No temporary left behind.


def test_readme_block_with_interval_true_shows_the_difference_interval(synthetic_study):
    results_dir = os.path.dirname(synthetic_study)
    text = README_TEXT.replace("metrics=modes,high_quality", "metrics=modes interval=true")
    updated, _ = reporting.update_readme(text, results_dir)
    c = stats.paired_comparison({0: 2, 1: 3, 2: 7}, {0: 1, 1: 2, 2: 3})
    assert (f"| smooth | 3 | 4.0 ± 2.6 | +2.0 [{c.ci_low:+.1f}, {c.ci_high:+.1f}] "
            f"(p={c.p_value:.3g}) |") in updated
    # Differences 1, 1, 4: 2 -+ 4.303 * sqrt(3) / sqrt(3).
    assert (c.ci_low, c.ci_high) == (pytest.approx(2 - T_975_DF2), pytest.approx(2 + T_975_DF2))


def test_readme_block_picks_variations_and_adds_the_published_rows(synthetic_study):
    results_dir = os.path.dirname(synthetic_study)
    text = README_TEXT.replace("metrics=modes,high_quality",
                               "metrics=modes,high_quality variations=smooth,baseline "
                               "published=true")
    updated, _ = reporting.update_readme(text, results_dir)
    table = updated.split("-->\n")[1].split("<!--")[0].strip().splitlines()
    # The rows asked for, in that order (one_seed left out), then VEEGAN's
    # ring rows with their sources.
    assert [row.split(" | ")[0] for row in table[2:4]] == ["| smooth", "| baseline"]
    assert not any("one_seed" in row for row in table)
    assert "| GDPP (published, GDPP, Table 1) | - | 8.0 | 71.7 |  |" in table
    assert "| PacGAN2 (published, PacGAN, Table 1 (its own protocol)) | - | 7.9 | 95.6 |  |" in table
    with pytest.raises(ValueError, match=r"no variation \['nope'\].*present: baseline"):
        reporting.update_readme(text.replace("smooth,baseline", "nope"), results_dir)
    with pytest.raises(ValueError, match=r"no metric \['fid'\].*present: modes"):
        reporting.update_readme(text.replace("metrics=modes,", "metrics=fid,"), results_dir)


def test_readme_tables_match_the_committed_results():
    """Every README results block equals what the committed study folders give."""
    root = os.path.dirname(os.path.dirname(REPORT_PY))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        text = f.read()
    updated, names = reporting.update_readme(text, os.path.join(root, "benchmarks", "results"))
    assert updated == text, (
        f"README blocks {names} disagree with benchmarks/results; run "
        "python benchmarks/report.py --readme=README.md"
    )


def test_reporting_and_writing_files_never_import_tensorflow(synthetic_study):
    import subprocess
    import sys

    code = (
        "import sys; from benchmarks.harness import report; "
        f"report.write_report({synthetic_study!r}, plots=False); "
        "print(sorted(m for m in ('tensorflow', 'keras', 'keras_gans') if m in sys.modules))"
    )
    root = os.path.dirname(os.path.dirname(REPORT_PY))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert os.path.exists(os.path.join(synthetic_study, "report.md"))


def test_inception_fids_published_only_beside_inception_fid_columns(tmp_path):
    def study(name, key):
        directory = str(tmp_path / name)
        for seed in range(2):
            _write_summary(directory, "baseline", seed, **{key: 10.0 + seed})
        with open(os.path.join(directory, "study.json"), "w") as f:
            json.dump({"study": name, "dataset": "mnist", "variations": ["baseline"],
                       "baseline": "baseline", "published": "lucic"}, f)
        return reporting.write_report(directory, plots=False)

    classifier = study("classifier", "fid")
    assert classifier.metrics == ["fid"]
    with open(os.path.join(classifier.directory, "report.md")) as f:
        text = f.read()
    assert "classifier FID" in text and "NS GAN" not in text
    inception = study("inception", "fid_inception")
    assert inception.metrics == ["fid_inception"]
    with open(os.path.join(inception.directory, "report.md")) as f:
        text = f.read()
    assert "FID (Inception 2015)" in text
    assert "| NS GAN (published, Lucic et al. 2018) | - | 6.80 |" in text


def test_time_to_quality_table_reads_each_seed_at_the_time_marks(tmp_path):
    directory = str(tmp_path / "timed")
    # Seed 0 evaluates at 1, 2, 3, 4 minutes; seed 1 only from 2.5 minutes on.
    timings = {0: [(60, 5.0), (120, 6.0), (180, 7.0), (240, 8.0)], 1: [(150, 4.0), (240, 9.0)]}
    for seed, points in timings.items():
        run = os.path.join(directory, "baseline", f"seed_{seed}")
        os.makedirs(run)
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump({"seed": seed, "dataset": "mnist", "final": {"is": points[-1][1]},
                       "wall_time_s": 240.0, "flags": {"time_budget_minutes": 4.0}}, f)
        with open(os.path.join(run, "metrics.jsonl"), "w") as f:
            f.write("".join(json.dumps({"epoch": e + 1, "elapsed_s": t, "is": v}) + "\n"
                            for e, (t, v) in enumerate(points)))
    with open(os.path.join(directory, "study.json"), "w") as f:
        json.dump({"study": "timed", "dataset": "mnist", "variations": ["baseline"]}, f)
    study = reporting.write_report(directory, plots=True)
    assert study.time_budget_minutes() == 4.0
    assert reporting.value_at_minutes(study.records("baseline", 1), "is", 2.0) is None
    with open(os.path.join(directory, "report.md")) as f:
        text = f.read()
    # At 1 and 2 min only seed 0 has a value; at 3 min 7 and 4 (mean 5.5,
    # std 2.12); at 4 min 8 and 9.
    assert "| variation | 1 min | 2 min | 3 min | 4 min |" in text
    assert "| baseline | 5.00 (1) | 6.00 (1) | 5.50 ± 2.12 | 8.50 ± 0.71 |" in text
    assert os.path.exists(os.path.join(directory, "figures", "time.png"))


def test_a_partial_study_command_merges_into_study_json_instead_of_shrinking_it():
    whole = {"study": "s_ring", "variations": ["ema", "best", "deep"],
             "seeds": [0, 1, 2, 3, 4], "baseline": "ema", "command": "ablate.py --flagfile=f"}
    part = {"study": "s_ring", "variations": ["ema", "slow"], "seeds": [2, 7],
            "baseline": "ema", "command": "ablate.py --flagfile=f --seeds=2,7"}
    merged = reporting.merged_study_meta(whole, part)
    # Earlier order kept, the new variation appended; seeds are the union.
    assert merged["variations"] == ["ema", "best", "deep", "slow"]
    # What the commands asked to run is merged the same way.
    asked = reporting.merged_study_meta({**whole, "planned": ["ema", "best"]},
                                        {**part, "planned": ["ema", "slow"]})
    assert asked["planned"] == ["ema", "best", "slow"]
    assert merged["seeds"] == [0, 1, 2, 3, 4, 7]
    assert merged["command"] == "ablate.py --flagfile=f --seeds=2,7"
    # Every command that wrote the file is on record, first to last, once.
    assert merged["commands"] == ["ablate.py --flagfile=f", "ablate.py --flagfile=f --seeds=2,7"]
    assert reporting.merged_study_meta(merged, part)["commands"] == merged["commands"]
    # Neither input is changed; with no earlier file the command's own meta.
    assert whole["variations"] == ["ema", "best", "deep"] and part["seeds"] == [2, 7]
    assert reporting.merged_study_meta(None, part) == {**part, "commands": [part["command"]]}


def test_verdict_reads_the_interval_and_the_metric_direction():
    lower = stats.Comparison(3, -2.0, 0.01, -3.0, -1.0)  # Interval below 0.
    assert stats.verdict(lower, higher_is_better=False) == "better"  # e.g. FID fell.
    assert stats.verdict(lower, higher_is_better=True) == "worse"  # e.g. IS fell.
    higher = stats.Comparison(3, 2.0, 0.01, 1.0, 3.0)
    assert stats.verdict(higher, higher_is_better=False) == "worse"
    assert stats.verdict(higher, higher_is_better=True) == "better"
    across = stats.Comparison(3, 1.0, 0.3, -1.0, 3.0)
    assert stats.verdict(across, higher_is_better=True) == "no resolved difference"
    assert stats.verdict(stats.Comparison(1, 1.0, None), True) == "n/a"
    # From seeds: differences 1.0, 1.1, 0.9 exclude 0 (p < 0.05); 1, 1, 4 do not.
    tight = stats.paired_comparison({0: 2.0, 1: 3.1, 2: 3.9}, {0: 1.0, 1: 2.0, 2: 3.0})
    assert tight.p_value < 0.05 and stats.verdict(tight, True) == "better"
    wide = stats.paired_comparison({0: 2.0, 1: 3.0, 2: 7.0}, {0: 1.0, 1: 2.0, 2: 3.0})
    assert wide.p_value > 0.05 and stats.verdict(wide, True) == "no resolved difference"


def test_holm_adjusts_by_rank_keeps_the_order_and_leaves_missing_p_out():
    # Defined: 0.01, 0.04, 0.03, 0.5 (m = 4). Sorted: 4 x 0.01 = 0.04,
    # 3 x 0.03 = 0.09, 2 x 0.04 = 0.08 -> 0.09 (never below an earlier one),
    # 1 x 0.5 = 0.5.
    adjusted = stats.holm([0.01, 0.04, 0.03, None, 0.5])
    assert adjusted[3] is None
    assert [adjusted[i] for i in (0, 1, 2, 4)] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert stats.holm([0.6, 0.9]) == [1.0, 1.0]  # Capped at 1.
    assert stats.holm([0.02]) == [0.02] and stats.holm([]) == []
    # A p resolved alone (0.02 < 0.05) is not, among three (3 x 0.02 = 0.06).
    assert stats.holm([0.02, 0.5, 0.7])[0] == pytest.approx(0.06)


def test_holm_counts_family_members_without_a_p_value_as_p_1():
    # Two defined p-values in a family of 4: 4 x 0.01 = 0.04, then
    # 3 x 0.02 = 0.06, as if the two missing members had p = 1.
    adjusted = stats.holm([0.01, None, 0.02], family_size=4)
    assert adjusted[1] is None
    assert [adjusted[0], adjusted[2]] == pytest.approx([0.04, 0.06])
    # The same as giving the missing members p = 1 explicitly; without the
    # family size the pair alone would be 0.02 and 0.02.
    assert [adjusted[0], adjusted[2]] == pytest.approx(stats.holm([0.01, 0.02, 1.0, 1.0])[:2])
    assert stats.holm([0.01, 0.02]) == pytest.approx([0.02, 0.02])
    # A family size equal to the defined count changes nothing.
    assert stats.holm([0.01, 0.02], family_size=2) == stats.holm([0.01, 0.02])
    with pytest.raises(ValueError, match="family_size=1 is below the 2 defined"):
        stats.holm([0.01, 0.02], family_size=1)


def _fid_study(results_dir, folder, dataset, fids):
    """A study folder whose variations have the given FID per seed."""
    directory = os.path.join(results_dir, folder)
    for variation, per_seed in fids.items():
        for seed, fid in enumerate(per_seed):
            _write_summary(directory, variation, seed, fid=fid, classes=10.0)
    with open(os.path.join(directory, "study.json"), "w") as f:
        json.dump({"study": folder, "dataset": dataset, "variations": list(fids),
                   "baseline": "baseline"}, f)


VERDICT_TEXT = """Prose.

<!-- verdicts:tricks studies=lvl,lvl2 datasets=mnist,fashion_mnist metric=fid -->
stale
<!-- /verdicts:tricks -->
"""


def test_verdicts_block_tabulates_each_variation_per_dataset(tmp_path):
    results = str(tmp_path)
    _fid_study(results, "lvl_mnist", "mnist", {
        "baseline": [10.0, 20.0, 30.0],
        "off": [15.0, 25.5, 34.0],  # +5, +5.5, +4: FID up, worse.
        "noisy": [5.0, 30.0, 28.0],  # -5, +10, -2: the interval holds 0.
    })
    _fid_study(results, "lvl_fashion_mnist", "fashion_mnist", {
        "baseline": [10.0, 10.0, 10.0],
        "off": [5.0, 6.0, 4.0],  # -5, -4, -6: FID down, better.
    })
    _fid_study(results, "lvl2_mnist", "mnist", {"baseline": [1.0, 2.0], "more": [1.5, 2.5]})
    updated, names = reporting.update_readme(VERDICT_TEXT, results)
    assert names == ["tricks"] and "stale" not in updated
    rows = updated.split("-->\n")[1].split("<!--")[0].strip().splitlines()
    assert rows[0] == "| study | variation | `mnist` | `fashion_mnist` |"
    off_mnist = stats.paired_comparison({0: 15, 1: 25.5, 2: 34}, {0: 10, 1: 20, 2: 30})
    off_fashion = stats.paired_comparison({0: 5, 1: 6, 2: 4}, {0: 10, 1: 10, 2: 10})
    noisy = stats.paired_comparison({0: 5, 1: 30, 2: 28}, {0: 10, 1: 20, 2: 30})
    # lvl on MNIST is a family of two (off, noisy): off's smaller p doubles,
    # noisy's is at least that. On Fashion-MNIST off is alone: Holm = p.
    assert off_mnist.p_value < noisy.p_value
    holm_off, holm_noisy = 2 * off_mnist.p_value, max(2 * off_mnist.p_value, noisy.p_value)
    assert rows[2] == (
        f"| `lvl` | off | **worse**: +4.83 [{off_mnist.ci_low:+.2f}, {off_mnist.ci_high:+.2f}] "
        f"(p={off_mnist.p_value:.3g}, Holm {holm_off:.3g}) | **better**: -5.00 "
        f"[{off_fashion.ci_low:+.2f}, {off_fashion.ci_high:+.2f}] "
        f"(p={off_fashion.p_value:.3g}, Holm {off_fashion.p_value:.3g}) |")
    assert rows[3] == (
        f"| `lvl` | noisy | no resolved difference: +1.00 [{noisy.ci_low:+.2f}, "
        f"{noisy.ci_high:+.2f}] (p={noisy.p_value:.3g}, Holm {holm_noisy:.3g}) | not run |")
    # Every paired difference +0.5: the interval collapses to it, p is 0.
    assert rows[4] == "| `lvl2` | more | **worse**: +0.50 [+0.50, +0.50] (p=0, Holm 0) | not run |"
    # Baselines have no row; after the table, the note on Holm's correction.
    assert len(rows) == 7 and rows[5] == ""
    assert rows[6].startswith("Holm: the p-value adjusted for the number of variations")
    assert reporting.update_readme(updated, results) == (updated, ["tricks"])


def test_verdicts_of_a_half_run_study_are_corrected_over_its_whole_plan(tmp_path):
    results = str(tmp_path)
    fids = {"baseline": [10.0, 20.0, 30.0], "off": [15.0, 25.5, 34.0]}
    _fid_study(results, "lvl_mnist", "mnist", fids)
    off = stats.paired_comparison({0: 15, 1: 25.5, 2: 34}, {0: 10, 1: 20, 2: 30})
    text = VERDICT_TEXT.replace("lvl,lvl2", "lvl")

    def off_cell():
        updated, _ = reporting.update_readme(text, results)
        return updated.split("-->\n")[1].split("<!--")[0].strip().splitlines()[2]

    # Planned alone, off is its own family: Holm = p.
    assert f"(p={off.p_value:.3g}, Holm {off.p_value:.3g})" in off_cell()
    # The commands asked for two more variations that have not run (or have
    # one seed, so no p-value): they count as p = 1, so off's p is tripled.
    # not_asked is defined in the flagfile but no command asked for it.
    _write_summary(os.path.join(results, "lvl_mnist"), "one_seed", 0, fid=12.0, classes=10.0)
    with open(os.path.join(results, "lvl_mnist", "study.json"), "w") as f:
        json.dump({"study": "lvl_mnist", "dataset": "mnist", "baseline": "baseline",
                   "variations": ["baseline", "off", "one_seed", "not_run", "not_asked"],
                   "planned": ["baseline", "off", "one_seed", "not_run"]}, f)
    assert f"(p={off.p_value:.3g}, Holm {min(1.0, 3 * off.p_value):.3g})" in off_cell()
    # A metric no seed has in both variations reads n/a, not "+nan".
    assert reporting._difference(stats.paired_comparison({0: 1.0}, {1: 2.0}), 2) == (
        "n/a (no common seed)")
    # The study's own report says the same.
    study = reporting.load_study(os.path.join(results, "lvl_mnist"))
    assert study.planned == ["baseline", "off", "one_seed", "not_run"]
    assert reporting.holm_comparisons(study, ["off"], "fid")["off"][1] == pytest.approx(
        min(1.0, 3 * off.p_value))


def test_verdicts_block_refuses_a_missing_option_study_or_metric(tmp_path):
    results = str(tmp_path)
    _fid_study(results, "lvl_mnist", "mnist", {"baseline": [1.0, 2.0], "x": [2.0, 3.0]})
    _fid_study(results, "lvl2_mnist", "mnist", {"baseline": [1.0, 2.0], "y": [2.0, 3.0]})
    with pytest.raises(ValueError, match="verdicts block tricks: give metric"):
        reporting.update_readme(VERDICT_TEXT.replace(" metric=fid", ""), results)
    with pytest.raises(ValueError, match="study 'lvl3' has no folder .* mnist, fashion_mnist"):
        reporting.update_readme(VERDICT_TEXT.replace("lvl2", "lvl3"), results)
    with pytest.raises(ValueError, match=r"block lvl_mnist: no metric \['is'\] in its "
                       r"results; present: classes, fid"):
        reporting.update_readme(VERDICT_TEXT.replace("metric=fid", "metric=is"), results)
    with pytest.raises(ValueError, match=r"block tricks: unknown option\(s\) metrics; the "
                       r"options are datasets, metric, studies"):
        reporting.update_readme(VERDICT_TEXT.replace("metric=fid", "metrics=fid"), results)


def test_readme_target_column_gives_each_seeds_first_evaluation_meeting_every_condition(
        tmp_path):
    directory = str(tmp_path / "clock")
    # (elapsed_s, is, fid). Seed 0 meets IS >= 9.5 at 120 s but FID <= 5.2
    # only at 300 s (IS still >= 9.5): first met at 5.0 min. Seed 1 reaches
    # FID 5.0 at 240 s with IS 9.4, never both. Seed 2's 180 s record has no
    # FID, so its IS alone does not count; both hold at 360 s (6.0 min).
    points = {0: [(60, 8.0, 40.0), (120, 9.6, 9.0), (300, 9.7, 5.1), (360, 9.7, 4.0)],
              1: [(60, 8.0, 40.0), (240, 9.4, 5.0), (360, 9.45, 4.9)],
              2: [(60, 8.0, 40.0), (180, 9.6, None), (360, 9.5, 5.2)]}
    for seed, rows in points.items():
        run = os.path.join(directory, "baseline", f"seed_{seed}")
        os.makedirs(run)
        records = [{"epoch": e + 1, "elapsed_s": t, "is": i, **({} if f is None else {"fid": f})}
                   for e, (t, i, f) in enumerate(rows)]
        with open(os.path.join(run, "metrics.jsonl"), "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in records))
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump({"seed": seed, "dataset": "mnist", "wall_time_s": 360.0,
                       "final": {"is": rows[-1][1], "fid": rows[-1][2]}}, f)
    with open(os.path.join(directory, "study.json"), "w") as f:
        json.dump({"study": "clock", "dataset": "mnist", "variations": ["baseline"]}, f)
    assert reporting.parse_target("is>=9.5, fid<=5.2") == [("is", ">=", 9.5), ("fid", "<=", 5.2)]
    text = ("<!-- results:clock metrics=is,fid target=is>=9.5,fid<=5.2 -->\n"
            "old\n<!-- /results:clock -->\n")
    updated, names = reporting.update_readme(text, str(tmp_path))
    assert names == ["clock"]
    header, _, row = updated.splitlines()[1:4]
    assert header.endswith("| first met: classifier IS ≥ 9.5, classifier FID ≤ 5.2 |")
    assert row.endswith("| 2/3 seeds: 5.0, 6.0 min |")
    # A condition that cannot be read, or names a metric the study lacks,
    # fails with the option in the message.
    with pytest.raises(ValueError, match=r"target='is>9\.5'.*METRIC>=VALUE"):
        reporting.update_readme(text.replace("is>=9.5,fid<=5.2", "is>9.5"), str(tmp_path))
    with pytest.raises(ValueError, match=r"no target metric \['kid'\]"):
        reporting.update_readme(text.replace("fid<=5.2", "kid<=1"), str(tmp_path))


def test_readme_target_column_counts_the_clustering_and_clusters_true_shows_it(tmp_path):
    directory = str(tmp_path / "clustered")
    # Both variations first meet IS >= 9.5 after 300 s of training. The
    # pseudo-label seeds clustered for 60 and 30 s first (purity 95% and
    # 90%): 6.0 and 5.5 minutes in all.
    runs = {("baseline", 0): None, ("pseudo", 0): (60.0, 0.95), ("pseudo", 1): (30.0, 0.90)}
    for (variation, seed), clustering in runs.items():
        run = os.path.join(directory, variation, f"seed_{seed}")
        os.makedirs(run)
        with open(os.path.join(run, "metrics.jsonl"), "w") as f:
            f.write(json.dumps({"epoch": 1, "elapsed_s": 300, "is": 9.6}) + "\n")
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump({"seed": seed, "dataset": "mnist", "final": {"is": 9.6}}, f)
        if clustering:
            with open(os.path.join(run, run_dir.PSEUDO_LABELS_INFO_FILE), "w") as f:
                json.dump({"method": "spectral", "clusters": 50, "seconds": clustering[0],
                           "purity": clustering[1]}, f)
    text = ("<!-- results:clustered metrics=is target=is>=9.5 clusters=true -->\n"
            "old\n<!-- /results:clustered -->\n")
    header, _, baseline, pseudo = reporting.update_readme(text, str(tmp_path))[0].splitlines()[1:5]
    assert header.endswith("| first met: classifier IS ≥ 9.5 | cluster purity (%) | "
                           "clustering (s) |")
    assert baseline.endswith("| 1/1 seeds: 5.0 min |  |  |")
    assert pseudo.endswith("| 2/2 seeds: 6.0, 5.5 min, clustering included | 92.5 ± 3.5 | "
                           "45 ± 21 |")
    # A seed whose clustering time was lost: its minutes are training only,
    # and the cell says so rather than pass them off as the whole cost.
    path = os.path.join(directory, "pseudo", "seed_1", run_dir.PSEUDO_LABELS_INFO_FILE)
    with open(path, "w") as f:
        json.dump({"method": "spectral", "clusters": 50, "seconds": None, "purity": None}, f)
    pseudo = reporting.update_readme(text, str(tmp_path))[0].splitlines()[4]
    assert pseudo.endswith("| 2/2 seeds: 6.0, 5.0 min, clustering included where recorded "
                           "(not for every seed) | 95.0 | 60 |")


def test_readme_block_at_minutes_compares_each_seed_at_equal_training_time(tmp_path):
    directory = str(tmp_path / "clockwise")
    # (elapsed_s, step, fid) per seed. The fast variation evaluates every
    # 60 s, the slow one every 150 s; both end better than they are at 2 min.
    points = {
        ("baseline", 0): [(60, 500, 50.0), (120, 1000, 40.0), (240, 2000, 30.0)],
        ("baseline", 1): [(60, 500, 52.0), (120, 1000, 44.0), (240, 2000, 31.0)],
        ("baseline", 2): [(60, 500, 54.0), (110, 1000, 46.0), (240, 2000, 29.0)],
        ("slow", 0): [(150, 200, 90.0), (300, 400, 20.0)],
        ("slow", 1): [(100, 200, 80.0), (300, 400, 21.0)],
        ("slow", 2): [(90, 100, 70.0), (119, 200, 66.0), (300, 400, 22.0)],
    }
    devices = {"baseline": "CPU: host A", "slow": "CPU: host B"}
    for (variation, seed), rows in points.items():
        run = os.path.join(directory, variation, f"seed_{seed}")
        os.makedirs(run)
        with open(os.path.join(run, "metrics.jsonl"), "w") as f:
            f.write("".join(json.dumps({"epoch": e + 1, "elapsed_s": t, "step": k, "fid": v})
                            + "\n" for e, (t, k, v) in enumerate(rows)))
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump({"seed": seed, "dataset": "mnist", "device": devices[variation],
                       "wall_time_s": rows[-1][0], "final": {"fid": rows[-1][2]}}, f)
    with open(os.path.join(directory, "study.json"), "w") as f:
        json.dump({"study": "clockwise", "dataset": "mnist",
                   "variations": ["baseline", "slow"], "baseline": "baseline"}, f)
    text = "<!-- results:clockwise metrics=fid at_minutes=2 -->\nold\n<!-- /results:clockwise -->\n"
    updated, names = reporting.update_readme(text, str(tmp_path))
    assert names == ["clockwise"]
    header, _, base_row, slow_row = updated.splitlines()[1:5]
    assert header == ("| variation | seeds | classifier FID at 2 min | vs `baseline` (classifier "
                      "FID at 2 min) | steps by 2 min | device |")
    # At 2 min the baseline's seeds read 40, 44, 46 (mean 43.33, std 3.06);
    # slow's seed 0 has no evaluation yet and is left out; seeds 1 and 2
    # read 80 and 66, so the paired differences are 36 and 20.
    assert base_row == "| baseline | 3 | 43.33 ± 3.06 |  | 1,000, 1,000, 1,000 | CPU: host A |"
    c = stats.paired_comparison({1: 80.0, 2: 66.0}, {0: 40.0, 1: 44.0, 2: 46.0})
    assert c.n == 2 and c.difference == pytest.approx(28.0)
    assert slow_row == (f"| slow | 2 | 73.00 ± 9.90 | +28.00 (p={c.p_value:.3g}) "
                        "| -, 200, 200 | CPU: host B |")
    # Without the option the same block compares the final values: slow is
    # ahead at the end (21 against 30) though behind at 2 minutes.
    final, _ = reporting.update_readme(text.replace(" at_minutes=2", ""), str(tmp_path))
    assert "| slow | 3 | 21.00 ± 1.00 | -9.00 (p=" in final
    # Several blocks of one study are each regenerated.
    both, names = reporting.update_readme(
        text + text.replace(" at_minutes=2", " at_minutes=5"), str(tmp_path))
    assert names == ["clockwise", "clockwise"]
    assert "| slow | 3 | 21.00 ± 1.00 | -9.00 (p=" in both and "73.00 ± 9.90" in both
    # Bad options fail before anything is written, naming the option.
    for bad, message in [("at_minutes=0", r"at_minutes='0': give a positive number"),
                         ("at_minutes=soon", r"at_minutes='soon'"),
                         ("at_minute=2", r"unknown option\(s\) at_minute; the options are"),
                         ("at_minutes=2 interval", r"unknown option\(s\) interval;")]:
        with pytest.raises(ValueError, match=message):
            reporting.update_readme(text.replace("at_minutes=2", bad), str(tmp_path))
    with pytest.raises(ValueError, match="at_minutes and published=true cannot be combined"):
        reporting.update_readme(text.replace("at_minutes=2", "at_minutes=2 published=true"),
                                str(tmp_path))


def test_curve_axes_turn_logarithmic_only_when_positive_values_span_orders_of_magnitude():
    from benchmarks.harness import figures

    # A FID falling from 560 to 3.5 (160x): on a linear axis every line
    # under 50 is flat, so the axis is logarithmic.
    assert figures.y_scale([560.0, 94.8, 22.5, 3.5]) == "log"
    # IS 4.5-9.8 (2.2x) and exactly 30x stay linear; a zero or a negative
    # value (a loss, a difference) keeps it linear whatever the spread.
    assert figures.y_scale([4.5, 9.8]) == "linear"
    assert figures.y_scale([1.0, 30.0]) == "linear"
    assert figures.y_scale([0.0, 500.0]) == "linear"
    assert figures.y_scale([-1.0, 500.0]) == "linear"
    assert figures.y_scale([]) == "linear"
    assert figures.y_scale([None, float("nan"), 2.0, 100.0]) == "log"
