"""Every flag of the harness, declared as data, and the variation syntax.

A run is exactly described by the text of its per-run flags (`flags.txt`),
and a study's variation is a list of `flag=value` pairs over them. Each flag
is one `Flag` row below; `define` turns rows into absl flags in a loop, with
the range, choice and finiteness checks that make a bad value fail before
any run starts, naming the flag.

A row's `to` says where its value goes (see `build.py`); `ARG` defaults to
the row's name:

- `"model[:ARG]"`: a `GAN` constructor argument (a per-step trick), passed
  when it differs from the default; a model that lacks it is refused.
- `"variant[:ARG]"`: an argument of the variants that name it (`n_critic`,
  `gp_weight`, ...); ignored by the others.
- `"net[:ARG]"`: a `keras_gans.networks` builder argument, for the
  generator (`g_*`) or the discriminator (`d_*`); passed to the builders
  that take it.
- `"opt[:ARG]"`: a Keras optimizer argument (`d_*`, `g_*`), passed to the
  optimizers that take it.
- `"loss[:ARG]"`: an option of the loss object (`losses.get(--loss,
  **options)`); a loss that cannot take it (label smoothing for a
  Wasserstein critic) refuses it with the reason.
- `""`: read by the harness itself (data, budget, evaluation, scale).

Adding a flag is adding a row; defaults of model rows equal the
constructors' (a test asserts it). `convert` turns the flag's value into the
argument's (e.g. `"10,4"` into `(10, 4)`); `None` after conversion leaves the
builder's or constructor's own default in place.
"""

import dataclasses
import difflib
import math
import os
import re

from absl import flags as absl_flags

# --model value -> keras_gans class name.
MODELS = {
    "gan": "GAN",
    "conditional_gan": "ConditionalGAN",
    "acgan": "ACGAN",
    "infogan": "InfoGAN",
    "wgan": "WGAN",
    "wgangp": "WGANGP",
    "vaegan": "VAEGAN",
}
DATASETS = ("ring", "grid", "mnist", "fashion_mnist", "celeb_a", "stacked_mnist")
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
TRISTATE = ("auto", "true", "false")
ROLES = {"g": "Generator", "d": "Discriminator"}

# Names that become folder names (variations, studies), kept portable.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# A comma starts a new pair only when `flag=` follows, so list values such
# as `metrics=fid,kid` keep their commas.
_PAIR_SEPARATOR = re.compile(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)")


@dataclasses.dataclass(frozen=True)
class Flag:
    """One flag (or, with `roles`, one flag per network: `g_x` and `d_x`).

    Attributes:
        name: Flag name, without the role prefix when `roles` is set.
        default: Default value (its type picks the absl flag type).
        help: Help text; `{role}` becomes "Generator" or "Discriminator".
        to: Where the value goes (module docstring).
        choices: Allowed values (an enum, or the items of a list flag).
        low, high: Inclusive bounds of a number.
        kind: "int", "float", "bool", "str", "list" or "multi"; inferred
            from `default` when empty.
        roles: `("g", "d")` for per-network flags.
        convert: Flag value -> argument value.
        check: Value -> error text or None, for rules absl cannot state.
    """

    name: str
    default: object
    help: str
    to: str = ""
    choices: tuple = ()
    low: float = None
    high: float = None
    kind: str = ""
    roles: tuple = ()
    convert: object = None
    check: object = None


def _ints(texts):
    return tuple(int(t) for t in texts)


def _tristate(text):
    return None if text == "auto" else text == "true"


def _auto_is_none(text):
    return None if text == "auto" else text


# Initializer name -> the argument a `name:value` flag sets.
_INITIALIZER_ARGUMENT = {
    "orthogonal": "gain", "random_normal": "stddev", "truncated_normal": "stddev",
    "variance_scaling": "scale", "constant": "value", "random_uniform": "maxval",
}


