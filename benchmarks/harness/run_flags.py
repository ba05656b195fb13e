"""The flags of one training run.

Every trick of TRICKS.md has a flag here, so that a study's variation is a
list of `flag=value` pairs (see `variations`). The same definitions are used
by `ablate.py` (for the study's base values and to validate variations) and
by `run_one.py` (which reads a run's `flags.txt`), so a run is exactly
described by the text of its flags.

Flags are defined into an explicit `absl.flags.FlagValues` instead of the
global `FLAGS`, because the study parses one fresh set per variation.
"""

from absl import flags

MODELS = ("gan", "conditional_gan", "acgan", "infogan", "wgan", "wgangp", "vaegan")
DATASETS = ("ring", "grid", "mnist", "fashion_mnist", "celeb_a", "stacked_mnist")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
G_ARCHITECTURES = ("auto", "mlp", "dcgan", "autoencoder")
D_ARCHITECTURES = ("auto", "mlp", "dcgan")
ACTIVATIONS = ("auto", "relu", "leaky_relu", "tanh")
OUTPUT_ACTIVATIONS = ("auto", "none", "tanh", "sigmoid")
TRISTATE = ("auto", "true", "false")
SCHEDULES = ("none", "linear", "exponential")
METRICS = (
    "modes",
    "fid",
    "kid",
    "is",
    "precision",
    "recall",
    "density",
    "coverage",
    "diversity",
    "classes",
)
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def _network_flags(prefix, role, fv, output_activation):
    """Builder arguments of one network (`prefix` is "g" or "d")."""
    architectures = G_ARCHITECTURES if prefix == "g" else D_ARCHITECTURES
    flags.DEFINE_enum(
        f"{prefix}_architecture",
        "auto",
        architectures,
        f"{role} architecture; auto: mlp for 2D mixtures, dcgan for images "
        "(TRICKS 1.7, 3.4).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        f"{prefix}_depth",
        None,
        f"{role} depth (TRICKS 3.1): hidden layers of an MLP (default 2), extra "
        "stride-1 conv blocks of a DCGAN net (default 0).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        f"{prefix}_width",
        128,
        f"{role} MLP hidden width.",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        f"{prefix}_filters",
        64,
        f"{role} DCGAN base filter count.",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        f"{prefix}_dense_units",
        None,
        f"{role} DCGAN hidden dense layer (InfoGAN-style nets use 1024).",
        flag_values=fv,
    )
    flags.DEFINE_enum(
        f"{prefix}_activation",
        "auto",
        ACTIVATIONS,
        f"{role} hidden activation (TRICKS 2.2); auto: the builder's default "
        "(relu in G, leaky_relu in D).",
        flag_values=fv,
    )
    flags.DEFINE_float(
        f"{prefix}_dropout",
        0.0,
        f"{role} dropout rate (TRICKS 2.1).",
        lower_bound=0.0,
        upper_bound=0.99,
        flag_values=fv,
    )
    flags.DEFINE_enum(
        f"{prefix}_batch_norm",
        "auto",
        TRISTATE,
        f"{role} batch norm; auto: on for DCGAN, off for MLP.",
        flag_values=fv,
    )
    flags.DEFINE_string(
        f"{prefix}_init",
        "glorot_normal",
        f"{role} kernel initializer name (TRICKS 1.6).",
        flag_values=fv,
    )
    if output_activation:
        flags.DEFINE_enum(
            "g_output_activation",
            "auto",
            OUTPUT_ACTIVATIONS,
            "Generator output activation (TRICKS 1.1); auto: none for 2D "
            "mixtures, tanh for images. Images are scaled to its range.",
            flag_values=fv,
        )


def _optimizer_flags(prefix, role, fv, learning_rate):
    flags.DEFINE_enum(
        f"{prefix}_optimizer",
        "adam",
        OPTIMIZERS,
        f"{role} optimizer (TRICKS 1.5; sgd for D is TRICKS 3.2).",
        flag_values=fv,
    )
    flags.DEFINE_float(
        f"{prefix}_learning_rate",
        learning_rate,
        f"{role} learning rate.",
        lower_bound=0.0,
        flag_values=fv,
    )
    flags.DEFINE_float(f"{prefix}_beta_1", 0.5, f"{role} Adam beta_1.", flag_values=fv)
    flags.DEFINE_float(
        f"{prefix}_beta_2", 0.999, f"{role} Adam beta_2.", flag_values=fv
    )
    flags.DEFINE_float(
        f"{prefix}_momentum", 0.0, f"{role} SGD/RMSprop momentum.", flag_values=fv
    )


