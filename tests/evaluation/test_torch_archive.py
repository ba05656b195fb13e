"""The torch-free reader of PyTorch files, on tiny files written without torch."""

import collections
import pickle
import zipfile

import numpy as np
import pytest
import torch_files

from keras_gans.evaluation import torch_archive


def _state():
    shared = torch_files.Storage(np.arange(12, dtype=np.float64))
    weight = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    return collections.OrderedDict(
        [
            ("layer.weight", torch_files.Tensor.of(weight)),
            # A transposed view: strides (1, 3) over a 2x3 storage.
            ("layer.weight_t", torch_files.Tensor(torch_files.Tensor.of(weight).storage,
                                                  0, (3, 2), (1, 3))),
            # Two views of one storage, one at an offset.
            ("shared.all", torch_files.Tensor(shared, 0, (12,), (1,))),
            ("shared.view", torch_files.Tensor(shared, 5, (2, 3), (3, 1))),
            ("count", torch_files.Tensor.of(np.array([7], np.int64))),
            ("half", torch_files.Tensor.of(np.array([0.5, -2.0], np.float16))),
        ]
    )


EXPECTED = {
    "layer.weight": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,
    "layer.weight_t": (np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5).T,
    "shared.all": np.arange(12, dtype=np.float64),
    "shared.view": np.array([[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]]),
    "count": np.array([7], np.int64),
    "half": np.array([0.5, -2.0], np.float16),
}


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_state_dicts_in_both_layouts(tmp_path, layout):
    path = tmp_path / "state.pt"
    if layout == "zip":
        torch_files.write_zip(path, _state())
    else:
        torch_files.write_legacy(path, _state())
    loaded = torch_archive.load(path)
    assert isinstance(loaded, collections.OrderedDict)
    assert list(loaded) == list(EXPECTED)
    for key, expected in EXPECTED.items():
        assert loaded[key].dtype == expected.dtype, key
        np.testing.assert_array_equal(loaded[key], expected, err_msg=key)


def test_torchscript_modules_keep_their_attributes(tmp_path):
    conv = torch_files.torchscript_module(
        "Conv2dLayer", weight=torch_files.Tensor.of(np.ones((2, 1, 1, 3), np.float32)),
        stride=2, padding=[0, 1], training=False,
    )
    root = torch_files.torchscript_module("Net", layers=torch_files.torchscript_module(
        "Sequential", conv=conv))
    path = tmp_path / "module.pt"
    torch_files.write_zip(path, root, folder="out_jit_module")
    loaded = torch_archive.load(path)
    assert isinstance(loaded, torch_archive.TorchObject)
    assert loaded.torch_class == "__torch__.fake.Net"
    tensors = torch_archive.named_tensors(loaded)
    assert list(tensors) == ["layers.conv.weight"]
    np.testing.assert_array_equal(tensors["layers.conv.weight"], np.ones((2, 1, 1, 3)))
    assert torch_archive.named_attributes(loaded) == {
        "layers.conv.stride": 2, "layers.conv.padding": [0, 1], "layers.conv.training": False,
    }


def test_other_globals_are_refused_without_running_them(tmp_path):
    # A pickle that would call os.system: the reader must refuse it.
    payload = b"cos\nsystem\n(S'echo hacked'\ntR."
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
    with pytest.raises(torch_archive.TorchArchiveError, match="os.system"):
        torch_archive.load(path)


def test_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "state.pt"
    torch_files.write_zip(path, {"w": torch_files.Tensor.of(np.zeros(10, np.float32))})
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["archive/data/0"] = members["archive/data/0"][:8]  # 2 of 10 floats
    truncated = tmp_path / "truncated.pt"
    with zipfile.ZipFile(truncated, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(torch_archive.TorchArchiveError, match="8 bytes, fewer than the 10 x 4"):
        torch_archive.load(truncated)

    not_torch = tmp_path / "other.zip"
    with zipfile.ZipFile(not_torch, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(torch_archive.TorchArchiveError, match="data.pkl"):
        torch_archive.load(not_torch)

    pickled = tmp_path / "plain.pkl"
    pickled.write_bytes(pickle.dumps(123))
    with pytest.raises(torch_archive.TorchArchiveError, match="wrong magic number"):
        torch_archive.load(pickled)
