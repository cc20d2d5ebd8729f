#!/usr/bin/env python
"""Generate (or check) ``loss_golden.npz``: the functional loss cases of ``loss_cases.py``
recorded from live torch 2.13.0.

Usage (needs torch==2.13.0, the reference version):

    python tests/golden/generate_loss.py            # (re)write tests/golden/loss_golden.npz
    python tests/golden/generate_loss.py --check    # recompute and compare with the file

The layout per case is ``generate.py``'s (inputs, outputs, output dtypes, gradient
weights and gradients); ``tests/layers/test_loss_functional_golden.py`` replays it.
"""

from __future__ import annotations

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (shared case runner, CLI, writer and checker)
import loss_cases as _loss_cases  # noqa: E402

FORMAT = "nnx-loss-golden-1"
DEFAULT_OUT = os.path.join(HERE, "loss_golden.npz")


def compute_all(torch) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)  # reproducible reduction order
    entries = _generate.meta_entries(torch, FORMAT, [c.name for c in _loss_cases.CASES])
    failures = []
    for case in _loss_cases.CASES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")     # kl_div 'mean', legacy flags
                entries.update(_generate.run_case(torch, case))
        except Exception as exc:  # report every broken case, then fail
            failures.append(f"  {case.name}: {case.expr!r}: {type(exc).__name__}: {exc}")
    if failures:
        sys.exit("torch failed on these loss cases (fix loss_cases.py):\n" + "\n".join(failures))
    return entries


def _tolerance(key: str, dtype: str) -> tuple:
    case = _loss_cases.CASES_BY_NAME.get(key.split("/", 1)[0])
    return _generate._cases.tolerance(case, dtype)


def main(argv=None) -> int:
    summary = f"{len(_loss_cases.CASES)} loss cases"
    return _generate.run(__doc__.split("\n\n")[0], compute_all, DEFAULT_OUT, summary,
                         tolerance=_tolerance, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
