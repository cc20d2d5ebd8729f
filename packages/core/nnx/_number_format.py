"""Per-dtype element formatting for tensor text rendering (PyTorch's
``_Formatter``).

* Floating values: if every non-zero finite value is an integer the values
  print as ``1.``/``-3.``; otherwise with ``precision`` decimals in fixed
  notation. Scientific notation is used when, over the non-zero finite
  values, ``max|x| / min|x| > 1000``, ``max|x| > 1e8`` or ``min|x| < 1e-4``
  (unless ``sci_mode`` forces it on/off). Every element is right-aligned to
  the width of the widest non-zero finite value (at least 1 column).
* Complex values format their real and imaginary parts with one floating
  formatter each and join them as ``a+bj``.
* Integers and booleans print with ``str()`` and the same right alignment.

It also classifies a dtype name into the kind of values it holds
(``_kind_of``) and brings the data to a matching NumPy dtype (``_prepare``).

The layout around the elements (nesting, summarization, wrapping, suffixes)
lives in :mod:`nnx._tensor_str`.
"""

from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------
# dtype classification
# --------------------------------------------------------------------------

_FLOAT_NAMES = frozenset(
    {
        "float16",
        "half",
        "bfloat16",
        "float32",
        "float",
        "float64",
        "double",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e5m2",
        "float8_e5m2fnuz",
        "float8_e8m0fnu",
    }
)
_COMPLEX_NAMES = frozenset({"complex32", "chalf", "complex64", "cfloat", "complex128", "cdouble"})
_BOOL_NAMES = frozenset({"bool"})
_INT_NAMES = frozenset(
    {
        "int8",
        "int16",
        "short",
        "int32",
        "int",
        "int64",
        "long",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
    }
)


def _kind_of(arr: np.ndarray, dtype_name: str) -> str:
    """Return one of 'float', 'complex', 'bool', 'int'."""
    if dtype_name in _FLOAT_NAMES:
        return "float"
    if dtype_name in _COMPLEX_NAMES:
        return "complex"
    if dtype_name in _BOOL_NAMES:
        return "bool"
    if dtype_name in _INT_NAMES:
        return "int"
    k = arr.dtype.kind
    if k == "f":
        return "float"
    if k == "c":
        return "complex"
    if k == "b":
        return "bool"
    return "int"


def _prepare(arr: np.ndarray, kind: str) -> np.ndarray:
    """Bring the data to a NumPy dtype whose ``tolist()`` gives the same Python
    scalars as ``torch.Tensor.tolist()``/``item()``."""
    if kind == "float":
        if arr.dtype not in (np.float16, np.float32, np.float64):
            arr = arr.astype(np.float64)
        return arr
    if kind == "complex":
        if arr.dtype not in (np.complex64, np.complex128):
            arr = arr.astype(np.complex128)
        return arr
    if kind == "bool":
        if arr.dtype.kind != "b":
            arr = arr.astype(bool)
        return arr
    if arr.dtype.kind not in "iu":
        arr = arr.astype(np.int64)
    return arr


# --------------------------------------------------------------------------
# element formatters
# --------------------------------------------------------------------------


class _FloatFormatter:
    """Chooses int/fixed/scientific mode and a common column width for a set
    of floating values (PyTorch's ``_Formatter`` for floating dtypes)."""

    def __init__(self, values: np.ndarray, precision: int, sci_opt):
        self.precision = precision
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        vals = np.asarray(values, dtype=np.float64).reshape(-1)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return

        absvals = np.abs(vals)
        vmin = float(absvals.min())
        vmax = float(absvals.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if sci_opt is None:
            self.sci_mode = bool(vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4)
        else:
            self.sci_mode = bool(sci_opt)

        # The printed length of a value is monotone in |value| for each sign
        # (in every mode), so the widest string comes from one of the
        # extreme positive or negative values.
        candidates = []
        pos = vals[vals > 0]
        neg = vals[vals < 0]
        for part in (pos, neg):
            if part.size:
                candidates.append(float(part.min()))
                candidates.append(float(part.max()))

        if self.sci_mode:
            spec = f".{precision}e"
            extra = 0
        elif self.int_mode:
            spec = ".0f"
            extra = 1  # the trailing "."
        else:
            spec = f".{precision}f"
            extra = 0
        for v in candidates:
            self.max_width = max(self.max_width, len(format(v, spec)) + extra)

    def width(self) -> int:
        return self.max_width

    def format(self, value: float) -> str:
        if self.sci_mode:
            s = format(value, f"{self.max_width}.{self.precision}e")
        elif self.int_mode:
            s = format(value, ".0f")
            if not (math.isinf(value) or math.isnan(value)):
                s += "."
        else:
            s = format(value, f".{self.precision}f")
        return s.rjust(self.max_width)


class _PlainFormatter:
    """Formatter for integer and boolean values: ``str()`` right-aligned."""

    def __init__(self, values: np.ndarray, kind: str):
        self.max_width = 1
        vals = np.asarray(values).reshape(-1)
        if vals.size == 0:
            return
        if kind == "bool":
            strs = ["True"] if bool(vals.all()) else ["False"]
        else:
            strs = [str(vals.min().item()), str(vals.max().item())]
        self.max_width = max(1, max(len(s) for s in strs))

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        return str(value).rjust(self.max_width)


def _complex_join(real_str: str, imag_str: str) -> str:
    imag = (imag_str + "j").lstrip()
    if imag[0] in "+-":
        return real_str + imag
    return real_str + "+" + imag


def _make_formatters(arr: np.ndarray, kind: str, opts):
    precision = opts["precision"]
    sci = opts["sci_mode"]
    if kind == "float":
        return _FloatFormatter(arr, precision, sci), None
    if kind == "complex":
        return (
            _FloatFormatter(arr.real, precision, sci),
            _FloatFormatter(arr.imag, precision, sci),
        )
    return _PlainFormatter(arr, kind), None
