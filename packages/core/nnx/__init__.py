"""nnx: PyTorch's torch.nn API on a small, fast, inspectable Cython engine.

``import nnx`` mirrors ``import torch``: tensors, autograd, creation ops, dtypes and
(with nnx-layers installed) every ``torch.nn`` layer under ``nnx.nn``.
"""

import importlib.metadata as _metadata

from nnx import autograd, cuda, nn, optim
from nnx._C._C import _promote_types as promote_types
from nnx._C._C import (
    bool_ as bool,
)
from nnx._C._C import (
    dtype,  # noqa: F401  (the class, as torch.dtype)
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    is_grad_enabled,
    result_type,
    set_default_dtype,
    uint8,
)
from nnx._creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from nnx._ops._fused import addcdiv, addcmul
from nnx._ops.convert import clone
from nnx._ops.indexing import gather, index_select, masked_fill, nonzero
from nnx._ops.join import cat, concat, concatenate, dstack, hstack, row_stack, stack, vstack
from nnx._ops.linalg import bmm, dot, matmul, mm, mv, outer
from nnx._ops.pointwise import (
    abs,
    acos,
    add,
    allclose,
    asin,
    atan,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    cos,
    cosh,
    div,
    eq,
    equal,
    erf,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    fmod,
    frac,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    nan_to_num,
    ne,
    neg,
    pow,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    sub,
    tan,
    tanh,
    true_divide,
    trunc,
    where,
)
from nnx._ops.pointwise import clamp as clip
from nnx._ops.pointwise import div as divide
from nnx._ops.pointwise import ge as greater_equal
from nnx._ops.pointwise import gt as greater
from nnx._ops.pointwise import le as less_equal
from nnx._ops.pointwise import lt as less
from nnx._ops.pointwise import mul as multiply
from nnx._ops.pointwise import ne as not_equal
from nnx._ops.pointwise import sub as subtract
from nnx._ops.reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    return_types,
    std,
    sum,
    var,
)
from nnx._ops.shape import (
    chunk,
    flatten,
    flip,
    moveaxis,
    movedim,
    narrow,
    permute,
    reshape,
    select,
    split,
    squeeze,
    t,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
)
from nnx._ops.shape import transpose as swapaxes
from nnx._ops.shape import transpose as swapdims
from nnx._random import (
    Generator,
    bernoulli,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
)
from nnx._size_device import Size, device
from nnx._tensor import Tensor
from nnx._typename import typename
from nnx.autograd import enable_grad, inference_mode, no_grad, set_grad_enabled
from nnx.serialization import load, save

half = float16
float = float32
double = float64
long = int64
int = int32
short = int16

__version__ = _metadata.version("nnx-core")  # one source: meson.build


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    from nnx import _tensor_str

    _tensor_str.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode)
