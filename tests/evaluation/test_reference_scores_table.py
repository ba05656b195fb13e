"""The README's Inception reference table is generated from committed results."""

import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TOY = [
    {"command": "python tools/reference_scores.py --dataset=fashion_mnist", "dataset":
     "fashion_mnist", "n": 100, "fid": 2.34567, "kid": 0.000123, "kid_std": 0.0000456,
     "wall_time_s": 90.0, "images_per_s": 2.222, "batch_size": 50, "peak_rss_mib": 512.0},
    {"command": "python tools/reference_scores.py --dataset=mnist", "dataset": "mnist",
     "n": 10000, "fid": 1.5, "kid": 0.0001, "kid_std": 0.0002, "wall_time_s": 4374.7,
     "images_per_s": 4.63, "batch_size": 50, "peak_rss_mib": 1698.9},
]


def test_table_orders_datasets_and_formats_every_value(load_tool):
    tool = load_tool("reference_scores")
    lines = tool.inception_table(TOY).splitlines()
    assert lines[2] == ("| MNIST train vs test (10,000 vs 10,000) | 1.500 | 0.00010 +- 0.00020 "
                        "| 72.9 min (4.6 images/s, batches of 50) | 1.66 GiB |")
    assert lines[3] == ("| Fashion-MNIST train vs test (100 vs 100) | 2.346 | 0.00012 +- "
                        "0.00005 | 1.5 min (2.2 images/s, batches of 50) | 0.50 GiB |")
    assert lines[-2:] == ["- `python tools/reference_scores.py --dataset=mnist`",
                          "- `python tools/reference_scores.py --dataset=fashion_mnist`"]


def test_update_readme_rewrites_only_the_block_and_needs_one(load_tool, tmp_path):
    tool = load_tool("reference_scores")
    text = "a\n<!-- reference_scores:fid_inception -->\nold\n<!-- /reference_scores -->\nb\n"
    updated = tool.update_readme(text, TOY[:1])
    assert updated.startswith("a\n<!-- reference_scores:fid_inception -->\n| comparison |")
    assert updated.endswith("<!-- /reference_scores -->\nb\n") and "old" not in updated
    with pytest.raises(ValueError, match="reference_scores:fid_inception"):
        tool.update_readme("no block", TOY)
    with pytest.raises(FileNotFoundError, match="_fid_inception.json"):
        tool.read_results(str(tmp_path))
    (tmp_path / "mnist_fid_inception.json").write_text(json.dumps(TOY[1]))
    assert tool.read_results(str(tmp_path)) == [TOY[1]]


def test_readme_inception_table_matches_the_committed_results(load_tool):
    tool = load_tool("reference_scores")
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    assert tool.update_readme(text, tool.read_results(tool.RESULTS_DIR)) == text, (
        "README Inception table disagrees with benchmarks/results/reference_scores; run "
        "python tools/reference_scores.py --readme=README.md")
