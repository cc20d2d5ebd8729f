"""Convolution layers against torch.nn in the same process: forward and forward+backward.

Cases: ``Conv2d(64, 64, 3, padding=1)`` on a (32, 64, 32, 32) float32 batch (forward, and
forward + backward), and ``Conv1d(64, 64, 5)`` on (16, 64, 256) (forward + backward).
Goal (issue #4): Conv2d forward + backward within 1.5x of torch's CPU time.  nnx computes
with im2col (typed Cython) + NumPy matmul (BLAS).  Both libraries run on one thread: torch
through ``_timing``, NumPy's OpenBLAS through ``OPENBLAS_NUM_THREADS=1`` set here before
NumPy loads (set it yourself to compare other counts).  On the shared 2-core VM a
2-thread OpenBLAS competing with other processes ran this case 10-20x slower than one
thread (1.6 s against 0.1 s forward + backward), so one thread is also the steadier figure.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from _timing import compare, report, try_import_torch  # noqa: E402

import nnx  # noqa: E402

CONV2D = dict(channels=64, kernel=3, batch=(32, 64, 32, 32))
CONV1D = dict(channels=64, kernel=5, batch=(16, 64, 256))


def cases(lib):
    lib.manual_seed(0)
    conv2d = lib.nn.Conv2d(CONV2D["channels"], CONV2D["channels"], CONV2D["kernel"], padding=1)
    x2 = lib.randn(*CONV2D["batch"], requires_grad=True)
    conv1d = lib.nn.Conv1d(CONV1D["channels"], CONV1D["channels"], CONV1D["kernel"])
    x1 = lib.randn(*CONV1D["batch"], requires_grad=True)

    def forward_backward(module, x):
        def run():
            module.zero_grad()
            x.grad = None
            module(x).sum().backward()
        return run

    def forward(module, x):
        def run():
            with lib.no_grad():
                module(x)
        return run

    return {
        "Conv2d k3 32x64x32x32 fwd": forward(conv2d, x2),
        "Conv2d k3 32x64x32x32 fwd+bwd": forward_backward(conv2d, x2),
        "Conv1d k5 16x64x256 fwd+bwd": forward_backward(conv1d, x1),
    }


def main():
    torch = try_import_torch()
    per_lib = {"nnx": cases(nnx)}
    if torch is not None:
        per_lib["torch"] = cases(torch)
    rows = compare(per_lib, 1e3, "ms", rounds=3, repeat=5, warmup=1, pause=0.2)
    report("Conv2d(64, 64, 3, padding=1) and Conv1d(64, 64, 5), float32", rows)


if __name__ == "__main__":
    main()
