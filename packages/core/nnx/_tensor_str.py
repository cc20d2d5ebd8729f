"""Text rendering of tensors, matching PyTorch 2.x's ``repr(tensor)`` output.

This module is pure Python (it only needs NumPy). It takes the tensor's data
as a NumPy array plus a few facts about the tensor (its dtype name, autograd
state, ...) and builds the same string PyTorch builds in
``torch/_tensor_str.py``, with ``nnx.`` in place of ``torch.`` in the dtype
suffix.

It is split over three modules: :mod:`nnx._print_options` holds the print
options (re-exported here), :mod:`nnx._number_format` formats single
elements per dtype, and this module does the layout around them.

The rules reproduced here (all checked against torch 2.13):

* Elements are formatted per dtype (integer-valued, fixed or scientific
  floats; complex; integers and booleans), right-aligned to a common width:
  see :mod:`nnx._number_format` for those rules.
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

import math
from collections.abc import Iterable

import numpy as np

from nnx._number_format import (
    _FLOAT_NAMES,
    _complex_join,
    _kind_of,
    _make_formatters,
    _prepare,
)
from nnx._print_options import get_printoptions, printoptions, set_printoptions

__all__ = [
    "format_tensor",
    "format_scalar_for_repr",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]


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
