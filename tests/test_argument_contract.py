"""Every documented constructor argument refuses NaN, negative and wrong-type values.

A property of the whole API, tried over a table: for each argument of the
models, losses, penalties, augmentation, constraints, network builders,
callbacks and `datasets.load`, each bad value must raise a `ValueError`
whose message names the argument. Each trial builds the object with the bad
value and, if that succeeded, trains one step with it, so a missing check
shows up as something that trained (the test then fails), never as a pass.
"""

import functools
import math

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans import augment, callbacks, constraints, datasets, losses, networks, penalties

NAN = float("nan")
# What "bad" means for each kind of argument: NaN, a negative number and a
# value of the wrong type. Arguments for which a negative value is valid
# (LeastSquares targets, thresholds) are tried with NaN, infinity and the
# wrong type only.
BAD = {
    "int": (NAN, -1, "2", 1.5),
    "int_or_none": (NAN, -1, "2", 1.5),
    "float": (NAN, -0.5, "0.1", math.inf),
    "signed_float": (NAN, math.inf, "0.1"),
    "bool": (NAN, -1, "yes", 1),
    "choice": (NAN, -1, 3),
    "range": ((NAN, 1.0), (1.0, -1.0), "ab", (0.0, "1")),
}

_POINTS = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
_LABELS = (np.arange(32) % 8).astype("int32")
_TRAINED = []


@functools.lru_cache(maxsize=None)
def _nets(kind):
    """Tiny networks per model kind, built once (a refused model leaves them as they were)."""
    keras.utils.set_random_seed(0)
    mlp = dict(width=8, activation="tanh")
    if kind == "gan":
        return networks.mlp_generator(4, 2, **mlp), networks.mlp_discriminator(2, **mlp)
    if kind == "conditional":
        return (networks.mlp_generator(4, 2, num_classes=8, **mlp),
                networks.mlp_discriminator(2, num_classes=8, **mlp))
    if kind == "acgan":
        return (networks.mlp_generator(4, 2, num_classes=8, **mlp),
                networks.discriminator_with_heads(networks.mlp_discriminator(2, **mlp),
                                                  {"class": 8}))
    if kind == "infogan":
        return (networks.mlp_generator(4 + 12, 2, **mlp),
                networks.discriminator_with_heads(networks.mlp_discriminator(2, **mlp),
                                                  {"q_cat": 10, "q_cont": 2}))
    if kind == "vaegan":
        return (networks.mlp_encoder(2, 4, width=8), networks.mlp_generator(4, 2, **mlp),
                networks.mlp_discriminator(2, **mlp))
    raise ValueError(kind)


def _train(model, data=None, callbacks=()):
    """One training step; records that something trained."""
    model.compile()
    if data is None:
        data = (_POINTS, _LABELS) if model.needs_labels else (_POINTS,)
        model.fit(*data, batch_size=32, epochs=1, verbose=0, callbacks=list(callbacks))
    else:
        model.fit(data, epochs=1, steps_per_epoch=1, verbose=0, callbacks=list(callbacks))
    _TRAINED.append(model)


def _gan(**kwargs):
    return keras_gans.GAN(*_nets("gan"), 4, **kwargs)


def model_trial(cls, kind, argument, **fixed):
    def trial(value):
        keywords = {"latent_dim": 4, **fixed, argument: value}
        if kind in ("conditional", "acgan"):
            keywords = {"num_classes": 8, **keywords}
        _train(cls(*_nets(kind), **keywords))
    return trial


def part_trial(make, use):
    """A loss, penalty, augmentation or constraint built with the value, then trained."""
    def trial(value):
        _train(use(make(value)))
    return trial


def builder_trial(builder, **fixed):
    """A network builder; a network built from a bad value fails the test outright."""
    def trial(argument):
        def build(value):
            net = builder(**{**fixed, argument: value})
            raise AssertionError(f"{builder.__name__}({argument}={value!r}) built {net.name!r}")
        return build
    return trial


def callback_trial(make):
    def trial(value):
        _train(_gan(), callbacks=[make(value)])
    return trial


def _clip(value):
    gan = keras_gans.GAN(*_nets("gan"), 4)
    constraints.constrain_variables(gan.discriminator.trainable_variables,
                                    constraints.Clip(value))
    return gan


