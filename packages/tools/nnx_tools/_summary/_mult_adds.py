"""Multiply-accumulates (MACs, torchinfo's "Mult-Adds") of one module call.

A row's ``mult_adds`` is, in this order of precedence:

1. the layer's formula, for the layers that have one (the class or a base class is
   named so; user subclasses inherit the formula).  N batch, T steps, ``params`` the
   numel of all the layer's parameters, biases counted as one add per output like
   torchinfo does:

   - Linear, Bilinear: ``params * prod(output[:-1])`` (every leading dimension, not
     only the first as torchinfo 1.8.0 does);
   - Conv1d/2d/3d: ``params * N * prod(output spatial)`` (torchinfo's formula);
   - ConvTranspose1d/2d/3d: ``weight * N * prod(input spatial) + bias * N * prod(output
     spatial)`` (each input element is scattered through the kernel once);
   - RNN, LSTM, GRU: ``params * rows`` where rows is T * N (each time step of each
     sequence runs every layer and direction's GEMMs, ``proj_size``'s ``weight_hr`` too);
     for a PackedSequence input, rows is ``sum(batch_sizes)``: the live rows only;
   - RNNCell, LSTMCell, GRUCell: ``params * N``;
   - Embedding, EmbeddingBag: 0 (a table lookup multiplies nothing; torchinfo counts
     ``N * params``).
2. otherwise the matrix products the call ran itself (``_functional_ops``):
   ``nnx.matmul`` / ``@`` / ``mm`` / ``bmm`` / ``mv`` / ``dot`` and ``F.linear``,
   ``F.bilinear``, ``F.conv1d/2d/3d``, ``F.conv_transpose1d/2d/3d`` called while this
   module was the innermost one running.  Ops inside a formula layer are not counted
   again, nor ops called by another observed op.
3. otherwise, for a leaf layer with parameters, torchinfo's rule: ``weight``/``bias`` ->
   ``output[0] * numel`` (Conv classes: ``prod(output[:1] + output[2:]) * numel``), other
   names containing weight/bias -> ``prod(output[:2]) * numel``.
"""

import math

from nnx_tools._summary import _shapes

__all__ = ["has_formula", "formula_mult_adds", "fallback_mult_adds", "batch_and_spatial"]


def _family(module):
    """The first class name of the module's MRO that has a formula, or None."""
    for cls in type(module).__mro__:
        if cls.__name__ in _FORMULAS:
            return cls.__name__
    return None


def has_formula(module):
    return _family(module) is not None


def _numel(shape):
    return math.prod(int(n) for n in shape)


def _param_numel(module):
    return sum(p.numel() for p in module.parameters())


def _first_input(inputs):
    return inputs[0] if isinstance(inputs, tuple) and inputs else None


def _first_tensor(outputs):
    return next(_shapes.iter_tensors(outputs), None)


def _linear(module, inputs, output):
    out = _first_tensor(output)
    if out is None or not out.shape:
        return 0
    return _param_numel(module) * _numel(out.shape[:-1])


def _spatial_dims(module):
    weight = getattr(module, "weight", None)
    return weight.ndim - 2 if weight is not None else 0


def batch_and_spatial(tensor, dims):
    """(N, prod(spatial)) of a batched (N, C, *) or unbatched (C, *) conv operand."""
    shape = tuple(tensor.shape)
    batch = shape[0] if len(shape) == dims + 2 else 1
    return batch, _numel(shape[len(shape) - dims:])


def _conv(module, inputs, output):
    out = _first_tensor(output)
    if out is None:
        return 0
    batch, spatial = batch_and_spatial(out, _spatial_dims(module))
    return _param_numel(module) * batch * spatial


def _conv_transpose(module, inputs, output):
    x, out = _first_input(inputs), _first_tensor(output)
    if x is None or out is None:
        return 0
    dims = _spatial_dims(module)
    batch, in_spatial = batch_and_spatial(x, dims)
    _, out_spatial = batch_and_spatial(out, dims)
    bias = getattr(module, "bias", None)
    bias_numel = bias.numel() if bias is not None else 0
    return module.weight.numel() * batch * in_spatial + bias_numel * batch * out_spatial


def _rnn(module, inputs, output):
    x = _first_input(inputs)
    if _shapes.is_packed(x):
        rows = int(x.data.shape[0])                # == sum(batch_sizes): live rows only
    elif _shapes.is_tensor(x):
        rows = _numel(x.shape[:2]) if x.ndim == 3 else int(x.shape[0])
    else:
        return 0
    return _param_numel(module) * rows


def _cell(module, inputs, output):
    x = _first_input(inputs)
    if not _shapes.is_tensor(x):
        return 0
    rows = int(x.shape[0]) if x.ndim == 2 else 1
    return _param_numel(module) * rows


def _table_lookup(module, inputs, output):
    """An embedding copies rows of its table: no multiply-adds (torchinfo counts N x params)."""
    return 0


_FORMULAS = {
    "Linear": _linear, "Bilinear": _linear,
    "Conv1d": _conv, "Conv2d": _conv, "Conv3d": _conv,
    "ConvTranspose1d": _conv_transpose, "ConvTranspose2d": _conv_transpose,
    "ConvTranspose3d": _conv_transpose,
    "RNN": _rnn, "LSTM": _rnn, "GRU": _rnn, "RNNBase": _rnn,
    "RNNCell": _cell, "LSTMCell": _cell, "GRUCell": _cell, "RNNCellBase": _cell,
    "Embedding": _table_lookup, "EmbeddingBag": _table_lookup,
}


def formula_mult_adds(module, inputs, output):
    """The formula's MACs of one call, or None when the module has no formula."""
    family = _family(module)
    if family is None:
        return None
    return int(_FORMULAS[family](module, inputs, output))


def fallback_mult_adds(module, class_name, output_size):
    """torchinfo 1.8.0's generic rule (``LayerInfo.calculate_macs``) for a leaf layer."""
    if not output_size:
        return 0
    macs = 0
    for name, param in module.named_parameters():
        n = param.numel()
        if name in ("weight", "bias"):
            if "Conv" in class_name:
                macs += n * _numel(output_size[:1] + output_size[2:])
            else:
                macs += output_size[0] * n
        elif "weight" in name or "bias" in name:
            macs += _numel(output_size[:2]) * n
    return macs
