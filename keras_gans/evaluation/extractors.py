"""Feature extractors: images -> features (and class probabilities).

Every metric in `keras_gans.evaluation` works on feature arrays, so any
network can score samples. `get_extractor(name_or_model)` returns a
`FeatureExtractor`:

- `"mnist"`: the small CNN of `classifier.py`, weights shipped in the package
  (99%+ MNIST test accuracy; sha256 pinned and checked at load time).
  Features are its 128-d penultimate ReLU layer, probabilities its softmax.
- `"fashion_mnist"`: the same CNN trained on Fashion-MNIST by
  `tools/train_evaluator.py --dataset=fashion_mnist`, shipped and pinned the
  same way (92.1% Fashion-MNIST test accuracy).
- `"fid_inception"`: the exact FID network (TF Inception-v3 graph of
  2015-12-05, `pool_3`, 2048-d), ported in `fid_inception.py`; FIDs with it
  are comparable to published ones (pytorch-fid, TF-GAN, Lucic et al.).
  Weights built once, offline-capable, by `tools/fetch_fid_inception.py`
  into the Keras cache; their values are pinned by sha256. Any image size,
  1 or 3 channels; batches are split to fit the free memory.
- `"inception_v3"`: `keras.applications.InceptionV3` (ImageNet weights, no
  top, average pooling: 2048-d features). The weights must already be in
  the Keras cache; nothing is downloaded unless `allow_download=True`.
  Note: these are not the 2015 graph, so its FIDs rank models reliably
  but are not numerically comparable to papers: use `"fid_inception"`.
- any `keras.Model`: features are its output. A model returning a dict with
  keys `"features"` and `"probabilities"`, or a list/tuple
  `[features, probabilities]`, provides both.

Inputs: images batch-first, (N, H, W, C) or (N, H, W) for grayscale, in
`value_range` (default [-1, 1], the tanh generators' range; pass
`value_range=(0, 1)` for sigmoid generators or `(0, 255)` for uint8 data).
The extractor rescales them to what its network expects.

`compute_features(extractor, data)` runs an extractor over arrays,
`tf.data` datasets, generator functions or iterables batch by batch, so
10k+ samples never sit in memory as images.
"""

import contextlib
import dataclasses
import functools
import hashlib
import json
import os

import keras
import numpy as np

from keras_gans import checks
from keras_gans.evaluation.classifier import FEATURE_LAYER
from keras_gans.evaluation.classifier import PROBABILITY_LAYER
from keras_gans.evaluation.classifier import build_classifier
from keras_gans.evaluation.moments import FeatureMoments
from keras_gans.io_utils import keras_cache_dir

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")

# Domain classifiers: weights file in WEIGHTS_DIR and, for shipped weights,
# the pinned sha256 (a changed file must be a deliberate change here too).
CLASSIFIERS = {
    "mnist": {
        "filename": "mnist_classifier.weights.h5",
        "sha256": "4a51f70917d582adb8c2ca5f288c093f52bc7759d5216f0f273a398ceba5a347",
        "input_shape": (28, 28, 1),
        "num_classes": 10,
    },
    "fashion_mnist": {
        "filename": "fashion_mnist_classifier.weights.h5",
        "sha256": "d47c4b03846c890089c023228b096b9f4857f8cb7d96c8dc3f69eb71e5095b38",
        "input_shape": (28, 28, 1),
        "num_classes": 10,
    },
}

# Names `get_extractor` accepts.
EXTRACTOR_NAMES = ("mnist", "fashion_mnist", "fid_inception", "inception_v3")

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + INCEPTION_WEIGHTS_FILE
)
INCEPTION_SIZE = 299


@dataclasses.dataclass(frozen=True)
class ExtractedFeatures:
    """What an extractor computes for a set of images.

    Attributes:
        features: float32 array (num_samples, feature_dim).
        probabilities: float32 array (num_samples, num_classes), or None when
            the extractor has no classifier head (e.g. `"inception_v3"`
            without top, or a plain user model).
    """

    features: np.ndarray
    probabilities: np.ndarray = None

    def __len__(self):
        return int(self.features.shape[0])


