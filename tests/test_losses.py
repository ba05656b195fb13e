"""Each loss object against values computed by hand on fixed logits."""

import math

import keras
import numpy as np
import pytest

from keras_gans import losses

REAL = np.array([[-2.0], [0.0], [3.0]], "float32")
FAKE = np.array([[1.0], [-1.0], [0.5]], "float32")


def softplus(x):
    return math.log1p(math.exp(x))


def relu(x):
    return max(0.0, x)


def values(x):
    return keras.ops.convert_to_numpy(x)


def test_bce_terms_and_both_generator_losses():
    loss = losses.BinaryCrossEntropy()
    np.testing.assert_allclose(values(loss.discriminator_real(REAL)),
                               [softplus(-r) for r in (-2.0, 0.0, 3.0)], rtol=1e-6)
    np.testing.assert_allclose(values(loss.discriminator_fake(FAKE)),
                               [softplus(f) for f in (1.0, -1.0, 0.5)], rtol=1e-6)
    np.testing.assert_allclose(values(loss.generator(FAKE)),
                               [softplus(-f) for f in (1.0, -1.0, 0.5)], rtol=1e-6)
    minimax = losses.get("minimax")
    np.testing.assert_allclose(values(minimax.generator(FAKE)),
                               [-softplus(f) for f in (1.0, -1.0, 0.5)], rtol=1e-6)
    # -log sigmoid(l) and log(1 - sigmoid(l)), computed the naive way.
    sig = 1 / (1 + np.exp(-FAKE[:, 0].astype("float64")))
    np.testing.assert_allclose(values(loss.generator(FAKE)), -np.log(sig), rtol=1e-5)
    np.testing.assert_allclose(values(minimax.generator(FAKE)), np.log(1 - sig), rtol=1e-5)


def test_bce_smoothed_targets():
    loss = losses.BinaryCrossEntropy(real_label=0.9, fake_label=0.2)
    np.testing.assert_allclose(values(loss.discriminator_real(REAL)),
                               [softplus(r) - 0.9 * r for r in (-2.0, 0.0, 3.0)], rtol=1e-6)
    np.testing.assert_allclose(values(loss.discriminator_fake(FAKE)),
                               [softplus(f) - 0.2 * f for f in (1.0, -1.0, 0.5)], rtol=1e-6)
    # G's loss never uses the smoothed targets.
    np.testing.assert_allclose(values(loss.generator(FAKE)),
                               values(losses.BinaryCrossEntropy().generator(FAKE)))


def test_wasserstein():
    loss = losses.Wasserstein()
    np.testing.assert_allclose(values(loss.discriminator_real(REAL)), [2.0, 0.0, -3.0])
    np.testing.assert_allclose(values(loss.discriminator_fake(FAKE)), [1.0, -1.0, 0.5])
    np.testing.assert_allclose(values(loss.generator(FAKE)), [-1.0, 1.0, -0.5])
    assert loss.derived_logs({"critic_real": 2.0, "critic_fake": 0.5}) == {"wasserstein": 1.5}


def test_hinge():
    loss = losses.Hinge()
    np.testing.assert_allclose(values(loss.discriminator_real(REAL)),
                               [relu(1 - r) for r in (-2.0, 0.0, 3.0)])
    np.testing.assert_allclose(values(loss.discriminator_fake(FAKE)),
                               [relu(1 + f) for f in (1.0, -1.0, 0.5)])
    np.testing.assert_allclose(values(loss.generator(FAKE)), [-1.0, 1.0, -0.5])


def test_least_squares_0_1_1_and_custom_coding():
    loss = losses.LeastSquares()
    np.testing.assert_allclose(values(loss.discriminator_real(REAL)),
                               [0.5 * (r - 1) ** 2 for r in (-2.0, 0.0, 3.0)])
    np.testing.assert_allclose(values(loss.discriminator_fake(FAKE)),
                               [0.5 * f ** 2 for f in (1.0, -1.0, 0.5)])
    np.testing.assert_allclose(values(loss.generator(FAKE)),
                               [0.5 * (f - 1) ** 2 for f in (1.0, -1.0, 0.5)])
    pearson = losses.LeastSquares(a=-1.0, b=1.0, c=0.0)
    np.testing.assert_allclose(values(pearson.discriminator_fake(FAKE)),
                               [0.5 * (f + 1) ** 2 for f in (1.0, -1.0, 0.5)])
    np.testing.assert_allclose(values(pearson.generator(FAKE)),
                               [0.5 * f ** 2 for f in (1.0, -1.0, 0.5)])


