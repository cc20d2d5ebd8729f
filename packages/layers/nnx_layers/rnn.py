"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, packed) and their cells.

The modules check arguments with torch's messages and hand the arrays to one generic driver
(``nnx_layers._rnn``): the input projection of every step in one GEMM, the time loop in typed
Cython without the GIL, backward through time as a single autograd node per call.
Shapes follow torch.nn: input (T, B, I) (``batch_first``: (B, T, I); unbatched (T, I)) or
a PackedSequence; states (num_layers * D, B, H) whatever ``batch_first``.
"""

import math
import numbers
import warnings

import numpy as np

import nnx
from nnx._C._C import wrap
from nnx.nn import Module, Parameter, init
from nnx_layers._rnn import _node
from nnx_layers._rnn._sequence import NUM_GATES
from nnx_layers._rnn.cells import (  # noqa: F401  (the cells are public here)
    GRUCell,
    LSTMCell,
    RNNCell,
    RNNCellBase,
    same_dtype_message,
)

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_PACKED = []


def _packed_sequence_type():
    """nnx.nn.utils.rnn's PackedSequence, imported on first use (it imports this module's
    siblings); () where it is missing, so that isinstance() is simply False."""
    if not _PACKED:
        try:
            from nnx_layers.rnn_utils import PackedSequence
        except ImportError:
            PackedSequence = ()
        _PACKED.append(PackedSequence)
    return _PACKED[0]


def _array_or_none(t):
    return None if t is None else np.asarray(t._data)


def _zeros(shape, like):
    return wrap(np.zeros(shape, dtype=like._data.dtype))


class RNNBase(Module):
    """Base class of RNN, LSTM and GRU: parameters, checks and the shared forward."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in NUM_GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = NUM_GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden_size * num_directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden_size)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(nnx.empty(shape, **factory)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        # read at every call, so reassigning ``m.weight_ih_l0 = Parameter(...)`` is picked up;
        # straight from _parameters (where such an assignment lands) to spare Module.__getattr__
        params = self._parameters
        return [params[n] if n in params else getattr(self, n, None)
                for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """Parameters per layer and direction: [[w_ih, w_hh, b_ih, b_hh(, w_hr)], ...]."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """No-op: only cuDNN needs the weights in one contiguous buffer."""

    def reset_parameters(self):
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- checks (torch's names and messages) -------------------------------------------
    def check_input(self, input, batch_sizes):
        self._check_input(input, batch_sizes, self._flat_weights[0].dtype)

    def _check_input(self, input, batch_sizes, weight_dtype):
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight_dtype}). Convert input: input.to({weight_dtype}), or "
                             f"convert model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got "
                               f"{input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size,
                          msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    # -- forward ------------------------------------------------------------------------
    def _prepare(self, input):
        """Split the input: (data, batch_sizes array or None, sorted, unsorted, unbatched)."""
        packed_type = _packed_sequence_type()
        if packed_type and isinstance(input, packed_type):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            return data, batch_sizes, sorted_indices, unsorted_indices, False
        if input.dim() not in (2, 3):
            extra = " tensor" if self.mode.startswith("RNN") else ""
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                             f"{extra} instead")
        return input, None, None, None, input.dim() == 2

    def _run(self, data, batch_sizes, hx, cx, sorted_indices, unsorted_indices, unbatched,
             weights=None):
        steps = data.size(0) if batch_sizes is not None or not self.batch_first or unbatched \
            else data.size(1)
        if batch_sizes is None and steps == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        weights = self._flat_weights if weights is None else weights
        weight = weights[0]
        for state in (hx, cx):
            if state is not None and state.dtype != weight.dtype:
                raise RuntimeError(same_dtype_message(state, weight))
        sizes = None if batch_sizes is None else np.asarray(batch_sizes._data)
        return _node.run_rnn(
            self.mode, data, hx, cx, weights, has_bias=self.bias,
            has_proj=self.proj_size > 0, num_directions=2 if self.bidirectional else 1,
            dropout=self.dropout, training=self.training, batch_first=self.batch_first,
            unbatched=unbatched, batch_sizes=sizes, sorted_indices=_array_or_none(sorted_indices),
            unsorted_indices=_array_or_none(unsorted_indices))

    def _wrap_output(self, output, batch_sizes, sorted_indices, unsorted_indices):
        if batch_sizes is None:
            return output
        return _packed_sequence_type()(output, batch_sizes, sorted_indices, unsorted_indices)


class _ShapeOnly:
    """What torch's checks read (size, dim, dtype) of a tensor after an unsqueeze."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype

    def size(self, dim=None):
        return nnx.Size(self.shape) if dim is None else self.shape[dim]

    def dim(self):
        return len(self.shape)


def _unsqueezed(t, dim):
    shape = tuple(t.shape)
    return _ShapeOnly(shape[:dim] + (1,) + shape[dim:], t.dtype)


def _check_state_dims(hx, unbatched, lstm):
    """torch's checks that the states have as many dimensions as the input (batched or not)."""
    dims = [h.dim() for h in hx]
    want, kind = (2, "unbatched 2-D") if unbatched else (3, "batched 3-D")
    if any(d != want for d in dims):
        if lstm:
            raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                               f"({dims[0]}-D, {dims[1]}-D) tensors")
        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                           f"{dims[0]}-D tensor")


