"""The README's reference tables (Inception FIDs, classifier scores, Stacked
MNIST's floor) are generated from committed results."""

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


CLASSIFIER = {
    "command": "python tools/reference_scores.py --dataset=mnist", "dataset": "mnist",
    "inception_score": {"mean": 9.8304, "std": 0.0751}, "fd_train_all_test_all": 0.84812,
    "n_train": 60000, "n_test": 10000, "wall_time_s": 225.4,
    "comparisons": {"train vs test (10 vs 10)": {
        "fd": 1.0321, "kid": 0.02349, "kid_std": 0.22161, "precision": 0.8532,
        "recall": 0.8721, "density": 0.9234, "coverage": 0.9391, "classes": 10.0,
        "class_kl": 0.00049}},
}
STACKED = {
    "command": "python tools/reference_scores.py --dataset=stacked_mnist",
    "num_samples": 26000, "repeats": 2, "wall_time_s": 30.2, "evaluator_accuracy_train": 0.9976,
    "classifier_modes": [1000.0, 998.0], "classifier_kl": [0.02, 0.03],
    "classifier_kl_channels": [0.004, 0.006], "classifier_kl_dependence": [0.016, 0.024],
    "true_modes": [1000.0, 1000.0], "true_kl": [0.021, 0.025],
    "true_kl_channels": [0.005, 0.005], "true_kl_dependence": [0.016, 0.02],
    "uniform_modes": [1000.0, 1000.0], "uniform_kl": [0.019, 0.021],
    "uniform_kl_channels": [0.0005, 0.0007], "uniform_kl_dependence": [0.0185, 0.0203],
}


def _write_results(folder):
    for r in TOY:
        (folder / f"{r['dataset']}_fid_inception.json").write_text(json.dumps(r))
    (folder / "mnist_classifier.json").write_text(json.dumps(CLASSIFIER))
    (folder / "stacked_mnist_modes.json").write_text(json.dumps(STACKED))


def test_the_classifier_and_stacked_tables_format_every_value(load_tool):
    tool = load_tool("reference_scores")
    lines = tool.classifier_table(CLASSIFIER).splitlines()
    assert lines[0] == ("Real-data reference scores, `mnist` evaluator features "
                        "(`python tools/reference_scores.py --dataset=mnist`, 225 s).")
    assert lines[2] == ("Classifier Inception Score, test set (10 splits of 1,000): **9.830 +- "
                        "0.075** (literature about 9.88). Frechet distance, all 60,000 train "
                        "vs all 10,000 test: **0.8481**.")
    assert lines[6] == ("| train vs test (10 vs 10) | 1.032 | 0.0235 +- 0.2216 | 0.853 | 0.872 "
                        "| 0.923 | 0.939 | 10 | 0.0005 |")
    lines = tool.stacked_table(STACKED).splitlines()
    assert "26,000 stacks" in lines[0] and "2 draws" in lines[0] and "99.76%" in lines[0]
    # Mean +- sample std over the draws: (1000, 998) -> 999.0 +- 1.4.
    assert lines[4] == ("| MNIST evaluator (as the studies label samples) | 999.0 +- 1.4 "
                        "| 0.0250 +- 0.0071 | 0.0050 +- 0.0014 | 0.0200 +- 0.0057 |")
    assert lines[5] == ("| true digits | 1000.0 +- 0.0 | 0.0230 +- 0.0028 | 0.0050 +- 0.0000 "
                        "| 0.0180 +- 0.0028 |")
    assert lines[6] == ("| a perfectly uniform generator (sampling alone) | 1000.0 +- 0.0 "
                        "| 0.0200 +- 0.0014 | 0.0006 +- 0.0001 | 0.0194 +- 0.0013 |")


def test_update_readme_rewrites_only_the_blocks_and_needs_their_results(load_tool, tmp_path):
    tool = load_tool("reference_scores")
    _write_results(tmp_path)
    text = ("a\n<!-- reference_scores:fid_inception -->\nold\n<!-- /reference_scores -->\nb\n"
            "<!-- reference_scores:classifier_mnist -->\nold\n<!-- /reference_scores -->\nc\n"
            "<!-- reference_scores:stacked_mnist -->\nold\n<!-- /reference_scores -->\nd\n")
    updated = tool.update_readme(text, str(tmp_path))
    assert "old" not in updated
    assert updated.startswith("a\n<!-- reference_scores:fid_inception -->\n| comparison |")
    assert ("\nb\n<!-- reference_scores:classifier_mnist -->\nReal-data reference scores, "
            "`mnist`") in updated
    assert "\nc\n<!-- reference_scores:stacked_mnist -->\nReal Stacked MNIST" in updated
    assert updated.endswith("<!-- /reference_scores -->\nd\n")
    with pytest.raises(ValueError, match="reference_scores"):
        tool.update_readme("no block", str(tmp_path))
    with pytest.raises(ValueError, match="classifier_mnist, classifier_fashion_mnist"):
        tool.update_readme("<!-- reference_scores:cifar -->\n<!-- /reference_scores -->",
                           str(tmp_path))
    fashion = ("<!-- reference_scores:classifier_fashion_mnist -->\n"
               "<!-- /reference_scores -->")
    with pytest.raises(FileNotFoundError, match="fashion_mnist_classifier.json"):
        tool.update_readme(fashion, str(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="_fid_inception.json"):
        tool.read_results(str(empty))
    assert tool.read_results(str(tmp_path)) == [TOY[0], TOY[1]]  # by file name


def test_readme_reference_tables_match_the_committed_results(load_tool):
    tool = load_tool("reference_scores")
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    assert tool.update_readme(text) == text, (
        "README reference tables disagree with benchmarks/results/reference_scores; run "
        "python tools/reference_scores.py --readme=README.md")