def sha256_of(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def rescale(images, value_range, target_range):
    """Linearly maps images from `value_range` to `target_range` (float32)."""
    low, high = value_range
    new_low, new_high = target_range
    images = keras.ops.cast(images, "float32")
    scale = (new_high - new_low) / (high - low)
    return (images - low) * scale + new_low


class FeatureExtractor:
    """Wraps a Keras model as a batch-wise feature (and probability) extractor.

    Args:
        model: A `keras.Model`. Its output is the features, or a dict with
            keys `"features"` (and `"probabilities"`), or a list/tuple
            `[features, probabilities]`.
        preprocess: Optional function mapping an image batch (already
            float32, with a channel axis) to the model's input.
        name: Name used in messages and caches.
        input_shape: Optional `(H, W, C)` the images must have (checked
            before preprocessing, with a clear message).
        max_batch_size: Optional cap on the images sent through the network
            at once; larger batches are split (and the outputs joined), so
            a caller's batch size never decides peak memory. Big networks
            on big inputs need it: Inception at 299x299 holds hundreds of
            MB of activations per image.

    Calling the extractor on an image batch returns an `ExtractedFeatures`.
    """

    def __init__(self, model, preprocess=None, name=None, input_shape=None,
                 max_batch_size=None):
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"FeatureExtractor needs a keras.Model; got {type(model).__name__}."
            )
        max_batch_size = checks.optional_positive_int("max_batch_size", max_batch_size)
        self.model = model
        self.preprocess = preprocess
        self.name = name or model.name
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.max_batch_size = max_batch_size
        self._forward = self._make_forward()

    def _make_forward(self):
        def forward(images):
            if self.preprocess is not None:
                images = self.preprocess(images)
            return self.model(images, training=False)

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            # One traced graph for all full batches (plus one for the last,
            # smaller batch) instead of eager op-by-op execution.
            return tf.function(forward, reduce_retracing=True)
        return forward

    def _prepare(self, images):
        images = keras.ops.convert_to_numpy(images) if not isinstance(
            images, np.ndarray
        ) else images
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 3:
            images = images[..., None]  # (N, H, W) grayscale
        if self.input_shape is not None and images.shape[1:] != self.input_shape:
            raise ValueError(
                f"The {self.name!r} extractor takes images of shape "
                f"(N, {', '.join(map(str, self.input_shape))}); got "
                f"{images.shape}. Resize the samples or choose another "
                "extractor (e.g. 'inception_v3' resizes any image)."
            )
        if not np.all(np.isfinite(images)):
            raise ValueError(
                "The images contain NaN or infinite values; the generator "
                "produced non-finite samples."
            )
        return images

    def __call__(self, images):
        """Extracts features of one batch.

        Args:
            images: Array or tensor (N, H, W, C) or (N, H, W).

        Returns:
            `ExtractedFeatures` with float32 numpy arrays.
        """
        images = self._prepare(images)
        step = self.max_batch_size
        if step is None or images.shape[0] <= step:
            return self._extract(images)
        parts = [self._extract(images[i : i + step]) for i in range(0, images.shape[0], step)]
        return ExtractedFeatures(
            np.concatenate([p.features for p in parts]),
            None if parts[0].probabilities is None
            else np.concatenate([p.probabilities for p in parts]),
        )

    def _extract(self, images):
        outputs = self._forward(images)
        if isinstance(outputs, dict):
            if "features" not in outputs:
                raise ValueError(
                    f"A dict-output extractor model must have a 'features' key; "
                    f"got keys {sorted(outputs)}."
                )
            features = outputs["features"]
            probabilities = outputs.get("probabilities")
        elif isinstance(outputs, (list, tuple)):
            if len(outputs) != 2:
                raise ValueError(
                    "A multi-output extractor model must return exactly "
                    f"[features, probabilities]; got {len(outputs)} outputs."
                )
            features, probabilities = outputs
        else:
            features, probabilities = outputs, None
        features = np.asarray(keras.ops.convert_to_numpy(features), dtype=np.float32)
        features = features.reshape(features.shape[0], -1)
        if probabilities is not None:
            probabilities = np.asarray(
                keras.ops.convert_to_numpy(probabilities), dtype=np.float32
            )
        return ExtractedFeatures(features, probabilities)

    def __repr__(self):
        return f"FeatureExtractor(name={self.name!r})"


# Peak memory per 299x299 image through the FID Inception network in
# TensorFlow inference on CPU: the resident set grew by 13-19 MB per image
# for batches of 1, 8 and 32 (Keras 3.15, TF 2.21); 32 MiB leaves a margin.
FID_INCEPTION_BYTES_PER_IMAGE = 32 * 2**20
# Share of the available memory the FID extractor's batches may take.
_FID_MEMORY_SHARE = 0.25