def initializer(text):
    """`"name"` or `"name:value"` (e.g. `orthogonal:1.4`) -> initializer or name.

    The value sets the initializer's scale argument: `gain` of orthogonal,
    `stddev` of the normals, `scale` of variance_scaling, `value` of
    constant, and `[-v, v]` of random_uniform.
    """
    name, _, value = text.partition(":")
    if not value:
        return name
    import keras

    argument = _INITIALIZER_ARGUMENT[name]
    kwargs = {argument: float(value)}
    if name == "random_uniform":
        kwargs["minval"] = -float(value)
    return keras.initializers.get({"class_name": name, "config": kwargs})


def _check_initializer(text):
    name, _, value = text.partition(":")
    if not value:
        return None
    if name not in _INITIALIZER_ARGUMENT:
        return (f"takes a value only for {', '.join(sorted(_INITIALIZER_ARGUMENT))} "
                f"(e.g. orthogonal:1.4); got {text!r}.")
    try:
        float(value)
    except ValueError:
        return f"needs a number after ':'; got {text!r}."
    return None


def penalty_list(texts):
    """`--penalties` items `name:weight[@every]` -> penalty objects.

    `r1:10` is `R1(gamma=10)`, `r1:10@16` the lazy `R1(10, every_n_steps=16)`,
    `r2:...` likewise, and `gp:10` a `GradientPenalty(weight=10)`.
    """
    from keras_gans import penalties

    out = []
    for text in texts:
        name, _, spec = text.partition(":")
        weight, _, every = spec.partition("@")
        cls = {"r1": penalties.R1, "r2": penalties.R2, "gp": penalties.GradientPenalty}[name]
        out.append(cls(float(weight), every_n_steps=int(every or 1)))
    return tuple(out)


def _check_penalties(texts):
    for text in texts:
        match = re.fullmatch(r"(r1|r2|gp):([0-9.eE+-]+)(@[0-9]+)?", text)
        if not match:
            return (f"items are NAME:WEIGHT[@EVERY] with NAME r1, r2 or gp, e.g. r1:10@16; "
                    f"got {text!r}.")
        weight = float(match.group(2))
        if not (math.isfinite(weight) and weight >= 0):
            return f"takes finite weights >= 0; got {text!r}."
        if match.group(3) and int(match.group(3)[1:]) < 1:
            return f"takes intervals >= 1; got {text!r}."
    return None


def _none_is_none(text):
    return None if text == "none" else text


def _check_augment(text):
    from_policy = [p for p in text.split("+") if p]
    if text == "none" or (from_policy and all(p in ("color", "translation", "cutout")
                                              for p in from_policy)):
        return None
    return ("takes none or a +-separated subset of color, translation, cutout "
            f"(e.g. color+translation+cutout); got {text!r}.")


def _check_metrics(names):
    if names == ["auto"] or all(n in METRICS for n in names):
        return None
    return f"takes auto or names from: {', '.join(METRICS)}."


def _check_categorical(sizes):
    if all(s.isdigit() and int(s) >= 2 for s in sizes):
        return None
    return "takes integers >= 2, e.g. 10 or 10,4."


def _check_seeds(texts):
    try:
        seeds = [int(t) for t in texts]
    except ValueError:
        return "takes integers >= 0, e.g. --seeds=0,1,2."
    if not seeds:
        return "is empty; give at least one seed, e.g. --seeds=0,1,2."
    if min(seeds) < 0:
        return f"takes seeds >= 0; got {min(seeds)}."
    if len(set(seeds)) != len(seeds):
        return f"lists a seed twice: {texts}; each seed is one run per variation."
    return None


def _check_datasets(names):
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        return f"unknown {unknown}; valid: {', '.join(DATASETS)}."
    if len(set(names)) != len(names):
        return f"lists a dataset twice: {names}; each would train the same runs."
    return None


def _check_reuse_from(folders):
    missing = [f for f in folders if not os.path.isdir(f)]
    if missing:
        return (
            f"{missing} is not a folder; give study folders such as "
            "benchmarks/results/level1_20k_mnist (each holding <variation>/seed_<k>)."
        )
    return None


def _check_study(name):
    if name is None or NAME_PATTERN.match(name):
        return None
    return (
        "names a folder under --output_dir: start with a letter or digit and "
        "use only letters, digits, '_', '.' and '-'."
    )


