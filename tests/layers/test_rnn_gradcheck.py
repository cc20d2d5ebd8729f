"""float64 gradcheck of the recurrent node (every input: sequence, states, each weight) and
of the cells, on small configurations: padded, batch_first, unbatched, packed, projection."""

import numpy as np
import pytest

import nnx
import nnx.nn as nn
from nnx.autograd import gradcheck
from nnx_layers._rnn import _node


def _leaf(rng, shape):
    return nnx.tensor(rng.uniform(-0.8, 0.8, shape), requires_grad=True)


CONFIGS = [
    # mode, kwargs of the module, input shape, packed batch sizes or None
    ("LSTM", {}, (3, 2, 2), None),
    ("LSTM", {"num_layers": 2, "bidirectional": True}, (3, 2, 2), None),
    ("LSTM", {"proj_size": 2, "bidirectional": True}, (3, 2, 2), None),
    ("LSTM", {"batch_first": True, "bias": False}, (2, 3, 2), None),
    ("LSTM", {"bidirectional": True}, (6, 2), [3, 2, 1]),
    ("GRU", {}, (3, 2, 2), None),
    ("GRU", {"num_layers": 2, "bidirectional": True}, (3, 2, 2), None),
    ("GRU", {"bidirectional": True}, (6, 2), [3, 2, 1]),
    ("GRU", {"bias": False}, (3, 2), None),
    ("RNN_TANH", {"num_layers": 2, "bidirectional": True}, (3, 2, 2), None),
    ("RNN_RELU", {"bidirectional": True}, (6, 2), [3, 2, 1]),
]


@pytest.mark.parametrize("mode,kwargs,shape,batch_sizes", CONFIGS)
def test_gradcheck_network(mode, kwargs, shape, batch_sizes):
    rng = np.random.default_rng(len(shape) * 7 + len(kwargs))
    cls = {"LSTM": nn.LSTM, "GRU": nn.GRU}.get(mode, nn.RNN)
    extra = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
    module = cls(2, 3, **kwargs, **extra, dtype=nnx.float64)
    weights = [_leaf(rng, p.shape) for p in module._flat_weights]
    unbatched = batch_sizes is None and len(shape) == 2
    LD = module.num_layers * (2 if module.bidirectional else 1)
    B = batch_sizes[0] if batch_sizes else (1 if unbatched else
                                            shape[0] if module.batch_first else shape[1])
    Hout = module.proj_size or module.hidden_size
    def state(f):
        return ((LD, f) if unbatched else (LD, B, f))
    h0 = _leaf(rng, state(Hout))
    c0 = _leaf(rng, state(3)) if mode == "LSTM" else None
    x = _leaf(rng, shape)
    sizes = None if batch_sizes is None else np.array(batch_sizes)
    order = None if batch_sizes is None else np.array([2, 0, 1])   # a real permutation
    inverse = None if order is None else np.argsort(order)

    def run(x, h0, *rest):
        c = rest[0] if mode == "LSTM" else None
        ws = rest[1:] if mode == "LSTM" else rest
        out, h_n, c_n = _node.run_rnn(
            mode, x, h0, c, list(ws), has_bias=module.bias, has_proj=module.proj_size > 0,
            num_directions=2 if module.bidirectional else 1, batch_first=module.batch_first,
            unbatched=unbatched, batch_sizes=sizes, sorted_indices=order,
            unsorted_indices=inverse)
        return (out, h_n) if c_n is None else (out, h_n, c_n)

    inputs = (x, h0) + ((c0,) if c0 is not None else ()) + tuple(weights)
    assert gradcheck(run, inputs)


@pytest.mark.parametrize("cls,kwargs,batched", [
    (nn.LSTMCell, {}, True), (nn.LSTMCell, {"bias": False}, False),
    (nn.GRUCell, {}, True), (nn.GRUCell, {}, False),
    (nn.RNNCell, {}, True), (nn.RNNCell, {"nonlinearity": "relu"}, False),
])
def test_gradcheck_cells(cls, kwargs, batched):
    rng = np.random.default_rng(3)
    cell = cls(2, 3, **kwargs, dtype=nnx.float64)
    lstm = cls is nn.LSTMCell
    shape = (2,) if batched else ()
    x, h, c = _leaf(rng, shape + (2,)), _leaf(rng, shape + (3,)), _leaf(rng, shape + (3,))
    params = [_leaf(rng, p.shape) for p in cell.parameters()]
    mode = "LSTM" if lstm else "GRU" if cls is nn.GRUCell else (
        "RNN_RELU" if kwargs.get("nonlinearity") == "relu" else "RNN_TANH")

    def run(x, h, c, *ps):
        weights = tuple(ps) if len(ps) == 4 else tuple(ps) + (None, None)
        h_new, c_new = _node.run_cell(mode, x, h, c if lstm else None, weights)
        return (h_new, c_new) if lstm else h_new

    assert gradcheck(run, (x, h, c, *params))