def define_run_flags(fv):
    """Defines every per-run flag into `fv`.

    Args:
        fv: An `absl.flags.FlagValues` (the global `flags.FLAGS` in the entry
            points, a fresh one to parse a variation).

    Returns:
        The tuple of defined flag names, in definition order.
    """
    before = set(fv)
    # --- Model and per-step tricks (TRICKS 1.2-1.4, 2.3, 2.4, 3.3, 4.3, 4.5).
    flags.DEFINE_enum(
        "model",
        "gan",
        MODELS,
        "Model variant (TRICKS 3.4, 4.1, 4.2, 4.4, 4.8).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "latent_dim", 64, "Latent vector size.", lower_bound=1, flag_values=fv
    )
    flags.DEFINE_string(
        "loss",
        "non_saturating",
        "Generator loss (TRICKS 1.3): non_saturating or minimax.",
        flag_values=fv,
    )
    flags.DEFINE_enum(
        "latent_distribution",
        "normal",
        ("normal", "uniform"),
        "Latent prior (TRICKS 1.4).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "d_steps",
        1,
        "D updates per training step (TRICKS 2.3).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "g_steps",
        1,
        "G updates per training step (TRICKS 2.4).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_bool(
        "separate_batches",
        False,
        "D updates on real-only then fake-only batches (TRICKS 3.3).",
        flag_values=fv,
    )
    flags.DEFINE_float(
        "real_label",
        1.0,
        "D target for real data (TRICKS 4.3).",
        lower_bound=0.0,
        upper_bound=1.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "fake_label",
        0.0,
        "D target for fake data (TRICKS 4.3).",
        lower_bound=0.0,
        upper_bound=1.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "label_noise",
        0.0,
        "Uniform noise width on D targets (TRICKS 4.3).",
        lower_bound=0.0,
        upper_bound=1.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "label_flip",
        0.0,
        "Probability of flipping a D target (TRICKS 4.3).",
        lower_bound=0.0,
        upper_bound=1.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "instance_noise",
        0.0,
        "Initial std of the noise on D's inputs (TRICKS 4.5).",
        lower_bound=0.0,
        flag_values=fv,
    )
    flags.DEFINE_enum(
        "instance_noise_schedule",
        "none",
        SCHEDULES,
        "Anneals instance_noise to --instance_noise_end over "
        "--instance_noise_epochs (TRICKS 4.5).",
        flag_values=fv,
    )
    flags.DEFINE_float(
        "instance_noise_end",
        0.0,
        "Final instance-noise std.",
        lower_bound=0.0,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "instance_noise_epochs",
        None,
        "Length of the instance-noise schedule in epochs (default: --epochs).",
        lower_bound=1,
        flag_values=fv,
    )
    # --- Variant-specific arguments (ignored by variants that lack them).
    flags.DEFINE_integer(
        "num_classes",
        None,
        "Classes of conditional/ACGAN models (default: the dataset's).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "clip_value", 0.01, "WGAN weight clipping.", lower_bound=0.0, flag_values=fv
    )
    flags.DEFINE_integer(
        "n_critic",
        5,
        "WGAN/WGAN-GP critic updates per step.",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "gp_weight", 10.0, "WGAN-GP penalty weight.", lower_bound=0.0, flag_values=fv
    )
    flags.DEFINE_list(
        "categorical_dims",
        ["10"],
        "InfoGAN categorical code sizes, e.g. 10 or 10,4 (empty: none).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "continuous_dims",
        2,
        "InfoGAN continuous codes.",
        lower_bound=0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "info_weight",
        1.0,
        "InfoGAN mutual-information weight.",
        lower_bound=0.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "class_loss_weight",
        1.0,
        "ACGAN auxiliary classification weight.",
        lower_bound=0.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "kl_weight", 1.0, "VAE-GAN KL weight.", lower_bound=0.0, flag_values=fv
    )
    flags.DEFINE_float(
        "reconstruction_weight",
        1.0,
        "VAE-GAN reconstruction weight.",
        lower_bound=0.0,
        flag_values=fv,
    )
    flags.DEFINE_float(
        "adversarial_weight",
        1.0,
        "VAE-GAN weight of G's adversarial term.",
        lower_bound=0.0,
        flag_values=fv,
    )
    # --- Networks.
    _network_flags("g", "Generator", fv, output_activation=True)
    _network_flags("d", "Discriminator", fv, output_activation=False)
    # --- Optimizers.
    _optimizer_flags("d", "Discriminator", fv, learning_rate=2e-4)
    _optimizer_flags("g", "Generator", fv, learning_rate=2e-4)
    # --- Data.
    flags.DEFINE_enum("dataset", "ring", DATASETS, "Training data.", flag_values=fv)
    flags.DEFINE_string(
        "data_dir",
        None,
        "Folder searched for local dataset files (e.g. mnist.npz).",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "image_size",
        None,
        "Side of image data (default 28 or 64).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "num_examples",
        None,
        "Training examples (a prefix of an image split; mixture points).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer("batch_size", 64, "Batch size.", lower_bound=1, flag_values=fv)
    # --- Budget.
    flags.DEFINE_integer("epochs", 1, "Training epochs.", lower_bound=1, flag_values=fv)
    flags.DEFINE_integer(
        "steps_per_epoch",
        0,
        "Steps per epoch; 0 means one pass over the data.",
        lower_bound=0,
        flag_values=fv,
    )
    flags.DEFINE_integer("seed", 0, "Seed of the run (set by --seeds).", flag_values=fv)
    # --- Evaluation.
    flags.DEFINE_list(
        "metrics",
        ["auto"],
        f"Metrics, from {', '.join(METRICS)} (TRICKS 4.6); auto: modes for "
        "the mixtures and Stacked MNIST, fid,kid,is,classes for MNIST-like "
        "data, fid,kid for CelebA.",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "eval_num_samples",
        2500,
        "Generated samples per evaluation.",
        lower_bound=2,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "eval_every_n_epochs",
        1,
        "Evaluate every N epochs (and after the last).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_string(
        "extractor",
        "auto",
        "Feature extractor of image metrics; auto: mnist for MNIST-like data, "
        "inception_v3 for CelebA.",
        flag_values=fv,
    )
    flags.DEFINE_string(
        "early_stopping_metric",
        None,
        "Stop early when this logged metric stops improving (TRICKS 4.7).",
        flag_values=fv,
    )
    flags.DEFINE_enum(
        "early_stopping_mode",
        "auto",
        ("auto", "min", "max"),
        "Whether the early-stopping metric should go down or up.",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "early_stopping_patience",
        3,
        "Epochs without improvement.",
        lower_bound=0,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "grid_samples",
        None,
        "Samples in the sample picture (default 64 images or 2500 points).",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "grid_every_n_epochs",
        0,
        "Also save a sample picture every N epochs (0: only the final one).",
        lower_bound=0,
        flag_values=fv,
    )
    flags.DEFINE_bool(
        "export", False, "Export the generator as a SavedModel.", flag_values=fv
    )
    # --- Scale.
    flags.DEFINE_enum(
        "strategy", "default", STRATEGIES, "tf.distribute strategy.", flag_values=fv
    )
    flags.DEFINE_string("tpu", None, "TPU address for --strategy=tpu.", flag_values=fv)
    flags.DEFINE_enum(
        "mixed_precision",
        "float32",
        PRECISIONS,
        "Keras dtype policy set before the networks are built.",
        flag_values=fv,
    )
    flags.register_validator(
        "metrics",
        lambda names: names == ["auto"] or all(name in METRICS for name in names),
        message=f"--metrics takes auto or names from: {', '.join(METRICS)}.",
        flag_values=fv,
    )
    flags.register_validator(
        "categorical_dims",
        lambda sizes: all(s.isdigit() and int(s) >= 2 for s in sizes),
        message="--categorical_dims takes integers >= 2, e.g. 10 or 10,4.",
        flag_values=fv,
    )
    return tuple(name for name in fv if name not in before)


def run_flag_names():
    """Names of the per-run flags (defined into a scratch `FlagValues`)."""
    return define_run_flags(flags.FlagValues())
