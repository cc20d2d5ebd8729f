"""Seeded random recurrent-layer configurations run in torch and nnx, and their comparison.

``RnnSpec`` names a layer (RNN / LSTM / GRU or a cell), its constructor keywords, the input
array, the initial state arrays (or none), how the input is packed (``lengths`` and
``enforce_sorted``; ``None`` for a plain tensor) and the dtype.  ``observe`` builds the
layer with one library (nnx loads torch's state_dict), records the warnings raised while
building, the repr and state_dict keys, runs the forward pass, back-propagates
``sum(out * G)`` over every float output with fixed random ``G``, and records the outputs
(for a PackedSequence: data, batch_sizes, sorted and unsorted indices), the gradients of
the input, of each initial state and of every parameter, or the stage, type and message
of an error.  ``mismatch`` says what differs between two observations.
"""

from __future__ import annotations

import warnings

import numpy as np
from _live_harness import _close, backward_weighted, normalise_torch

TOL = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-10)}


class RnnSpec:
    def __init__(self, name, kwargs, x, hx=None, *, lengths=None, enforce_sorted=True,
                 dtype="float32", hx_dtype=None, x_dtype=None):
        self.name, self.kwargs, self.x, self.hx = name, dict(kwargs), x, hx
        self.lengths, self.enforce_sorted = lengths, enforce_sorted
        self.dtype, self.hx_dtype = dtype, hx_dtype or dtype
        self.x_dtype = x_dtype or dtype

    def __repr__(self):
        hx = None if self.hx is None else (
            [list(h.shape) for h in self.hx] if isinstance(self.hx, tuple)
            else list(self.hx.shape))
        packed = "" if self.lengths is None else \
            f" packed(lengths={self.lengths}, enforce_sorted={self.enforce_sorted})"
        return (f"nn.{self.name}(**{self.kwargs}) [{self.dtype}] x={list(self.x.shape)} "
                f"hx={hx}{packed}")


def _np(t):
    return None if t is None else np.array(t.detach().numpy(), copy=True)


def _observe(spec, lib, result, torch_state, stage):
    is_torch = lib.__name__ == "torch"
    stage[0] = "build"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        module = getattr(lib.nn, spec.name)(**spec.kwargs)
    result["warnings"] = [(w.category.__name__, normalise_torch(str(w.message)) if is_torch
                           else str(w.message)) for w in seen]
    if spec.dtype == "float64":
        module = module.double()
    if not is_torch and torch_state is not None:
        module.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in torch_state.items()})
    result["repr"] = repr(module)
    result["keys"] = list(module.state_dict())
    if is_torch:
        result["_state"] = {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}
    stage[0] = "input"
    leaves = []

    def tensor(array, dtype):
        t = lib.tensor(array.astype(dtype).tolist(), dtype=getattr(lib, dtype),
                       requires_grad=True)
        leaves.append(t)
        return t

    x = tensor(spec.x, spec.x_dtype)
    if spec.lengths is not None:
        x_in = lib.nn.utils.rnn.pack_padded_sequence(
            x, lib.tensor(spec.lengths, dtype=lib.int64),
            batch_first=spec.kwargs.get("batch_first", False),
            enforce_sorted=spec.enforce_sorted)
    else:
        x_in = x
    args = [x_in]
    if isinstance(spec.hx, tuple):
        args.append(tuple(tensor(h, spec.hx_dtype) for h in spec.hx))
    elif spec.hx is not None:
        args.append(tensor(spec.hx, spec.hx_dtype))
    stage[0] = "forward"
    out = module(*args)
    flat = []

    def walk(o):
        if isinstance(o, (tuple, list)) and not hasattr(o, "batch_sizes"):
            for item in o:
                walk(item)
        elif hasattr(o, "batch_sizes"):
            flat.append(o.data)
            for extra in (o.batch_sizes, o.sorted_indices, o.unsorted_indices):
                flat.append(extra)
        else:
            flat.append(o)
    walk(out)
    result["out"] = [None if t is None else (str(t.dtype).split(".")[-1], tuple(t.shape),
                                             _np(t)) for t in flat]
    stage[0] = "backward"
    backward_weighted(lib, flat, 200)
    result["grads"] = [_np(t.grad) for t in leaves]
    result["param_grads"] = [(n, _np(p.grad)) for n, p in module.named_parameters()]


