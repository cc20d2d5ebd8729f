#!/usr/bin/env python
"""Generate (or check) ``act_dist_golden.npz``: torch 2.13.0's results for the functionals
of nnx-layers' activation, distance and bilinear layers.

Usage (needs torch==2.13.0, the reference version):

    python tests/golden/generate_act_dist.py            # (re)write the fixture
    python tests/golden/generate_act_dist.py --check    # compare live torch with it

The cases are in ``cases_act_dist.py``; the layout, the inputs and the gradient
bookkeeping are ``generate.py``'s (this script reuses its ``compute_table``,
``table_tolerance`` and ``run``).  ``tests/layers/test_activation_functional_golden.py``
replays them with nnx.
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
    return G.compute_table(torch, table.CASES, FORMAT, "cases_act_dist.py")


def main(argv=None):
    return G.run(
        __doc__.split("\n\n")[0],
        compute_all,
        DEFAULT_OUT,
        f"{len(table.CASES)} cases",
        tolerance=G.table_tolerance(table.CASES_BY_NAME, table.tolerance),
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
