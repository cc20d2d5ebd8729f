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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate as _generate  # noqa: E402  (shared case runner, CLI, writer and checker)
import loss_cases as _loss_cases  # noqa: E402

FORMAT = "nnx-loss-golden-1"
DEFAULT_OUT = os.path.join(HERE, "loss_golden.npz")


def compute_all(torch) -> dict:
    # quiet: kl_div 'mean' and the legacy size_average/reduce flags warn
    return _generate.compute_table(torch, _loss_cases.CASES, FORMAT, "loss_cases.py", quiet=True)


def main(argv=None) -> int:
    summary = f"{len(_loss_cases.CASES)} loss cases"
    return _generate.run(
        __doc__.split("\n\n")[0],
        compute_all,
        DEFAULT_OUT,
        summary,
        tolerance=_generate.table_tolerance(_loss_cases.CASES_BY_NAME),
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
