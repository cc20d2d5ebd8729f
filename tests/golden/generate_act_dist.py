#!/usr/bin/env python
"""Generate (or check) ``act_dist_golden.npz``: torch 2.13.0's results for the functionals
of nnx-layers' activation, distance and bilinear layers.

Usage (needs torch==2.13.0, the reference version):

    python tests/golden/generate_act_dist.py            # (re)write the fixture
    python tests/golden/generate_act_dist.py --check    # compare live torch with it

The cases are in ``cases_act_dist.py``; the layout, the inputs and the gradient
bookkeeping are ``generate.py``'s (this script reuses its ``run_case``, ``write_npz``,
``check`` and ``run``).  ``tests/layers/test_activation_functional_golden.py`` replays them
with nnx.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases_act_dist as table  # noqa: E402
import generate as G  # noqa: E402

FORMAT = "nnx-golden-1"
DEFAULT_OUT = os.path.join(HERE, "act_dist_golden.npz")


def compute_all(torch):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    entries = G.meta_entries(torch, FORMAT, [c.name for c in table.CASES])
    failures = []
    for case in table.CASES:
        try:
            entries.update(G.run_case(torch, case))
        except Exception as exc:  # report every broken case, then fail
            failures.append(f"  {case.name}: {case.expr!r}: {type(exc).__name__}: {exc}")
    if failures:
        sys.exit("torch failed on these cases (fix cases_act_dist.py):\n" + "\n".join(failures))
    return entries


def _tolerance(key, dtype):
    return table.tolerance(table.CASES_BY_NAME.get(key.split("/", 1)[0]), dtype)


def main(argv=None):
    return G.run(__doc__.split("\n\n")[0], compute_all, DEFAULT_OUT,
                 f"{len(table.CASES)} cases", tolerance=_tolerance, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
