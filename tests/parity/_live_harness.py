"""Run one layer configuration in torch and in nnx and compare everything observable.

A ``Spec`` names a layer (or a functional op), its constructor arguments, its inputs (NumPy
arrays, made into tensors of the spec's dtype), train/eval mode and dtype.  ``observe``
builds it with one library (nnx loads torch's state_dict, so both start from the same
parameters), runs the forward pass, back-propagates ``sum(out * G)`` with a fixed random
``G`` and records outputs (dtype, shape, values), input and parameter gradients (``None``
kept as ``None``), parameters and buffers after the pass, the repr, and -- when something
raises -- the stage, the exception type and its message (torch's spelled with ``nnx``).
``mismatch`` compares two observations and says what differs, or returns ``None``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

FLOAT_TOLERANCE = {"float32": (2e-5, 2e-5), "float64": (1e-9, 1e-11)}


class Lit:
    """A Python value passed through as is (not made into a tensor)."""

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Lit({self.value!r})"


class Tens:
    """An array argument that is made into a tensor but never requires grad."""

    def __init__(self, array):
        self.array = np.asarray(array)

    def __repr__(self):
        return f"Tens({self.array.dtype}{list(self.array.shape)})"


class Cast:
    """A float array argument made in ``dtype`` whatever the spec's dtype (mixed-dtype
    calls); it requires grad like the spec's other float inputs."""

    def __init__(self, array, dtype):
        self.array, self.dtype = np.asarray(array), dtype

    def __repr__(self):
        return f"Cast({self.dtype}{list(self.array.shape)})"


class Spec:
    """One configuration: ``functional`` picks ``lib.nn.functional.<name>`` over
    ``lib.nn.<name>``; float ``inputs`` require grad (``Tens`` wraps one that does not);
    ``nonleaf`` feeds ``x * 1`` so in-place layers may run on inputs needing grad."""

    def __init__(self, name, args=(), kwargs=None, inputs=(), fkwargs=None, *,
                 dtype="float32", train=True, functional=False, nonleaf=False,
                 backward=True, tol=None, steps=1):
        self.name, self.args, self.kwargs = name, tuple(args), dict(kwargs or {})
        self.inputs, self.fkwargs = tuple(inputs), dict(fkwargs or {})
        self.dtype, self.train, self.functional = dtype, train, functional
        self.nonleaf, self.backward, self.tol = nonleaf, backward, tol
        self.steps = steps      # forward passes in a row (running statistics evolve)

    def __repr__(self):
        def show(x):
            if isinstance(x, np.ndarray):
                return f"arr{list(x.shape)}:{x.dtype}"
            return repr(x)
        ins = ", ".join(show(x) for x in self.inputs)
        fk = {k: show(v) for k, v in self.fkwargs.items()}
        kind = "F." if self.functional else "nn."
        steps = f", {self.steps} steps" if self.steps > 1 else ""
        return (f"{kind}{self.name}(*{self.args!r}, **{self.kwargs!r}) [{self.dtype}, "
                f"{'train' if self.train else 'eval'}{steps}] inputs=({ins}) fkwargs={fk}")


def normalise_torch(text):
    """torch's message spelled the nnx way: without the C++ backtrace, ``torch`` read
    ``nnx`` outside web addresses."""
    text = text.split("\nException raised from ")[0]
    parts = re.split(r"(https?://\S+)", text)
    return "".join(p if i % 2 else p.replace("torch", "nnx") for i, p in enumerate(parts))


def _np(t):
    return None if t is None else t.detach().cpu().numpy().copy() if hasattr(t, "cpu") \
        else np.array(t.detach().numpy(), copy=True)


def _dtype_name(t):
    return str(t.dtype).split(".")[-1]


