"""The README's throughput table is generated from the committed results."""

import json
import os

import pytest

from benchmarks import throughput

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "throughput", "throughput.json")

TOY = {
    "batch_size": 8, "steps": 2, "repeats": 1,
    "environment": {"device": "CPU: toy", "versions": {"tensorflow": "2.x", "keras": "3.y"}},
    "rows": [{"config": "plain-Keras reference, float32", "images_per_s": 100.0,
              "ratio_to_reference": 1.0, "gflop_per_s": 5.0},
             {"config": "GAN + pack=2, float32", "images_per_s": 50.04,
              "ratio_to_reference": 0.5004, "gflop_per_s": 2.5}],
}


def test_markdown_table_lists_every_row_with_its_ratio():
    table = throughput.markdown_table(TOY)
    lines = table.splitlines()
    assert lines[2] == "| plain-Keras reference, float32 | 100.0 | 1.000 | 5.0 |"
    assert lines[3] == "| GAN + pack=2, float32 | 50.0 | 0.500 | 2.5 |"
    assert "CPU: toy; TF 2.x; Keras 3.y" in table
    flagged = dict(TOY, environment=dict(TOY["environment"], cpu_features=["avx2", "amx_tile"]))
    assert "CPU: toy; CPU flags avx2 amx_tile; TF 2.x" in throughput.markdown_table(flagged)


def test_update_readme_rewrites_only_the_block_and_needs_one():
    text = "a\n<!-- throughput -->\nold\n<!-- /throughput -->\nb\n"
    updated = throughput.update_readme(text, TOY)
    assert updated.startswith("a\n<!-- throughput -->\n| configuration |")
    assert updated.endswith("<!-- /throughput -->\nb\n") and "old" not in updated
    with pytest.raises(ValueError, match="throughput"):
        throughput.update_readme("no block", TOY)


def test_readme_throughput_table_matches_the_committed_results():
    with open(RESULTS, encoding="utf-8") as f:
        results = json.load(f)
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    assert throughput.update_readme(text, results) == text, (
        "README throughput table disagrees with benchmarks/results/throughput; run "
        "python benchmarks/throughput.py --from_json=benchmarks/results/throughput/"
        "throughput.json --readme=README.md")


def test_parallel_threads_compares_every_core_per_run_with_the_cores_shared_out():
    from benchmarks import parallel_threads

    assert parallel_threads.settings(2, 2) == [
        ("every core in each run", 2, 10), ("cores shared out", 1, 10)]
    assert parallel_threads.settings(4, 16, (100,)) == [
        ("every core in each run", 16, 100), ("cores shared out", 4, 100)]
    # Several steps per call: each with each thread setting, named.
    assert parallel_threads.settings(2, 2, (10, 100)) == [
        ("every core in each run, 10 steps a call", 2, 10),
        ("cores shared out, 10 steps a call", 1, 10),
        ("every core in each run, 100 steps a call", 2, 100),
        ("cores shared out, 100 steps a call", 1, 100)]
    rows = parallel_threads.summarize({"a": [10.0, 12.0], "b": [10.0, 8.0]})
    assert rows[0] == ("a", 11.0, 1.0)
    assert rows[1][:2] == ("b", 9.0) and abs(rows[1][2] - 11.0 / 9.0) < 1e-12


def test_parallel_threads_names_the_final_numbers_that_differ_between_settings():
    from benchmarks import parallel_threads

    same = [{"d_loss": 1.3141881227493286, "modes": 8.0, "elapsed_s": 37.1},
            {"d_loss": 1.3141881227493286, "modes": 8.0, "elapsed_s": 44.4}]
    assert parallel_threads.differing_keys(same) == []  # Time alone may differ.
    # One ulp of a loss is a different training path; a key one record
    # lacks differs too.
    other = same + [{"d_loss": 1.3141881227493288, "modes": 8.0, "fid": 3.0, "elapsed_s": 1.0}]
    assert parallel_threads.differing_keys(other) == ["d_loss", "fid"]
