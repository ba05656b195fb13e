"""GANMetrics: sample-quality metrics written into Keras `logs`.

The field guide's level 4 items 6 and 7: monitor several metrics (Inception
Score, FID) and stop early on a good one. Writing the metrics into the
epoch's `logs` dict is what lets the stock callbacks use them unchanged:

```python
model.fit(
    data,
    epochs=50,
    callbacks=[
        GANMetrics(x_test, metrics=("fid", "is"), extractor="mnist",
                   num_samples=5000, every_n_epochs=2),
        # After GANMetrics, so `fid` is already in logs when they run:
        keras.callbacks.EarlyStopping(monitor="fid", mode="min", patience=6,
                                      restore_best_weights=True),
        keras.callbacks.ModelCheckpoint("best.weights.h5", monitor="fid",
                                        mode="min", save_best_only=True,
                                        save_weights_only=True),
        keras.callbacks.TensorBoard("logs/"),
    ],
)
```

ORDER MATTERS: Keras calls callbacks in list order with one shared `logs`
dict, so GANMetrics must come BEFORE any callback that reads its keys
(EarlyStopping, ModelCheckpoint, TensorBoard, CSVLogger, ReduceLROnPlateau).
Keras' own History and progress bar are appended after user callbacks, so
they always see the metrics.
"""

import time

import keras
import numpy as np

from keras_gans import checks
from keras_gans import evaluation

# Metric name -> the log keys it writes.
METRIC_KEYS = {
    "fid": ("fid",),
    "kid": ("kid",),
    "is": ("is",),
    "precision": ("precision",),
    "recall": ("recall",),
    "density": ("density",),
    "coverage": ("coverage",),
    "diversity": ("diversity",),
    "modes": ("modes", "high_quality", "mode_kl"),
    "classes": ("classes", "class_kl"),
    # Stacked MNIST's 1000 modes, written under the mixture metric's names,
    # and mode_kl split into the channels' digit imbalance and their
    # dependence (evaluation.mode_kl_parts).
    "stacked_mnist": ("modes", "mode_kl", "mode_kl_channels", "mode_kl_dependence"),
}
# Metrics computed on extractor features of the real reference data.
_NEEDS_REFERENCE = {"fid", "kid", "precision", "recall", "density", "coverage", "diversity"}
_NEEDS_PROBABILITIES = {"is", "classes"}
# The distances papers report in Inception features: `fid_extractor`
# computes these when given.
_FID_METRICS = {"fid", "kid"}
# Prefix of the keys `raw_generator=True` adds: the trained G's scores
# beside the EMA generator's (`raw_fid` beside `fid`).
RAW_PREFIX = "raw_"
# Log-key suffixes of metrics computed in Inception features, by extractor
# name: a classifier FID is logged as `fid`, the published-comparable one as
# `fid_inception`, Keras' ImageNet InceptionV3 one as `fid_inception_v3`, so
# FIDs of different networks never share a log key, a metrics.jsonl column
# or a table. Domain classifiers and user models add nothing.
EXTRACTOR_KEY_SUFFIXES = {
    "fid_inception": "_inception",
    "fid_inception_v3": "_inception",
    "inception_v3": "_inception_v3",
    "inception": "_inception_v3",
}


def extractor_name(extractor):
    """The name of an extractor given as a name, model or FeatureExtractor."""
    if extractor is None:
        return None
    if isinstance(extractor, str):
        return extractor.lower()
    return getattr(extractor, "name", type(extractor).__name__)