_NETWORK_ROWS = [
    Flag("architecture", "auto", "{role} architecture; auto: mlp for 2D mixtures, dcgan for "
         "images (TRICKS 1.7, 3.4).", roles=("g",), choices=("auto", "mlp", "dcgan", "autoencoder")),
    Flag("architecture", "auto", "{role} architecture; auto: mlp for 2D mixtures, dcgan for "
         "images (TRICKS 1.7).", roles=("d",), choices=("auto", "mlp", "dcgan")),
    Flag("depth", None, "{role} depth (TRICKS 3.1): hidden layers of an MLP (default 2), extra "
         "stride-1 conv blocks of a DCGAN net (default 0).", to="net", kind="int", low=0),
    Flag("width", 128, "{role} MLP hidden width (mlp, autoencoder).", to="net", low=1),
    Flag("filters", 64, "{role} DCGAN base filter count (dcgan, autoencoder).", to="net", low=1),
    Flag("dense_units", None, "{role} DCGAN hidden dense layer (InfoGAN-style nets use 1024).",
         to="net", kind="int", low=1),
    Flag("activation", "auto", "{role} hidden activation (TRICKS 2.2); auto: the builder's "
         "default (relu in G, leaky_relu in D).", to="net",
         choices=("auto", "relu", "leaky_relu", "tanh"), convert=_auto_is_none),
    Flag("dropout", 0.0, "{role} dropout rate (TRICKS 2.1).", to="net", low=0.0, high=0.99),
    Flag("batch_norm", "auto", "{role} batch norm; auto: on for DCGAN, off for MLP.", to="net",
         choices=TRISTATE, convert=_tristate),
    Flag("init", "glorot_normal", "{role} kernel initializer (TRICKS 1.6): a Keras name, or "
         "name:value for its scale (orthogonal:1.4 is the 2D papers' code; he_normal).",
         to="net:kernel_initializer", convert=initializer, check=_check_initializer),
    Flag("spectral_norm", False, "Spectral normalisation of every {role} kernel (Miyato et al. "
         "2018).", roles=("d",), to="net"),
    Flag("minibatch_stddev", False, "Minibatch standard deviation feature in the {role} "
         "(Karras et al. 2018).", roles=("d",), to="net"),
    Flag("output_activation", "auto", "Generator output activation (TRICKS 1.1); auto: none "
         "for 2D mixtures, tanh for images. Images are scaled to its range.", roles=("g",),
         choices=("auto", "none", "tanh", "sigmoid")),
]

# The library's defaults: GAN.compile() uses Adam(2e-4, beta_1=0.5) for both
# networks (TRICKS 1.5). Betas go to Adam, momentum to SGD and RMSprop.
_OPTIMIZER_ROWS = [
    Flag("optimizer", "adam", "{role} optimizer (TRICKS 1.5; sgd for D is TRICKS 3.2).",
         choices=("adam", "sgd", "rmsprop")),
    Flag("learning_rate", 2e-4, "{role} learning rate.", to="opt", low=0.0),
    Flag("beta_1", 0.5, "{role} Adam beta_1.", to="opt", low=0.0, high=1.0),
    Flag("beta_2", 0.999, "{role} Adam beta_2.", to="opt", low=0.0, high=1.0),
    Flag("momentum", 0.0, "{role} SGD/RMSprop momentum.", to="opt", low=0.0, high=1.0),
    Flag("epsilon", 1e-7, "{role} Adam/RMSprop epsilon (Keras' default 1e-7; the 2D papers' "
         "TensorFlow 1 code used 1e-8).", to="opt", low=0.0),
    # Read by build_optimizer, which alone knows the run's length in updates.
    Flag("lr_decay", "none", "{role} learning-rate decay to 0 over the run's planned updates "
         "(--epochs x steps per epoch x updates per step): none, linear (the WGAN-GP and SNGAN "
         "code) or cosine. A run stopped early (time budget, early stopping) ends before 0.",
         choices=("none", "linear", "cosine")),
]

