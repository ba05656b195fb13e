"""Reads the tensors of PyTorch files into NumPy arrays, without PyTorch.

Two layouts are read:

- the zip layout that `torch.save` writes since PyTorch 1.6 and that
  `torch.jit.save` (TorchScript) always writes: one folder holding
  `data.pkl` (a pickle of the saved object) and `data/<key>`, one raw,
  little-endian storage per key;
- the legacy layout of older `torch.save` files: five pickles in a row (a
  magic number, the format version, system info, the object, the list of
  storage keys), then each storage as an 8-byte element count followed by
  its raw bytes.

In both, a tensor is pickled as a call to `torch._utils._rebuild_tensor_v2`
(storage, offset, size, stride, ...) whose storage is a "persistent id"
that the loader resolves. A restricted unpickler maps exactly those names
to NumPy and refuses every other global, so reading a file never runs code
from it (unlike `torch.load` without `weights_only`). TorchScript module
objects (`__torch__.*` classes) become plain `TorchObject`s holding their
attributes, so module hyper-parameters (a convolution's stride and
padding) can be read next to the weights.
"""

import collections
import io
import pickle
import struct
import zipfile

import numpy as np

# torch storage class names -> NumPy dtypes (bfloat16 has no NumPy dtype).
_STORAGE_DTYPES = {
    "DoubleStorage": np.float64,
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
# Legacy files start with this pickled integer (torch/serialization.py).
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C


class TorchArchiveError(ValueError):
    """The file is not a PyTorch file this reader understands."""


class TorchObject:
    """A pickled TorchScript (or other `__torch__`) object's attributes.

    Each pickled class name gets its own subclass (pickle's `NEWOBJ` needs
    a class), created on the fly by the unpickler.

    Attributes:
        torch_class: The pickled class name, e.g.
            `"__torch__.inceptionv3.Conv2dLayer"`.
        attributes: dict of attribute name -> value (tensors are arrays).
    """

    torch_class = None

    @property
    def attributes(self):
        # NEWOBJ creates instances with __new__ only, so no __init__ ran.
        return self.__dict__.setdefault("_attributes", {})

    @attributes.setter
    def attributes(self, value):
        self.__dict__["_attributes"] = value

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise TorchArchiveError(
                f"{self.torch_class} was pickled with a state of type "
                f"{type(state).__name__}; only attribute dicts are supported."
            )
        self.attributes.update(state)

    def __repr__(self):
        return f"TorchObject({self.torch_class}, {sorted(self.attributes)})"


_CLASSES = {}


def _torch_class(name):
    if name not in _CLASSES:
        _CLASSES[name] = type(name.rsplit(".", 1)[-1], (TorchObject,), {"torch_class": name})
    return _CLASSES[name]


class _StorageType:
    def __init__(self, name):
        if name not in _STORAGE_DTYPES:
            raise TorchArchiveError(
                f"Storages of type torch.{name} are not supported; supported: "
                f"{', '.join(sorted(_STORAGE_DTYPES))}."
            )
        self.dtype = np.dtype(_STORAGE_DTYPES[name]).newbyteorder("<")


class _LazyTensor:
    """A tensor whose storage bytes may arrive after the pickle (legacy)."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, int(offset)
        self.size, self.stride = tuple(size), tuple(stride)


def _rebuild_tensor(storage, storage_offset, size, stride, *unused):
    # Further arguments (requires_grad, backward hooks, metadata) do not
    # change the values.
    return _LazyTensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, *unused):
    return data


class _Storage:
    def __init__(self, storage_type, key, numel):
        self.dtype = storage_type.dtype
        self.key = str(key)
        self.numel = int(numel)
        self.array = None


class _Unpickler(pickle.Unpickler):
    """Resolves only the globals a tensor file needs; refuses the rest."""

    _GLOBALS = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("collections", "OrderedDict"): collections.OrderedDict,
        # TorchScript wraps typed lists (a convolution's padding) in these.
        ("torch.jit._pickle", "build_intlist"): list,
        ("torch.jit._pickle", "build_doublelist"): list,
        ("torch.jit._pickle", "build_boollist"): list,
        ("torch.jit._pickle", "build_tensorlist"): list,
        ("torch.jit._pickle", "restore_type_tag"): lambda value, type_tag: value,
    }

    def __init__(self, file, storages):
        super().__init__(file)
        self._storages = storages

    def find_class(self, module, name):
        if (module, name) in self._GLOBALS:
            return self._GLOBALS[(module, name)]
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        if module.startswith("__torch__"):
            return _torch_class(f"{module}.{name}")
        raise TorchArchiveError(
            f"The file pickles {module}.{name}, which a tensor file does not "
            "need; refusing to load it (only tensors, dicts, lists and "
            "TorchScript module attributes are read)."
        )

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise TorchArchiveError(f"Unknown persistent id {pid!r} in the file.")
        # Zip: (tag, storage type, key, location, numel).
        # Legacy: (tag, storage type, key, location, numel, view metadata).
        storage_type, key, numel = pid[1], pid[2], pid[4]
        if not isinstance(storage_type, _StorageType):
            raise TorchArchiveError(f"Unexpected storage type {storage_type!r}.")
        if len(pid) > 5 and pid[5] is not None:
            raise TorchArchiveError(
                "The file uses storage views (PyTorch < 0.4); re-save it with "
                "a newer PyTorch."
            )
        key = str(key)
        if key not in self._storages:
            self._storages[key] = _Storage(storage_type, key, numel)
        return self._storages[key]


def _resolve(value):
    """Replaces `_LazyTensor`s (at any depth) with NumPy arrays."""
    if isinstance(value, _LazyTensor):
        storage = value.storage
        if storage.array is None:
            raise TorchArchiveError(f"Storage {storage.key} has no data in the file.")
        itemsize = storage.array.dtype.itemsize
        if value.size:
            last = value.offset + sum((n - 1) * s for n, s in zip(value.size, value.stride))
            if min(value.size) > 0 and last >= storage.array.size:
                raise TorchArchiveError(
                    f"A tensor of size {value.size} reaches past the end of "
                    f"storage {storage.key} ({storage.array.size} elements); "
                    "the file is truncated."
                )
        view = np.lib.stride_tricks.as_strided(
            storage.array[value.offset :],
            shape=value.size,
            strides=tuple(s * itemsize for s in value.stride),
            writeable=False,
        )
        # Native byte order, contiguous, owning its memory.
        return np.array(view, dtype=storage.array.dtype.newbyteorder("="))
    if isinstance(value, TorchObject):
        value.attributes = {k: _resolve(v) for k, v in value.attributes.items()}
        return value
    if isinstance(value, dict):
        resolved = type(value)() if isinstance(value, collections.OrderedDict) else {}
        for k, v in value.items():
            resolved[k] = _resolve(v)
        return resolved
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v) for v in value)
    return value


def _unpickle(data, storages):
    unpickler = _Unpickler(io.BytesIO(data) if isinstance(data, bytes) else data, storages)
    return unpickler.load()


def _read_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise TorchArchiveError(
                f"{path} is a zip file but not a PyTorch archive: expected one "
                f"'<folder>/data.pkl', found {pickles or 'none'}."
            )
        prefix = pickles[0][: -len("data.pkl")]
        storages = {}
        obj = _unpickle(archive.read(pickles[0]), storages)
        byteorder = "little"
        if prefix + "byteorder" in names:
            byteorder = archive.read(prefix + "byteorder").decode().strip()
        for storage in storages.values():
            member = f"{prefix}data/{storage.key}"
            if member not in names:
                raise TorchArchiveError(f"{path} lacks {member}.")
            raw = archive.read(member)
            dtype = storage.dtype.newbyteorder("<" if byteorder == "little" else ">")
            if len(raw) < storage.numel * dtype.itemsize:
                raise TorchArchiveError(
                    f"{member} holds {len(raw)} bytes, fewer than the "
                    f"{storage.numel} x {dtype.itemsize} its tensors need."
                )
            storage.array = np.frombuffer(raw, dtype=dtype, count=storage.numel)
    return _resolve(obj)


def _read_legacy(path):
    with open(path, "rb") as f:
        try:
            magic = pickle.load(f)
        except Exception as err:
            raise TorchArchiveError(
                f"{path} is neither a zip archive nor a legacy PyTorch file "
                f"({type(err).__name__}: {err})."
            ) from None
        if magic != LEGACY_MAGIC_NUMBER:
            raise TorchArchiveError(f"{path} is not a PyTorch file (wrong magic number).")
        version = pickle.load(f)
        if version != 1001:
            raise TorchArchiveError(f"{path}: unsupported legacy format version {version}.")
        pickle.load(f)  # system info: byte order and sizes of C types
        storages = {}
        obj = _Unpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            storage = storages[str(key)]
            (numel,) = struct.unpack("<q", f.read(8))
            raw = f.read(numel * storage.dtype.itemsize)
            if numel != storage.numel or len(raw) != numel * storage.dtype.itemsize:
                raise TorchArchiveError(
                    f"{path}: storage {key} is truncated or its size does not "
                    f"match ({numel} vs {storage.numel} elements)."
                )
            storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return _resolve(obj)


def load(path):
    """Loads a PyTorch or TorchScript file's object with tensors as arrays.

    Args:
        path: A `.pt`/`.pth` file (zip or legacy layout, see the module
            docstring).

    Returns:
        The saved object: for a `state_dict`, an `OrderedDict` of name ->
        `np.ndarray`; for a TorchScript module, a `TorchObject` tree.

    Raises:
        TorchArchiveError: the file is not a PyTorch file, pickles other
            globals than tensors need, or is truncated.
    """
    if zipfile.is_zipfile(path):
        return _read_zip(path)
    return _read_legacy(path)


def named_tensors(obj, prefix=""):
    """Flattens a loaded object into `{"a.b.weight": array}`.

    TorchObject attributes and dict keys become dotted names; non-tensor
    leaves are left out (see `named_attributes`).
    """
    return {k: v for k, v in _walk(obj, prefix) if isinstance(v, np.ndarray)}


def named_attributes(obj, prefix=""):
    """Like `named_tensors`, but the non-tensor leaves (ints, lists, ...)."""
    return {
        k: v
        for k, v in _walk(obj, prefix)
        if not isinstance(v, (np.ndarray, TorchObject, dict))
    }


def _walk(obj, prefix):
    if isinstance(obj, TorchObject):
        items = obj.attributes.items()
    elif isinstance(obj, dict):
        items = obj.items()
    else:
        yield prefix, obj
        return
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, (TorchObject, dict)):
            yield from _walk(value, name)
        else:
            yield name, value
