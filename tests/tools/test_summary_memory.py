"""The "Forward/backward pass size" line: bytes the autograd graph keeps for backward.

torchinfo estimates 2 x the output bytes of every leaf layer with parameters (its issues
#144, #149, #187); nnx walks the graph the forward pass recorded and adds up each
distinct buffer its nodes hold, leaving out parameters, buffers and inputs.
"""

import numpy as np

import nnx
import nnx.nn as nn
from nnx.autograd.graph import Node
from nnx_tools import summary
from nnx_tools._summary import _memory


def test_linear_tanh_keeps_the_tanh_output_only():
    # Linear saves its input (the model input: counted in "Input size") and its weight
    # (a parameter); tanh saves its output: 2 x 8 float32
    stats = summary(nn.Sequential(nn.Linear(4, 8), nn.Tanh()), input_size=(2, 4), verbose=0)
    assert stats.total_output_bytes == 2 * 8 * 4
    assert stats.memory_fallback_nodes == []


def test_a_buffer_saved_by_two_nodes_counts_once():
    # ReLU saves its output, and the next Linear saves the same array as its input
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    assert summary(model, input_size=(2, 4), verbose=0).total_output_bytes == 2 * 8 * 4


def test_nothing_requires_grad_nothing_is_kept():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
    model.requires_grad_(False)
    assert summary(model, input_size=(2, 4), verbose=0).total_output_bytes == 0


def test_float64_doubles_the_bytes():
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh()).double()
    stats = summary(model, input_size=(2, 4), dtypes=[nnx.float64], verbose=0)
    assert stats.total_output_bytes == 2 * 8 * 8


def test_lstm_counts_its_tape():
    # the recurrent node keeps, per layer and direction, the gates (N, 4H) and three
    # (N, H) state arrays, plus each upper layer's input (N, D*H): N = 10 rows here
    lstm = nn.LSTM(8, 16, num_layers=2, bidirectional=True, batch_first=True)
    kept = summary(lstm, input_size=(2, 5, 8), verbose=0).total_output_bytes
    tape = 2 * 2 * (10 * 64 + 3 * 10 * 16) * 4 + 10 * 32 * 4
    assert tape <= kept <= tape + 4096      # + the zero initial states and step tables


class _Saves(Node):
    def backward(self, grad):
        return (grad,)


def test_views_count_their_base_once_and_excluded_arrays_are_skipped():
    base = np.zeros((10, 10), dtype=np.float32)
    weight = np.ones(7, dtype=np.float32)
    x = nnx.ones(3, requires_grad=True)
    out = x * 2
    node = out.grad_fn
    extra = _Saves()
    extra.next_functions = ((node, 0),)
    extra.views = [base[:2], base[5:], (base.T, {"w": weight})]
    result = nnx.zeros(1)
    result._grad_fn = extra
    kept, fallback = _memory.saved_for_backward_bytes(result, [weight])
    assert kept == base.nbytes
    assert fallback == []