RUN_FLAGS = [
    # --- Model and per-step tricks (TRICKS 1.2-1.4, 2.3, 2.4, 3.3, 4.3, 4.5).
    Flag("model", "gan", "Model variant (TRICKS 3.4, 4.1, 4.2, 4.4, 4.8).", choices=tuple(MODELS)),
    Flag("latent_dim", 64, "Latent vector size.", low=1),
    Flag("loss", "non_saturating", "Adversarial loss (TRICKS 1.2, 1.3, and beyond the guide): "
         "non_saturating, minimax (BCE), wasserstein, hinge, least_squares, relativistic, "
         "relativistic_hinge. Variants with their own default (WGAN) keep it unless this is "
         "set.", to="model",
         choices=("non_saturating", "minimax", "wasserstein", "hinge", "least_squares",
                  "relativistic", "relativistic_hinge")),
    Flag("penalties", [], "Penalties added to D's loss, NAME:WEIGHT[@EVERY]: r1:10 (R1, "
         "gamma 10), r2:1, gp:10 (gradient penalty); @16 makes one lazy (every 16 D steps).",
         to="model", convert=penalty_list, check=_check_penalties),
    Flag("update_scheme", "alternating", "alternating (D then G) or simultaneous (both from "
         "one pass, the 2D papers' code).", to="model", choices=("alternating", "simultaneous")),
    Flag("augment", "none", "DiffAugment policy, e.g. color+translation+cutout (Zhao et al. "
         "2020); none: off.", to="model", convert=_none_is_none, check=_check_augment),
    Flag("pack", 1, "PacGAN packing: D judges this many samples at once (Lin et al. 2018).",
         to="model", low=1),
    Flag("ema_decay", None, "Exponential moving average of G's weights, e.g. 0.999 (Yazici et "
         "al. 2019); samples and metrics use it.", to="model", kind="float", low=0.0,
         high=0.999999),
    Flag("ema_start_step", 0, "Training steps before the EMA starts averaging.", to="model",
         low=0),
    Flag("ema_warmup", False, "Ramp the EMA decay up as (1 + t) / (10 + t) over its first steps "
         "t (tf.train.ExponentialMovingAverage's num_updates), so short runs forget the "
         "initial weights.", to="model"),
    Flag("latent_distribution", "normal", "Latent prior (TRICKS 1.4).", to="model",
         choices=("normal", "uniform")),
    Flag("d_steps", 1, "D updates per training step (TRICKS 2.3).", to="model", low=1),
    Flag("g_steps", 1, "G updates per training step (TRICKS 2.4).", to="model", low=1),
    Flag("separate_batches", False, "D updates on real-only then fake-only batches (TRICKS 3.3).",
         to="model"),
    Flag("real_label", 1.0, "D target for real data (TRICKS 4.3).", to="loss", low=0.0, high=1.0),
    Flag("fake_label", 0.0, "D target for fake data (TRICKS 4.3).", to="loss", low=0.0, high=1.0),
    Flag("label_noise", 0.0, "Uniform noise width on D targets (TRICKS 4.3).", to="loss",
         low=0.0, high=1.0),
    Flag("label_flip", 0.0, "Probability of flipping a D target (TRICKS 4.3).", to="loss",
         low=0.0, high=1.0),
    Flag("instance_noise", 0.0, "Initial std of the noise on D's inputs (TRICKS 4.5).",
         to="model", low=0.0),
    Flag("instance_noise_schedule", "none", "Anneals instance_noise to --instance_noise_end "
         "over --instance_noise_epochs (TRICKS 4.5).", choices=("none", "linear", "exponential")),
    Flag("instance_noise_end", 0.0, "Final instance-noise std.", low=0.0),
    Flag("instance_noise_epochs", None, "Length of the instance-noise schedule in epochs "
         "(default: --epochs).", kind="int", low=1),
    # --- Variant-specific arguments (ignored by variants that lack them).
    Flag("num_classes", None, "Classes of conditional/ACGAN models (default: the dataset's).",
         kind="int", low=2),
    Flag("pseudo_labels", 0, "Train a label-taking model (conditional_gan, acgan) on "
         "clusters of the training data instead of its labels: this many clusters of the "
         "samples' 50 leading principal components (--pseudo_labels_method), seeded by "
         "--seed; generated labels follow the clusters' sizes (datasets.cluster_labels). "
         "0: the dataset's labels.", kind="int", low=0),
    Flag("pseudo_labels_method", "kmeans", "How --pseudo_labels clusters: kmeans (k-means++) "
         "or spectral (k-means on the eigenvectors of the 10-nearest-neighbour graph: purer "
         "clusters, slower).", choices=("kmeans", "spectral")),
    Flag("clip_value", 0.01, "WGAN weight clipping.", to="variant", low=0.0),
    Flag("n_critic", None, "WGAN/WGAN-GP critic updates per step (the presets' default: 5).",
         to="variant", kind="int", low=1),
    Flag("gp_weight", None, "WGAN-GP penalty weight (the preset's default: 10).",
         to="variant", kind="float", low=0.0),
    Flag("categorical_dims", ["10"], "InfoGAN categorical code sizes, e.g. 10 or 10,4 (empty: "
         "none).", to="variant", convert=_ints, check=_check_categorical),
    Flag("continuous_dims", 2, "InfoGAN continuous codes.", to="variant", low=0),
    Flag("info_weight", 1.0, "InfoGAN mutual-information weight.", to="variant", low=0.0),
    Flag("class_loss_weight", 1.0, "ACGAN auxiliary classification weight.", to="variant",
         low=0.0),
    Flag("kl_weight", 1.0, "VAE-GAN KL weight.", to="variant", low=0.0),
    Flag("reconstruction_weight", 1.0, "VAE-GAN reconstruction weight.", to="variant", low=0.0),
    Flag("adversarial_weight", 1.0, "VAE-GAN weight of G's adversarial term.", to="variant",
         low=0.0),
    # --- Networks and optimizers, one flag per role (g_*, d_*).
    *[dataclasses.replace(row, roles=row.roles or ("g", "d")) for row in _NETWORK_ROWS],
    *[dataclasses.replace(row, roles=("d", "g")) for row in _OPTIMIZER_ROWS],
    # --- Data.
    Flag("dataset", "ring", "Training data.", choices=DATASETS),
    Flag("data_dir", None, "Folder searched for local dataset files (e.g. mnist.npz).",
         kind="str"),
    Flag("image_size", None, "Side of image data (default 28 or 64).", kind="int", low=1),
    Flag("num_examples", None, "Training examples (a prefix of an image split; mixture points).",
         kind="int", low=1),
    Flag("batch_size", 64, "Batch size.", low=1),
    Flag("fresh_samples", False, "2D mixtures: draw a fresh batch every step, as the 2D "
         "papers' code does, instead of cycling over --num_examples points (needs "
         "--steps_per_epoch)."),
    # --- Budget.
    Flag("epochs", 1, "Training epochs.", low=1),
    Flag("time_budget_minutes", 0.0, "Stop at the end of the first epoch whose training time "
         "(evaluations included, summed over resumes) reaches this many minutes; 0: no "
         "budget. With a large --epochs, a time-to-quality study.", low=0.0),
    Flag("steps_per_epoch", 0, "Steps per epoch; 0 means one pass over the data.", low=0),
    Flag("seed", 0, "Seed of the run (set by --seeds).", low=0),
    # --- Evaluation.
    Flag("metrics", ["auto"], f"Metrics, from {', '.join(METRICS)} (TRICKS 4.6); auto: modes "
         "for the mixtures and Stacked MNIST, fid,kid,is,classes for MNIST-like data, fid,kid "
         "for CelebA.", check=_check_metrics),
    Flag("eval_num_samples", 2500, "Generated samples per evaluation.", low=2),
    Flag("eval_every_n_epochs", 1, "Evaluate every N epochs (and after the last).", low=1),
    Flag("eval_raw_generator", False, "With --ema_decay: also score the trained G at each "
         "evaluation (the EMA generator's metrics keep their keys; the trained G's are logged "
         "as raw_fid, raw_is, ...), so one run compares EMA with no EMA on the same training "
         "trajectory."),
    Flag("extractor", "auto", "Feature extractor of image metrics; auto: mnist for MNIST-like "
         "data, inception_v3 for CelebA."),
    Flag("fid_extractor", "none", "Network of FID and KID when it is not --extractor: "
         "fid_inception (the TF 2015 graph papers use; tools/fetch_fid_inception.py) or "
         "inception_v3 (Keras' ImageNet model). Its FIDs are logged as fid_inception / "
         "fid_inception_v3, never under the classifier's fid.",
         choices=("none", "fid_inception", "inception_v3")),
    Flag("early_stopping_metric", None, "Stop early when this logged metric stops improving "
         "(TRICKS 4.7).", kind="str"),
    Flag("early_stopping_mode", "auto", "Whether the early-stopping metric should go down or up.",
         choices=("auto", "min", "max")),
    Flag("early_stopping_patience", 3, "Evaluations (every --eval_every_n_epochs epochs) "
         "without improvement before stopping.", low=0),
    Flag("grid_samples", None, "Samples in the sample picture (default 64 images or 2500 "
         "points).", kind="int", low=1),
    Flag("grid_every_n_epochs", 0, "Also save a sample picture every N epochs (0: only the "
         "final one).", low=0),
    Flag("export", False, "Export the generator as a SavedModel."),
    # --- Scale.
    Flag("strategy", "default", "tf.distribute strategy.",
         choices=("default", "mirrored", "multi_worker", "tpu")),
    Flag("tpu", None, "TPU address for --strategy=tpu.", kind="str"),
    Flag("mixed_precision", "float32", "Keras dtype policy set before the networks are built.",
         choices=("float32", "mixed_bfloat16", "mixed_float16")),
]

