"""Argument checks of the convolution family, with torch 2.13's messages in torch's order.

torch's ``conv{1,2,3}d`` are C++ bindings with two overloads (int padding / str padding);
its ``conv_transpose{1,2,3}d`` have one.  Argument types are checked first (TypeError, as
the binding does), then ``at::_convolution``'s shape checks (``check_shape_forward``), then
those of the CPU kernel (dilation 0, kernel 0, output padding, output size).  The 1-D
kernels of torch are the 2-D ones on a height-1 input, which shows in some messages.
"""

import numbers

import numpy as np

from nnx._C import _C
from nnx._ops._names import SCALAR_NAMES
from nnx.nn.functional import _helpers as H

_CONV_OVERLOADS = (
    " * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, tuple of "
    "ints padding = 0, tuple of ints dilation = 1, int groups = 1)\n"
    " * (Tensor input, Tensor weight, Tensor bias = None, tuple of ints stride = 1, str "
    "padding = \"valid\", tuple of ints dilation = 1, int groups = 1)\n")

_AXES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)


def _type_name(v):
    return "Tensor" if isinstance(v, _C.TensorBase) else type(v).__name__


def _is_int_list(v):
    return isinstance(v, (tuple, list)) and all(_is_int(e) for e in v)


def conv_types(fname, input, weight, bias, named):
    """The binding's TypeError when an argument of conv{1,2,3}d has the wrong type."""
    ok = (isinstance(input, _C.TensorBase) and isinstance(weight, _C.TensorBase)
          and (bias is None or isinstance(bias, _C.TensorBase)))
    for name, value in named.items():
        if name == "groups":
            ok = ok and _is_int(value)
        elif name == "padding" and isinstance(value, str):
            continue
        elif isinstance(value, (tuple, list)) and not _is_int_list(value) \
                and name != "padding":      # padding is where the two overloads differ
            bad = next(e for e in value if not _is_int(e))
            pos = next(i for i, e in enumerate(value) if not _is_int(e)) + 1
            raise TypeError(f"{fname}(): argument '{name}' failed to unpack the object at pos "
                            f"{pos} with error \"type must be tuple of ints,but got "
                            f"{_type_name(bad)}\"")
        else:
            ok = ok and (_is_int(value) or _is_int_list(value))
    if ok:
        return
    got = [_type_name(input), _type_name(weight)]
    if bias is not None:
        got.append(_type_name(bias))
    defaults = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}
    got += [f"{k}={_type_name(v)}" for k, v in named.items()
            if not (_is_int(v) and v == defaults[k])]
    raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                    f"({', '.join(got)}), but expected one of:\n{_CONV_OVERLOADS}")


# conv_transpose{1,2,3}d's argument positions (1-based), as its binding numbers them
_TRANSPOSE_POSITIONS = {"stride": 4, "padding": 5, "output_padding": 6, "groups": 7,
                        "dilation": 8}


def transpose_types(fname, input, weight, bias, named, positional=False):
    """The binding's TypeError for conv_transpose{1,2,3}d (one overload: per argument).

    ``positional``: the arguments came by position (as the ConvTranspose layers pass them),
    which torch's messages show as ``(position 5)`` and, for a sequence whose first
    element is no int, ``but found element of type str at pos 0``; by keyword they read
    ``must be tuple of ints, not tuple``.  The binding checks only the first element of a
    sequence when it matches the overload, then unpacks the rest (bools pass there)."""
    for pos, (name, value) in enumerate((("input", input), ("weight", weight)), 1):
        if not isinstance(value, _C.TensorBase):
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, "
                            f"not {_type_name(value)}")
    if bias is not None and not isinstance(bias, _C.TensorBase):
        raise TypeError(f"{fname}(): argument 'bias' (position 3) must be Tensor, not "
                        f"{_type_name(bias)}")
    for name, value in named.items():
        where = f" (position {_TRANSPOSE_POSITIONS[name]})" if positional else ""
        if name == "groups":
            if not _is_int(value):
                raise TypeError(f"{fname}(): argument 'groups'{where} must be int, not "
                                f"{_type_name(value)}")
            continue
        if _is_int(value):
            continue
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{fname}(): argument '{name}'{where} must be tuple of ints, not "
                            f"{_type_name(value)}")
        if value and not _is_int(value[0]):
            detail = (f"but found element of type {_type_name(value[0])} at pos 0"
                      if positional else f"not {_type_name(value)}")
            raise TypeError(f"{fname}(): argument '{name}'{where} must be tuple of ints, "
                            f"{detail}")
        for pos, element in enumerate(value[1:], 2):
            if not isinstance(element, (numbers.Integral, np.integer)):
                raise TypeError(f"{fname}(): argument '{name}' failed to unpack the object at "
                                f"pos {pos} with error \"type must be tuple of ints,but got "
                                f"{_type_name(element)}\"")


