"""The scaffolding of the error-table tests (test_pooling_errors.py,
test_vision_errors.py): a table of (call, exception type, torch 2.13's message) rows,
each call an expression evaluated against the same small set of named inputs."""

import numpy as np
import pytest

import nnx
import nnx.nn.functional as F


def error_env():
    """The names the calls use: ``F``; float64 inputs x1 (9,), x2 (5, 7), x3 (2, 3, 9),
    x4 (2, 3, 5, 7), x5 (2, 3, 4, 5, 7), x4c (2, 3, 4, 7) requiring grad; empty inputs
    empty_c / empty_c5 (no channels), empty_h (no rows); int64 ints4; and the
    max-pooled (values, indices) pairs y3/i3, y4/i4, y5/i5 of x3, x4, x5 (kernel 2)."""
    rng = np.random.default_rng(0)

    def t(*shape):
        return nnx.tensor(rng.standard_normal(shape), requires_grad=True)

    env = {"F": F}
    env.update(x1=t(9), x2=t(5, 7), x3=t(2, 3, 9), x4=t(2, 3, 5, 7), x5=t(2, 3, 4, 5, 7),
               x4c=t(2, 3, 4, 7), empty_c=nnx.zeros(2, 0, 5, 7),
               empty_c5=nnx.zeros(1, 0, 4, 5, 7), empty_h=nnx.zeros(2, 3, 0, 7),
               ints4=nnx.ones(2, 3, 4, 7, dtype=nnx.int64))
    env["y4"], env["i4"] = F.max_pool2d(env["x4"], 2, return_indices=True)
    env["y3"], env["i3"] = F.max_pool1d(env["x3"], 2, return_indices=True)
    env["y5"], env["i5"] = F.max_pool3d(env["x5"], 2, return_indices=True)
    return env


def parametrize_errors(rows):
    """pytest parametrization of (call, error, message) rows, each named by its call."""
    return pytest.mark.parametrize(("call", "error", "message"), rows,
                                   ids=[call for call, _, _ in rows])


def assert_error_matches(call, error, message):
    """``call`` evaluated in a fresh ``error_env()`` raises ``error`` with ``message``."""
    env = error_env()
    with pytest.raises(error) as info:
        eval(call, env)
    assert str(info.value) == message