class GANMetrics(keras.callbacks.Callback):
    """Every N epochs, scores `model.generate` samples and adds them to logs.

    The model must have a method `generate(n, seed=...)` returning `n`
    samples, batch-first, in the data's value range (tensor or array).
    Samples are generated, featurised and discarded `batch_size` at a time,
    with seeds `seed, seed + 1, ...` for consecutive batches, so each
    evaluation scores the same latent draws (less noise between epochs) and
    10k samples never sit in memory as images.

    Log keys (each prefixed with `prefix`; the feature-space ones suffixed
    by the extractor, see below):
    - `"fid"`: Frechet distance in the extractor's features (classifier FID
      with `"mnist"`; logged as `fid_inception` with `"fid_inception"`, the
      FID papers report); lower is better.
    - `"kid"`: KID mean (unbiased MMD^2, polynomial kernel); lower is better.
    - `"is"`: (classifier) Inception Score mean; higher is better.
    - `"precision"`, `"recall"`: Kynkaanniemi et al. 2019 (k=3).
    - `"density"`, `"coverage"`: Naeem et al. 2020 (k=5).
    - `"diversity"`: mean pairwise feature distance of samples over that of
      the reference (about 1 healthy, near 0 under mode collapse).
    - `"modes"` writes `modes`, `high_quality`, `mode_kl` (2D mixtures: see
      `evaluation.mixture_modes`; needs `centers` and `std`, no extractor).
    - `"classes"` writes `classes`, `class_kl` (classes hit by the
      extractor's argmax, and KL of the class histogram to the reference
      data's histogram, or to uniform without a reference).
    - `"stacked_mnist"` writes `modes`, `mode_kl` for 28x28x3 Stacked MNIST
      samples: each channel is labelled by the extractor (an MNIST
      classifier), the digit triple is one of 1000 modes
      (`evaluation.stacked_mnist_labels`); `modes` counts the triples hit,
      `mode_kl` is the triple histogram's KL to uniform (VEEGAN, Table 2).
      It also writes that KL's two parts (`evaluation.mode_kl_parts`):
      `mode_kl_channels`, the sum of the three channels' digit-histogram
      KLs to uniform (a G that favours some digits), and
      `mode_kl_dependence`, the channels' total correlation (a G that pairs
      digits across channels unevenly); they add up to `mode_kl`.

    Which network: metrics in the features of an Inception extractor carry
    its name in their log keys (`EXTRACTOR_KEY_SUFFIXES`): `fid`, `kid`,
    `precision`, ... become `fid_inception`, `kid_inception`, ... with
    `"fid_inception"` and `fid_inception_v3`, ... with `"inception_v3"`, so
    a classifier FID and an Inception FID can never be mixed up in logs,
    CSV columns or tables. `metric_extractors` maps each log key to the
    extractor that made it.

    EMA runs: `generate` samples from the EMA of G (`GAN(ema_decay=...)`).
    With `raw_generator=True` each evaluation also scores the trained G,
    with the same latent draws, under the same keys prefixed `raw_`
    (`raw_fid`, `raw_is`, ...): since the EMA never feeds back into
    training, one run then compares EMA with no EMA on the same trajectory,
    at twice the evaluation cost and none of a second run's.

    Epochs that are not evaluated: the last computed values are written
    again, so every epoch's logs hold every key (EarlyStopping and
    ModelCheckpoint never see a missing monitor, CSV columns stay aligned).
    Consequently a stock EarlyStopping's `patience` counts epochs, not
    evaluations: with `every_n_epochs=N`, use `patience >= N` times the
    number of evaluations you want to wait. The first epoch of a `fit`
    (when nothing was computed yet, unless `carry` gave the values to
    continue with) and the final epoch are always evaluated.

    Args:
        reference: Real data for the reference statistics: an array, a
            `tf.data.Dataset` of batches (tuples use their first item), or
            an `evaluation.ExtractedFeatures` computed beforehand. Its
            features are computed once and cached. May be None when only
            `"modes"` (or `"is"` / `"classes"`) is requested.
        metrics: Names from the list above.
        extractor: Extractor name or model, as `evaluation.get_extractor`
            takes, or a `FeatureExtractor`; None only for `("modes",)`.
        fid_extractor: Optional second extractor for `"fid"` and `"kid"`
            only, e.g. `"fid_inception"` for published-comparable FIDs while
            `"is"` and `"classes"` keep the domain classifier. None: both
            use `extractor`.
        num_samples: Generated samples per evaluation (10k for the MNIST
            protocol; 2,500 for 2D mixtures). Also caps the reference.
        every_n_epochs: Evaluate on epochs 0, N, 2N, ... and the last.
        batch_size: Samples per `generate` / extractor call.
        prefix: Prepended to every log key (e.g. "val_").
        value_range: Range of the generator's samples, passed to
            `get_extractor` when `extractor` is a name.
        seed: Base seed of the generated batches.
        centers: Mixture means (num_modes, dim), for `"modes"`.
        std: Mixture component std (scalar or per mode), for `"modes"`.
        kid_subsets: `num_subsets` for KID.
        kid_subset_size: `subset_size` for KID.
        is_splits: Splits for the Inception Score.
        raw_generator: Also score the trained G of a model with an EMA
            generator, under `raw_`-prefixed keys (see above). The model
            must have one (`ema_decay` set); otherwise `fit` stops at its
            start with an error.
        verbose: 1 prints the values after each evaluation.

    Attributes:
        history: List of dicts, one per evaluation: `epoch`, the metric
            values and `seconds` (evaluation time).
    """

    def __init__(
        self,
        reference=None,
        metrics=("fid", "kid", "is", "precision", "recall"),
        extractor="mnist",
        fid_extractor=None,
        num_samples=10000,
        every_n_epochs=1,
        batch_size=250,
        prefix="",
        value_range=(-1.0, 1.0),
        seed=0,
        centers=None,
        std=None,
        kid_subsets=100,
        kid_subset_size=1000,
        is_splits=10,
        raw_generator=False,
        verbose=0,
    ):
        super().__init__()
        if isinstance(metrics, str):
            metrics = (metrics,)
        unknown = [m for m in metrics if m not in METRIC_KEYS]
        if unknown or not metrics:
            raise ValueError(
                f"Unknown metrics {unknown}; choose from {sorted(METRIC_KEYS)}."
            )
        every_n_epochs = checks.positive_int("every_n_epochs", every_n_epochs)
        num_samples = checks.integer("num_samples", num_samples, minimum=2)
        batch_size = checks.positive_int("batch_size", batch_size)
        prefix = checks.string("prefix", prefix)
        value_range = checks.value_range(value_range)
        seed = checks.non_negative_int("seed", seed)
        kid_subsets = checks.positive_int("kid_subsets", kid_subsets)
        kid_subset_size = checks.integer("kid_subset_size", kid_subset_size, minimum=2)
        is_splits = checks.positive_int("is_splits", is_splits)
        raw_generator = checks.boolean("raw_generator", raw_generator)
        checks.choice("verbose", verbose, (0, 1))
        if std is not None:
            std = checks.positive_values("std", std)
        if centers is not None:
            centers = checks.feature_matrix(centers, "centers")
        if "modes" in metrics and (centers is None or std is None):
            raise ValueError(
                "The 'modes' metric needs the mixture's `centers` (num_modes, "
                "dim) and `std`, e.g. GANMetrics(metrics=('modes',), "
                "centers=ring_centers, std=0.01, extractor=None)."
            )
        if {"modes", "stacked_mnist"} <= set(metrics):
            raise ValueError(
                "'modes' and 'stacked_mnist' both write `modes` and `mode_kl`; "
                "request one of them."
            )
        feature_metrics = set(metrics) - {"modes"}
        if fid_extractor is not None:
            feature_metrics -= _FID_METRICS
        if feature_metrics and extractor is None:
            raise ValueError(
                f"Metrics {sorted(feature_metrics)} need a feature extractor; "
                "pass extractor='mnist', 'fashion_mnist', 'fid_inception' or a "
                "keras.Model."
            )
        if set(metrics) & _NEEDS_REFERENCE and reference is None:
            raise ValueError(
                f"Metrics {sorted(set(metrics) & _NEEDS_REFERENCE)} compare "
                "samples with real data: pass `reference` (e.g. x_test)."
            )
        self.reference = reference
        self.metrics = tuple(metrics)
        self.extractor = extractor
        self.fid_extractor = fid_extractor
        self.num_samples = num_samples
        self.every_n_epochs = every_n_epochs
        self.batch_size = batch_size
        self.prefix = prefix
        self.value_range = value_range
        self.seed = seed
        self.centers = centers
        self.std = std
        self.kid_subsets = kid_subsets
        self.kid_subset_size = kid_subset_size
        self.is_splits = is_splits
        self.raw_generator = raw_generator
        self.verbose = verbose
        self.history = []
        self._extractors = {}
        self._reference_cache = {}
        self._last_values = None
        self._carry = None

    def carry(self, values):
        """Has the next `fit` write `values` until its first scheduled
        evaluation, as if it continued the `fit` that computed them.

        A `fit` resumed from a checkpoint (`initial_epoch=k`) otherwise
        evaluates its first epoch off the `every_n_epochs` schedule, since
        it has nothing to carry yet: given the interrupted fit's last values
        (e.g. from its metric log), it evaluates on the epochs an unbroken
        fit would, and callbacks reading the carried keys see what they
        would have seen.

        Args:
            values: Mapping holding every key of `log_keys` (other keys are
                ignored).
        """
        missing = [k for k in self.log_keys if k not in values]
        if missing:
            raise ValueError(
                f"`values` lacks {missing}: `carry` needs every key of `log_keys` "
                f"({list(self.log_keys)}), e.g. a record of this callback's logs."
            )
        self._carry = {k: float(values[k]) for k in self.log_keys}

    def _role(self, metric):
        """`"fid"` for metrics the `fid_extractor` computes, else `"main"`."""
        if self.fid_extractor is not None and metric in _FID_METRICS:
            return "fid"
        return "main"

    def _key(self, metric, key):
        """A metric's log key (unprefixed), suffixed by its extractor."""
        if metric not in _NEEDS_REFERENCE:
            return key
        source = self.fid_extractor if self._role(metric) == "fid" else self.extractor
        return key + EXTRACTOR_KEY_SUFFIXES.get(extractor_name(source), "")

    def _generator_prefixes(self):
        """Key prefixes of the generators scored: `""` (the sampling one),
        then `RAW_PREFIX` with `raw_generator`."""
        return ("", RAW_PREFIX) if self.raw_generator else ("",)

    @property
    def log_keys(self):
        """The keys this callback writes into logs, prefixed."""
        return tuple(
            self.prefix + g + self._key(m, k)
            for g in self._generator_prefixes()
            for m in self.metrics for k in METRIC_KEYS[m]
        )

    @property
    def metric_extractors(self):
        """Log key (prefixed) -> name of the extractor whose outputs made it
        (None for the extractor-free `"modes"`)."""
        names = {}
        for g in self._generator_prefixes():
            for m in self.metrics:
                source = self.fid_extractor if self._role(m) == "fid" else self.extractor
                for k in METRIC_KEYS[m]:
                    names[self.prefix + g + self._key(m, k)] = (
                        None if m == "modes" else extractor_name(source)
                    )
        return names

    def _get_extractor(self, role="main"):
        if role not in self._extractors:
            source = self.fid_extractor if role == "fid" else self.extractor
            self._extractors[role] = evaluation.get_extractor(
                source, value_range=self.value_range
            )
        return self._extractors[role]

    def reference_features(self, role="main"):
        """The cached `ExtractedFeatures` of the reference data (in the
        `fid_extractor`'s features for `role="fid"`)."""
        if role not in self._reference_cache:
            if isinstance(self.reference, evaluation.ExtractedFeatures):
                if role == "fid":
                    raise ValueError(
                        "With `fid_extractor`, pass `reference` as images (or a "
                        "dataset), not ExtractedFeatures: its features are needed "
                        "from two extractors."
                    )
                self._reference_cache[role] = self.reference
            else:
                self._reference_cache[role] = evaluation.compute_features(
                    self._get_extractor(role),
                    self.reference,
                    batch_size=self.batch_size,
                    num_samples=self.num_samples,
                )
        return self._reference_cache[role]

    def _generate_batches(self):
        """Yields the evaluation's generated batches as numpy arrays."""
        if not hasattr(self.model, "generate"):
            raise AttributeError(
                f"GANMetrics needs a model with a generate(n, seed=...) method; "
                f"{type(self.model).__name__} has none."
            )
        produced, index = 0, 0
        while produced < self.num_samples:
            n = min(self.batch_size, self.num_samples - produced)
            batch = self.model.generate(n, seed=self.seed + index)
            yield np.asarray(keras.ops.convert_to_numpy(batch))
            produced += n
            index += 1

    def evaluate(self):
        """Generates samples and computes the metrics now.

        Returns:
            A dict of unprefixed log key -> float (keys suffixed by the
            extractor, as in `log_keys`; with `raw_generator`, the trained
            G's values under `raw_` keys too).
        """
        self._check_raw_generator()
        scored = {"": self._evaluate()}
        if self.raw_generator:
            # The same latent draws (seeds) as the EMA generator's.
            with self.model.sampling_from_raw_generator():
                scored[RAW_PREFIX] = self._evaluate()
        return {
            g + self._key(m, k): values[k]
            for g, values in scored.items()
            for m in self.metrics for k in METRIC_KEYS[m] if k in values
        }

    def _check_raw_generator(self):
        if self.raw_generator and getattr(self.model, "ema_generator", None) is None:
            raise ValueError(
                "GANMetrics(raw_generator=True) scores the trained G beside its "
                "EMA, but this model has no EMA generator; set the model's "
                "ema_decay (e.g. GAN(..., ema_decay=0.999)) or drop "
                "raw_generator.")

    def _evaluate(self):
        wanted = set(self.metrics)
        fid_wanted = {m for m in wanted if self._role(m) == "fid"}
        needs_features = bool(wanted - {"modes", "stacked_mnist"} - fid_wanted)
        features, probabilities, raw, fid_features, triples = [], [], [], [], []
        extractor = (
            self._get_extractor()
            if needs_features or "stacked_mnist" in wanted
            else None
        )
        fid_extractor = self._get_extractor("fid") if fid_wanted else None
        for batch in self._generate_batches():
            if "stacked_mnist" in wanted:
                triples.append(self._stacked_mnist_modes(batch, extractor))
            if "modes" in wanted:
                raw.append(batch.reshape(batch.shape[0], -1))
            if needs_features:
                out = extractor(batch)
                features.append(out.features)
                if out.probabilities is not None:
                    probabilities.append(out.probabilities)
            if fid_wanted:
                fid_features.append(fid_extractor(batch).features)
        values = {}
        if fid_wanted:
            fid_real = self.reference_features("fid").features
            values.update(self._distances(fid_wanted, fid_real, np.concatenate(fid_features)))
        if "modes" in wanted:
            result = evaluation.mixture_modes(np.concatenate(raw), self.centers, self.std)
            values.update(
                modes=float(result.modes),
                high_quality=result.high_quality,
                mode_kl=result.kl,
            )
        if "stacked_mnist" in wanted:
            modes = np.concatenate(triples)
            result = evaluation.class_modes(modes, 1000)
            parts = evaluation.mode_kl_parts(evaluation.stacked_mnist_digits(modes))
            values.update(modes=float(result.classes), mode_kl=result.kl,
                          mode_kl_channels=float(sum(parts.channels)),
                          mode_kl_dependence=parts.dependence)
        if not needs_features:
            return values
        fake = np.concatenate(features)
        if wanted & _NEEDS_PROBABILITIES and not probabilities:
            raise ValueError(
                f"Metrics {sorted(wanted & _NEEDS_PROBABILITIES)} need class "
                f"probabilities, but the {extractor.name!r} extractor gives "
                "features only. Use a classifier extractor such as 'mnist'."
            )
        fake_probs = np.concatenate(probabilities) if probabilities else None
        real = self.reference_features() if self.reference is not None else None
        values.update(self._distances((wanted & _FID_METRICS) - fid_wanted,
                                      None if real is None else real.features, fake))
        if "is" in wanted:
            values["is"] = evaluation.inception_score(
                fake_probs, splits=min(self.is_splits, fake_probs.shape[0])
            ).mean
        if wanted & {"precision", "recall"}:
            result = evaluation.precision_recall(real.features, fake)
            for key in wanted & {"precision", "recall"}:
                values[key] = getattr(result, key)
        if wanted & {"density", "coverage"}:
            result = evaluation.density_coverage(real.features, fake)
            for key in wanted & {"density", "coverage"}:
                values[key] = getattr(result, key)
        if "diversity" in wanted:
            values["diversity"] = evaluation.diversity_ratio(
                real.features, fake, seed=self.seed
            )
        if "classes" in wanted:
            reference_probs = None
            if real is not None and real.probabilities is not None:
                reference_probs = real.probabilities
            result = evaluation.class_modes(
                fake_probs, fake_probs.shape[1], reference_labels=reference_probs
            )
            values.update(classes=float(result.classes), class_kl=result.kl)
        return values

    @staticmethod
    def _stacked_mnist_modes(batch, extractor):
        """The Stacked MNIST mode (0-999) of each sample of a batch."""
        if batch.ndim != 4 or batch.shape[-1] != 3:
            raise ValueError(
                "The 'stacked_mnist' metric needs 28x28x3 samples (one digit "
                f"per channel); the generator made {batch.shape[1:]}."
            )
        outputs = [extractor(batch[..., k : k + 1]) for k in range(3)]
        if outputs[0].probabilities is None:
            raise ValueError(
                "The 'stacked_mnist' metric labels channels with a classifier; "
                f"the {extractor.name!r} extractor gives features only. Use 'mnist'."
            )
        channels = [np.argmax(out.probabilities, axis=-1) for out in outputs]
        return evaluation.stacked_mnist_labels(np.stack(channels, axis=1))

    def _distances(self, wanted, real, fake):
        """FID and KID between real and generated features, as asked."""
        values = {}
        if "fid" in wanted:
            values["fid"] = evaluation.frechet_distance(real, fake)
        if "kid" in wanted:
            values["kid"] = evaluation.kernel_inception_distance(
                real,
                fake,
                num_subsets=self.kid_subsets,
                subset_size=self.kid_subset_size,
                seed=self.seed,
            ).mean
        return values

    def on_train_begin(self, logs=None):
        # Before any step: a raw_generator without an EMA would only fail at
        # the first evaluation, after an epoch of training.
        self._check_raw_generator()
        # A new fit starts evaluating afresh unless told what to carry
        # (`carry`); the reference cache is kept.
        self._last_values, self._carry = self._carry, None

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        last_epoch = (self.params or {}).get("epochs")
        due = (
            self._last_values is None
            or epoch % self.every_n_epochs == 0
            or (last_epoch is not None and epoch == last_epoch - 1)
        )
        if due:
            start = time.time()
            values = {self.prefix + k: float(v) for k, v in self.evaluate().items()}
            self._last_values = values
            self.history.append(
                {"epoch": epoch, **values, "seconds": time.time() - start}
            )
            if self.verbose:
                text = " - ".join(f"{k}: {v:.4g}" for k, v in values.items())
                print(f"\nEpoch {epoch + 1}: GANMetrics {text}")
        logs.update(self._last_values)

    def get_config(self):
        return {
            "metrics": self.metrics,
            "extractor": self.extractor if isinstance(self.extractor, str) else None,
            "fid_extractor": (
                self.fid_extractor if isinstance(self.fid_extractor, str) else None
            ),
            "num_samples": self.num_samples,
            "every_n_epochs": self.every_n_epochs,
            "batch_size": self.batch_size,
            "prefix": self.prefix,
            "value_range": self.value_range,
            "seed": self.seed,
            "centers": None if self.centers is None else self.centers.tolist(),
            "std": self.std,
            "kid_subsets": self.kid_subsets,
            "kid_subset_size": self.kid_subset_size,
            "is_splits": self.is_splits,
            "raw_generator": self.raw_generator,
            "verbose": self.verbose,
        }
