"""Helpers for the checkpoint tests: describe a loaded object like
tests/golden/generate_checkpoints.py describes torch's, and build checkpoint files by hand."""

import importlib.util
import io
import os
import pickle
import struct
import zipfile

import numpy as np

import nnx

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden",
                      "checkpoints")
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _golden_module(name):
    """tests/golden/<name>.py, loaded by path (tests/golden is no package, and only this
    module of it is needed here)."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(GOLDEN), f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TreeDescriber = _golden_module("checkpoint_tree").TreeDescriber


def golden(name):
    return os.path.join(GOLDEN, name)


def storage_root(array):
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


class Describer(TreeDescriber):
    """The JSON tree of generate_checkpoints.py, computed from an nnx object; tensor values
    go into ``values``."""

    tensor_type = nnx.Tensor
    size_type = nnx.Size

    def __init__(self):
        super().__init__()
        self.values = {}
        self.storages = {}
        self.roots = []

    def _tensor(self, tensor, path):
        self.values[path] = tensor.detach().numpy()
        root = storage_root(tensor._data)
        if not any(r is root for r in self.roots):
            self.roots.append(root)
        node = {
            "tensor": path,
            "dtype": tensor.dtype.name,
            "param": isinstance(tensor, nnx.nn.Parameter),
            "requires_grad": tensor.requires_grad,
            "shape": list(tensor.shape),
            "stride": list(tensor.stride()),
            "offset": tensor.storage_offset(),
            "storage": next(i for i, r in enumerate(self.roots) if r is root),
        }
        attributes = {k: v for k, v in vars(tensor).items() if isinstance(v, str)}
        if attributes:
            node["attributes"] = attributes
        return node


def normalise(tree, loaded_as_nnx=False):
    """Make torch's and nnx's trees comparable: bfloat16 loads as float32 in nnx, and
    storages are renumbered in order of first use (empty tensors excluded: torch gives
    every empty tensor a null storage)."""
    numbering = {}

    def walk(node):
        if isinstance(node, dict):
            if "tensor" in node:
                node = dict(node)
                if node["dtype"] == "bfloat16":
                    node["dtype"] = "float32"
                if 0 in node["shape"]:
                    node["storage"] = None
                else:
                    node["storage"] = numbering.setdefault(node["storage"], len(numbering))
                return node
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(tree)


# -- hand-made checkpoint files ------------------------------------------------------------
def zip_checkpoint(data_pkl, records=(), folder="archive", version=True, byteorder=b"little"):
    """A zip checkpoint from a raw data.pkl and ``records`` {key: bytes} (Python's zipfile:
    no alignment, like any third-party writer)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{folder}/data.pkl", data_pkl)
        if byteorder is not None:
            zf.writestr(f"{folder}/byteorder", byteorder)
        for key, data in dict(records).items():
            zf.writestr(f"{folder}/data/{key}", data)
        if version:
            zf.writestr(f"{folder}/version", b"3\n")
    return out.getvalue()


def legacy_checkpoint(object_pkl, keys, storages, sys_info=None):
    """A legacy stream: magic, protocol, sys_info, ``object_pkl``, the key list, then each
    storage as an int64 element count and its bytes (``storages``: [(numel, bytes)])."""
    info = sys_info if sys_info is not None else {
        "protocol_version": 1001, "little_endian": True,
        "type_sizes": {"short": 2, "int": 4, "long": 4}}
    out = io.BytesIO()
    for value in (LEGACY_MAGIC, 1001, info):
        out.write(pickle.dumps(value, protocol=2))
    out.write(object_pkl)
    out.write(pickle.dumps(list(keys), protocol=2))
    for numel, data in storages:
        out.write(struct.pack("<q", numel) + data)
    return out.getvalue()


def tensor_pickle(storage_class="FloatStorage", key="0", numel=4, offset=0, size=(4,),
                  stride=(1,), requires_grad=False, rebuild="_rebuild_tensor_v2", extra=b"",
                  legacy=False):
    """data.pkl of one tensor written opcode by opcode (protocol 2, as torch does)."""
    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"
    pid = (b"(X\x07\x00\x00\x00storage" + b"ctorch\n" + storage_class.encode() + b"\n"
           + b"X" + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu"
           + b"J" + struct.pack("<i", numel) + (b"N" if legacy else b"") + b"tQ")
    return (b"\x80\x02ctorch._utils\n" + rebuild.encode() + b"\n(" + pid
            + b"J" + struct.pack("<i", offset) + ints(size) + ints(stride)
            + (b"\x88" if requires_grad else b"\x89")
            + b"ccollections\nOrderedDict\n)R" + extra + b"tR.")
