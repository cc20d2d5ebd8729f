"""Recognise a module's layer type from the names and shapes of its own tensors.

A state_dict keeps no class names, but torch.nn's layers leave recognisable key patterns:

==========================  =====================================================================
keys (shapes)               layer
==========================  =====================================================================
``weight_ih_l{k}[_reverse]``  RNN / GRU / LSTM: gates G = rows of ``weight_ih_l0`` / hidden H
                            (4 LSTM, 3 GRU, 1 RNN); H = columns of ``weight_hh_l0``, or of
                            ``weight_hr_l0`` (proj_size = its rows) when there is one
``weight_ih``, ``weight_hh``  RNNCell / GRUCell / LSTMCell, the same way
``running_mean``/``_var``     BatchNorm (1d/2d/3d keep the same keys)
``weight`` 3/4/5-d          Conv1d/2d/3d (out, in/groups, *kernel); with a ``bias`` of its
                            second dimension, ConvTranspose1d/2d/3d (in, out/groups, *kernel)
``weight`` 2-d + ``bias``   Linear (out, in)
``weight`` 2-d alone        Linear without bias or Embedding (num, dim): the keys cannot tell
``weight`` + ``bias`` equal LayerNorm / GroupNorm (elementwise affine)
``in_proj_weight``          MultiheadAttention
==========================  =====================================================================
"""

import re
from dataclasses import dataclass

_RNN_KEY = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?")
_RNN_BY_GATES = {4: "LSTM", 3: "GRU", 1: "RNN"}


@dataclass
class Layer:
    """What the keys say about a module: ``kind`` (``'LSTM'``, ``'Linear/Embedding'``...),
    a torch-style ``description`` and an optional ``note`` on what the keys cannot tell."""

    kind: str
    description: str
    note: str = ""


def recognise(shapes, child_names=()):
    """The :class:`Layer` whose own tensors are ``shapes`` (``{leaf name: shape}``), or None.

    ``child_names``: the module's submodules (a container of numbered children is reported
    as ``Sequential/ModuleList``).
    """
    if not shapes:
        if child_names and all(name.isdigit() for name in child_names):
            return Layer("Sequential/ModuleList", "")
        return None
    for recogniser in (_recurrent, _cell, _batch_norm, _attention, _weight_layers):
        layer = recogniser(shapes)
        if layer is not None:
            return layer
    return None


def _repr(kind, positional, options):
    """``LSTM(300, 512, num_layers=2)``: positional values, then ``name=value`` options."""
    parts = [str(p) for p in positional] + [f"{k}={v}" for k, v in options]
    return f"{kind}({', '.join(parts)})"