def available_memory_bytes():
    """Memory the OS says is available now (Linux MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def fid_inception_batch_size(available=None, cap=50):
    """Images per forward pass for the FID network, from the memory free.

    A quarter of the available memory divided by the measured per-image
    peak, between 1 and `cap` (beyond about 50, larger batches do not run
    faster on CPU). 8 when the available memory is unknown.
    """
    available = available_memory_bytes() if available is None else available
    if not available:
        return 8
    fit = int(available * _FID_MEMORY_SHARE // FID_INCEPTION_BYTES_PER_IMAGE)
    return max(1, min(cap, fit))


def _fid_inception_extractor(value_range, weights, max_batch_size):
    from keras_gans.evaluation import fid_inception

    source = checks.value_range(value_range)
    if weights is None:
        model = fid_inception.build_fid_inception()  # random: tests only
    else:
        model = fid_inception.load_fid_inception(None if weights == "default" else weights)

    def preprocess(images):
        return fid_inception.preprocess(images, source)

    return FeatureExtractor(
        model, preprocess, name="fid_inception",
        max_batch_size=max_batch_size or fid_inception_batch_size(),
    )


def _classifier_extractor(name, value_range, weights):
    spec = CLASSIFIERS[name]
    default_path = os.path.join(WEIGHTS_DIR, spec["filename"])
    path = default_path if weights == "default" else weights
    if path is not None:
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"No weights for the {name!r} evaluator classifier at {path}. "
                "Train them (a few minutes on a CPU) with:\n"
                f"    python tools/train_evaluator.py --dataset={name}\n"
                f"which writes {default_path} (add --data_path=<file.npz> "
                "with x_train, y_train, x_test, y_test arrays when "
                f"keras.datasets.{name} cannot download), or pass "
                "weights=<path to a .weights.h5 file>."
            )
        _verify_classifier_weights(name, path, spec, pinned=weights == "default")
    classifier = build_classifier(
        input_shape=spec["input_shape"], num_classes=spec["num_classes"]
    )
    if path is not None:
        classifier.load_weights(path)
    model = keras.Model(
        classifier.inputs,
        {
            "features": classifier.get_layer(FEATURE_LAYER).output,
            "probabilities": classifier.get_layer(PROBABILITY_LAYER).output,
        },
        name=f"{name}_evaluator",
    )
    source = checks.value_range(value_range)

    def preprocess(images):
        # The classifier was trained on pixels in [-1, 1].
        return rescale(images, source, (-1.0, 1.0))

    return FeatureExtractor(
        model, preprocess, name=name, input_shape=spec["input_shape"]
    )


def _verify_classifier_weights(name, path, spec, pinned):
    actual = sha256_of(path)
    if pinned and spec["sha256"] is not None:
        expected, origin = spec["sha256"], "the sha256 pinned in keras_gans"
    else:
        # User-trained weights: compare with the record the training tool
        # wrote next to them, when there is one.
        record = path.replace(".weights.h5", ".json")
        if not os.path.exists(record):
            return
        with open(record) as f:
            expected = json.load(f).get("weights_sha256")
        origin = record
        if expected is None:
            return
    if actual != expected:
        raise ValueError(
            f"The {name!r} evaluator weights at {path} have sha256 {actual}, "
            f"but {origin} expects {expected}. The file is corrupted or was "
            "replaced: reinstall keras_gans, or retrain with "
            f"`python tools/train_evaluator.py --dataset={name}` (and update "
            "the pin in keras_gans/evaluation/extractors.py if the new "
            "weights should ship)."
        )


def inception_weights_path():
    """Where Keras caches the InceptionV3 no-top ImageNet weights."""
    return keras_cache_dir("models", INCEPTION_WEIGHTS_FILE)


def _inception_extractor(value_range, weights, allow_download):
    if weights == "default":
        path = inception_weights_path()
        if os.path.exists(path):
            weights = path
        elif allow_download:
            weights = "imagenet"
        else:
            raise FileNotFoundError(
                "The InceptionV3 ImageNet weights are not in the Keras cache: "
                f"expected {path}. Without a network, download\n"
                f"    {INCEPTION_WEIGHTS_URL}\n"
                f"on another machine and copy it to {path} (or to "
                f"$KERAS_HOME/models/{INCEPTION_WEIGHTS_FILE}), or pass "
                "weights=<path>. With a network, pass allow_download=True."
            )
    elif weights is not None and not os.path.exists(weights):
        raise FileNotFoundError(f"InceptionV3 weights file {weights} does not exist.")
    model = keras.applications.InceptionV3(
        include_top=False,
        weights=weights,
        pooling="avg",
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
    )
    source = checks.value_range(value_range)

    def preprocess(images):
        if images.shape[-1] == 1:
            images = keras.ops.repeat(images, 3, axis=-1)
        elif images.shape[-1] != 3:
            raise ValueError(
                "inception_v3 takes 1- or 3-channel images; got "
                f"{images.shape[-1]} channels."
            )
        # Resize in [0, 1] (bilinear, as TF-GAN does), then map to [-1, 1],
        # InceptionV3's `preprocess_input` range.
        images = rescale(images, source, (0.0, 1.0))
        images = keras.ops.image.resize(
            images, (INCEPTION_SIZE, INCEPTION_SIZE), interpolation="bilinear"
        )
        return images * 2.0 - 1.0

    return FeatureExtractor(model, preprocess, name="inception_v3")


_CACHE = {}


@contextlib.contextmanager
def _float32_policy():
    """Builds layers in float32 inside the block, then restores the global policy."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def get_extractor(
    name_or_model,
    value_range=(-1.0, 1.0),
    weights="default",
    allow_download=False,
    model_range=None,
    max_batch_size=None,
):
    """Returns a `FeatureExtractor` by name, or wraps a user model.

    Args:
        name_or_model: `"mnist"`, `"fashion_mnist"`, `"fid_inception"`,
            `"inception_v3"`, a `keras.Model` or a `FeatureExtractor`
            (returned as is).
        value_range: `(low, high)` range of the images you will pass (the
            generator's output range): (-1, 1) for tanh, (0, 1) for sigmoid.
        weights: `"default"` (shipped / cached weights), a path to a weights
            file, or None (random initialisation: only for tests).
        allow_download: For `"inception_v3"` only: let Keras download the
            weights when they are not cached (needs a network).
        model_range: For a user model only: the input range it expects. When
            given, images are mapped from `value_range` to it; otherwise
            they are passed unchanged.
        max_batch_size: Images per forward pass (larger batches are split).
            For `"fid_inception"` the default is chosen from the free
            memory (`fid_inception_batch_size`); otherwise no cap.

    Returns:
        A `FeatureExtractor`. Named extractors are cached per argument set,
        so repeated calls do not reload weights.

    Example:

    ```python
    extractor = get_extractor("mnist", value_range=(0, 1))
    out = extractor(images)            # ExtractedFeatures
    out.features.shape, out.probabilities.shape   # (N, 128), (N, 10)
    ```
    """
    if isinstance(name_or_model, FeatureExtractor):
        return name_or_model
    if isinstance(name_or_model, keras.Model):
        preprocess = None
        if model_range is not None:
            source = checks.value_range(value_range)
            target = checks.value_range(model_range, name="model_range")
            preprocess = functools.partial(rescale, value_range=source, target_range=target)
        return FeatureExtractor(name_or_model, preprocess, max_batch_size=max_batch_size)
    if not isinstance(name_or_model, str):
        raise TypeError(
            f"get_extractor takes a name ({', '.join(map(repr, EXTRACTOR_NAMES))}), "
            f"a keras.Model or a FeatureExtractor; got {type(name_or_model).__name__}."
        )
    name = name_or_model.lower()
    key = (name, tuple(float(v) for v in checks.value_range(value_range)), weights,
           max_batch_size)
    if key in _CACHE:
        return _CACHE[key]
    if name not in CLASSIFIERS and name not in (
            "fid_inception", "fid_inception_v3", "inception_v3", "inception"):
        raise ValueError(
            f"Unknown extractor {name_or_model!r}. Choose one of "
            f"{', '.join(map(repr, EXTRACTOR_NAMES))}, or pass a keras.Model."
        )
    # Named extractors are measuring instruments: they are built in float32
    # whatever the global policy, so a model trained under mixed_bfloat16
    # is scored by the same network, to the same digits, as a float32 one
    # (under a bfloat16 policy the features would keep 8 bits of mantissa
    # and move FID).
    with _float32_policy():
        if name in CLASSIFIERS:
            extractor = _classifier_extractor(name, key[1], weights)
            if max_batch_size is not None:
                extractor.max_batch_size = int(max_batch_size)
        elif name in ("fid_inception", "fid_inception_v3"):
            extractor = _fid_inception_extractor(key[1], weights, max_batch_size)
        else:
            extractor = _inception_extractor(key[1], weights, allow_download)
            if max_batch_size is not None:
                extractor.max_batch_size = int(max_batch_size)
    _CACHE[key] = extractor
    return extractor