def _convert(value, lib, dtype, leaves):
    """Arrays become tensors (float ones in ``dtype``, recorded in ``leaves`` when they
    require grad); ``Lit`` values pass; lists/tuples/dicts are walked."""
    if isinstance(value, Lit):
        return value.value
    if isinstance(value, Cast):
        return _convert(value.array, lib, value.dtype, leaves)
    if isinstance(value, Tens):
        array = value.array
        if array.dtype.kind == "f":
            array = array.astype(dtype)
        return lib.from_numpy(np.array(array, copy=True))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            t = lib.from_numpy(value.astype(dtype))      # (a copy; keeps empty shapes)
            if leaves is not None:
                t.requires_grad_()
                leaves.append(t)
            return t
        return lib.from_numpy(np.array(value, copy=True))
    if isinstance(value, tuple):
        return tuple(_convert(v, lib, dtype, leaves) for v in value)
    if isinstance(value, list):
        return [_convert(v, lib, dtype, leaves) for v in value]
    if isinstance(value, dict):
        return {k: _convert(v, lib, dtype, leaves) for k, v in value.items()}
    return value


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flat(item)]
    return [out]


class Stage(Exception):
    def __init__(self, stage, exc):
        super().__init__(stage)
        self.stage, self.exc = stage, exc


def observe(spec, lib, torch_state=None):
    """Everything observable about ``spec`` run with ``lib`` (see the module docstring).
    For torch, also returns its state_dict as NumPy arrays (for nnx to load)."""
    is_torch = lib.__name__ == "torch"
    result = {}
    state = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _observe(spec, lib, result, torch_state, is_torch)
            state = result.pop("_state", None)
    except Stage as err:
        text = str(err.exc.args[0]) if err.exc.args else ""
        result["error"] = (err.stage, type(err.exc).__name__,
                           normalise_torch(text) if is_torch else text)
    return result, state


def _step(stage, fn):
    try:
        return fn()
    except Exception as exc:  # the comparison is the point
        raise Stage(stage, exc) from exc


def _observe(spec, lib, result, torch_state, is_torch):
    module = None
    if spec.functional:
        op = getattr(lib.nn.functional, spec.name)
    else:
        def build():
            cargs = _convert(list(spec.args), lib, spec.dtype, None)
            ckw = _convert(spec.kwargs, lib, spec.dtype, None)
            m = getattr(lib.nn, spec.name)(*cargs, **ckw)
            if spec.dtype == "float64":
                m = m.double()
            if not is_torch and torch_state is not None:
                m.load_state_dict({k: lib.from_numpy(v.copy()) for k, v in torch_state.items()})
            m.train(spec.train)
            return m
        module = _step("build", build)
        result["repr"] = repr(module)
        if is_torch:
            result["_state"] = {k: v.detach().numpy().copy()
                                for k, v in module.state_dict().items()}
        op = module
    leaves = [] if spec.backward else None
    inputs = _convert(list(spec.inputs), lib, spec.dtype, leaves)
    fkw = _convert(spec.fkwargs, lib, spec.dtype, leaves)
    if spec.nonleaf:
        inputs = [x * 1 if hasattr(x, "requires_grad") and x.requires_grad else x
                  for x in inputs]
    for _ in range(spec.steps - 1):
        _step("forward", lambda: op(*inputs, **fkw))
    out = _step("forward", lambda: op(*inputs, **fkw))
    outs = _flat(out)
    result["out"] = [(_dtype_name(t), tuple(t.shape), _np(t)) if hasattr(t, "dtype")
                     else ("py", None, t) for t in outs]
    if spec.backward and leaves:
        result["backward"] = _step("backward", lambda: backward_weighted(lib, outs, 100))
        result["grads"] = [_np(x.grad) for x in leaves]
    if module is not None:
        result["params"] = [(n, _np(p), _np(p.grad)) for n, p in module.named_parameters()]
        result["buffers"] = [(n, None if b is None else _dtype_name(b), _np(b))
                             for n, b in module.named_buffers()]


