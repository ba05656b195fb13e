"""Everything a run is made of, from its flag values.

Data, networks, optimizers and the model; callbacks; the runtime (threads,
dtype policy, strategy); the record of where a result came from
(`environment`); and the cost model of `ablate.py --dry_run`. Flags reach
the library only through the argument tables of `flags.py`, and the model
classes say what they need (labels, label inputs, an encoder, D heads,
extra G inputs) through class attributes: there is no registry of variants.
`check` builds a configuration as a run does, so planning refuses what the
library would refuse.
"""

import dataclasses
import inspect
import math
import os
import platform
import subprocess

import numpy as np

from benchmarks.harness import flags as harness_flags

MIXTURES = ("ring", "grid")
# Output activation -> value range of the data it can produce (TRICKS 1.1).
VALUE_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
# --metrics=auto by dataset; "modes" on Stacked MNIST is its 1000-mode count,
# and the Inception extractor (CelebA) has no classifier head for IS/classes.
AUTO_METRICS = dict(ring=("modes",), grid=("modes",), stacked_mnist=("modes",),
                    mnist=("fid", "kid", "is", "classes"),
                    fashion_mnist=("fid", "kid", "is", "classes"), celeb_a=("fid", "kid"))
AUTO_EXTRACTORS = dict(mnist="mnist", fashion_mnist="fashion_mnist", stacked_mnist="mnist",
                       celeb_a="inception_v3")
# Training examples per pass when --num_examples is not set (cost model).
DEFAULT_EXAMPLES = dict(ring=100_000, grid=100_000, mnist=60_000, fashion_mnist=60_000,
                        stacked_mnist=60_000, celeb_a=162_770)
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- Data.


@dataclasses.dataclass
class DataInfo:
    """What the networks and metrics need to know about a dataset.

    `sample_shape` is `(2,)` or `(side, side, channels)`; `value_range` is
    `None` for the (unbounded) mixtures; `num_classes` is `None` for CelebA,
    which has no labels (1000 for Stacked MNIST); `centers` and `std`
    describe a mixture, for the `modes` metric.
    """

    name: str
    sample_shape: tuple
    is_image: bool
    value_range: tuple = None
    output_activation: str = None
    num_classes: int = None
    centers: np.ndarray = None
    std: float = None
    # Label frequencies a conditional model draws its labels from; set from
    # the data (`TrainingStream.class_prior`) with --pseudo_labels.
    class_prior: tuple = None


def output_activation_for(values):
    """The generator output activation: the flag, or the dataset's natural one."""
    choice = values["g_output_activation"]
    if choice == "auto":
        return None if values["dataset"] in MIXTURES else "tanh"
    return None if choice == "none" else choice


def data_info(values):
    """A `DataInfo` for the run, without loading any data."""
    info = _dataset_info(values)
    if values["pseudo_labels_method"] != "kmeans" and not values["pseudo_labels"]:
        raise ValueError(f"--pseudo_labels_method={values['pseudo_labels_method']} says how "
                         "to cluster, but --pseudo_labels is 0 (the dataset's labels): give "
                         "--pseudo_labels=k or remove --pseudo_labels_method.")
    if values["pseudo_labels"]:
        check_pseudo_labels(values)
        info = dataclasses.replace(info, num_classes=values["pseudo_labels"])
    return info


def check_pseudo_labels(values):
    """Refuses `--pseudo_labels` where clustering the data cannot work."""
    count = values["pseudo_labels"]
    if not model_class(values["model"]).needs_labels:
        raise ValueError(f"--pseudo_labels={count} makes cluster labels, but --model="
                         f"{values['model']} trains without labels; use "
                         "--model=conditional_gan or acgan, or remove --pseudo_labels.")
    if values["dataset"] == "celeb_a":
        raise ValueError(f"--pseudo_labels={count} clusters the whole training set in memory; "
                         "CelebA (200,000 RGB images) does not fit. Remove the flag.")
    if values["fresh_samples"]:
        raise ValueError(f"--pseudo_labels={count} clusters a fixed training set; "
                         "--fresh_samples draws new points every step. Remove one of them.")
    if values["num_classes"] not in (None, count):
        raise ValueError(f"--num_classes={values['num_classes']} contradicts --pseudo_labels="
                         f"{count}, which makes {count} classes; remove --num_classes.")