def _first_item(batch):
    """Images from a dataset element: (x, y) tuples and dicts are common."""
    if isinstance(batch, (tuple, list)):
        return batch[0]
    if isinstance(batch, dict):
        for key in ("images", "image", "x"):
            if key in batch:
                return batch[key]
        raise ValueError(
            "Dataset elements are dicts without an 'images', 'image' or 'x' "
            f"key (keys: {sorted(batch)}); map the dataset to image batches."
        )
    return batch


def iterate_batches(data, batch_size=250, num_samples=None):
    """Yields image batches from any supported source, at most `num_samples`.

    Args:
        data: One of
            - an array or tensor (N, ...) (sliced into `batch_size` batches);
            - a `tf.data.Dataset` yielding batches (elements that are tuples
              use their first item; dicts their 'images'/'image'/'x' key);
            - a function `fn(n)` returning a batch of `n` samples, e.g.
              `lambda n: gan.generate(n)` (needs `num_samples`);
            - any other iterable of batches.
        batch_size: Batch size for arrays and generator functions.
        num_samples: Stop after this many samples (None: all of `data`).

    Yields:
        Image batches (arrays or tensors), batch-first.
    """
    batch_size = checks.positive_int("batch_size", batch_size)
    num_samples = checks.optional_positive_int("num_samples", num_samples)
    remaining = np.inf if num_samples is None else int(num_samples)

    if hasattr(data, "shape") and hasattr(data, "__getitem__") and len(data.shape) >= 2:
        total = min(int(data.shape[0]), remaining)
        for start in range(0, total, batch_size):
            yield data[start : min(start + batch_size, total)]
        return
    if callable(data) and not hasattr(data, "__iter__"):
        if num_samples is None:
            raise ValueError(
                "A generator function needs `num_samples`: it is called as "
                "fn(n) until that many samples were produced."
            )
        while remaining > 0:
            n = int(min(batch_size, remaining))
            batch = data(n)
            if int(batch.shape[0]) != n:
                raise ValueError(
                    f"The generator function returned {batch.shape[0]} samples "
                    f"when asked for {n}; it must return exactly n."
                )
            remaining -= n
            yield batch
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(
            "`data` must be an array, a tf.data.Dataset, a function fn(n) "
            f"returning n samples, or an iterable of batches; got {type(data).__name__}."
        )
    for batch in data:
        if remaining <= 0:
            return
        batch = _first_item(batch)
        if int(batch.shape[0]) > remaining:
            batch = batch[: int(remaining)]
        remaining -= int(batch.shape[0])
        yield batch


