#!/usr/bin/env python
"""Generate (or check) the layer fixtures ``layers_<family>.npz`` from live torch 2.13.0.

Usage (needs torch==2.13.0, the reference version):

    python tests/golden/generate_layers.py                   # every family
    python tests/golden/generate_layers.py --family conv     # tests/layers/cases_conv.py only
    python tests/golden/generate_layers.py --check           # compare live torch with the files

The case tables are ``tests/layers/cases_<family>.py`` (see ``tests/layers/_layer_case.py``).
For every case this builds ``torch.nn.<cls>(*args, **kwargs)`` under ``torch.manual_seed(0)``,
casts it with ``.to(dtype)`` for each of the case's dtypes, and records, for each
(dtype, mode):

    <case>/meta                          0-d str: JSON (state keys, repr, outputs, grads...)
    <case>/init/<param>                  [min, max, mean, std] over fresh float64 modules
    <case>/<dtype>/state/<key>           state_dict before the passes (nnx loads it)
    <case>/<dtype>/ctor/<name>           tensor constructor arguments (``In`` specs)
    <case>/<dtype>/<mode>/in/<i>         positional forward inputs (kw/<name> for keywords)
    <case>/<dtype>/<mode>/out/<i>        the flattened outputs of the last pass
    <case>/<dtype>/<mode>/gradw/<i>      weight w_i of floating output i in the loss
    <case>/<dtype>/<mode>/grad_in/<i>    d/d input of sum_i (out_i * w_i).sum() (grad_kw/...)
    <case>/<dtype>/<mode>/grad_param/<n> d/d parameter n (absent when torch's grad is None)
    <case>/<dtype>/<mode>/state_after/<key>  state_dict after the passes (running stats)
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LAYER_TESTS = os.path.join(os.path.dirname(HERE), "layers")
sys.path.insert(0, HERE)
sys.path.insert(0, LAYER_TESTS)

import generate as _generate  # noqa: E402  (shared CLI, writer and checker)
from _layer_case import In, init_draws, variants  # noqa: E402

FORMAT = "nnx-layers-golden-1"


def families() -> list:
    paths = sorted(glob.glob(os.path.join(LAYER_TESTS, "cases_*.py")))
    return [os.path.basename(p)[len("cases_"):-len(".py")] for p in paths]


def load_cases(family: str) -> list:
    return list(importlib.import_module(f"cases_{family}").CASES)


def fixture_path(family: str) -> str:
    return os.path.join(HERE, f"layers_{family}.npz")


def case_rng(*parts) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32("/".join(map(str, parts)).encode()))


def make_array(spec: In, dtype: str, rng: np.random.Generator) -> np.ndarray:
    """The array behind one ``In`` spec; floating kinds are drawn in float64, then cast."""
    shape = tuple(spec.shape)
    kind = spec.kind
    if kind == "randn":
        arr = rng.standard_normal(shape)
    elif kind == "rand":
        arr = rng.random(shape)
    elif kind == "uniform":
        arr = rng.uniform(spec.low, spec.high, shape)
    elif kind == "positive":
        arr = rng.uniform(0.5, 2.0, shape)
    elif kind == "bernoulli":
        arr = (rng.random(shape) < (spec.high if spec.high != 1.0 else 0.5)).astype(np.float64)
    elif kind == "randint":
        return rng.integers(int(spec.low), int(spec.high), shape).astype(spec.dtype or "int64")
    elif kind == "const":
        return np.array(spec.value, dtype=spec.dtype or "int64")
    elif kind == "const_float":
        arr = np.array(spec.value, dtype=np.float64)
    else:
        raise ValueError(f"unknown In kind {kind!r}")
    return np.asarray(arr).astype(spec.dtype or dtype)  # a fresh C-contiguous array, 0-d too


def flatten_outputs(value) -> list:
    """The tensors of a forward's result, depth first (tuples, lists, namedtuples)."""
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in flatten_outputs(item)]
    return [value]


def _torch_value(torch, value, key, dtype, rng, entries, grad=True):
    """``value`` itself, or the tensor of an ``In`` spec (recorded under ``key``);
    constructor tensors (``grad=False``) never require grad."""
    if isinstance(value, In):
        arr = make_array(value, dtype, rng)
        entries[key] = arr
        tensor = torch.from_numpy(arr.copy())
        return tensor.requires_grad_(True) if grad and value.requires_grad else tensor
    return value


def _state_arrays(module) -> dict:
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _init_statistics(torch, case, ctor_args, ctor_kwargs) -> dict:
    torch.manual_seed(999)
    probe = getattr(torch.nn, case.cls)(*ctor_args, **ctor_kwargs)
    out = {}
    for name, p in probe.named_parameters():
        if p.numel() == 0:
            continue
        chunks = []
        for draw in range(init_draws(p.numel())):
            torch.manual_seed(1000 + draw)
            module = getattr(torch.nn, case.cls)(*ctor_args, **ctor_kwargs).double()
            chunks.append(dict(module.named_parameters())[name].detach().numpy().ravel())
        values = np.concatenate(chunks)
        out[name] = np.array([values.min(), values.max(), values.mean(), values.std()])
    return out


