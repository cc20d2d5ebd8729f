"""Text rendering of tensors, matching PyTorch 2.x's ``repr(tensor)`` output.

This module is pure Python (it only needs NumPy). It takes the tensor's data
as a NumPy array plus a few facts about the tensor (its dtype name, autograd
state, ...) and builds the same string PyTorch builds in
``torch/_tensor_str.py``, with ``nnx.`` in place of ``torch.`` in the dtype
suffix.

The rules reproduced here (all checked against torch 2.13):

* Floating values: if every non-zero finite value is an integer the values
  print as ``1.``/``-3.``; otherwise with ``precision`` decimals in fixed
  notation. Scientific notation is used when, over the non-zero finite
  values, ``max|x| / min|x| > 1000``, ``max|x| > 1e8`` or ``min|x| < 1e-4``
  (unless ``sci_mode`` forces it on/off). Every element is right-aligned to
  the width of the widest non-zero finite value (at least 1 column).
* Integers and booleans print with ``str()`` and the same right alignment.
* Rows are wrapped so that no more than ``(linewidth - indent) // (width+2)``
  elements share a line; nested dimensions are separated by ``dim-1`` blank
  line breaks and indented under the opening bracket.
* With more than ``threshold`` elements, only ``edgeitems`` leading and
  trailing entries of each dimension are shown, with ``...`` between them;
  the column width is then computed from the shown entries only.
* Suffixes, in order: ``device=``, ``size=``, ``dtype=``, then ``grad_fn=``
  or ``requires_grad=True``; a suffix moves to a new line when it would push
  the last line past ``linewidth``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "format_tensor",
    "format_scalar_for_repr",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]


# --------------------------------------------------------------------------
# print options (module-level state, like torch.set_printoptions)
# --------------------------------------------------------------------------

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

_OPTS: dict[str, Any] = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set the options used when printing tensors.

    Same contract as ``torch.set_printoptions``: ``profile`` (``"default"``,
    ``"short"`` or ``"full"``) is applied first, then any explicit option
    overrides it. ``sci_mode`` is always assigned, so calling this without it
    resets scientific notation to automatic (``None``).
    """
    if profile is not None:
        if profile in _PROFILES:
            _OPTS.update(_PROFILES[profile])
    if precision is not None:
        _OPTS["precision"] = precision
    if threshold is not None:
        _OPTS["threshold"] = threshold
    if edgeitems is not None:
        _OPTS["edgeitems"] = edgeitems
    if linewidth is not None:
        _OPTS["linewidth"] = linewidth
    _OPTS["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict usable as
    ``set_printoptions(**options)``."""
    return dict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same arguments as
    :func:`set_printoptions`)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


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


# --------------------------------------------------------------------------
# summarization
# --------------------------------------------------------------------------


def _summarized(arr: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements that are actually shown when summarizing (their layout
    does not matter, only the values, which feed the width computation)."""
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        n = arr.shape[0]
        if n > 2 * edgeitems:
            # NB: with edgeitems == 0, arr[-0:] is the whole array (as in torch).
            return np.concatenate((arr[:edgeitems], arr[-edgeitems:]))
        return arr
    if not edgeitems:
        return arr[tuple(slice(0, 0) for _ in range(arr.ndim))]
    index = []
    for n in arr.shape:
        if n > 2 * edgeitems:
            index.append(np.r_[0:edgeitems, n - edgeitems : n])
        else:
            index.append(np.arange(n))
    return arr[np.ix_(*index)]


# --------------------------------------------------------------------------
# body rendering
# --------------------------------------------------------------------------


class _Renderer:
    def __init__(self, kind, fmt1, fmt2, opts):
        self.kind = kind
        self.fmt1 = fmt1
        self.fmt2 = fmt2
        self.edgeitems = opts["edgeitems"]
        self.linewidth = opts["linewidth"]

    def elem(self, value) -> str:
        if self.fmt2 is not None:
            value = complex(value)
            return _complex_join(self.fmt1.format(value.real), self.fmt2.format(value.imag))
        return self.fmt1.format(value)

    def vector(self, arr: np.ndarray, indent: int, summarize: bool) -> str:
        elem_len = self.fmt1.width() + 2
        if self.fmt2 is not None:
            elem_len += self.fmt2.width() + 1
        per_line = max(1, math.floor((self.linewidth - indent) / elem_len))

        e = self.edgeitems
        n = arr.shape[0]
        if summarize and not e:
            data = ["..."]
        elif summarize and n > 2 * e:
            data = (
                [self.elem(v) for v in arr[:e].tolist()]
                + [" ..."]
                + [self.elem(v) for v in arr[-e:].tolist()]
            )
        else:
            data = [self.elem(v) for v in arr.tolist()]

        lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def render(self, arr: np.ndarray, indent: int, summarize: bool) -> str:
        ndim = arr.ndim
        if ndim == 0:
            return self.elem(arr.item())
        if ndim == 1:
            return self.vector(arr, indent, summarize)
        e = self.edgeitems
        n = arr.shape[0]
        if summarize and n > 2 * e:
            rows = (
                [self.render(arr[i], indent + 1, summarize) for i in range(e)]
                + ["..."]
                + [self.render(arr[i], indent + 1, summarize) for i in range(n - e, n)]
            )
        else:
            rows = [self.render(arr[i], indent + 1, summarize) for i in range(n)]
        sep = "," + "\n" * (ndim - 1) + " " * (indent + 1)
        return "[" + sep.join(rows) + "]"


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


def _body_str(arr: np.ndarray, kind: str, indent: int, opts) -> str:
    """The bracketed contents (torch's ``_tensor_str``)."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > opts["threshold"]
    shown = _summarized(arr, opts["edgeitems"]) if summarize else arr
    fmt1, fmt2 = _make_formatters(shown, kind, opts)
    return _Renderer(kind, fmt1, fmt2, opts).render(arr, indent, summarize)


def _add_suffixes(text: str, suffixes: Iterable[str], indent: int, linewidth: int) -> str:
    parts = [text]
    # Mirrors torch's bookkeeping exactly (including its off-by-two when the
    # text has no newline).
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# Module name printed before dtype names in the ``dtype=`` suffix. The suffix's
# length takes part in line-wrapping decisions, exactly as ``torch.`` does in
# PyTorch.
_DTYPE_PREFIX = "nnx."


def _default_float_name(default_dtype_names) -> str:
    for name in default_dtype_names:
        if name in _FLOAT_NAMES:
            return name
    return "float32"


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def format_tensor(
    array,
    *,
    dtype_name: str,
    default_dtype_names=("float32", "int64", "bool"),
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    prefix: str = "tensor(",
    is_parameter: bool = False,
    device_suffix: str | None = None,
) -> str:
    """Render ``array`` the way PyTorch renders ``repr(tensor)``.

    Args:
        array: the tensor's data (anything ``np.asarray`` accepts).
        dtype_name: the tensor's dtype name without module prefix
            (``"float32"``, ``"int64"``, ...); printed as ``dtype=nnx.NAME``
            when not one of ``default_dtype_names``. ``None`` means
            ``array.dtype.name``.
        default_dtype_names: dtypes that print without a dtype suffix. The
            first floating name in it is the default floating dtype (used for
            empty tensors, which show any other dtype, and to pick the
            default complex dtype: complex128 if it is float64, else
            complex64).
        requires_grad: adds ``requires_grad=True`` when no ``grad_fn_name``.
        grad_fn_name: adds ``grad_fn=<NAME>``.
        prefix: opening text; continuation lines are indented by its length.
        is_parameter: prepend ``"Parameter containing:\\n"`` (as
            ``torch.nn.Parameter.__repr__`` does).
        device_suffix: a device string such as ``"cuda:0"`` (printed as
            ``device='cuda:0'``), or an already formed ``"device=..."``
            suffix; ``None`` prints no device.
    """
    opts = get_printoptions()
    arr = np.asarray(array)
    if dtype_name is None:
        dtype_name = arr.dtype.name
    kind = _kind_of(arr, dtype_name)
    arr = _prepare(arr, kind)

    default_float = _default_float_name(default_dtype_names)
    default_complex = "complex128" if default_float in ("float64", "double") else "complex64"
    has_default_dtype = dtype_name in default_dtype_names or dtype_name == default_complex

    indent = len(prefix)
    suffixes = []
    if device_suffix is not None:
        if device_suffix.startswith("device="):
            suffixes.append(device_suffix)
        else:
            suffixes.append(f"device='{device_suffix}'")

    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append("size=" + str(tuple(int(s) for s in arr.shape)))
        if dtype_name != default_float:
            suffixes.append("dtype=" + _DTYPE_PREFIX + dtype_name)
        body = "[]"
    else:
        if not opts["edgeitems"]:
            suffixes.append("size=" + str(tuple(int(s) for s in arr.shape)))
        if not has_default_dtype:
            suffixes.append("dtype=" + _DTYPE_PREFIX + dtype_name)
        body = _body_str(arr, kind, indent, opts)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    out = _add_suffixes(prefix + body, suffixes, indent, opts["linewidth"])
    if is_parameter:
        out = "Parameter containing:\n" + out
    return out


def format_scalar_for_repr(value, *, dtype_name: str | None = None) -> str:
    """Format one scalar exactly as it appears inside ``tensor(...)`` for a
    0-dim tensor holding it (e.g. ``1.`` / ``3.5000`` / ``True`` / ``7``)."""
    arr = np.asarray(value)
    if dtype_name is None:
        dtype_name = arr.dtype.name
    kind = _kind_of(arr, dtype_name)
    arr = _prepare(arr, kind).reshape(())
    return _body_str(arr, kind, 0, get_printoptions())