def _dataset_info(values):
    from keras_gans import datasets

    name, activation = values["dataset"], output_activation_for(values)
    if name in MIXTURES:
        if activation is not None:
            raise ValueError(
                f"--g_output_activation={activation} squashes samples into "
                f"{VALUE_RANGES[activation]} but the {name} mixture spans [-4, 4] (grid) "
                "or [-1, 1] (ring) with no margin; use --g_output_activation=none (or auto)."
            )
        centers, std = datasets.mixture_spec(name)
        return DataInfo(name, (2,), False, None, None, len(centers), centers, std)
    if activation is None:
        raise ValueError(
            "Image data needs a bounded generator output: set --g_output_activation=tanh "
            f"(data in [-1, 1]) or sigmoid ([0, 1]) for --dataset={name}."
        )
    value_range, size = VALUE_RANGES[activation], values["image_size"]
    if name == "celeb_a":
        return DataInfo(name, (size or 64, size or 64, 3), True, value_range, activation)
    if name == "stacked_mnist":
        if size not in (None, 28):
            raise ValueError("Stacked MNIST images are 28x28x3; drop --image_size (or set 28).")
        return DataInfo(name, (28, 28, 3), True, value_range, activation, 1000)
    return DataInfo(name, (size or 28, size or 28, 1), True, value_range, activation, 10)


# Memory the shuffle buffer may take; whole datasets fit below it except
# CelebA, which is shuffled within windows of this size.
_SHUFFLE_BUFFER_BYTES = 256 * 2**20


def check_fresh_samples(values):
    """Refuses `--fresh_samples` where it cannot work."""
    if not values["fresh_samples"]:
        return
    if values["dataset"] not in MIXTURES:
        raise ValueError("--fresh_samples draws new 2D mixture points every step; "
                         f"--dataset={values['dataset']} is a fixed dataset. Remove the flag.")
    if not values["steps_per_epoch"]:
        raise ValueError("--fresh_samples makes an endless stream: set "
                         "--steps_per_epoch (e.g. 1000).")