def _gates_and_hidden(rows, hidden):
    if hidden > 0 and rows % hidden == 0:
        return _RNN_BY_GATES.get(rows // hidden)
    return None


def _recurrent(shapes):
    matches = {name: _RNN_KEY.fullmatch(name) for name in shapes}
    if not all(matches.values()) or "weight_ih_l0" not in shapes or "weight_hh_l0" not in shapes:
        return None
    w_ih, w_hh = shapes["weight_ih_l0"], shapes["weight_hh_l0"]
    if len(w_ih) != 2 or len(w_hh) != 2:
        return None
    w_hr = shapes.get("weight_hr_l0")
    proj_size, hidden = (w_hr[0], w_hr[1]) if w_hr and len(w_hr) == 2 else (0, w_hh[1])
    kind = _gates_and_hidden(w_ih[0], hidden)
    if kind is None or (proj_size and kind != "LSTM"):
        return Layer("RNN-like", "", f"weight_ih_l0 has {w_ih[0]} rows, which is not 1, 3 or "
                                     f"4 times the hidden size {hidden}")
    num_layers = 1 + max(int(m.group(2)) for m in matches.values())
    bidirectional = any(m.group(3) for m in matches.values())
    options = []
    if proj_size:
        options.append(("proj_size", proj_size))
    if num_layers != 1:
        options.append(("num_layers", num_layers))
    if "bias_ih_l0" not in shapes:
        options.append(("bias", False))
    if bidirectional:
        options.append(("bidirectional", True))
    unstored = "nonlinearity (tanh or relu), batch_first and dropout are" if kind == "RNN" \
        else "batch_first and dropout are"
    note = f"{unstored} not stored"
    return Layer(kind, _repr(kind, (w_ih[1], hidden), options), note)


def _cell(shapes):
    names = set(shapes)
    if not {"weight_ih", "weight_hh"} <= names <= {"weight_ih", "weight_hh", "bias_ih",
                                                   "bias_hh"}:
        return None
    w_ih, w_hh = shapes["weight_ih"], shapes["weight_hh"]
    if len(w_ih) != 2 or len(w_hh) != 2:
        return None
    kind = _gates_and_hidden(w_ih[0], w_hh[1])
    if kind is None:
        return None
    options = [] if "bias_ih" in names else [("bias", False)]
    return Layer(kind + "Cell", _repr(kind + "Cell", (w_ih[1], w_hh[1]), options))


def _batch_norm(shapes):
    if "running_mean" not in shapes or "running_var" not in shapes:
        return None
    features = shapes["running_mean"][0] if shapes["running_mean"] else 1
    options = [] if "weight" in shapes else [("affine", False)]
    return Layer("BatchNorm", _repr("BatchNorm", (features,), options),
                 "BatchNorm1d/2d/3d (and InstanceNorm with running stats) store the same keys")


def _attention(shapes):
    if "in_proj_weight" in shapes:
        embed_dim = shapes["in_proj_weight"][1]
    elif "q_proj_weight" in shapes:
        embed_dim = shapes["q_proj_weight"][0]
    else:
        return None
    return Layer("MultiheadAttention", _repr("MultiheadAttention", (), [("embed_dim",
                                                                         embed_dim)]),
                 "num_heads is not stored")


def _weight_layers(shapes):
    """Linear, Conv, Embedding and the affine norms: a ``weight`` and maybe a ``bias``."""
    weight, bias = shapes.get("weight"), shapes.get("bias")
    if weight is None or set(shapes) - {"weight", "bias"}:
        return None
    if bias is not None and bias == weight:
        return _affine_norm(weight)
    if bias is not None and len(weight) >= 3 and bias == (weight[1],) != (weight[0],):
        return _conv_transpose(weight)
    if bias is not None and (len(bias) != 1 or not weight or bias[0] != weight[0]):
        return None
    if len(weight) == 2:
        out_features, in_features = weight
        if bias is not None:
            return Layer("Linear", _repr("Linear", (), [("in_features", in_features),
                                                        ("out_features", out_features),
                                                        ("bias", True)]))
        return Layer("Linear/Embedding", f"Embedding({out_features}, {in_features}) or "
                                         f"Linear({in_features}, {out_features}, bias=False)",
                     "a bias-free Linear and an Embedding store the same key")
    if 3 <= len(weight) <= 5:
        kind = f"Conv{len(weight) - 2}d"
        options = [("kernel_size", tuple(weight[2:]))]
        if bias is None:
            options.append(("bias", False))
        bilinear = " (a 3-d weight may also be a Bilinear(in1, in2, out))" \
            if len(weight) == 3 and bias is not None else ""
        return Layer(kind, _repr(kind, (weight[1], weight[0]), options),
                     f"in_channels assumes groups=1; a ConvTranspose{len(weight) - 2}d "
                     f"stores (in, out/groups, *kernel){bilinear}")
    if len(weight) == 1 and bias is None:
        size = weight[0]
        return Layer("Norm (weight only)", f"LayerNorm({size}, bias=False), RMSNorm({size}) "
                                           f"or PReLU(num_parameters={size})",
                     "a 1-d weight alone: a norm without bias, or a PReLU")
    return None


def _conv_transpose(weight):
    """(in, out/groups, *kernel) + a bias of out: a transposed convolution (its bias
    matches the second dimension, a Conv's the first)."""
    kind = f"ConvTranspose{len(weight) - 2}d"
    return Layer(kind, _repr(kind, (weight[0], weight[1]),
                             [("kernel_size", tuple(weight[2:]))]),
                 "out_channels assumes groups=1")


def _affine_norm(shape):
    if len(shape) == 1:
        return Layer("LayerNorm/GroupNorm", f"LayerNorm({shape[0]}) or GroupNorm(?, "
                                            f"{shape[0]})",
                     "LayerNorm and GroupNorm store the same keys; groups are not stored")
    return Layer("LayerNorm", _repr("LayerNorm", (tuple(shape),), []))
