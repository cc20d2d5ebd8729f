"""Per-op overhead of the autograd engine, against torch CPU in the same process.

Goals (issue #2): ``a + b`` on 1-element float32 tensors with requires_grad at most
0.5x torch's time, and a chain of 1000 small ops (add/mul/tanh on 16 elements)
followed by backward() at most 0.7x torch's time per op.
"""

import numpy as np
from _timing import alternate, report, try_import_torch

import nnx

CHAIN = 1000


def add_case(lib):
    a = lib.ones(1, requires_grad=True)
    b = lib.ones(1, requires_grad=True)

    def run():
        for _ in range(1000):
            a + b

    return run


def chain_case(lib):
    x = lib.tensor(np.linspace(-1, 1, 16, dtype=np.float32), requires_grad=True)

    def run():
        y = x
        for _i in range(CHAIN // 3):
            y = (y + 0.5) * 0.9
            y = y.tanh()
        y.sum().backward()

    return run


def main():
    torch = try_import_torch()
    libs = {"nnx": nnx} if torch is None else {"nnx": nnx, "torch": torch}
    add = alternate({name: add_case(lib) for name, lib in libs.items()}, repeat=9)
    chain = alternate({name: chain_case(lib) for name, lib in libs.items()}, repeat=9)
    ops = (CHAIN // 3) * 3 + 1
    rows = [
        (f"{name}: a + b with grad (1 element)", t * 1e6 / 1000, "us/op") for name, t in add.items()
    ]
    rows += [
        (f"{name}: {ops}-op chain fwd+bwd", t * 1e6 / ops, "us/op") for name, t in chain.items()
    ]
    if torch is not None:
        rows.append(("ratio nnx/torch, a + b (goal <= 0.5)", add["nnx"] / add["torch"], "x"))
        rows.append(("ratio nnx/torch, chain (goal <= 0.7)", chain["nnx"] / chain["torch"], "x"))
    report("per-op overhead (1 thread)", rows)


if __name__ == "__main__":
    main()
