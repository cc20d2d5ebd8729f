"""Per-call cost of everyday ops on small tensors, nnx against torch in the same process.

Small shapes make the figures measure dispatch (argument handling, dtype logic, graph
recording) rather than arithmetic: what a training loop of a small model pays per op.
"""

import numpy as np
from _timing import alternate, report, try_import_torch

import nnx


def cases(lib):
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((4, 8)).astype(np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((16, 8)).astype(np.float32), requires_grad=True)
    b = lib.tensor(rng.standard_normal(16).astype(np.float32), requires_grad=True)
    target = lib.tensor([1, 2, 3, 4])
    logits = lib.tensor(rng.standard_normal((64, 10)).astype(np.float32), requires_grad=True)
    labels = lib.tensor(rng.integers(0, 10, 64))
    return {
        "x.sum()": lambda: x.sum(),
        "x.sum(1)": lambda: x.sum(1),
        "x.mean()": lambda: x.mean(),
        "x.max(1)": lambda: x.max(1),
        "x.view(32)": lambda: x.view(32),
        "x.reshape(2, 16)": lambda: x.reshape(2, 16),
        "x.unsqueeze(0)": lambda: x.unsqueeze(0),
        "x.t()": lambda: x.t(),
        "x[0]": lambda: x[0],
        "x[:, 1:3]": lambda: x[:, 1:3],
        "cat([x, x])": lambda: lib.cat([x, x]),
        "x @ w.t()": lambda: x @ w.t(),
        "F.linear": lambda: F.linear(x, w, b),
        "F.relu": lambda: F.relu(x),
        "F.softmax(x, 1)": lambda: F.softmax(x, 1),
        "F.cross_entropy (4x8)": lambda: F.cross_entropy(x, target),
        "F.cross_entropy (64x10)": lambda: F.cross_entropy(logits, labels),
        "F.cross_entropy fwd+bwd": lambda: F.cross_entropy(logits, labels).backward(),
    }


def main():
    torch = try_import_torch()
    names = list(cases(nnx))
    libs = {"nnx": nnx} if torch is None else {"nnx": nnx, "torch": torch}
    per_lib = {name: cases(lib) for name, lib in libs.items()}
    rows = []
    for op in names:
        times = alternate({lib: per_lib[lib][op] for lib in libs}, rounds=3, pause=0.05,
                          repeat=5, number=200)
        rows.append((f"{op}: nnx", times["nnx"] * 1e6, "us"))
        if torch is not None:
            rows.append((f"{op}: ratio nnx/torch", times["nnx"] / times["torch"], "x"))
    report("per-call cost of everyday ops (small tensors, 1 thread)", rows)


if __name__ == "__main__":
    main()