VARIATION_HELP = """\
A named variation over the base flags, repeatable:
--variation=NAME[:flag=value,flag=value,...]. NAME alone (e.g. baseline)
runs the base flags unchanged. A value may itself contain commas
(metrics=fid,kid): a comma only starts a new pair when it is followed by
`flag=`. Example: --variation=baseline --variation=smooth:real_label=0.9
--variation=d3:d_steps=3,d_optimizer=sgd"""

# Study flags never reach a run; a variation cannot set them.
STUDY_FLAGS = [
    Flag("study", None, "Study name (default: the flagfile's base name); results go to "
         "--output_dir/<study>_<dataset>.", kind="str", check=_check_study),
    Flag("variation", [], VARIATION_HELP, kind="multi"),
    Flag("only_variations", [], "Run only these variations (names), e.g. to rerun two of them."),
    Flag("skip_variations", [], "Leave these variations out (e.g. label-conditioned models on "
         "CelebA, which has no labels)."),
    Flag("baseline", None, "Variation the report compares against (default: the first).",
         kind="str"),
    Flag("seeds", ["0"], "Seeds of every variation (integers >= 0).", check=_check_seeds),
    Flag("datasets", [], "Run the whole study once per dataset listed here; empty: once on "
         "--dataset. Study folders are <study>_<dataset>.", check=_check_datasets),
    Flag("output_dir", "results", "Root folder of all studies (git-ignored by default)."),
    Flag("parallel", 2, "Runs trained at the same time (each its own process).", low=1),
    Flag("threads", 0, "TensorFlow intra- and inter-op threads per run process; 0: the "
         "cores this process may use divided by --parallel (at least 1), so parallel runs do "
         "not oversubscribe the CPU (with --parallel=1, or a single run left to train, "
         "TensorFlow's default); other "
         "ablate.py training into the same --output_dir count as parallel runs.", low=0),
    Flag("steps_per_execution", 1, "Training steps per compiled call (Keras' compile "
         "argument). The weights are bit-identical to 1; small models train faster (the "
         "quickstart's MLPs about 1.5x at 10). Must divide every run's steps per epoch.",
         low=1),
    Flag("reuse_from", [], "Study folders (e.g. benchmarks/results/level1_20k_mnist) whose "
         "finished runs are copied instead of trained where this study plans a run of the "
         "same flags (the same experiment, whatever its variation is called there), e.g. the "
         "baseline several studies share; each copy's summary.json names its source "
         "(reused_from).", check=_check_reuse_from),
    Flag("copy_only", False, "Train nothing: copy every planned run that a --reuse_from "
         "folder holds finished (the same flags) into --output_dir, list the runs finished "
         "nowhere, and report. Merges the shards of a study trained on other machines or in "
         "other folders, e.g. into benchmarks/results."),
    Flag("num_shards", 1, "Split the run list over this many machines.", low=1),
    Flag("shard_index", 0, "Which shard this machine runs (0-based).", low=0),
    Flag("published", None, "Published table printed beside ours (keys in harness/report.py); "
         "default: the study's own entry, if any.", kind="str"),
    Flag("report", True, "Write the report when the runs are done."),
    Flag("dry_run", False, "Print the planned runs, their state and the estimated time, and "
         "exit."),
    Flag("run_timeout", 0, "Seconds after which a run process is killed (0: no limit).", low=0),
]


