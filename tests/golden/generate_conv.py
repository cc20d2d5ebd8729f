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

import cases as _cases  # noqa: E402
import conv_cases  # noqa: E402
from generate import FORMAT, meta_entries, run, run_case  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "conv_golden.npz")


def compute_all(torch) -> dict:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    entries = meta_entries(torch, FORMAT, [c.name for c in conv_cases.CASES])
    for case in conv_cases.CASES:
        entries.update(run_case(torch, case))
    return entries


def _tolerance(key, dtype):
    return _cases.tolerance(conv_cases.CASES_BY_NAME[key.split("/", 1)[0]], dtype)


def main(argv=None) -> int:
    summary = f"{len(conv_cases.CASES)} convolution / pad / fold cases"
    return run(__doc__.split("\n\n")[0], compute_all, DEFAULT_OUT, summary, _tolerance, argv)


if __name__ == "__main__":
    sys.exit(main())
