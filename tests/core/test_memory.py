"""A training loop's memory stays flat: the graph is freed after each backward."""

import gc
import tracemalloc

import numpy as np

import nnx


def _train_steps(steps, w1, w2, x, y):
    for _ in range(steps):
        h = (x @ w1).tanh()
        loss = ((h @ w2 - y) ** 2).mean()
        loss.backward()
        with nnx.no_grad():
            w1.sub_(0.01 * w1.grad)
            w2.sub_(0.01 * w2.grad)
        w1.grad = None
        w2.grad = None


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    w1 = nnx.tensor(rng.standard_normal((32, 64)), requires_grad=True)
    w2 = nnx.tensor(rng.standard_normal((64, 1)), requires_grad=True)
    x = nnx.tensor(rng.standard_normal((128, 32)))
    y = nnx.tensor(rng.standard_normal((128, 1)))
    _train_steps(5, w1, w2, x, y)
    gc.disable()                       # cycles would show up as growth without the collector
    try:
        tracemalloc.start()
        _train_steps(20, w1, w2, x, y)
        first, _ = tracemalloc.get_traced_memory()
        _train_steps(200, w1, w2, x, y)
        second, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gc.enable()
    # One step's activations are ~100 KB; 200 leaked steps would be ~20 MB.
    assert second - first < 200_000, (first, second)