def expand(rows):
    """Yields `(flag_name, role, row)` for every flag the rows define."""
    for row in rows:
        for role in row.roles or (None,):
            yield (f"{role}_{row.name}" if role else row.name), role, row


def _kind(row):
    if row.kind:
        return row.kind
    if isinstance(row.default, bool):
        return "bool"
    if isinstance(row.default, int):
        return "int"
    if isinstance(row.default, float):
        return "float"
    if isinstance(row.default, list):
        return "list"
    return "str"


def define(fv, rows):
    """Defines the flags of `rows` into the absl `FlagValues` `fv`.

    Every number gets its bounds, every float must be finite (absl's bounds
    let NaN through), enums take only their choices and `check` adds any
    other rule; all of them run when `fv` parses, so a bad value fails with
    the flag named before any run starts.

    Returns:
        The tuple of defined flag names, in definition order.
    """
    names = []
    for name, role, row in expand(rows):
        text = row.help.format(role=ROLES.get(role, ""))
        kind = _kind(row)
        common = dict(flag_values=fv)
        if kind in ("int", "float"):
            define_number = (
                absl_flags.DEFINE_integer if kind == "int" else absl_flags.DEFINE_float
            )
            define_number(
                name, row.default, text, lower_bound=row.low, upper_bound=row.high, **common
            )
            if kind == "float":
                absl_flags.register_validator(
                    name,
                    lambda v: v is None or math.isfinite(v),
                    message=f"--{name} must be a finite number.",
                    **common,
                )
        elif kind == "bool":
            absl_flags.DEFINE_bool(name, row.default, text, **common)
        elif kind == "list":
            absl_flags.DEFINE_list(name, row.default, text, **common)
        elif kind == "multi":
            absl_flags.DEFINE_multi_string(name, row.default, text, **common)
        elif row.choices:
            absl_flags.DEFINE_enum(name, row.default, row.choices, text, **common)
        else:
            absl_flags.DEFINE_string(name, row.default, text, **common)
        if row.check is not None:
            absl_flags.register_validator(
                name, _validator(name, row.check), message=f"--{name}", **common
            )
        names.append(name)
    return tuple(names)