def observe(spec, lib, torch_state=None):
    result, stage = {}, ["build"]
    try:
        _observe(spec, lib, result, torch_state, stage)
    except Exception as exc:  # the comparison is the point
        text = str(exc.args[0]) if exc.args else ""
        is_torch = lib.__name__ == "torch"
        result["error"] = (stage[0], type(exc).__name__,
                           normalise_torch(text) if is_torch else text)
    return result, result.pop("_state", None)


def mismatch(spec, want, got):
    """``None`` when nnx's ``got`` matches torch's ``want``, else what differs."""
    tol = TOL[spec.dtype]
    for key in ("warnings", "repr", "keys", "error"):
        if want.get(key) != got.get(key):
            return f"{key}: torch {want.get(key)!r} / nnx {got.get(key)!r}"
    if "error" in want:
        return None
    if len(want["out"]) != len(got["out"]):
        return f"number of outputs: torch {len(want['out'])} / nnx {len(got['out'])}"
    for i, (w, g) in enumerate(zip(want["out"], got["out"], strict=True)):
        if (w is None) != (g is None):
            return f"out[{i}]: torch {w} / nnx {g}"
        if w is None:
            continue
        if w[:2] != g[:2]:
            return f"out[{i}] dtype/shape: torch {w[:2]} / nnx {g[:2]}"
        if not _close(w[2], g[2], spec.dtype, tol):
            return f"out[{i}] values: torch {w[2]} / nnx {g[2]}"
    for i, (w, g) in enumerate(zip(want["grads"], got["grads"], strict=True)):
        if not _close(w, g, spec.dtype, tol):
            return f"grad of input {i}: torch {w} / nnx {g}"
    for (name, w), (_, g) in zip(want["param_grads"], got["param_grads"], strict=True):
        if not _close(w, g, spec.dtype, tol):
            return f"grad of {name}: torch {w} / nnx {g}"
    return None


# -- drawers -----------------------------------------------------------------------------

def _array(rng, shape):
    return np.random.default_rng(rng.randrange(2**31)).standard_normal(shape)


def rnn_specs(name, rng, count=20):
    specs = []
    for i in range(count):
        in_size, hidden = rng.randint(1, 4), rng.randint(1, 4)
        layers, bidir = rng.randint(1, 3), rng.random() < 0.5
        kwargs = dict(input_size=in_size, hidden_size=hidden, num_layers=layers,
                      bias=rng.random() < 0.7, batch_first=rng.random() < 0.5,
                      bidirectional=bidir, dropout=0.0)
        if name == "RNN":
            kwargs["nonlinearity"] = rng.choice(["tanh", "relu"])
        proj = 0
        if name == "LSTM" and rng.random() < 0.4:
            proj = rng.randint(1, hidden) if hidden > 1 else 0
            kwargs["proj_size"] = proj
        steps, batch = rng.randint(1, 4), rng.randint(1, 3)
        roll = rng.random()
        lengths, sorted_ = None, True
        if roll < 0.2:      # unbatched
            x = _array(rng, (steps, in_size))
            state_shape = (layers * (1 + bidir),)
        else:
            shape = (batch, steps, in_size) if kwargs["batch_first"] else (steps, batch, in_size)
            x = _array(rng, shape)
            state_shape = (layers * (1 + bidir), batch)
            if roll > 0.6:
                lens = [rng.randint(1, steps) for _ in range(batch)]
                lens[rng.randrange(batch)] = steps
                sorted_ = rng.random() < 0.5
                lengths = sorted(lens, reverse=True) if sorted_ else lens
        hx = None
        if rng.random() < 0.6:
            h = _array(rng, state_shape + (proj or hidden,))
            hx = (h, _array(rng, state_shape + (hidden,))) if name == "LSTM" else h
        dtype = rng.choice(["float32", "float64"])
        specs.append((f"{name}_{i}", RnnSpec(name, kwargs, x, hx, lengths=lengths,
                                             enforce_sorted=sorted_, dtype=dtype)))
    specs += [(f"{name}_err_{label}", spec) for label, spec in _rnn_errors(name, rng)]
    return specs