@pytest.mark.parametrize("base", ["bce", "hinge"])
def test_relativistic_average(base):
    loss = losses.RelativisticAverage(base)
    real, fake = REAL[:, 0].astype("float64"), FAKE[:, 0].astype("float64")
    r = real - fake.mean()  # real relative to the average fake
    f = fake - real.mean()
    up = (lambda v: np.log1p(np.exp(-v))) if base == "bce" else (lambda v: np.maximum(0, 1 - v))
    down = (lambda v: np.log1p(np.exp(v))) if base == "bce" else (lambda v: np.maximum(0, 1 + v))
    np.testing.assert_allclose(values(loss.discriminator_real(REAL, FAKE)), up(r), rtol=1e-6)
    np.testing.assert_allclose(values(loss.discriminator_fake(FAKE, REAL)), down(f), rtol=1e-6)
    np.testing.assert_allclose(values(loss.generator(FAKE, REAL)), down(r) + up(f), rtol=1e-6)
    with pytest.raises(ValueError, match="both batches"):
        loss.discriminator_real(REAL)


def test_noisy_and_flipped_targets():
    seed = keras.random.SeedGenerator(0)
    loss = losses.BinaryCrossEntropy(real_label=0.9, label_flip=0.25)
    real = values(loss.targets(20000, True, seed))
    assert set(np.unique(real)) == {0.0, np.float32(0.9)}
    assert abs(np.mean(real == 0.0) - 0.25) < 0.015
    loss = losses.BinaryCrossEntropy(real_label=0.9, label_noise=0.2)
    real, fake = values(loss.targets(20000, True, seed)), values(loss.targets(20000, False, seed))
    assert real.min() >= 0.7 - 1e-6 and real.max() <= 0.9 + 1e-6
    assert fake.min() >= 0.0 and fake.max() <= 0.2 + 1e-6
    assert abs(real.mean() - 0.8) < 0.005 and abs(fake.mean() - 0.1) < 0.005


def test_losses_are_float32_per_example_for_any_output_shape():
    logits = keras.ops.convert_to_tensor(np.ones((4,), "float16"))
    for name in losses.SHORTCUTS:
        loss = losses.get(name)
        out = loss.discriminator_real(logits, logits) if loss.couples_real_and_fake \
            else loss.discriminator_real(logits)
        assert tuple(out.shape) == (4,) and keras.backend.standardize_dtype(out.dtype) == "float32"


@pytest.mark.parametrize("name, options, message", [
    ("wasserstein", {"real_label": 0.9}, r"does not take real_label=0\.9: Wasserstein.*unbounded"),
    ("hinge", {"label_noise": 0.1}, "Hinge"),
    ("least_squares", {"label_flip": 0.1}, "a=, b= and c="),
    ("relativistic", {"fake_label": 0.1}, "compares real with generated"),
    ("minimax", {"generator": "non_saturating"}, "already sets generator"),
    ("non_saturating", {"a": 1.0}, r"no option 'a'.*real_label"),
    ("hingee", {}, "Unknown loss 'hingee'"),
])
def test_get_refuses_options_with_the_reason(name, options, message):
    with pytest.raises(ValueError, match=message):
        losses.get(name, **options)


@pytest.mark.parametrize("kwargs, message", [
    ({"real_label": 0.1, "fake_label": 0.1}, "fake_label=0.1 must be below real_label=0.1"),
    ({"real_label": 0.0, "fake_label": 1.0}, "inverted"),
    ({"real_label": float("nan")}, "real_label"),
    ({"label_noise": 1.5}, "label_noise"),
    ({"generator": "wasserstein"}, r"`generator`='wasserstein'.*'minimax'"),
])
def test_bce_refuses_bad_targets(kwargs, message):
    with pytest.raises(ValueError, match=message):
        losses.BinaryCrossEntropy(**kwargs)


def test_losses_serialize_and_compare_by_value():
    for name in losses.SHORTCUTS:
        loss = losses.get(name)
        assert losses.get(losses.serialize(loss)) == loss
    smoothed = losses.BinaryCrossEntropy(real_label=0.9)
    assert losses.get(losses.serialize(smoothed)).real_label == 0.9
    assert smoothed != losses.BinaryCrossEntropy()