def _validator(name, check):
    def validate(value):
        problem = check(value)
        if problem:
            raise absl_flags.ValidationError(f"--{name} {problem}")
        return True

    return validate


def run_flag_names():
    """Names of the per-run flags, in definition order."""
    return tuple(name for name, _, _ in expand(RUN_FLAGS))


def study_flag_names():
    return tuple(name for name, _, _ in expand(STUDY_FLAGS))


def converted(values, name):
    """The argument value of flag `name` (its row's `convert` applied)."""
    row = ROWS[name][1]
    value = values[name]
    return row.convert(value) if row.convert is not None else value


# flag name -> (role, row), for every run flag.
ROWS = {name: (role, row) for name, role, row in expand(RUN_FLAGS)}


def targets(prefix, role=None):
    """`{flag_name: argument}` of the run flags whose `to` is `prefix:ARG`."""
    out = {}
    for name, (flag_role, row) in ROWS.items():
        kind, _, argument = row.to.partition(":")
        if kind == prefix and (role is None or flag_role == role):
            out[name] = argument or row.name
    return out


def default_value(name):
    """The default of run flag `name`, as its argument value."""
    return converted({name: ROWS[name][1].default}, name)


# --- Variations: --variation=NAME[:flag=value,...].


class VariationError(ValueError):
    """A malformed variation or a bad flag value in a study."""