class _RecurrentForward(RNNBase):
    """The forward shared by RNN, GRU and LSTM (LSTM carries a second state, c)."""

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        data, batch_sizes, sorted_indices, unsorted_indices, unbatched = self._prepare(input)
        if batch_sizes is None and hx is not None:
            _check_state_dims(hx if lstm else (hx,), unbatched, lstm)
        checked = _unsqueezed(data, 0 if self.batch_first else 1) if unbatched else data
        expected_h = self.get_expected_hidden_size(checked, batch_sizes)
        expected_c = expected_h[:2] + (self.hidden_size,)
        # zeros made here have the expected sizes: only a subclass's own check runs on them
        check_sizes = type(self).check_hidden_size is not RNNBase.check_hidden_size
        if hx is None:
            drop = (lambda s: s[:1] + s[2:]) if unbatched else (lambda s: s)
            hx = (_zeros(drop(expected_h), data), _zeros(drop(expected_c), data))
        else:
            check_sizes = True
            if not lstm:
                hx = (hx, None)
        weights = self._flat_weights
        if type(self).check_input is RNNBase.check_input:   # spare a second _flat_weights
            self._check_input(checked, batch_sizes, weights[0].dtype)
        else:                                               # a subclass's own check
            self.check_input(checked, batch_sizes)
        if check_sizes:
            h_view = [_unsqueezed(h, 1) if unbatched else h for h in hx if h is not None]
            if lstm:
                self.check_hidden_size(h_view[0], expected_h,
                                       "Expected hidden[0] size {}, got {}")
                self.check_hidden_size(h_view[1], expected_c,
                                       "Expected hidden[1] size {}, got {}")
            else:
                self.check_hidden_size(h_view[0], expected_h)
        output, h_n, c_n = self._run(data, batch_sizes, hx[0], hx[1] if lstm else None,
                                     sorted_indices, unsorted_indices, unbatched, weights)
        output = self._wrap_output(output, batch_sizes, sorted_indices, unsorted_indices)
        return (output, (h_n, c_n)) if lstm else (output, h_n)


class RNN(_RecurrentForward):
    r"""Multi-layer Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

    Args: input_size, hidden_size, num_layers=1, nonlinearity='tanh' ('tanh' or 'relu'),
    bias=True, batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None.

    Example::

        >>> rnn = nnx.nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(nnx.randn(5, 3, 10), nnx.randn(2, 3, 20))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(_RecurrentForward):
    r"""Multi-layer LSTM (gates i, f, g, o; optional projection h_t = W_hr (o * tanh(c_t))).

    Args: input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None.  Returns
    ``output, (h_n, c_n)``.

    Example::

        >>> lstm = nnx.nn.LSTM(10, 20, 2)
        >>> output, (h_n, c_n) = lstm(nnx.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        expected = self.get_expected_hidden_size(input, batch_sizes)
        return expected[:2] + (self.hidden_size,)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return (RNNBase.permute_hidden(self, hx[0], permutation),
                RNNBase.permute_hidden(self, hx[1], permutation))


class GRU(_RecurrentForward):
    r"""Multi-layer GRU: r, z gates and n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h_t = (1 - z) * n + z * h_{t-1}.

    Args: input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None.

    Example::

        >>> gru = nnx.nn.GRU(10, 20, 2)
        >>> output, h_n = gru(nnx.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)
