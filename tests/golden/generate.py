#!/usr/bin/env python
"""Generate (or check) the golden fixture ``ops_golden.npz`` from live torch.

Usage (needs torch==2.13.0, the reference version):

    python tests/golden/generate.py            # (re)write tests/golden/ops_golden.npz
    python tests/golden/generate.py --check    # recompute and compare with the committed file
    python tests/golden/generate.py --out PATH # write elsewhere

The case table lives in ``cases.py`` next to this file.  Fixture layout (one
compressed npz, written with fixed zip timestamps so that regenerating with
the same torch gives the same bytes):

    __meta__/torch_version         0-d str
    __meta__/numpy_version         0-d str
    __meta__/format                0-d str
    __meta__/cases                 1-d str: case names, table order
    <case>/meta                    0-d str: JSON (expr, inputs, output flags, grad bookkeeping)
    <case>/in/<name>               input array (the test builds its inputs from these)
    <case>/out/<i>                 output i (an expression yielding one tensor has out/0 only)
    <case>/out_dtype/<i>           0-d str: torch dtype name without the "torch." prefix
    <case>/gradw/<i>               weight w_i for floating outputs that require grad
    <case>/grad/<name>             d/d<name> of sum_i (out_i * w_i).sum()
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import warnings
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases as _cases  # noqa: E402  (the table next to this file)

REFERENCE_TORCH = "2.13.0"
FORMAT = "nnx-golden-1"
DEFAULT_OUT = os.path.join(HERE, "ops_golden.npz")


def _import_torch():
    try:
        import torch
    except ImportError:
        sys.exit(
            f"generate.py needs torch=={REFERENCE_TORCH} (not installed in {sys.executable}).\n"
            f"Install it with: pip install torch=={REFERENCE_TORCH}"
        )
    base = torch.__version__.split("+")[0]
    if base != REFERENCE_TORCH:
        sys.exit(
            f"generate.py: refusing to run with torch {torch.__version__}; the golden fixture is "
            f"defined by torch=={REFERENCE_TORCH}.\n"
            f"Install it with: pip install torch=={REFERENCE_TORCH}"
        )
    return torch


def _dtype_name(torch_dtype) -> str:
    return str(torch_dtype).split(".")[-1]


def _str(s: str) -> np.ndarray:
    return np.array(s)


def run_case(torch, case) -> dict:
    """Evaluate one case with torch; return the fixture entries (key -> array)."""
    F = torch.nn.functional
    entries = {}
    arrays = {}
    tensors = {}
    for name, spec in case.inputs.items():
        arr = _cases.make_input(case.name, name, spec)
        arrays[name] = arr
        t = torch.from_numpy(arr.copy())
        if spec.grad:
            t.requires_grad_(True)
        tensors[name] = t
        entries[f"{case.name}/in/{name}"] = arr

    namespace = {"lib": torch, "F": F, **tensors}
    result = eval(case.expr, {"__builtins__": __builtins__}, namespace)
    is_tuple = isinstance(result, (tuple, list))
    outs = list(result) if is_tuple else [result]
    if not outs:
        raise TypeError("expression returned an empty sequence")
    for i, o in enumerate(outs):
        if not isinstance(o, torch.Tensor):
            raise TypeError(f"output {i} is {type(o).__name__}, not a tensor")

    # the expression must not mutate its inputs
    for name, t in tensors.items():
        if not np.array_equal(t.detach().numpy(), arrays[name], equal_nan=True):
            raise RuntimeError(f"expression mutated input {name!r}")

    out_rg = []
    for i, o in enumerate(outs):
        entries[f"{case.name}/out/{i}"] = o.detach().numpy().copy()
        entries[f"{case.name}/out_dtype/{i}"] = _str(_dtype_name(o.dtype))
        out_rg.append(bool(o.requires_grad))

    grad_outs = [i for i, o in enumerate(outs) if o.is_floating_point() and o.requires_grad]
    grad_inputs, none_grad_inputs = [], []
    grad_checked = bool(case.grad and grad_outs)
    if grad_checked:
        loss = None
        for i in grad_outs:
            o = outs[i]
            w = _cases.make_grad_weight(case.name, i, tuple(o.shape), _dtype_name(o.dtype))
            entries[f"{case.name}/gradw/{i}"] = w
            term = (o * torch.from_numpy(w.copy())).sum()
            loss = term if loss is None else loss + term
        loss.backward()
        for name, t in tensors.items():
            if not t.requires_grad:
                continue
            if t.grad is None:
                none_grad_inputs.append(name)
            else:
                grad_inputs.append(name)
                entries[f"{case.name}/grad/{name}"] = t.grad.numpy().copy()

    meta = {
        "expr": case.expr,
        "inputs": list(case.inputs),
        "requires_grad": {n: s.grad for n, s in case.inputs.items()},
        "n_out": len(outs),
        "tuple": is_tuple,
        "out_requires_grad": out_rg,
        "grad_checked": grad_checked,
        "grad_outputs": grad_outs,
        "grad_inputs": grad_inputs,
        "none_grad_inputs": none_grad_inputs,
    }
    entries[f"{case.name}/meta"] = _str(json.dumps(meta, sort_keys=True))
    return entries


def meta_entries(torch, fixture_format: str, case_names) -> dict:
    """The ``__meta__`` entries every golden fixture has: versions, format, case names."""
    return {
        "__meta__/torch_version": _str(torch.__version__),
        "__meta__/numpy_version": _str(np.__version__),
        "__meta__/format": _str(fixture_format),
        "__meta__/cases": np.array(list(case_names)),
    }


def compute_table(torch, cases, fixture_format: str, table_file: str, quiet=False) -> dict:
    """The fixture entries of a whole case table: ``meta_entries`` and every case's
    ``run_case``, with torch seeded and on one thread.  Every failing case is reported
    (naming ``table_file``) before the script exits; ``quiet`` silences the warnings
    the expressions raise."""
    torch.manual_seed(0)
    torch.set_num_threads(1)  # reproducible reduction order
    entries = meta_entries(torch, fixture_format, [c.name for c in cases])
    failures = []
    for case in cases:
        try:
            with warnings.catch_warnings():
                if quiet:
                    warnings.simplefilter("ignore")
                entries.update(run_case(torch, case))
        except Exception as exc:  # report every broken case, then fail
            failures.append(f"  {case.name}: {case.expr!r}: {type(exc).__name__}: {exc}")
    if failures:
        sys.exit(f"torch failed on these golden cases (fix {table_file}):\n" + "\n".join(failures))
    return entries


def compute_all(torch) -> dict:
    return compute_table(torch, _cases.CASES, FORMAT, "cases.py")


def table_tolerance(cases_by_name, case_tolerance=None):
    """``check``'s tolerance for a fixture of the cases ``cases_by_name``: a key's case (by
    the name before its first "/") passed to ``case_tolerance`` (default: cases.py's)."""
    case_tolerance = case_tolerance or _cases.tolerance

    def tolerance(key: str, dtype: str) -> tuple:
        return case_tolerance(cases_by_name.get(_case_of(key)), dtype)

    return tolerance


def write_npz(path: str, entries: dict) -> None:
    """np.savez_compressed, but with fixed timestamps and sorted members (reproducible bytes)."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(entries):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(entries[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)
    os.replace(tmp, path)


def _case_of(key: str) -> str:
    return key.split("/", 1)[0]


# (rtol, atol) for a floating output key of ops_golden.npz: its case's tolerance
_case_tolerance = table_tolerance(_cases.CASES_BY_NAME)


def check(path: str, fresh: dict, tolerance=_case_tolerance, summary: str | None = None) -> int:
    """Compare ``fresh`` entries with the fixture at ``path``; 0 if they match.

    ``tolerance(key, dtype_name)`` gives (rtol, atol) for a floating non-input array;
    ``summary`` ends the OK line (default: the number of cases in cases.py). The other
    golden generators reuse this (through ``run``) with their own tolerance and summary.
    """
    if not os.path.exists(path):
        print(f"FAIL: {path} does not exist; run generate.py to create it")
        return 1
    with np.load(path, allow_pickle=False) as f:
        stored = {k: f[k] for k in f.files}
    problems = []
    ignore = {"__meta__/numpy_version", "__meta__/torch_version"}
    if str(stored.get("__meta__/torch_version")).split("+")[0] != REFERENCE_TORCH:
        problems.append(f"fixture was made with torch {stored.get('__meta__/torch_version')}")
    missing = sorted(set(fresh) - set(stored) - ignore)
    extra = sorted(set(stored) - set(fresh) - ignore)
    if missing:
        problems.append(
            f"keys missing from the fixture (regenerate): {missing[:20]}"
            f"{' ...' if len(missing) > 20 else ''}"
        )
    if extra:
        problems.append(
            f"stale keys in the fixture (regenerate): {extra[:20]}"
            f"{' ...' if len(extra) > 20 else ''}"
        )
    for key in sorted(set(fresh) & set(stored) - ignore):
        a, b = fresh[key], stored[key]
        if a.dtype.kind == "U" or b.dtype.kind == "U":
            if a.dtype.kind != b.dtype.kind or a.shape != b.shape or not np.array_equal(a, b):
                problems.append(f"{key}: fixture has {str(b)!r}, torch gives {str(a)!r}")
            continue
        if a.dtype != b.dtype or a.shape != b.shape:
            problems.append(
                f"{key}: dtype/shape {b.dtype}{b.shape} in fixture, torch gives {a.dtype}{a.shape}"
            )
            continue
        if a.dtype.kind == "f" and "/in/" not in key:
            rtol, atol = tolerance(key, str(a.dtype))
            if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                err = np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))
                problems.append(f"{key}: values differ (max abs err {err:.3g})")
        elif not np.array_equal(a, b):
            problems.append(f"{key}: values differ")
    if problems:
        print(f"FAIL: {path} does not match torch {REFERENCE_TORCH}:")
        for p in problems:
            print("  " + p)
        return 1
    if summary is None:
        summary = f"{len(_cases.CASES)} cases"
    print(f"OK: {path} matches torch {REFERENCE_TORCH} ({summary})")
    return 0


def run(description, compute_entries, default_out, summary, tolerance=None, argv=None) -> int:
    """The command line every golden generator shares: ``--check`` compares live torch
    with the fixture, otherwise the fixture is (re)written (``--out`` elsewhere).

    ``compute_entries(torch)`` gives the fixture's arrays; ``summary`` says what they hold
    (both report lines end with it); ``tolerance`` is ``check``'s (default: per case).
    """
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument(
        "--check", action="store_true", help="compare live torch with the committed fixture"
    )
    ap.add_argument("--out", default=default_out, help="fixture path (default: %(default)s)")
    args = ap.parse_args(argv)

    torch = _import_torch()
    t0 = time.perf_counter()
    entries = compute_entries(torch)
    if args.check:
        return check(args.out, entries, tolerance or _case_tolerance, summary)
    write_npz(args.out, entries)
    print(
        f"wrote {args.out}: {summary}, {len(entries)} arrays, "
        f"{os.path.getsize(args.out) / 1024:.1f} KiB, {time.perf_counter() - t0:.2f} s "
        f"(torch {torch.__version__})"
    )
    return 0


def main(argv=None) -> int:
    summary = f"{len(_cases.CASES)} cases"
    return run(__doc__.split("\n\n")[0], compute_all, DEFAULT_OUT, summary, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