@dataclasses.dataclass(frozen=True)
class Variation:
    """A named set of per-run flag overrides.

    Attributes:
        name: Folder-safe name, e.g. `"label_smoothing"`.
        overrides: Tuple of `(flag_name, value_text)` pairs, in the order given.
    """

    name: str
    overrides: tuple = ()

    def as_args(self):
        """The overrides as command-line arguments (`--flag=value`)."""
        return [f"--{flag}={value}" for flag, value in self.overrides]

    def spec(self):
        """The variation written back in `--variation` syntax."""
        pairs = ",".join(f"{flag}={value}" for flag, value in self.overrides)
        return f"{self.name}:{pairs}" if pairs else self.name


def suggest(name, valid_names):
    """A ` Did you mean 'x'?` suffix for a misspelt name, or an empty string."""
    matches = difflib.get_close_matches(name, list(valid_names), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def parse_variation(text, run_flag_names, study_flag_names=()):
    """Parses one `--variation` value into a `Variation`.

    Raises:
        VariationError: a non-portable name, a pair without `=`, an unknown
            or study-level flag, `seed`, or a flag set twice. Each message
            says how to fix it (a typo found after an hour of training is an
            hour lost).
    """
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise VariationError(
            f"Variation {text!r}: the name {name!r} must start with a letter or "
            "digit and contain only letters, digits, '_', '.' and '-' (it "
            "names a folder). Syntax: --variation=NAME[:flag=value,...]."
        )
    if sep and not rest.strip():
        raise VariationError(
            f"Variation {text!r} has a ':' but no overrides; write "
            f"--variation={name} for the unchanged base flags, or "
            f"--variation={name}:flag=value."
        )
    overrides = []
    for pair in _PAIR_SEPARATOR.split(rest) if rest.strip() else []:
        flag, eq, value = pair.partition("=")
        flag = flag.strip().lstrip("-")
        if not eq or not flag:
            raise VariationError(
                f"Variation {name!r}: {pair!r} is not a flag=value pair. "
                "Syntax: --variation=NAME:flag=value,flag=value."
            )
        if flag in study_flag_names:
            raise VariationError(
                f"Variation {name!r}: --{flag} is a study flag (it applies to "
                "all runs) and cannot vary per variation; set it outside "
                "--variation."
            )
        if flag not in run_flag_names:
            raise VariationError(
                f"Variation {name!r}: unknown flag {flag!r}."
                f"{suggest(flag, run_flag_names)} Valid flags: "
                f"{', '.join(sorted(run_flag_names))}."
            )
        if flag == "seed":
            raise VariationError(
                f"Variation {name!r}: seeds are set for the whole study with "
                "--seeds, not per variation."
            )
        if flag in dict(overrides):
            raise VariationError(f"Variation {name!r} sets --{flag} twice.")
        overrides.append((flag, value.strip()))
    return Variation(name, tuple(overrides))


def parse_variations(texts, run_flag_names, study_flag_names=()):
    """Parses every `--variation`; an empty list means one `baseline`.

    Raises:
        VariationError: As `parse_variation`, or a name used twice.
    """
    if not texts:
        return [Variation("baseline")]
    result = []
    for text in texts:
        variation = parse_variation(text, run_flag_names, study_flag_names)
        if variation.name in [v.name for v in result]:
            raise VariationError(
                f"Two variations are named {variation.name!r}; names must be "
                "unique (they name the result folders)."
            )
        result.append(variation)
    return result


def select(variations, only=(), skip=()):
    """Applies `--only_variations` / `--skip_variations`.

    Raises:
        VariationError: a name that is not a variation of the study (a typo
            would otherwise silently run everything, or nothing).
    """
    names = [v.name for v in variations]
    for flag, chosen in (("only_variations", only), ("skip_variations", skip)):
        for name in chosen:
            if name not in names:
                raise VariationError(
                    f"--{flag}: {name!r} is not a variation of this study."
                    f"{suggest(name, names)} Variations: {', '.join(names)}."
                )
    kept = [
        v for v in variations if (not only or v.name in only) and v.name not in skip
    ]
    if not kept:
        raise VariationError("--only_variations/--skip_variations leave no variation.")
    return kept
