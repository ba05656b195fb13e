"""Model variants: `--model` name -> `keras_gans` class and constructor call.

Each entry says which class it needs, whether the data must carry labels,
which networks it builds and which flags become constructor arguments.
Variants whose class is missing from the installed `keras_gans` fail with
a `ModelNotAvailableError` naming the class, before any run starts.

Per-step tricks are passed only when their flag differs from its default,
so a variant whose constructor lacks a trick (label smoothing means nothing
to a WGAN critic) still builds, and asking for that trick fails with a
message naming it.
"""

import dataclasses
import inspect

# Flag name -> constructor argument of the GAN base model (TRICKS 1.3, 1.4,
# 2.3, 2.4, 3.3, 4.3, 4.5).
TRICK_ARGUMENTS = {
    "latent_distribution": "latent_distribution",
    "d_steps": "d_steps",
    "g_steps": "g_steps",
    "separate_batches": "separate_batches",
    "instance_noise": "instance_noise",
}
# Flags that configure the loss object (`keras_gans.losses.get(loss, **options)`);
# the loss refuses, with the reason, the ones it cannot take.
LOSS_OPTIONS = {
    "real_label": "real_label",
    "fake_label": "fake_label",
    "label_noise": "label_noise",
    "label_flip": "label_flip",
}


class ModelNotAvailableError(ValueError):
    """The installed `keras_gans` does not provide the requested variant."""


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    """How to build one variant.

    Attributes:
        class_name: Attribute of `keras_gans` holding the model class.
        needs_labels: Whether training batches are `(x, labels)`.
        conditional_generator: Whether G takes `[z, labels]`.
        conditional_discriminator: Whether D takes `[x, labels]`.
        arguments: Function `(values, info) -> dict` of the variant's own
            constructor arguments (always passed).
        encoder: Whether the variant takes an encoder first (VAE-GAN).
        discriminator_heads: Function `(values, info) -> heads dict` for
            `networks.discriminator_with_heads`, or `None`.
        generator_extra_inputs: Function `values -> int`, input width the
            generator takes beyond `latent_dim` (InfoGAN's codes), or `None`.
    """

    class_name: str
    needs_labels: bool = False
    conditional_generator: bool = False
    conditional_discriminator: bool = False
    arguments: object = None
    encoder: bool = False
    discriminator_heads: object = None
    generator_extra_inputs: object = None


def categorical_dims(values):
    """`--categorical_dims` as a tuple of ints."""
    return tuple(int(k) for k in values["categorical_dims"])


def _infogan_heads(values, info):
    heads = {}
    if categorical_dims(values):
        heads["q_cat"] = sum(categorical_dims(values))
    if values["continuous_dims"]:
        heads["q_cont"] = values["continuous_dims"]
    return heads


MODELS = {
    "gan": ModelEntry("GAN"),
    "conditional_gan": ModelEntry(
        "ConditionalGAN",
        needs_labels=True,
        conditional_generator=True,
        conditional_discriminator=True,
        arguments=lambda values, info: {"num_classes": num_classes(values, info)},
    ),
    "acgan": ModelEntry(
        "ACGAN",
        needs_labels=True,
        conditional_generator=True,
        arguments=lambda values, info: {
            "num_classes": num_classes(values, info),
            "class_loss_weight": values["class_loss_weight"],
        },
        discriminator_heads=lambda values, info: {"class": num_classes(values, info)},
    ),
    "infogan": ModelEntry(
        "InfoGAN",
        arguments=lambda values, info: {
            "categorical_dims": categorical_dims(values),
            "continuous_dims": values["continuous_dims"],
            "info_weight": values["info_weight"],
        },
        discriminator_heads=_infogan_heads,
        generator_extra_inputs=lambda values: (
            sum(categorical_dims(values)) + values["continuous_dims"]
        ),
    ),
    "wgan": ModelEntry(
        "WGAN",
        arguments=lambda values, info: {
            "clip_value": values["clip_value"],
            "n_critic": values["n_critic"],
        },
    ),
    "wgangp": ModelEntry(
        "WGANGP",
        arguments=lambda values, info: {
            "gp_weight": values["gp_weight"],
            "n_critic": values["n_critic"],
        },
    ),
    "vaegan": ModelEntry(
        "VAEGAN",
        encoder=True,
        arguments=lambda values, info: {
            "kl_weight": values["kl_weight"],
            "reconstruction_weight": values["reconstruction_weight"],
            "adversarial_weight": values["adversarial_weight"],
        },
    ),
}


