"""Writes tiny PyTorch-format files without PyTorch, for the reader's tests.

The layouts follow what `torch.save` / `torch.jit.save` write (see
`keras_gans.evaluation.torch_archive`): tensors are pickled as calls to
`torch._utils._rebuild_tensor_v2` on persistent-id storages. The objects are
pickled from stand-in classes of a private module, and the module names in
the protocol-2 pickle (whose GLOBAL opcode spells them out as text) are then
rewritten to the torch names the reader expects.
"""

import collections
import io
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

_FAKE = "kg_fake_torch"
_FAKE_TS = "kg_fake_torchscript"
_STORAGE_NAMES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage",
                  np.dtype(np.int64): "LongStorage", np.dtype(np.float16): "HalfStorage"}


def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
    raise AssertionError


def _module(name):
    if name not in sys.modules:
        sys.modules[name] = types.ModuleType(name)
    return sys.modules[name]


fake = _module(_FAKE)
fake._rebuild_tensor_v2 = _rebuild_tensor_v2
_rebuild_tensor_v2.__module__ = _FAKE
for _name in set(_STORAGE_NAMES.values()):
    setattr(fake, _name, type(_name, (), {"__module__": _FAKE}))


def torchscript_class(name):
    """A stand-in for the TorchScript class `__torch__.fake.<name>`."""
    module = _module(_FAKE_TS)
    if not hasattr(module, name):
        setattr(module, name, type(name, (), {"__module__": _FAKE_TS}))
    return getattr(module, name)


class Tensor:
    """A tensor to pickle: a view (offset, shape, strides in elements) of a
    flat storage, which several tensors may share."""

    def __init__(self, storage, offset, shape, strides):
        self.storage, self.offset = storage, offset
        self.shape, self.strides = tuple(shape), tuple(strides)

    @classmethod
    def of(cls, array):
        array = np.ascontiguousarray(array)
        strides = tuple(s // array.itemsize for s in array.strides)
        return cls(Storage(array.ravel()), 0, array.shape, strides)

    def __reduce__(self):
        return (_rebuild_tensor_v2,
                (self.storage, self.offset, self.shape, self.strides, False,
                 collections.OrderedDict()))


class Storage:
    def __init__(self, flat):
        self.flat = np.ascontiguousarray(flat)


def _pickle(obj, legacy):
    storages = []

    class Pickler(pickle.Pickler):
        def persistent_id(self, value):
            if not isinstance(value, Storage):
                return None
            if not any(s is value for s in storages):
                storages.append(value)
            key = str([i for i, s in enumerate(storages) if s is value][0])
            storage_type = getattr(fake, _STORAGE_NAMES[value.flat.dtype])
            pid = ("storage", storage_type, key, "cpu", value.flat.size)
            return pid + (None,) if legacy else pid

    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(obj)
    data = buffer.getvalue()
    data = data.replace(f"c{_FAKE}\n_rebuild_tensor_v2\n".encode(),
                        b"ctorch._utils\n_rebuild_tensor_v2\n")
    data = data.replace(f"c{_FAKE}\n".encode(), b"ctorch\n")
    data = data.replace(f"c{_FAKE_TS}\n".encode(), b"c__torch__.fake\n")
    return data, storages


def write_zip(path, obj, folder="archive"):
    """The zip layout (torch.save >= 1.6, torch.jit.save)."""
    data, storages = _pickle(obj, legacy=False)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{folder}/data.pkl", data)
        archive.writestr(f"{folder}/version", "3\n")
        for key, storage in enumerate(storages):
            archive.writestr(f"{folder}/data/{key}", storage.flat.astype(
                storage.flat.dtype.newbyteorder("<")).tobytes())


def write_legacy(path, obj):
    """The legacy layout (torch.save before 1.6, or with
    `_use_new_zipfile_serialization=False`)."""
    data, storages = _pickle(obj, legacy=True)
    with open(path, "wb") as f:
        pickle.dump(0x1950A86A20F9469CFC6C, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True}, f, protocol=2)
        f.write(data)
        pickle.dump([str(i) for i in range(len(storages))], f, protocol=2)
        for storage in storages:
            f.write(struct.pack("<q", storage.flat.size))
            f.write(storage.flat.astype(storage.flat.dtype.newbyteorder("<")).tobytes())


def torchscript_module(class_name, **attributes):
    """A TorchScript-like module object: its attributes pickle as its state."""
    obj = torchscript_class(class_name)()
    obj.__dict__.update(attributes)
    return obj
