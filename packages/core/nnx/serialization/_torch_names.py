"""The names torch's checkpoint format uses, and their nnx / NumPy counterparts.

One table for the writer and the reader: a legacy storage class per dtype
(``torch.FloatStorage`` holds float32 ...), and the ``torch.<dtype>`` globals that
``torch._utils._rebuild_tensor_v3`` names for dtypes without a legacy class.
"""

import numpy as np

# nnx dtype name -> the torch storage class torch.save writes for it (torch 2.13, verified).
STORAGE_CLASS_BY_DTYPE = {
    "float32": "FloatStorage",
    "float64": "DoubleStorage",
    "float16": "HalfStorage",
    "int64": "LongStorage",
    "int32": "IntStorage",
    "int16": "ShortStorage",
    "int8": "CharStorage",
    "uint8": "ByteStorage",
    "bool": "BoolStorage",
}

# Element type of each typed storage class as stored in the file. bfloat16 has no NumPy
# type: its raw 16-bit patterns are read as uint16 and widened to float32 on load.
class _BFloat16:
    """Marks bfloat16 where a NumPy dtype would go (compare with ``is``)."""

    def __repr__(self):
        return "bfloat16"


BFLOAT16 = _BFloat16()


def same_element(a, b):
    """Whether two element types (np.dtype, BFLOAT16 or None for untyped) are the same.
    Never ``==`` across kinds: NumPy reads ``np.dtype('float64') == None`` as True."""
    return a is b or (isinstance(a, np.dtype) and isinstance(b, np.dtype) and a == b)
FILE_DTYPE_BY_STORAGE_CLASS = {
    "FloatStorage": np.dtype("float32"),
    "DoubleStorage": np.dtype("float64"),
    "HalfStorage": np.dtype("float16"),
    "LongStorage": np.dtype("int64"),
    "IntStorage": np.dtype("int32"),
    "ShortStorage": np.dtype("int16"),
    "CharStorage": np.dtype("int8"),
    "ByteStorage": np.dtype("uint8"),
    "BoolStorage": np.dtype("bool"),
    "BFloat16Storage": BFLOAT16,
}
# Storage classes torch has but nnx cannot hold: loading a tensor of one raises CheckpointError.
UNSUPPORTED_STORAGE_CLASSES = {
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8",
    "QUInt8Storage": "quint8",
    "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2",
    "QUInt2x4Storage": "quint2x4",
}

# torch.<name> dtype globals -> the NumPy dtype nnx loads them as (None: nnx lacks it).
DTYPE_BY_TORCH_NAME = {
    "float32": np.dtype("float32"), "float": np.dtype("float32"),
    "float64": np.dtype("float64"), "double": np.dtype("float64"),
    "float16": np.dtype("float16"), "half": np.dtype("float16"),
    "bfloat16": BFLOAT16,
    "int64": np.dtype("int64"), "long": np.dtype("int64"),
    "int32": np.dtype("int32"), "int": np.dtype("int32"),
    "int16": np.dtype("int16"), "short": np.dtype("int16"),
    "int8": np.dtype("int8"),
    "uint8": np.dtype("uint8"),
    "bool": np.dtype("bool"),
    "uint16": None, "uint32": None, "uint64": None,
    "complex32": None, "complex64": None, "complex128": None, "cfloat": None, "cdouble": None,
    "float8_e4m3fn": None, "float8_e5m2": None, "float8_e4m3fnuz": None,
    "float8_e5m2fnuz": None, "float8_e8m0fnu": None,
}

# The zip records torch 2.13 writes besides data.pkl and data/<key>.
FORMAT_VERSION = b"1"
STORAGE_ALIGNMENT = 64
ARCHIVE_VERSION = b"3\n"

# Legacy (pre-1.6) stream format.
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
