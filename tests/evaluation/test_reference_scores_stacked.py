"""`tools/reference_scores.py --dataset=stacked_mnist`: the floor of the
Stacked MNIST modes and KL, on tiny hand-built digits."""

import math

import numpy as np
import pytest

from keras_gans import evaluation


def test_the_uniform_generator_scores_the_chi_square_means(load_tool):
    tool = load_tool("reference_scores")
    labels = np.arange(10)
    images = np.zeros((10, 28, 28, 1), np.uint8)
    scores = tool.stacked_mnist_scores(evaluation, images, labels, labels, num_samples=20000,
                                       repeats=10, seed=0)
    n = 20000
    # 2 N KL is about chi-square with (degrees of freedom) of each part:
    # 999 for the 1000 modes, 3 x 9 for the channels, the rest dependence.
    assert scores["uniform_kl"].mean() == pytest.approx(999 / (2 * n), rel=0.1)
    assert scores["uniform_kl_channels"].mean() == pytest.approx(27 / (2 * n), rel=0.25)
    assert scores["uniform_kl_dependence"].mean() == pytest.approx(972 / (2 * n), rel=0.1)
    np.testing.assert_allclose(
        scores["uniform_kl"], scores["uniform_kl_channels"] + scores["uniform_kl_dependence"])
    np.testing.assert_array_equal(scores["uniform_modes"], 1000)


def test_a_perfect_classifier_scores_the_true_digits(load_tool):
    tool = load_tool("reference_scores")
    labels = np.arange(40) % 10
    images = np.zeros((40, 28, 28, 1), np.uint8)
    scores = tool.stacked_mnist_scores(evaluation, images, labels, labels.copy(),
                                       num_samples=20000, repeats=2, seed=3)
    assert set(scores) == {f"{source}_{key}" for source in ("classifier", "true", "uniform")
                           for key in ("modes", "kl", "kl_channels", "kl_dependence")}
    assert all(v.shape == (2,) for v in scores.values())
    for key in ("modes", "kl", "kl_channels", "kl_dependence"):
        np.testing.assert_array_equal(scores[f"classifier_{key}"], scores[f"true_{key}"])
    np.testing.assert_array_equal(scores["true_modes"], [1000, 1000])
    # Uniform digits: the stacks' KL is sampling noise, about 999 / 40000.
    assert scores["true_kl"].mean() == pytest.approx(999 / 40000, rel=0.2)
    # Two draws are two different sets of stacks.
    assert scores["true_kl"][0] != scores["true_kl"][1]


def test_a_classifier_that_sees_one_digit_finds_one_mode(load_tool):
    tool = load_tool("reference_scores")
    labels = np.arange(20) % 10
    images = np.zeros((20, 28, 28, 1), np.uint8)
    scores = tool.stacked_mnist_scores(evaluation, images, labels, np.zeros(20, np.int64),
                                       num_samples=500, repeats=1, seed=0)
    assert scores["classifier_modes"][0] == 1
    # A point mass against 1000 equally likely modes: KL = log 1000, all of
    # it the channels' (each a point mass: log 10), none dependence.
    assert scores["classifier_kl"][0] == pytest.approx(math.log(1000))
    assert scores["classifier_kl_channels"][0] == pytest.approx(3 * math.log(10))
    assert scores["classifier_kl_dependence"][0] == pytest.approx(0.0, abs=1e-12)
    assert scores["true_modes"][0] > 300


def test_stacked_flags_are_checked_before_any_work(load_tool, capsys):
    tool = load_tool("reference_scores")
    assert tool.parse_args(["--dataset=stacked_mnist"]).num_samples == 26000
    assert tool.parse_args(["--dataset=mnist"]).num_samples == 10000
    with pytest.raises(SystemExit):
        tool.parse_args(["--dataset=stacked_mnist", "--extractor=fid_inception"])
    assert "--dataset=stacked_mnist is scored by the MNIST classifier" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.parse_args(["--dataset=stacked_mnist", "--repeats=0"])
    assert "--repeats must be at least 1" in capsys.readouterr().err