class TrainingStream:
    """The run's endless stream of training batches.

    Pass `p` over the data is shuffled with the seed `(seed, p)` and cut into
    `n // batch_size` full batches. The order therefore depends only on the
    run's seed and the step, not on how many iterators were opened before
    (Keras and `GAN.fit` open some): a resumed run, started at the step of
    its checkpoint, sees exactly the batches an uninterrupted run would, and
    seeds differ in data order as well as in initial weights.

    `from_step` clears TensorFlow's global seed, so call it before
    `keras.utils.set_random_seed`. Why it clears it: tf.data pairs each
    shuffle's seed with the global one; with none set it uses a fixed graph
    seed instead, as in a fresh process. Cleared, a run shuffles the same
    whatever ran before it in the process (a second run there would
    otherwise shuffle by the first one's seed, and with a global seed of 0
    fail outright: tf.data tests `(global, op) == (0, 0)` in Python, which
    a per-pass seed tensor cannot answer).
    """

    def __init__(self, values, info, with_labels=False, labels_path=None):
        from keras_gans import datasets

        self.fresh = values["fresh_samples"]
        self.class_prior = None
        self.values, self.with_labels = values, with_labels
        if self.fresh:
            check_fresh_samples(values)
            self.batch_size = values["batch_size"]
            self.steps_per_pass = values["steps_per_epoch"]
            return
        extra = {}
        if info.is_image:
            extra = dict(value_range=info.value_range, data_dir=values["data_dir"],
                         image_size=values["image_size"])
        clusters = values["pseudo_labels"]
        # Clustering loads the dataset's labels where it has some, for the
        # clusters' purity alone (`_clustered`); the model never sees them.
        labelled = (with_labels and not clusters) or bool(
            clusters and _dataset_info(values).num_classes)
        batched = datasets.load(
            info.name, batch_size=1, with_labels=labelled, shuffle=False,
            seed=values["seed"], num_examples=values["num_examples"], drop_remainder=False,
            **extra,
        )
        self.examples, count = batched.unbatch(), int(batched.cardinality())
        self.pseudo_labels = None
        if clusters:
            self.examples = self._clustered(self.examples, clusters, values["seed"],
                                            labels_path, values["pseudo_labels_method"],
                                            labelled)
        self.batch_size = values["batch_size"]
        if count < self.batch_size:
            raise ValueError(
                f"--dataset={info.name} has {count} training examples, fewer than "
                f"--batch_size={self.batch_size}; lower the batch size or raise --num_examples."
            )
        self.steps_per_pass = count // self.batch_size
        bytes_per_example = 4 * int(np.prod(info.sample_shape))
        self.buffer = min(count, max(1000, _SHUFFLE_BUFFER_BYTES // bytes_per_example))
        self.seed = values["seed"]

    def _clustered(self, examples, clusters, seed, labels_path=None, method="kmeans",
                   labelled=False):
        """`(sample, cluster id)` pairs of `examples`; sets `class_prior` and
        `pseudo_labels`.

        With `labels_path`, the ids are read from there when the file
        exists (a resumed run) and written there when computed: clustering on
        another host (another BLAS) may number or draw the clusters
        differently, and a run must not change its labels halfway.

        `pseudo_labels` (also written beside the ids, as
        `PSEUDO_LABELS_INFO_FILE`) records the method, the seconds that
        reading and clustering the data took, which count against a run's
        time as much as training does (`report.py` adds them to its
        time-to-target), and, where `examples` are labelled `(sample,
        label)` pairs, the clusters' purity against those labels.
        """
        import time

        import tensorflow as tf

        from keras_gans import datasets
        from benchmarks.harness import run_dir as run_dir_lib

        start = time.time()
        batches = list(examples.batch(4096).as_numpy_iterator())
        samples = np.concatenate([b[0] if labelled else b for b in batches])
        truth = np.concatenate([b[1] for b in batches]) if labelled else None
        info_path = labels_path and os.path.join(os.path.dirname(labels_path),
                                                 run_dir_lib.PSEUDO_LABELS_INFO_FILE)
        if labels_path is not None and os.path.exists(labels_path):
            ids = np.load(labels_path)
            if ids.shape != (len(samples),) or ids.min() < 0 or ids.max() >= clusters:
                raise ValueError(
                    f"{labels_path} holds {ids.shape[0]} cluster ids in [{ids.min()}, "
                    f"{ids.max()}], not {len(samples)} in [0, {clusters}): it is not this "
                    "run's. Delete it to cluster the data again.")
            self.class_prior = datasets.cluster_shares(ids, clusters)
            how = f"read from {os.path.basename(labels_path)}"
            # A run stopped between writing the ids and their record lost the
            # clustering time: `seconds` None says so.
            seconds = (run_dir_lib.read_json(info_path)["seconds"]
                       if os.path.exists(info_path) else None)
        else:
            ids, self.class_prior = datasets.cluster_labels(samples, clusters, seed=seed,
                                                            method=method)
            seconds = round(time.time() - start, 1)
            how = f"{method}, {seconds:.1f} s"
            if labels_path is not None:
                def write(tmp):
                    with open(tmp, "wb") as f:
                        np.save(f, ids)
                run_dir_lib.atomic_write(labels_path, write)
        purity = None if truth is None else datasets.cluster_purity(ids, truth)
        self.pseudo_labels = {"method": method, "clusters": clusters, "seconds": seconds,
                              "purity": purity}
        if info_path is not None:
            run_dir_lib.write_json(info_path, self.pseudo_labels)
        print(f"Pseudo-labels: {len(samples)} training examples in {clusters} clusters "
              f"({self.class_prior.min():.2%} to {self.class_prior.max():.2%} of them "
              f"each; {how}" + ("" if purity is None else f"; {purity:.1%} pure") + ").",
              flush=True)
        return tf.data.Dataset.from_tensor_slices((samples, ids))

    def _one_pass(self, index):
        import tensorflow as tf

        # A large odd multiplier keeps (seed, pass) pairs from colliding.
        seed = tf.constant(self.seed, tf.int64) * 1_000_003 + index
        shuffled = self.examples.shuffle(self.buffer, seed=seed, reshuffle_each_iteration=False)
        return shuffled.batch(self.batch_size, drop_remainder=True)

    def from_step(self, step):
        """The stream starting at batch `step` (0 for a fresh run)."""
        import tensorflow as tf

        if self.fresh:
            from keras_gans import datasets

            # Batch i is a pure function of (seed, i): resuming at `step` sees
            # exactly the batches an unbroken run sees.
            return datasets.stream_mixture(
                self.values["dataset"], self.batch_size, with_labels=self.with_labels,
                seed=self.values["seed"], start_batch=step)

        first_pass, offset = divmod(step, self.steps_per_pass)
        tf.random.set_seed(None)  # See the class docstring.
        passes = tf.data.Dataset.range(first_pass, 2**62)
        return passes.flat_map(self._one_pass).skip(offset).prefetch(tf.data.AUTOTUNE)


# --- Networks, optimizers, model.


def _table_arguments(values, prefix, role, function):
    """Arguments of the `prefix` rows (of `role`) that `function` takes."""
    accepted = inspect.signature(function).parameters
    out = {}
    for flag, argument in harness_flags.targets(prefix, role).items():
        value = harness_flags.converted(values, flag)
        if value is not None and argument in accepted:
            out[argument] = value
    return out


def architecture(values, role, info):
    """The architecture name of `role` ("g" or "d"), resolving "auto"."""
    choice = values[f"{role}_architecture"]
    if choice == "auto":
        return "dcgan" if info.is_image else "mlp"
    if choice == "mlp" and info.is_image:
        other = "dcgan or autoencoder" if role == "g" else "dcgan (or auto)"
        raise ValueError(f"--{role}_architecture=mlp takes and makes vectors, but the data "
                         f"are images; use --{role}_architecture={other}.")
    if choice == "dcgan" and not info.is_image:
        raise ValueError(f"--{role}_architecture=dcgan is for images, but the data are 2D "
                         f"points; use --{role}_architecture=mlp (or auto).")
    return choice


def build_generator(values, info, input_dim, num_classes=None):
    """The generator; with `num_classes` it also takes a label input."""
    from keras_gans import networks

    arch = architecture(values, "g", info)
    size = info.sample_shape if info.is_image else info.sample_shape[0]
    if num_classes is not None and arch == "autoencoder":
        raise ValueError("--g_architecture=autoencoder has no label input; conditional "
                         "models need --g_architecture=mlp or dcgan.")
    builder = {"mlp": networks.mlp_generator, "dcgan": networks.dcgan_generator,
               "autoencoder": networks.autoencoder_generator}[arch]
    kwargs = _table_arguments(values, "net", "g", builder)
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    return builder(input_dim, size, **kwargs, output_activation=output_activation_for(values))


def build_discriminator(values, info, num_classes=None):
    """The discriminator; label-conditioned when `num_classes` is given.

    It is built for packed input when `--pack` > 1 (PacGAN).
    """
    from keras_gans import networks

    dcgan = architecture(values, "d", info) == "dcgan"
    builder = networks.dcgan_discriminator if dcgan else networks.mlp_discriminator
    size = info.sample_shape if info.is_image else info.sample_shape[0]
    kwargs = _table_arguments(values, "net", "d", builder)
    if num_classes is not None:
        kwargs["num_classes"] = num_classes
    return builder(size, pack=values["pack"], **kwargs)


def build_encoder(values, info):
    """An encoder (VAE-GAN), shaped like the discriminator's body (d_* flags)."""
    from keras_gans import networks

    dcgan = architecture(values, "d", info) == "dcgan"
    builder = networks.dcgan_encoder if dcgan else networks.mlp_encoder
    size = info.sample_shape if info.is_image else info.sample_shape[0]
    return builder(size, values["latent_dim"], **_table_arguments(values, "net", "d", builder))


def steps_per_epoch_estimate(values):
    """Steps per epoch without loading the data: --steps_per_epoch, or one
    pass over the dataset's usual size (the run itself counts its batches)."""
    examples = values["num_examples"] or DEFAULT_EXAMPLES[values["dataset"]]
    return values["steps_per_epoch"] or max(1, examples // values["batch_size"])


def planned_updates(values, model, role, steps_per_epoch):
    """Optimizer updates of network `role` over the run's planned epochs.

    The optimizer's `iterations` counts updates, and a step makes
    `model.d_steps` of D's (n_critic for critics) and `model.g_steps` of G's.
    """
    per_step = model.d_steps if role == "d" else model.g_steps
    return values["epochs"] * steps_per_epoch * per_step


def build_optimizer(values, role, updates=None):
    """A fresh Keras optimizer for network `role` ("d" or "g").

    With `--{role}_lr_decay`, its learning rate is a Keras schedule that
    reaches 0 after `updates` updates (`planned_updates`); the schedule is
    a function of the optimizer's iteration count, which checkpoints keep,
    so a resumed run continues on the same curve.
    """
    import keras

    cls = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
           "rmsprop": keras.optimizers.RMSprop}[values[f"{role}_optimizer"]]
    arguments = _table_arguments(values, "opt", role, cls.__init__)
    decay = values[f"{role}_lr_decay"]
    if decay != "none":
        if not updates:
            raise ValueError(f"--{role}_lr_decay={decay} needs the run's number of updates; "
                             "pass updates=build.planned_updates(...).")
        rate = arguments["learning_rate"]
        if decay == "linear":
            arguments["learning_rate"] = keras.optimizers.schedules.PolynomialDecay(
                rate, updates, end_learning_rate=0.0, power=1.0)
        else:
            arguments["learning_rate"] = keras.optimizers.schedules.CosineDecay(
                rate, updates, alpha=0.0)
    return cls(**arguments)


def compile_model(model, values, steps_per_epoch):
    """Compiles `model` with the run's two optimizers, each scheduled over its
    own planned updates (`planned_updates`)."""
    model.compile(**{
        f"{role}_optimizer": build_optimizer(
            values, role, planned_updates(values, model, role, steps_per_epoch))
        for role in ("d", "g")})


def model_class(name):
    """The `keras_gans` class of a `--model` value."""
    import keras_gans

    return getattr(keras_gans, harness_flags.MODELS[name])


def _own_arguments(cls):
    """Arguments `cls.__init__` names itself (not through **kwargs)."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def model_arguments(values, info, cls):
    """Constructor arguments of a run's model (beyond networks and latent_dim).

    Tricks (`model` rows) are passed when they differ from their default
    (which equals the constructor's, so leaving them out changes nothing),
    and refused when no class of the model takes them. Variant arguments
    (`variant` rows) go to the classes that name them.
    """
    everything = set().union(
        *(_own_arguments(base) for base in cls.__mro__ if base.__module__.startswith("keras_gans"))
    )
    own = _own_arguments(cls)
    arguments = {}
    loss = loss_object(values, cls)
    if loss is not None:
        arguments["loss"] = loss
    for prefix, accepted in (("model", everything), ("variant", own)):
        for flag, argument in harness_flags.targets(prefix).items():
            value = harness_flags.converted(values, flag)
            if value is None or value == harness_flags.default_value(flag):
                continue
            if argument == "loss":
                continue  # built by loss_object
            if argument in accepted:
                arguments[argument] = value
            elif prefix == "model":
                raise ValueError(f"--model={values['model']} ({cls.__name__}) does not take "
                                 f"{argument}; remove --{flag} from this study or variation.")
            else:
                # A variant's argument on another model would be ignored: the
                # run would train without what the flag asked for.
                takers = [name for name in harness_flags.MODELS
                          if argument in _own_arguments(model_class(name))]
                raise ValueError(
                    f"--{flag} applies to --model={'|'.join(takers)}, not --model="
                    f"{values['model']} ({cls.__name__}), which would ignore it; set it "
                    "in the variations of that model only.")
    if info.class_prior is not None and "class_prior" in everything:
        arguments["class_prior"] = info.class_prior
    if cls.needs_labels and info.num_classes is None:
        raise ValueError(f"--model={values['model']} trains on labels, but --dataset="
                         f"{info.name} has none; leave this variation out with --skip_variations.")
    if "num_classes" in own:
        arguments["num_classes"] = values["num_classes"] or info.num_classes
    arguments["seed"] = values["seed"]
    return arguments


def loss_object(values, cls):
    """The loss object of a run, or None to keep the class's default.

    The `loss` rows' options go to `losses.get(--loss, **options)`; with
    --loss at its default they configure the class's own default loss, so
    `--model=wgan --real_label=0.9` is refused by the Wasserstein loss, with
    the reason, instead of silently training a BCE critic.
    """
    from keras_gans import losses

    options = {}
    for flag, option in harness_flags.targets("loss").items():
        value = harness_flags.converted(values, flag)
        if value != harness_flags.default_value(flag):
            options[option] = value
    name = values["loss"]
    if not options and name == harness_flags.default_value("loss"):
        return None
    if name == harness_flags.default_value("loss"):
        name = next(inspect.signature(base.__init__).parameters["loss"].default
                    for base in cls.__mro__
                    if "loss" in inspect.signature(base.__init__).parameters)
    try:
        return losses.get(name, **options)
    except ValueError as err:
        raise ValueError(f"--model={values['model']}: {err}") from None


def assemble_model(cls, latent_dim, arguments, make_generator, make_discriminator,
                   make_encoder=None):
    """Builds a `cls` model from network factories, asking `cls` what it needs.

    Args:
        cls: A `keras_gans` model class.
        latent_dim: Latent size.
        arguments: Constructor arguments beyond networks and `latent_dim`.
        make_generator: `(input_dim, num_classes or None) -> generator`.
        make_discriminator: `(num_classes or None) -> discriminator`.
        make_encoder: `() -> encoder`, for classes that take one.
    """
    from keras_gans import networks

    classes = arguments.get("num_classes")
    generator = make_generator(latent_dim + cls.extra_generator_inputs(**arguments),
                               classes if cls.generator_takes_labels else None)
    discriminator = make_discriminator(classes if cls.discriminator_takes_labels else None)
    heads = cls.discriminator_heads(**arguments)
    if heads:
        discriminator = networks.discriminator_with_heads(discriminator, heads)
    nets = [make_encoder()] if cls.takes_encoder else []
    return cls(*nets, generator, discriminator, latent_dim=latent_dim, **arguments)


def build_model(values, info):
    """The run's (uncompiled) model."""
    cls = model_class(values["model"])
    return assemble_model(
        cls, values["latent_dim"], model_arguments(values, info, cls),
        lambda input_dim, classes: build_generator(values, info, input_dim, classes),
        lambda classes: build_discriminator(values, info, classes),
        lambda: build_encoder(values, info),
    )


# --- Callbacks.


def metrics_callback(values, info, load_reference=True):
    """The run's `GANMetrics` callback, or `None` without metrics.

    With `load_reference=False` (planning) a placeholder stands in for the
    test images: only the choice of metrics is checked.
    """
    from keras_gans import datasets
    from keras_gans.callbacks import GANMetrics

    metrics = tuple(values["metrics"])
    metrics = AUTO_METRICS[info.name] if metrics == ("auto",) else metrics
    raw = values["eval_raw_generator"]
    if raw and values["ema_decay"] is None:
        raise ValueError("--eval_raw_generator scores the trained G beside its EMA; it needs "
                         "--ema_decay (e.g. --ema_decay=0.999), or drop it.")
    if not metrics:
        if raw:
            raise ValueError("--eval_raw_generator adds raw_ metrics; give --metrics.")
        return None
    common = dict(num_samples=values["eval_num_samples"], seed=values["seed"] + 10_000,
                  every_n_epochs=values["eval_every_n_epochs"], raw_generator=raw)
    extractor = values["extractor"]
    extractor = AUTO_EXTRACTORS.get(info.name) if extractor == "auto" else extractor
    if info.name in MIXTURES + ("stacked_mnist",):
        if set(metrics) != {"modes"}:
            raise ValueError(f"--dataset={info.name} supports --metrics=modes only (modes "
                             f"covered and their KL to uniform); got {list(metrics)}.")
        if info.name in MIXTURES:
            return GANMetrics(metrics=("modes",), extractor=None, centers=info.centers,
                              std=info.std, **common)
        # Batches of 500 keep the latent draws of the harness' earlier
        # StackedMnistModes callback, so older studies compare.
        return GANMetrics(metrics=("stacked_mnist",), extractor=extractor,
                          value_range=info.value_range, batch_size=500, **common)
    if "modes" in metrics:
        raise ValueError("--metrics=modes counts mixture components (ring, grid, "
                         "stacked_mnist); for MNIST-like data use --metrics=classes.")
    reference = np.zeros((1,) + info.sample_shape, np.float32)
    if load_reference:
        reference = datasets.load(
            info.name, split="test", batch_size=250, value_range=info.value_range,
            data_dir=values["data_dir"], image_size=values["image_size"],
            num_examples=values["eval_num_samples"], shuffle=False, drop_remainder=False,
        )
    fid_extractor = None if values["fid_extractor"] == "none" else values["fid_extractor"]
    return GANMetrics(reference, metrics=metrics, extractor=extractor,
                      fid_extractor=fid_extractor, value_range=info.value_range, **common)


def early_stopping_evaluations(values):
    """Evaluations without improvement before a run stops: the flag, with 0
    acting as 1 as in Keras (stop at the first evaluation that does not
    improve)."""
    return max(values["early_stopping_patience"], 1)


def early_stopping(values, metrics):
    """A stock `EarlyStopping` on `--early_stopping_metric`, or `None`."""
    import keras

    metric = values["early_stopping_metric"]
    if not metric:
        return None
    if metrics is None:
        raise ValueError("--early_stopping_metric needs --metrics to log it.")
    mode = values["early_stopping_mode"]
    if mode == "auto":  # Keras' "auto" guesses from the name and gets fid/kid/kl wrong.
        mode = "min" if any(k in metric for k in ("fid", "kid", "kl", "loss")) else "max"
    # GANMetrics writes its last values again on the epochs it does not
    # evaluate, and a stock EarlyStopping counts such a repeat as an epoch
    # without improvement: with --eval_every_n_epochs=2, a patience of 1
    # epoch stopped every run at its first unevaluated epoch (level4_20k's
    # early_stopping, seed 0: 1,000 of 20,000 steps). The flag counts
    # evaluations; N epochs each is exactly that many evaluations.
    epochs = early_stopping_evaluations(values) * values["eval_every_n_epochs"]
    return keras.callbacks.EarlyStopping(monitor=metric, mode=mode, patience=epochs)


def sample_grid(values, info, directory):
    from keras_gans.callbacks import SampleGrid

    # With no periodic pictures, an interval past the last epoch leaves only
    # the final picture, which the trainer writes itself.
    return SampleGrid(directory, num_samples=values["grid_samples"] or (64 if info.is_image else 2500),
                      seed=1234, every_n_epochs=values["grid_every_n_epochs"] or values["epochs"] + 1,
                      reference=info.centers)


def noise_schedule(values):
    """The instance-noise annealing callback (TRICKS 4.5), or `None`."""
    if values["instance_noise_schedule"] == "none":
        return None
    from keras_gans.callbacks import VariableSchedule

    return VariableSchedule("instance_noise", start=values["instance_noise"],
                            end=values["instance_noise_end"],
                            epochs=values["instance_noise_epochs"] or values["epochs"],
                            schedule=values["instance_noise_schedule"])


# --- Runtime and where a result came from.


def check_steps_per_execution(steps_per_epoch, steps_per_execution):
    """Raises unless `steps_per_execution` divides the steps of an epoch:
    Keras would round every epoch up to whole blocks of steps."""
    if steps_per_epoch % steps_per_execution:
        raise ValueError(
            f"--steps_per_execution={steps_per_execution} does not divide the "
            f"{steps_per_epoch} steps of an epoch (--steps_per_epoch, or one pass "
            "over the data when it is 0): Keras would train "
            f"{-(-steps_per_epoch // steps_per_execution) * steps_per_execution} steps per "
            "epoch. Pick a divisor of the steps per epoch (1 always works).")


def configure_runtime(values, threads=0):
    """Threads, dtype policy and distribution strategy, before any model.

    `threads` (0 keeps TensorFlow's default) below the core count avoids
    oversubscribing cores shared by several runs. Returns the strategy to
    build and compile under.
    """
    import keras
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.mixed_precision.set_global_policy(values["mixed_precision"])
    strategy = values["strategy"]
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy()
    if strategy == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if strategy == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=values["tpu"])
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    return tf.distribute.get_strategy()


def git_commit(root=PROJECT_ROOT, results_dir=os.path.join("benchmarks", "results")):
    """The checkout's commit, with `-dirty` when tracked files other than
    those under `results_dir` differ from it: resuming a committed study
    rewrites its study.json and report, which changes results, not code."""
    try:
        commit, dirty = (
            subprocess.run(command, cwd=root, capture_output=True, text=True, check=True,
                           timeout=10).stdout.strip()
            for command in (["git", "rev-parse", "HEAD"],
                            ["git", "status", "--porcelain", "--untracked-files=no", "--",
                             ".", f":(exclude){results_dir}"])
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def device_description():
    """The accelerators TensorFlow sees, or the CPU model and core count."""
    import tensorflow as tf

    names = []
    for device in tf.config.list_logical_devices("GPU") + tf.config.list_logical_devices("TPU"):
        details = {}
        try:
            physical = tf.config.list_physical_devices(device.device_type)
            details = tf.config.experimental.get_device_details(physical[0]) if physical else {}
        except (RuntimeError, ValueError):
            pass
        names.append(details.get("device_name", device.name))
    if names:
        return ", ".join(names)
    cpu = first_cpu_info().get("model name") or platform.processor() or platform.machine()
    return f"CPU: {cpu} ({os.cpu_count()} cores visible)"


def first_cpu_info(cpuinfo_path="/proc/cpuinfo"):
    """The `key: value` fields of the first CPU in `cpuinfo_path` (up to the
    first blank line), or {} where the file is missing (not Linux)."""
    fields = {}
    try:
        with open(cpuinfo_path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        return {}
    return fields


# The /proc/cpuinfo flags that decide which oneDNN kernels TensorFlow runs on
# a CPU: two hosts both named "AMD EPYC" ran the same DCGAN run in 27-31 and
# 12-17 minutes, and mixed_bfloat16's speed against float32 depends on whether
# the host has AMX or only AVX-512 BF16, so a wall time needs them beside it.
CPU_SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                   "avx_vnni", "amx_tile", "amx_bf16", "amx_int8")


def cpu_features(cpuinfo_path="/proc/cpuinfo"):
    """The `CPU_SPEED_FLAGS` the first CPU of `cpuinfo_path` has, in that
    order; an empty list where the file is missing (not Linux)."""
    present = set(first_cpu_info(cpuinfo_path).get("flags", "").split())
    return [flag for flag in CPU_SPEED_FLAGS if flag in present]


def load_average():
    """The 1-, 5- and 15-minute load averages, or None where the platform has
    none: a rough measure of how much the run shared its cores (one run's own
    TensorFlow threads already count, so compare it with `os.cpu_count()`
    between runs, not against it)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def environment():
    """`git_commit`, `versions` (Python, TensorFlow, Keras, NumPy, keras_gans),
    `device`, `cpu_features` and `load_average` (at the time of the call, the
    end of a run): written into every result."""
    import keras
    import tensorflow as tf

    import keras_gans

    versions = dict(python=platform.python_version(), tensorflow=tf.__version__,
                    keras=keras.__version__, numpy=np.__version__,
                    keras_gans=getattr(keras_gans, "__version__", "unknown"))
    return {"git_commit": git_commit(), "versions": versions, "device": device_description(),
            "cpu_features": cpu_features(), "load_average": load_average()}


# --- Planning: check and cost.


def forward_flops(model):
    """FLOPs (2 x multiply-adds) of one example's forward pass through the
    dense, conv and transposed-conv layers of `model`."""
    from keras import layers

    total = 0
    every = list(model._flatten_layers(include_self=False))
    # A wrapper (SpectralNormalization) is called in the graph, the layer it
    # wraps never is: count the wrapped layer with the wrapper's shapes.
    wrapped = {id(layer.layer) for layer in every if isinstance(layer, layers.Wrapper)}
    for outer in every:
        if id(outer) in wrapped:
            continue
        layer = outer.layer if isinstance(outer, layers.Wrapper) else outer
        if isinstance(layer, layers.Conv2DTranspose):
            _, h, w, c_in = outer.input.shape
            total += 2 * h * w * math.prod(layer.kernel_size) * c_in * layer.filters
        elif isinstance(layer, layers.Conv2D):
            _, h, w, _ = outer.output.shape
            c_in = outer.input.shape[-1]
            total += 2 * h * w * math.prod(layer.kernel_size) * c_in * layer.filters
        elif isinstance(layer, layers.Dense):
            total += 2 * outer.input.shape[-1] * layer.units
    return total


# The cost model's constants, fitted to run times measured on this
# project's 2-core CPU (quickstart, level1, mixed_precision, lucic_lite and
# stacked_mnist flagfiles): TF start-up, model building and tracing per run
# process; the fixed cost of one optimizer update (a Tier A MLP step at
# batch 512 takes about 5 ms, nearly all overhead); sustained FLOP/s of the
# small DCGAN steps (0.33 s for an 11 GFLOP step; the large batch-256 step
# of benchmarks/throughput.py reaches 190 GFLOP/s); and the per-sample
# FLOPs of the MNIST classifier of the image metrics.
STARTUP_S, UPDATE_S, FLOP_PER_S, EXTRACTOR_FLOPS = 11.0, 0.0025, 3e10, 1e7


@dataclasses.dataclass(frozen=True)
class Cost:
    """Forward FLOPs per example of a configuration's networks."""

    g_flops: int
    d_flops: int

    def seconds(self, values):
        """Modelled wall time of one run: start-up, steps and evaluations.

        One D update costs 1 G + 6 D forward passes per example (generate,
        then forward and backward through D on real and fake); one G update
        3 G + 2 D (BENCHMARKS.md, "Throughput").
        """
        steps = values["epochs"] * steps_per_epoch_estimate(values)
        wgan = values["model"] in ("wgan", "wgangp")
        d_updates, g_updates = values["d_steps"], values["g_steps"]
        if wgan:
            from keras_gans.models import wgan as wgan_lib

            # What the preset does with the flags model_arguments passes it:
            # --n_critic, else a non-default --d_steps, else its own 5.
            d_steps = values["d_steps"] if values["d_steps"] != harness_flags.default_value(
                "d_steps") else None
            d_updates = wgan_lib._critic_steps(d_steps, values["n_critic"])
        g, d = self.g_flops, self.d_flops
        flops = values["batch_size"] * (d_updates * (g + 6 * d) + g_updates * (3 * g + 2 * d))
        step_s = (d_updates + g_updates) * UPDATE_S + flops / FLOP_PER_S
        epochs, every = values["epochs"], values["eval_every_n_epochs"]
        evaluations = len({e for e in range(epochs) if e % every == 0} | {epochs - 1})
        per_sample = g + EXTRACTOR_FLOPS * (values["dataset"] not in MIXTURES)
        eval_s = 1.0 + values["eval_num_samples"] * per_sample / FLOP_PER_S
        seconds = steps * step_s + evaluations * eval_s
        if values["time_budget_minutes"]:
            # Training stops at the first epoch end past the budget.
            seconds = min(seconds, 60.0 * values["time_budget_minutes"])
        return STARTUP_S + seconds


def check(values):
    """Builds and compiles a run's model and checks its callbacks' settings,
    without data: whatever a run would refuse at start is refused now.
    Returns the configuration's `Cost`."""
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(values["mixed_precision"])
    try:
        info = data_info(values)
        check_fresh_samples(values)
        model = build_model(values, info)
        compile_model(model, values, steps_per_epoch_estimate(values))
        early_stopping(values, metrics_callback(values, info, load_reference=False))
        cost = Cost(forward_flops(model.generator), forward_flops(model.discriminator))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    keras.backend.clear_session()
    return cost