def run_variant(torch, case, dtype, mode, module, entries) -> dict:
    """One (dtype, mode): passes, outputs, gradients; returns this variant's meta."""
    prefix = f"{case.name}/{dtype}/{mode}"
    rng = case_rng(case.name, dtype)  # the same inputs in every mode
    inputs = [_torch_value(torch, v, f"{prefix}/in/{i}", dtype, rng, entries)
              for i, v in enumerate(case.inputs)]
    kw = {k: _torch_value(torch, v, f"{prefix}/kw/{k}", dtype, rng, entries)
          for k, v in case.forward_kwargs.items()}
    module.train(mode == "train")
    meta = {"outputs": [], "grad_in": [], "grad_kw": [], "grad_param": []}
    if not case.golden:
        return meta
    for _ in range(case.steps):
        result = module(*inputs, **kw)
    outs = flatten_outputs(result)
    loss = None
    for i, out in enumerate(outs):
        entries[f"{prefix}/out/{i}"] = out.detach().numpy().copy()
        weighted = bool(out.is_floating_point() and out.requires_grad)
        meta["outputs"].append({"dtype": str(out.dtype).split(".")[-1], "weighted": weighted})
        if weighted:
            w = rng.standard_normal(tuple(out.shape)).astype(dtype)
            entries[f"{prefix}/gradw/{i}"] = w
            term = (out * torch.from_numpy(w)).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
        for i, t in enumerate(inputs):
            if isinstance(t, torch.Tensor) and t.requires_grad and t.grad is not None:
                entries[f"{prefix}/grad_in/{i}"] = t.grad.numpy().copy()
                meta["grad_in"].append(i)
        for k, t in kw.items():
            if isinstance(t, torch.Tensor) and t.requires_grad and t.grad is not None:
                entries[f"{prefix}/grad_kw/{k}"] = t.grad.numpy().copy()
                meta["grad_kw"].append(k)
        for name, p in module.named_parameters():
            if p.grad is not None:
                entries[f"{prefix}/grad_param/{name}"] = p.grad.numpy().copy()
                meta["grad_param"].append(name)
    for key, arr in _state_arrays(module).items():
        entries[f"{prefix}/state_after/{key}"] = arr
    return meta


def run_case(torch, case) -> dict:
    entries = {}
    meta = {"cls": case.cls, "variants": {}}
    for dtype in case.dtypes:
        rng = case_rng(case.name, dtype, "ctor")
        ctor_args = [_torch_value(torch, v, f"{case.name}/{dtype}/ctor/{i}", dtype, rng, entries,
                                  grad=False)
                     for i, v in enumerate(case.args)]
        ctor_kwargs = {k: _torch_value(torch, v, f"{case.name}/{dtype}/ctor/{k}", dtype, rng,
                                       entries, grad=False)
                       for k, v in case.kwargs.items()}
        if dtype == case.dtypes[0]:
            for name, stats in _init_statistics(torch, case, ctor_args, ctor_kwargs).items():
                entries[f"{case.name}/init/{name}"] = stats
        for mode in case.modes:
            torch.manual_seed(0)
            module = getattr(torch.nn, case.cls)(*ctor_args, **ctor_kwargs).to(
                getattr(torch, dtype))
            if dtype == case.dtypes[0] and mode == case.modes[0]:
                meta["repr"] = repr(module)
                meta["state_keys"] = list(module.state_dict())
            for key, arr in _state_arrays(module).items():
                entries[f"{case.name}/{dtype}/state/{key}"] = arr
            meta["variants"][f"{dtype}/{mode}"] = run_variant(torch, case, dtype, mode, module,
                                                              entries)
    entries[f"{case.name}/meta"] = np.array(json.dumps(meta, sort_keys=True))
    return entries


def compute_family(torch, family: str) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)  # reproducible reduction order
    cases = load_cases(family)
    names = [c.name for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        sys.exit(f"cases_{family}.py: duplicate case names {duplicates}")
    entries = _generate.meta_entries(torch, FORMAT, names)
    failures = []
    for case in cases:
        try:
            entries.update(run_case(torch, case))
        except Exception as exc:  # report every broken case, then fail
            failures.append(f"  {case.name}: {type(exc).__name__}: {exc}")
    if failures:
        sys.exit(f"torch failed on these cases of cases_{family}.py:\n" + "\n".join(failures))
    return entries


def _tolerance(key: str, dtype: str) -> tuple:
    """torch against itself, single-threaded: only the last bits may move."""
    return (1e-5, 1e-6) if dtype in ("float32", "float16") else (1e-12, 1e-13)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    ap.add_argument("--family", action="append", choices=families(),
                    help="only this family (repeatable); default: every cases_*.py")
    args, rest = ap.parse_known_args(argv)
    status = 0
    for family in args.family or families():
        n_cases = len(load_cases(family))
        status |= _generate.run(
            f"layers_{family}.npz from tests/layers/cases_{family}.py",
            lambda torch, family=family: compute_family(torch, family),
            fixture_path(family),
            f"{n_cases} {family} cases, {sum(len(variants(c)) for c in load_cases(family))} "
            "variants",
            tolerance=_tolerance,
            argv=rest,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
