"""RNNCell, LSTMCell, GRUCell: one step, on the same kernels as the full layers.

A cell call is the driver's one-step, one-layer run (``_node.run_cell``), so cells and
layers share every pointwise kernel; input (B, I) or unbatched (I,), states (B, H) or (H,).
"""

import math

import numpy as np

import nnx
from nnx._C._C import wrap
from nnx.nn import Module, Parameter, init
from nnx_layers._rnn import _node

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """Parameters weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(nnx.empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(nnx.empty((num_chunks * hidden_size, hidden_size),
                                             **factory))
        if bias:
            self.bias_ih = Parameter(nnx.empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(nnx.empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, mode, name, input, states):
        """Check with torch's messages (states already given a batch dim when unbatched),
        then run one step."""
        if input.dim() == 2 and input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} "
                               f"expected {self.input_size}")
        if input.dim() == 1 and input.size(0) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(0)} "
                               f"expected {self.input_size}")
        batch = input.size(0) if input.dim() == 2 else 1
        for k, state in enumerate(states):
            shape = tuple(state.shape) if input.dim() == 2 else (1,) + tuple(state.shape)
            if shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{k} batch "
                                   f"size {shape[0]}")
            if len(shape) < 2 or shape[1] != self.hidden_size:
                got = shape[1] if len(shape) > 1 else None
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {got}, "
                                   f"expected {self.hidden_size}")
            if len(shape) != 2:
                raise RuntimeError(f"{name}: Expected hidden to be 1D or 2D, got "
                                   f"{state.dim()}D instead")
        # straight from _parameters (where an assignment lands) to spare Module.__getattr__
        params = self._parameters
        weights = tuple(params[n] if n in params else getattr(self, n)
                        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        # torch's GEMMs refuse the first operand whose dtype is not the weights'
        for t in (input, *states):
            if t.dtype != weights[0].dtype:
                raise RuntimeError(same_dtype_message(t, weights[0]))
        return _node.run_cell(mode, input, states[0], states[1] if len(states) > 1 else None,
                              weights)

    def _zeros(self, input):
        shape = (input.size(0), self.hidden_size) if input.dim() == 2 else (self.hidden_size,)
        return wrap(np.zeros(shape, dtype=input._data.dtype))


def _check_dims(name, input, hx, label="hidden"):
    if input.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
    if hx is not None and hx.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {hx.dim()}D instead")


class RNNCell(RNNCellBase):
    r"""h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

    Args: input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None.

    Example::

        >>> cell = nnx.nn.RNNCell(10, 20)
        >>> h = cell(nnx.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        _check_dims("RNNCell", input, hx)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        hx = self._zeros(input) if hx is None else hx
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, "RNNCell", input, (hx,))[0]


class LSTMCell(RNNCellBase):
    r"""c' = f * c + i * g, h' = o * tanh(c') (gates i, f, g, o); returns (h', c').

    Args: input_size, hidden_size, bias=True, device=None, dtype=None.

    Example::

        >>> cell = nnx.nn.LSTMCell(10, 20)
        >>> h, c = cell(nnx.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        _check_dims("LSTMCell", input, None)
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got "
                                     f"{value.dim()}D instead")
        if hx is None:
            zeros = self._zeros(input)
            hx = (zeros, zeros)
        if len(hx) != 2:
            raise RuntimeError("lstm_cell expects two hidden states")
        return self._step("LSTM", "LSTMCell", input, tuple(hx))


class GRUCell(RNNCellBase):
    r"""r, z = sigmoid(.), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h.

    Args: input_size, hidden_size, bias=True, device=None, dtype=None.

    Example::

        >>> cell = nnx.nn.GRUCell(10, 20)
        >>> h = cell(nnx.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input, hx=None):
        _check_dims("GRUCell", input, hx)
        hx = self._zeros(input) if hx is None else hx
        return self._step("GRU", "GRUCell", input, (hx,))[0]


def same_dtype_message(mat1, mat2):
    """torch's message for an input or state whose dtype is not the weights' (its GEMM's)."""
    names = {"float16": "Half", "float32": "Float", "float64": "Double"}
    return (f"mat1 and mat2 must have the same dtype, but got {names.get(mat1.dtype.name)} "
            f"and {names.get(mat2.dtype.name)}")
