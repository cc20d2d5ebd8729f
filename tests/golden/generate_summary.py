#!/usr/bin/env python
"""Generate (or check) ``summary_golden.json``: torchinfo 1.8.0's summaries of the models
in ``summary_models.py``, built with torch.nn.

Usage (needs torch==2.13.0 and torchinfo==1.8.0, the reference versions):

    python tests/golden/generate_summary.py            # (re)write summary_golden.json
    python tests/golden/generate_summary.py --check    # recompute and compare

For each case: torchinfo's totals (``total_params``, ``trainable_params``,
``total_mult_adds``, ``total_input``, ``total_output_bytes``, ``total_param_bytes``), every
row of its ``summary_list`` (class name, var name, depth, depth index, recursive/leaf
flags, input and output sizes, parameter counts, MACs, kernel size) and, where the case
asks, the printed table.  ``tests/tools/test_summary_golden.py`` compares nnx with it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import summary_models  # noqa: E402  (the case table next to this file)
from generate import REFERENCE_TORCH, _import_torch  # noqa: E402

REFERENCE_TORCHINFO = "1.8.0"
FORMAT = "nnx-summary-golden-1"
DEFAULT_OUT = os.path.join(HERE, "summary_golden.json")


def _import_torchinfo():
    try:
        version = importlib.metadata.version("torchinfo")
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"generate_summary.py needs torchinfo=={REFERENCE_TORCHINFO} (not installed in "
                 f"{sys.executable}).\nInstall it with: pip install "
                 f"torchinfo=={REFERENCE_TORCHINFO}")
    if version != REFERENCE_TORCHINFO:
        sys.exit(f"generate_summary.py: refusing to run with torchinfo {version}; the golden "
                 f"fixture is defined by torchinfo=={REFERENCE_TORCHINFO}.")
    import torchinfo

    return torchinfo


def _row(info) -> dict:
    return {
        "class_name": info.class_name,
        "var_name": info.var_name,
        "depth": info.depth,
        "depth_index": info.depth_index,
        "is_recursive": bool(info.is_recursive),
        "is_leaf_layer": bool(info.is_leaf_layer),
        "input_size": list(info.input_size),
        "output_size": list(info.output_size),
        "num_params": int(info.num_params),
        "trainable_params": int(info.trainable_params),
        "mult_adds": int(info.macs),
        "kernel_size": info.kernel_size,
    }


def run_case(torch, torchinfo, case) -> dict:
    model = summary_models.BUILDERS[case.builder](torch.nn)
    options = dict(case.options)
    options.setdefault("verbose", 1)
    kwargs = {}
    if case.input_size is not None:
        kwargs["input_size"] = case.input_size
        kwargs["mode"] = "eval"
    if case.dtypes:
        kwargs["dtypes"] = [getattr(torch, name) for name in case.dtypes]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter("ignore")     # torch's oneDNN note on LSTM projections
        stats = torchinfo.summary(model, device="cpu", **kwargs, **options)
    entry = {
        "totals": {
            "total_params": int(stats.total_params),
            "trainable_params": int(stats.trainable_params),
            "total_mult_adds": int(stats.total_mult_adds),
            "total_input": int(stats.total_input or 0),
            "total_output_bytes": int(stats.total_output_bytes),
            "total_param_bytes": int(stats.total_param_bytes),
        },
        "rows": [_row(info) for info in stats.summary_list],
    }
    if case.text:
        entry["text"] = str(stats)
    return entry


def compute(torch, torchinfo) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    return {
        "format": FORMAT,
        "torch_version": torch.__version__.split("+")[0],
        "torchinfo_version": REFERENCE_TORCHINFO,
        "cases": {case.name: run_case(torch, torchinfo, case) for case in summary_models.CASES},
    }


def _dump(data) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the fixture")
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    torch = _import_torch()
    torchinfo = _import_torchinfo()
    fresh = _dump(compute(torch, torchinfo))
    if args.check:
        if not os.path.exists(args.out):
            print(f"FAIL: {args.out} does not exist; run generate_summary.py to create it")
            return 1
        with open(args.out, encoding="utf-8") as f:
            stored = f.read()
        if stored != fresh:
            old, new = json.loads(stored), json.loads(fresh)
            differ = sorted(name for name in set(old["cases"]) | set(new["cases"])
                            if old["cases"].get(name) != new["cases"].get(name))
            print(f"FAIL: {args.out} does not match torch {REFERENCE_TORCH} / torchinfo "
                  f"{REFERENCE_TORCHINFO}; cases that differ: {differ or '(metadata)'}")
            return 1
        print(f"OK: {args.out} matches torch {REFERENCE_TORCH} / torchinfo "
              f"{REFERENCE_TORCHINFO} ({len(summary_models.CASES)} cases)")
        return 0
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(fresh)
    print(f"wrote {args.out} ({len(summary_models.CASES)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