MODEL_ARGUMENTS = [
    # GAN (every variant takes these).
    (keras_gans.GAN, "gan", "latent_dim", "int", {}),
    (keras_gans.GAN, "gan", "d_steps", "int", {}),
    (keras_gans.GAN, "gan", "g_steps", "int", {}),
    (keras_gans.GAN, "gan", "pack", "int", {}),
    (keras_gans.GAN, "gan", "ema_start_step", "int", {"ema_decay": 0.9}),
    (keras_gans.GAN, "gan", "instance_noise", "float", {}),
    (keras_gans.GAN, "gan", "ema_decay", "float", {}),
    (keras_gans.GAN, "gan", "separate_batches", "bool", {}),
    (keras_gans.GAN, "gan", "ema_warmup", "bool", {"ema_decay": 0.9}),
    (keras_gans.GAN, "gan", "log_gradient_norms", "bool", {}),
    (keras_gans.GAN, "gan", "seed", "int_or_none", {}),
    (keras_gans.GAN, "gan", "data_range", "range", {}),
    (keras_gans.GAN, "gan", "latent_distribution", "choice", {}),
    (keras_gans.GAN, "gan", "update_scheme", "choice", {}),
    # The variants' own arguments.
    (keras_gans.ConditionalGAN, "conditional", "num_classes", "int", {}),
    (keras_gans.ACGAN, "acgan", "class_loss_weight", "float", {}),
    (keras_gans.InfoGAN, "infogan", "categorical_dims", "int", {}),
    (keras_gans.InfoGAN, "infogan", "continuous_dims", "int", {}),
    (keras_gans.InfoGAN, "infogan", "info_weight", "float", {}),
    (keras_gans.WGAN, "gan", "clip_value", "float", {}),
    (keras_gans.WGAN, "gan", "n_critic", "int_or_none", {}),
    (keras_gans.WGANGP, "gan", "gp_weight", "float", {}),
    (keras_gans.WGANGP, "gan", "n_critic", "int_or_none", {}),
    (keras_gans.VAEGAN, "vaegan", "kl_weight", "float", {}),
    (keras_gans.VAEGAN, "vaegan", "reconstruction_weight", "float", {}),
    (keras_gans.VAEGAN, "vaegan", "adversarial_weight", "float", {}),
]

PART_ARGUMENTS = [
    (lambda v, a: losses.BinaryCrossEntropy(**{a: v}), lambda p: _gan(loss=p),
     ["real_label", "fake_label", "label_noise", "label_flip"], "float"),
    (lambda v, a: losses.BinaryCrossEntropy(**{a: v}), lambda p: _gan(loss=p),
     ["generator"], "choice"),
    (lambda v, a: losses.LeastSquares(**{a: v}), lambda p: _gan(loss=p),
     ["a", "b", "c"], "signed_float"),
    (lambda v, a: losses.RelativisticAverage(**{a: v}), lambda p: _gan(loss=p),
     ["base"], "choice"),
    (lambda v, a: penalties.GradientPenalty(**{a: v}), lambda p: _gan(penalties=[p]),
     ["weight", "target", "epsilon"], "float"),
    (lambda v, a: penalties.GradientPenalty(**{a: v}), lambda p: _gan(penalties=[p]),
     ["every_n_steps"], "int"),
    (lambda v, a: penalties.GradientPenalty(**{a: v}), lambda p: _gan(penalties=[p]),
     ["one_sided"], "bool"),
    (lambda v, a: penalties.R1(**{a: v}), lambda p: _gan(penalties=[p]),
     ["gamma"], "float"),
    (lambda v, a: penalties.R2(**{a: v}), lambda p: _gan(penalties=[p]),
     ["every_n_steps"], "int"),
    (lambda v, a: augment.DiffAugment(**{a: v}), lambda p: _gan(augment=p),
     ["strength", "translation", "cutout"], "float"),
    (lambda v, a: v, _clip, ["value"], "float"),
]

IMAGE = (8, 8, 1)
BUILDER_ARGUMENTS = [
    (builder_trial(networks.mlp_generator, latent_dim=4, output_dim=2),
     {"int": ["latent_dim", "output_dim", "width", "depth", "num_classes", "embedding_dim"],
      "float": ["dropout"], "bool": ["batch_norm"], "choice": ["activation"]}),
    (builder_trial(networks.mlp_discriminator, input_dim=2),
     {"int": ["input_dim", "pack", "width", "depth", "num_classes"], "float": ["dropout"],
      "bool": ["batch_norm", "spectral_norm", "minibatch_stddev"]}),
    (builder_trial(networks.dcgan_generator, latent_dim=4, image_shape=IMAGE, filters=2),
     {"int": ["latent_dim", "filters", "kernel_size", "dense_units"],
      "int_or_none": ["depth"], "float": ["dropout"], "bool": ["batch_norm"],
      "choice": ["output_activation"], "range": ["image_shape"]}),
    (builder_trial(networks.dcgan_discriminator, image_shape=IMAGE, filters=2),
     {"int": ["filters", "kernel_size", "dense_units", "pack"], "int_or_none": ["depth"],
      "float": ["dropout"], "bool": ["batch_norm", "spectral_norm", "minibatch_stddev"]}),
    (builder_trial(networks.mlp_encoder, input_dim=2, latent_dim=4),
     {"int": ["input_dim", "latent_dim", "width", "depth"], "float": ["dropout"],
      "bool": ["batch_norm"]}),
    (builder_trial(networks.dcgan_encoder, image_shape=IMAGE, latent_dim=4, filters=2),
     {"int": ["latent_dim", "filters"], "float": ["dropout"], "bool": ["batch_norm"]}),
    (builder_trial(networks.autoencoder_generator, latent_dim=4, output_shape=2, width=8),
     {"int": ["latent_dim", "width", "depth"], "float": ["dropout"], "bool": ["batch_norm"]}),
    (builder_trial(networks.discriminator_with_heads,
                   discriminator=networks.mlp_discriminator(2, width=8), heads={"q_cont": 2}),
     {"int": ["q_hidden_units"], "bool": ["batch_norm", "q_cont_log_var"]}),
    (builder_trial(networks.MinibatchStdDev), {"int": ["group_size"], "float": ["epsilon"]}),
]