def get_entry(name):
    """The `ModelEntry` of a `--model` name."""
    if name not in MODELS:
        raise ValueError(f"Unknown --model={name!r}; valid: {', '.join(MODELS)}.")
    return MODELS[name]


def model_class(name):
    """The `keras_gans` class of a variant.

    Raises:
        ModelNotAvailableError: the installed package lacks it.
    """
    import keras_gans

    entry = get_entry(name)
    cls = getattr(keras_gans, entry.class_name, None)
    if cls is None:
        available = [m for m, e in MODELS.items() if hasattr(keras_gans, e.class_name)]
        raise ModelNotAvailableError(
            f"--model={name} needs keras_gans.{entry.class_name}, which this "
            f"checkout of keras_gans does not provide yet. Available models: "
            f"{', '.join(available)}."
        )
    return cls


def num_classes(values, info):
    """`--num_classes`, or the dataset's class count."""
    if values["num_classes"]:
        return values["num_classes"]
    if info.num_classes is None:
        raise ValueError(
            f"--model={values['model']} needs labels, but --dataset="
            f"{info.name} has none; pick a labelled dataset or set --num_classes."
        )
    return info.num_classes


def trick_arguments(values, defaults, cls):
    """Constructor arguments of the per-step tricks that differ from default."""
    kwargs = {
        argument: values[flag]
        for flag, argument in TRICK_ARGUMENTS.items()
        if values[flag] != defaults[flag]
    }
    options = {
        option: values[flag]
        for flag, option in LOSS_OPTIONS.items()
        if values[flag] != defaults[flag]
    }
    if options or values["loss"] != defaults["loss"]:
        from keras_gans import losses

        # Label options with the default --loss configure the model's own
        # default loss (a WGAN's critic loss then refuses them, saying why).
        name = values["loss"]
        if name == defaults["loss"]:
            name = next(inspect.signature(base.__init__).parameters["loss"].default
                        for base in cls.__mro__
                        if "loss" in inspect.signature(base.__init__).parameters)
        kwargs["loss"] = losses.get(name, **options)
    return kwargs


def build_model(values, info, defaults):
    """Builds the (uncompiled) model of a run.

    Args:
        values: The run's flag values.
        info: The `data.DataInfo` of its dataset.
        defaults: Flag name -> default value (to find the tricks turned on).

    Returns:
        A `keras_gans` model.
    """
    from benchmarks.harness import networks as nets

    entry = get_entry(values["model"])
    cls = model_class(values["model"])
    g_classes = num_classes(values, info) if entry.conditional_generator else None
    d_classes = num_classes(values, info) if entry.conditional_discriminator else None
    extra = entry.generator_extra_inputs(values) if entry.generator_extra_inputs else 0
    generator = nets.build_generator(values, info, g_classes, extra_inputs=extra)
    discriminator = nets.build_discriminator(values, info, d_classes)
    if entry.discriminator_heads is not None:
        from keras_gans import networks

        discriminator = networks.discriminator_with_heads(
            discriminator, entry.discriminator_heads(values, info)
        )
    kwargs = trick_arguments(values, defaults, cls)
    if entry.arguments is not None:
        kwargs.update(entry.arguments(values, info))
    kwargs["seed"] = values["seed"]
    _check_arguments(cls, kwargs, values["model"])
    networks_args = [generator, discriminator]
    if entry.encoder:
        networks_args.insert(0, nets.build_encoder(values, info))
    return cls(*networks_args, latent_dim=values["latent_dim"], **kwargs)


def _check_arguments(cls, kwargs, model_name):
    """Fails clearly when a variant's constructor lacks a requested trick."""
    parameters = inspect.signature(cls.__init__).parameters
    accepted = {
        name
        for name, p in parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    # Classes that forward **kwargs to a parent accept its arguments too.
    for base in cls.__mro__[1:]:
        if base.__module__.startswith("keras_gans"):
            accepted |= set(inspect.signature(base.__init__).parameters)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        flags_named = [f for f, a in TRICK_ARGUMENTS.items() if a in unknown] or unknown
        raise ValueError(
            f"--model={model_name} ({cls.__name__}) does not take "
            f"{', '.join(unknown)}; remove --{', --'.join(flags_named)} from "
            "this study or variation."
        )