def _rnn_errors(name, rng):
    base = dict(input_size=3, hidden_size=4, num_layers=2)
    x = _array(rng, (5, 2, 3))
    lstm = name == "LSTM"

    def state(shape, c_shape=None):
        h = _array(rng, shape)
        return (h, _array(rng, c_shape or shape)) if lstm else h
    yield "input_size", RnnSpec(name, base, _array(rng, (5, 2, 4)))
    yield "input_4d", RnnSpec(name, base, _array(rng, (5, 2, 3, 1)))
    yield "input_1d", RnnSpec(name, base, _array(rng, (3,)))
    yield "hx_layers", RnnSpec(name, base, x, state((1, 2, 4)))
    yield "hx_batch", RnnSpec(name, base, x, state((2, 3, 4)))
    yield "hx_hidden", RnnSpec(name, base, x, state((2, 2, 5)))
    yield "hx_dims_batched", RnnSpec(name, base, x, state((2, 4)))
    yield "hx_dims_unbatched", RnnSpec(name, base, x[:, 0], state((2, 2, 4)))
    yield "dtype_hx", RnnSpec(name, base, x, state((2, 2, 4)), hx_dtype="float64")
    yield "dtype_input", RnnSpec(name, base, x, x_dtype="float64")
    yield "dropout_one_layer", RnnSpec(name, dict(base, num_layers=1, dropout=0.5), x)
    yield "dropout_bad", RnnSpec(name, dict(base, dropout=1.5), x)
    yield "hidden_zero", RnnSpec(name, dict(base, hidden_size=0), x)
    yield "layers_zero", RnnSpec(name, dict(base, num_layers=0), x)
    yield "packed_unsorted", RnnSpec(name, base, _array(rng, (5, 3, 3)), lengths=[2, 5, 3])
    yield "packed_too_long", RnnSpec(name, base, _array(rng, (5, 2, 3)), lengths=[6, 2])
    yield "packed_zero_length", RnnSpec(name, base, _array(rng, (5, 2, 3)), lengths=[5, 0],
                                        enforce_sorted=False)
    yield "packed_hx_batch", RnnSpec(name, base, _array(rng, (5, 3, 3)), state((2, 2, 4)),
                                     lengths=[5, 2, 3], enforce_sorted=False)
    if not lstm:
        yield "proj_size", RnnSpec(name, dict(base, proj_size=2), x)
    if lstm:
        yield "c_shape", RnnSpec(name, base, x, state((2, 2, 4), (2, 2, 3)))
        yield "proj_big", RnnSpec(name, dict(base, proj_size=4), x)
        yield "proj_neg", RnnSpec(name, dict(base, proj_size=-1), x)
        yield "hx_not_tuple", RnnSpec(name, base, x, _array(rng, (2, 2, 4)))
    else:
        yield "hx_tuple", RnnSpec(name, base, x, (_array(rng, (2, 2, 4)),
                                                   _array(rng, (2, 2, 4))))
    if name == "RNN":
        yield "nonlinearity", RnnSpec(name, dict(base, nonlinearity="gelu"), x)


def cell_specs(name, rng, count=12):
    specs = []
    for i in range(count):
        in_size, hidden = rng.randint(1, 4), rng.randint(1, 4)
        kwargs = dict(input_size=in_size, hidden_size=hidden, bias=rng.random() < 0.7)
        if name == "RNNCell":
            kwargs["nonlinearity"] = rng.choice(["tanh", "relu"])
        batched = rng.random() < 0.7
        lead = (rng.randint(1, 3),) if batched else ()
        x = _array(rng, lead + (in_size,))
        hx = None
        if rng.random() < 0.6:
            h = _array(rng, lead + (hidden,))
            hx = (h, _array(rng, lead + (hidden,))) if name == "LSTMCell" else h
        specs.append((f"{name}_{i}", RnnSpec(name, kwargs, x, hx,
                                             dtype=rng.choice(["float32", "float64"]))))
    lstm = name == "LSTMCell"
    base = dict(input_size=3, hidden_size=4)

    def state(shape):
        h = _array(rng, shape)
        return (h, _array(rng, shape)) if lstm else h
    x = _array(rng, (2, 3))
    errors = [
        ("input_size", RnnSpec(name, base, _array(rng, (2, 5)))),
        ("input_3d", RnnSpec(name, base, _array(rng, (1, 2, 3)))),
        ("hx_batch", RnnSpec(name, base, x, state((3, 4)))),
        ("hx_hidden", RnnSpec(name, base, x, state((2, 5)))),
        ("hx_dims", RnnSpec(name, base, x, state((4,)))),
        ("hx_dims_unbatched", RnnSpec(name, base, x[0], state((2, 4)))),
        ("dtype_hx", RnnSpec(name, base, x, state((2, 4)), hx_dtype="float64")),
        ("dtype_input", RnnSpec(name, base, x, x_dtype="float64")),
    ]
    if name == "RNNCell":
        errors.append(("nonlinearity", RnnSpec(name, dict(base, nonlinearity="gelu"), x)))
    specs += [(f"{name}_err_{label}", spec) for label, spec in errors]
    return specs
