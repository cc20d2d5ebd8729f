"""Pooling layers against torch.nn in the same process: forward + backward.

Cases: ``MaxPool2d(2)`` and ``AvgPool2d(3, stride=2, padding=1)`` on a (32, 64, 32, 32)
float32 batch, forward + backward (the gradient of ``out.sum()``).  nnx runs typed
Cython loops without the GIL (nnx/_kernels/pooling.pyx); torch runs on 1 thread
(``_timing``).

``--only nnx`` / ``--only torch`` times one library: the way to compare when the two are
installed in different environments (run the same script in each; the figures are
medians of the same protocol).
"""

import argparse
import importlib

from _timing import compare, report, try_import_torch

BATCH = (32, 64, 32, 32)


def cases(lib):
    lib.manual_seed(0)
    x = lib.randn(*BATCH, requires_grad=True)
    max_pool = lib.nn.MaxPool2d(2)
    avg_pool = lib.nn.AvgPool2d(3, stride=2, padding=1)

    def forward_backward(module):
        def run():
            x.grad = None
            module(x).sum().backward()
        return run

    def forward(module):
        def run():
            with lib.no_grad():
                module(x)
        return run

    return {
        "MaxPool2d(2) fwd": forward(max_pool),
        "MaxPool2d(2) fwd+bwd": forward_backward(max_pool),
        "AvgPool2d(3, 2, 1) fwd": forward(avg_pool),
        "AvgPool2d(3, 2, 1) fwd+bwd": forward_backward(avg_pool),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("nnx", "torch"), help="time one library only")
    only = parser.parse_args(argv).only
    per_lib = {}
    if only != "torch":
        per_lib["nnx"] = cases(importlib.import_module("nnx"))
    if only != "nnx":
        torch = try_import_torch()
        if torch is not None:
            per_lib["torch"] = cases(torch)
    rows = compare(per_lib, 1e3, "ms", rounds=3, repeat=5, warmup=1, pause=0.2)
    report(f"MaxPool2d(2) and AvgPool2d(3, stride=2, padding=1) on {BATCH} float32", rows)


if __name__ == "__main__":
    main()
