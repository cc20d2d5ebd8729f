"""A 1024x1024 float32 matmul forward+backward against the three NumPy matmuls it needs.

Goal (issue #2): within 1.1x of ``a @ b``, ``g @ b.T`` and ``a.T @ g`` in NumPy (no
overhead beyond BLAS).  torch's time is printed alongside when torch is installed.
"""

import numpy as np
from _timing import alternate, report, try_import_torch

import nnx

N = 1024


def main():
    torch = try_import_torch()
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((N, N), dtype=np.float32)
    b_np = rng.standard_normal((N, N), dtype=np.float32)
    g_np = np.ones((N, N), dtype=np.float32)

    def numpy_three():
        a_np @ b_np
        g_np @ b_np.T
        a_np.T @ g_np

    a = nnx.from_numpy(a_np.copy()).requires_grad_()
    b = nnx.from_numpy(b_np.copy()).requires_grad_()
    g = nnx.from_numpy(g_np.copy())

    def nnx_fwd_bwd():
        a.grad = None
        b.grad = None
        (a @ b).backward(g)

    cases = {"numpy 3 matmuls": numpy_three, "nnx fwd+bwd": nnx_fwd_bwd}
    if torch is not None:
        ta = torch.from_numpy(a_np.copy()).requires_grad_()
        tb = torch.from_numpy(b_np.copy()).requires_grad_()
        tg = torch.from_numpy(g_np.copy())

        def torch_fwd_bwd():
            ta.grad = None
            tb.grad = None
            (ta @ tb).backward(tg)

        cases["torch fwd+bwd"] = torch_fwd_bwd
    times = alternate(cases, rounds=3, repeat=5)
    rows = [(name, t * 1e3, "ms") for name, t in times.items()]
    rows.append(
        ("ratio nnx / numpy (goal <= 1.1)", times["nnx fwd+bwd"] / times["numpy 3 matmuls"], "x")
    )
    if torch is not None:
        rows.append(("ratio nnx / torch", times["nnx fwd+bwd"] / times["torch fwd+bwd"], "x"))
    report(f"{N}x{N} float32 matmul forward+backward", rows)


if __name__ == "__main__":
    main()
