"""Reductions (sum, mean, max/min, var/std, norm, prod, logsumexp, all/any) and cumsum,
each beside its backward.

This module is the façade: the ops live in

* ``_reduce_base`` -- reading ``dim``, dtypes, and helpers shared by the backwards;
* ``_sums``        -- sum, mean, prod, logsumexp and cumsum;
* ``_extrema``     -- max, min, amax, amin, argmax, argmin and ``return_types``;
* ``_moments``     -- var, std and norm;
* ``_logical``     -- all and any.

Dims follow torch: ``dim`` is None (all dims), an int or a tuple; negative dims count
from the end; a 0-d tensor accepts dim 0 and -1.  Integer and bool inputs sum to
int64; float16 accumulates in float32.  Backward formulas use ``nnx._ops._grad`` so
that they also work on Tensors under ``create_graph``.
"""

from nnx._ops._extrema import (
    AmaxBackward0,
    AminBackward0,
    MaxBackward0,
    MaxBackward1,
    MinBackward0,
    MinBackward1,
    amax,
    amin,
    argmax,
    argmin,
    max,
    min,
    return_types,
)
from nnx._ops._logical import all, any
from nnx._ops._moments import LinalgVectorNormBackward0, StdBackward0, VarBackward0, norm, std, var
from nnx._ops._sums import (
    CumsumBackward0,
    LogsumexpBackward0,
    MeanBackward0,
    MeanBackward1,
    ProdBackward0,
    ProdBackward1,
    SumBackward0,
    SumBackward1,
    cumsum,
    logsumexp,
    mean,
    prod,
    sum,
)

__all__ = [
    "SumBackward0", "SumBackward1", "sum", "MeanBackward0", "MeanBackward1", "mean",
    "return_types", "MaxBackward1", "MinBackward1", "MaxBackward0", "MinBackward0", "max", "min",
    "AmaxBackward0", "AminBackward0", "amax", "amin", "argmax", "argmin",
    "VarBackward0", "StdBackward0", "var", "std", "LinalgVectorNormBackward0", "norm",
    "ProdBackward0", "ProdBackward1", "prod", "LogsumexpBackward0", "logsumexp",
    "all", "any", "CumsumBackward0", "cumsum",
]