def _resolve(extractor):
    if isinstance(extractor, FeatureExtractor):
        return extractor
    return get_extractor(extractor)


def compute_features(extractor, data, batch_size=250, num_samples=None, verbose=0):
    """Runs an extractor over a data source batch by batch.

    Only one image batch is in memory at a time; the returned features are
    small (10k x 128 floats for `"mnist"`).

    Args:
        extractor: A `FeatureExtractor`, or anything `get_extractor` takes
            (with its default `value_range` of (-1, 1)).
        data: Array, `tf.data.Dataset`, generator function `fn(n)` or
            iterable of batches; see `iterate_batches`.
        batch_size: Batch size for arrays and generator functions.
        num_samples: Number of samples to use (None: all; required for
            generator functions).
        verbose: 1 shows a Keras progress bar of the samples done (an
            Inception pass over 10k images takes tens of minutes on a CPU).

    Returns:
        `ExtractedFeatures` with `features` (N, dim) and `probabilities`
        (N, num_classes) or None.
    """
    extractor = _resolve(extractor)
    features, probabilities = [], []
    total = num_samples if num_samples is not None else getattr(data, "shape", (None,))[0]
    progress = keras.utils.Progbar(total, unit_name="sample") if verbose else None
    for batch in iterate_batches(data, batch_size, num_samples):
        out = extractor(batch)
        if progress is not None:
            progress.add(out.features.shape[0])
        features.append(out.features)
        if out.probabilities is not None:
            probabilities.append(out.probabilities)
    if not features:
        raise ValueError("`data` produced no samples.")
    return ExtractedFeatures(
        features=np.concatenate(features),
        probabilities=np.concatenate(probabilities) if probabilities else None,
    )


def compute_feature_moments(extractor, data, batch_size=250, num_samples=None):
    """Like `compute_features`, but keeps only running mean and covariance.

    Memory stays O(dim^2) however many samples are used, which is what a
    50k-sample Inception FID needs.

    Returns:
        A `FeatureMoments`, accepted by `frechet_distance`.
    """
    extractor = _resolve(extractor)
    moments = FeatureMoments()
    for batch in iterate_batches(data, batch_size, num_samples):
        moments.update(extractor(batch).features)
    if moments.count == 0:
        raise ValueError("`data` produced no samples.")
    return moments
