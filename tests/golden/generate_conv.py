#!/usr/bin/env python
"""Generate (or check) ``conv_golden.npz``: torch 2.13.0's results for the convolution
family's functional ops (table: ``conv_cases.py``), in ``generate.py``'s format.

    python tests/golden/generate_conv.py            # (re)write tests/golden/conv_golden.npz
    python tests/golden/generate_conv.py --check    # compare live torch with the fixture
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import conv_cases  # noqa: E402
from generate import FORMAT, compute_table, run, table_tolerance  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "conv_golden.npz")


def compute_all(torch) -> dict:
    return compute_table(torch, conv_cases.CASES, FORMAT, "conv_cases.py")


def main(argv=None) -> int:
    summary = f"{len(conv_cases.CASES)} convolution / pad / fold cases"
    return run(__doc__.split("\n\n")[0], compute_all, DEFAULT_OUT, summary,
               table_tolerance(conv_cases.CASES_BY_NAME), argv)


if __name__ == "__main__":
    sys.exit(main())