def backward_weighted(lib, outs, seed):
    """Back-propagate ``sum_i (out_i * G_i).sum()`` over the outputs that require grad,
    ``G_i`` standard normal from ``default_rng(seed + i)``; False when none does."""
    total = None
    for i, t in enumerate(outs):
        if not getattr(t, "requires_grad", False):
            continue
        g = np.random.default_rng(seed + i).standard_normal(tuple(t.shape))
        term = (t * lib.tensor(g.tolist(), dtype=t.dtype)).sum()
        total = term if total is None else total + term
    if total is not None:
        total.backward()
    return total is not None


def _close(a, b, dtype, tol):
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        if np.float32 in (a.dtype, b.dtype) or np.float16 in (a.dtype, b.dtype):
            dtype = "float32"       # a float32 result (mixed-dtype calls) in a float64 spec
        rtol, atol = tol or FLOAT_TOLERANCE.get(dtype, FLOAT_TOLERANCE["float32"])
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        scale = max(1.0, float(np.nanmax(np.abs(a64[np.isfinite(a64)]), initial=0.0)))
        return bool(np.allclose(a64, b64, rtol=rtol, atol=atol * scale, equal_nan=True))
    return bool(np.array_equal(a, b))


def mismatch(spec, want, got):
    """``None`` when the nnx observation ``got`` matches torch's ``want``, else a text."""
    if "error" in want or "error" in got:
        if want.get("error") != got.get("error"):
            return f"error: torch {want.get('error')} / nnx {got.get('error')}"
        return None
    if want.get("repr") != got.get("repr"):
        return f"repr: torch {want.get('repr')!r} / nnx {got.get('repr')!r}"
    for i, (w, g) in enumerate(zip(want["out"], got["out"], strict=False)):
        if w[:2] != g[:2]:
            return f"out[{i}] dtype/shape: torch {w[:2]} / nnx {g[:2]}"
        if not _close(w[2], g[2], spec.dtype, spec.tol):
            return f"out[{i}] values: torch {w[2]} / nnx {g[2]}"
    if len(want["out"]) != len(got["out"]):
        return f"number of outputs: torch {len(want['out'])} / nnx {len(got['out'])}"
    if want.get("backward") != got.get("backward"):
        return f"backward ran: torch {want.get('backward')} / nnx {got.get('backward')}"
    for i, (w, g) in enumerate(zip(want.get("grads", []), got.get("grads", []), strict=True)):
        if not _close(w, g, spec.dtype, spec.tol):
            return f"grad of input {i}: torch {w} / nnx {g}"
    for key in ("params", "buffers"):
        w_items, g_items = want.get(key, []), got.get(key, [])
        if [x[0] for x in w_items] != [x[0] for x in g_items]:
            return f"{key} names: torch {[x[0] for x in w_items]} / nnx {[x[0] for x in g_items]}"
        for w, g in zip(w_items, g_items, strict=True):
            if key == "buffers" and w[1] != g[1]:
                return f"buffer {w[0]} dtype: torch {w[1]} / nnx {g[1]}"
            for j in (1, 2) if key == "params" else (2,):
                if not _close(w[j], g[j], spec.dtype, spec.tol):
                    what = "value" if j == 1 else "grad"
                    return f"{key[:-1]} {w[0]} {what}: torch {w[j]} / nnx {g[j]}"
    return None


def compare(specs, torch, nnx):
    """Run every spec in both libraries; the list of ``(spec, difference)`` found."""
    found = []
    for spec in specs:
        want, state = observe(spec, torch)
        got, _ = observe(spec, nnx, state)
        diff = mismatch(spec, want, got)
        if diff is not None:
            found.append((spec, diff))
    return found


_SIZE = re.compile(r"\s+")


def report(found, limit=12):
    lines = [f"{len(found)} mismatches"]
    for spec, diff in found[:limit]:
        lines.append(f"- {spec!r}\n    {_SIZE.sub(' ', diff)[:600]}")
    return "\n".join(lines)