def as_list(value, n):
    """An int becomes ``n`` copies (the binding's IntArrayRef[n]); a sequence stays as is."""
    return [int(value)] * n if _is_int(value) else [int(v) for v in value]


def expand(values, name, dim):
    """torch's expand_param_if_needed: one value serves every spatial dimension."""
    if len(values) == 1:
        return values * dim
    if len(values) != dim:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dim} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={values}")
    return list(values)


def batchify(input, spatial, fname):
    """torch's batchify: (C, *) input gains a batch dimension; returns (input, batched)."""
    n = input._data.ndim
    if n not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) "
                           f"input to {fname}, but got input of size: {list(input.shape)}")
    return (input, True) if n == spatial + 2 else (input.unsqueeze(0), False)


def check_shape_forward(x, w, b, stride, padding, dilation, output_padding, groups,
                        transposed, extra=None):
    """at::_convolution's checks (input, weight and bias arrays; lists of ints).

    ``extra``: padding added on the far side only (padding='same' with an even kernel,
    which torch pads with F.pad before the convolution sees the input)."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    ws = list(w.shape)
    if x.ndim != w.ndim:
        raise RuntimeError(f"Expected {w.ndim}-dimensional input for {w.ndim}-dimensional "
                           f"weight {ws}, but got {x.ndim}-dimensional input of size "
                           f"{list(x.shape)} instead")
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {ws} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{ws}] instead")
    if transposed:
        _check_transposed_shapes(x, ws, b, groups)
        return
    if x.shape[1] != ws[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {ws}, expected input"
                           f"{list(x.shape)} to have {ws[1] * groups} channels, but got "
                           f"{x.shape[1]} channels instead")
    if b is not None and (b.ndim != 1 or b.shape[0] != ws[0]):
        raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional with "
                           f"{ws[0]} elements, but got bias of size {list(b.shape)} instead")
    extra = extra or [0] * len(padding)
    padded = [x.shape[i + 2] + extra[i] + 2 * padding[i] for i in range(len(padding))]
    kernel = [dilation[i] * (ws[i + 2] - 1) + 1 for i in range(len(padding))]
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, kernel))}). Kernel size can't be greater "
                           f"than actual input size")


def _check_transposed_shapes(x, ws, b, groups):
    if x.shape[1] != ws[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected input"
                           f"{list(x.shape)} to have {ws[0]} channels, but got {x.shape[1]} "
                           f"channels instead")
    if b is not None and (b.ndim != 1 or b.shape[0] != ws[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected bias to be "
                           f"1-dimensional with {ws[1] * groups} elements, but got bias of size "
                           f"{list(b.shape)} instead")
    if x.shape[0] and x.shape[1] and 0 in x.shape[2:]:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got "
                           f"input shape: {list(x.shape)}")


def _named(prefix, values):
    """``dilation_height: 1, dilation_width: 0``-style listing; 1-D shows as 2-D (h = 1)."""
    dims = len(values)
    if dims == 1:
        values = [1 if prefix != "output_padding" else 0] + list(values)
    axes = _AXES[max(dims, 2)]
    return [f"{prefix}_{axis}: {v}" for axis, v in zip(axes, values)]


def check_kernel(w_spatial, dilation, transposed):
    """The CPU kernels' checks of kernel extent and dilation (after the shape checks)."""
    if any(k <= 0 for k in w_spatial):
        raise RuntimeError("kernel size should be greater than zero, but got "
                           + " ".join(_named("kernel", w_spatial)))
    if any(d == 0 for d in dilation):
        if transposed:
            raise RuntimeError("dilation should be greater than zero, but got "
                               + ", ".join(_named("dilation", dilation)))
        shown = [1] + list(dilation) if len(dilation) == 1 else list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")


def check_transposed_output(in_spatial, out_spatial, stride, dilation, output_padding):
    """slow_conv_transpose's checks of output padding and output size."""
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(_named("output_padding", output_padding)
                                             + _named("stride", stride)
                                             + _named("dilation", dilation)))
    if any(o < 1 for o in out_spatial):
        ins, outs = list(in_spatial), list(out_spatial)
        if len(ins) == 1:
            ins, outs = [1] + ins, [1] + outs
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, ins))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, outs))}). Output size is too small")


def check_dtypes(x, w):
    """The kernel's dtype check: input and weight of one scalar type."""
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected scalar type {SCALAR_NAMES[x.dtype.name]} but found "
                           f"{SCALAR_NAMES[w.dtype.name]}")
    H.check_not_bool("slow_conv2d_cpu", x)