_RING = datasets.ring_centers()
CALLBACK_ARGUMENTS = [
    (lambda a, v: callbacks.DivergenceMonitor(**{a: v}),
     {"int": ["window"], "signed_float": ["d_loss_threshold", "min_g_loss_rise"],
      "float": ["explode_threshold", "grad_norm_threshold"],
      "choice": ["action", "frequency"]}),
    (lambda a, v: callbacks.GANMetrics(**{"metrics": ("modes",), "extractor": None,
                                          "centers": _RING, "std": 0.01, a: v}),
     {"int": ["num_samples", "every_n_epochs", "batch_size", "seed", "kid_subsets",
              "kid_subset_size", "is_splits"], "float": ["std"], "range": ["value_range"],
      "bool": ["raw_generator"]}),
    (lambda a, v: callbacks.SampleGrid(**{"directory": "unused", a: v}),
     {"int": ["num_samples", "seed", "every_n_epochs"]}),
    (lambda a, v: callbacks.VariableSchedule(**{"variable": "instance_noise", "start": 0.1,
                                                "end": 0.0, "epochs": 2, a: v}),
     {"signed_float": ["start", "end"], "int": ["epochs"], "choice": ["schedule"]}),
    (lambda a, v: callbacks.ModeCollapseMonitor(**{a: v}),
     {"int": ["patience"], "float": ["min_delta"], "signed_float": ["baseline"],
      "choice": ["mode", "action"]}),
    (lambda a, v: callbacks.StopOnNonFiniteLoss(**{a: v}), {"bool": ["raise_error"]}),
]

DATASET_ARGUMENTS = {
    "int": ["batch_size", "num_examples", "seed"],
    "bool": ["with_labels", "shuffle", "drop_remainder", "repeat"],
    "range": ["value_range"],
    "choice": ["split"],
}


def _cases():
    for cls, kind, argument, bad, fixed in MODEL_ARGUMENTS:
        for value in BAD[bad]:
            yield (f"{cls.__name__}-{argument}-{value!r}",
                   model_trial(cls, kind, argument, **fixed), argument, value)
    for make, use, arguments, bad in PART_ARGUMENTS:
        for argument in arguments:
            for value in BAD[bad]:
                yield (f"{use.__name__ if use is _clip else 'part'}-{argument}-{value!r}",
                       part_trial(functools.partial(make, a=argument), use), argument, value)
    for trial, kinds in BUILDER_ARGUMENTS:
        for bad, arguments in kinds.items():
            for argument in arguments:
                for value in BAD[bad]:
                    yield f"builder-{argument}-{value!r}", trial(argument), argument, value
    for make, kinds in CALLBACK_ARGUMENTS:
        for bad, arguments in kinds.items():
            for argument in arguments:
                for value in BAD[bad]:
                    yield (f"callback-{argument}-{value!r}",
                           callback_trial(functools.partial(make, argument)), argument, value)
    for bad, arguments in DATASET_ARGUMENTS.items():
        for argument in arguments:
            for value in BAD[bad]:
                def trial(value, argument=argument):
                    _train(_gan(), data=datasets.load("ring", **{argument: value}))
                yield f"load-{argument}-{value!r}", trial, argument, value


CASES = list(_cases())


@pytest.mark.parametrize("trial, argument, value", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_bad_argument_value_is_refused_before_anything_trains(trial, argument, value):
    trained = len(_TRAINED)
    with pytest.raises(ValueError) as caught:
        trial(value)
    assert len(_TRAINED) == trained
    message = str(caught.value)
    assert f"`{argument}`" in message or f"{argument}=" in message, message


def test_the_table_covers_every_argument_kind():
    # A guard against the table silently shrinking.
    assert len(CASES) > 300
    assert {bad for *_, bad, _ in MODEL_ARGUMENTS} == set(BAD) - {"signed_float"}
