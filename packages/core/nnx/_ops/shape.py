"""Shape ops, each beside its backward: views (view, permute, transpose, squeeze,
expand, narrow, select, split ...) and the few that copy (reshape when no view is
possible, contiguous, repeat, flip).

This module is the façade: the ops live in

* ``_shape_base`` -- ``wrap_dim`` / ``wrap_dims``, size parsing and ``_view_of``;
* ``_views``      -- view, reshape, flatten, unflatten, squeeze, unsqueeze, permute,
  transpose, t, movedim, expand and contiguous;
* ``_slices``     -- narrow, select, split, chunk and unbind;
* ``_tile``       -- repeat and flip.

A view is built with ``make_view``: it shares its base's memory and version counter,
so an in-place write through either is seen through the other, exactly as in torch.
Backward formulas use ``nnx._ops._grad`` (or small helpers beside them) so that they
work on arrays and, under ``create_graph``, on Tensors.
"""

from nnx._ops._shape_base import wrap_dim, wrap_dims
from nnx._ops._slices import (
    SelectBackward0,
    SliceBackward0,
    SplitBackward0,
    SplitWithSizesBackward0,
    UnbindBackward0,
    chunk,
    narrow,
    select,
    split,
    unbind,
)
from nnx._ops._tile import FlipBackward0, RepeatBackward0, flip, repeat
from nnx._ops._views import (
    CloneBackward0,
    ExpandBackward0,
    PermuteBackward0,
    SqueezeBackward0,
    SqueezeBackward1,
    SqueezeBackward2,
    TBackward0,
    TransposeBackward0,
    UnsafeViewBackward0,
    UnsqueezeBackward0,
    ViewBackward0,
    contiguous,
    expand,
    expand_as,
    flatten,
    moveaxis,
    movedim,
    permute,
    reshape,
    reshape_as,
    squeeze,
    t,
    transpose,
    unflatten,
    unsqueeze,
    view,
    view_as,
)

__all__ = [
    "wrap_dim", "wrap_dims",
    "ViewBackward0", "UnsafeViewBackward0", "SqueezeBackward0", "SqueezeBackward1",
    "SqueezeBackward2", "UnsqueezeBackward0",
    "view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "squeeze", "unsqueeze",
    "PermuteBackward0", "TransposeBackward0", "TBackward0",
    "permute", "transpose", "t", "movedim", "moveaxis",
    "ExpandBackward0", "expand", "expand_as", "CloneBackward0", "contiguous",
    "RepeatBackward0", "repeat", "FlipBackward0", "flip",
    "SliceBackward0", "narrow", "SelectBackward0", "select",
    "SplitBackward0", "SplitWithSizesBackward0", "UnbindBackward0", "split", "chunk", "unbind",
]
