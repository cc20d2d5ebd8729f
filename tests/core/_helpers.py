"""Shared helpers for the core op tests (imported by the test modules beside this file)."""

import re

import numpy as np
import pytest

import nnx
from nnx.autograd import gradgradcheck


def leaf(values, dtype=nnx.float64):
    return nnx.tensor(values, dtype=dtype, requires_grad=True)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def raises(exc, message):
    return pytest.raises(exc, match=re.escape(message))


def out_of_range(low, high, dim):
    return raises(IndexError, "Dimension out of range (expected to be in range of "
                              f"[{low}, {high}], but got {dim})")


def second_order(fn, inputs):
    """gradgradcheck, after checking that the create_graph first derivatives carry a graph."""
    out = fn(*inputs)
    seed = nnx.ones(tuple(out.shape), dtype=out.dtype, requires_grad=True)
    wrt = [t for t in inputs if t.requires_grad]
    grads = nnx.autograd.grad(out, wrt, seed, create_graph=True, allow_unused=True)
    assert all(g is not None and g.requires_grad for g in grads)
    return gradgradcheck(fn, inputs)
