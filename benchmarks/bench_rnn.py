"""LSTM, GRU and RNN(tanh) forward and forward+backward against torch CPU (issue 5's table).

Configs (input I, hidden H, batch B, steps T): tiny 32/64/1/100, small 64/128/8/100,
medium 256/256/32/50, large 512/1024/64/50, medium-2L-bi (2 layers, bidirectional).
float32; forward under no_grad, forward+backward with loss = output.sum(); median of the
round medians, nnx and torch alternated in one process.  Each BLAS thread count runs in its
own subprocess with OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS set (and
torch.set_num_threads), since a BLAS pool's size is fixed when it loads.

Goals (nnx / torch): LSTM <= 0.5 tiny, <= 0.8 small, <= 1.0 medium, large, 2L-bi;
GRU and RNN <= 0.5 everywhere.  GF/s count the GEMM FLOPs 2*B*(I+H)*G*H per step and
direction (x3 for forward+backward), %peak is against a square sgemm in the same process.

    python benchmarks/bench_rnn.py                       # 1 and 2 threads, everything
    python benchmarks/bench_rnn.py --threads 1 --models LSTM --configs tiny small
    python benchmarks/bench_rnn.py --libs nnx            # one library (e.g. another venv)
    python benchmarks/bench_rnn.py --memory              # only the peak memory table
    python benchmarks/bench_rnn.py --no-memory           # only the timings

After the timings, each library's peak RSS growth over one forward+backward is measured in a
fresh process per library, model and config (medium and large, first thread count).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

CONFIGS = {  # name: (I, H, B, T, num_layers, bidirectional)
    "tiny": (32, 64, 1, 100, 1, False),
    "small": (64, 128, 8, 100, 1, False),
    "medium": (256, 256, 32, 50, 1, False),
    "large": (512, 1024, 64, 50, 1, False),
    "medium-2L-bi": (256, 256, 32, 50, 2, True),
}
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
HERE = os.path.dirname(os.path.abspath(__file__))


def gemm_flops(model, cfg):
    n_in, H, B, T, L, bi = CONFIGS[cfg]
    D = 2 if bi else 1
    total = 0
    for layer in range(L):
        n_in_layer = n_in if layer == 0 else D * H
        total += D * T * 2 * B * (n_in_layer + H) * GATES[model] * H
    return total


def sgemm_peak():
    """Best GF/s of a 1024 float32 square GEMM through scipy's BLAS (nnx's BLAS), or
    NumPy's where scipy is missing (the torch-only venv).  Fortran-ordered operands and
    output: with C-ordered ones scipy's wrapper copies and transposes 12 MiB around each
    call, which read 64 GF/s for a 99 GF/s GEMM (1 thread)."""
    a = np.asfortranarray(np.random.default_rng(0).standard_normal((1024, 1024),
                                                                   dtype=np.float32))
    out = np.zeros_like(a)
    try:
        from scipy.linalg.blas import sgemm

        def product():
            sgemm(1.0, a, a, c=out, overwrite_c=True)
    except ImportError:
        def product():
            np.matmul(a, a, out=out)
    product()                              # warm-up: thread pool, page faults
    best = min(_times(product, 9))
    return 2 * 1024 ** 3 / best / 1e9


def _times(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _median_time(fn, min_repeat=5, budget=1.0):
    fn()                                   # warm-up
    first = _times(fn, 1)[0]
    repeat = max(min_repeat, min(50, int(budget / max(first, 1e-6))))
    return statistics.median(_times(fn, repeat))


def _make(lib, model, cfg, weights):
    n_in, H, B, T, L, bi = CONFIGS[cfg]
    mod = __import__(lib)
    module = getattr(mod.nn, model)(n_in, H, L, bidirectional=bi)
    module.load_state_dict({k: mod.tensor(v) for k, v in weights.items()})
    x = mod.tensor(np.random.default_rng(1).standard_normal((T, B, n_in), dtype=np.float32))
    xg = mod.tensor(x.numpy().copy(), requires_grad=True)

    def forward():
        with mod.no_grad():
            module(x)

    def forward_backward():
        module.zero_grad()
        xg.grad = None
        module(xg)[0].sum().backward()

    return forward, forward_backward


def _weights(model, cfg):
    import nnx
    n_in, H, B, T, L, bi = CONFIGS[cfg]
    nnx.manual_seed(0)
    module = getattr(nnx.nn, model)(n_in, H, L, bidirectional=bi)
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def worker(args):
    libs = [lib for lib in args.libs if _importable(lib)]
    if "torch" in libs:
        import torch
        torch.set_num_threads(args.threads[0])
    peak = sgemm_peak()
    where = {lib: os.path.dirname(sys.modules[lib].__file__) for lib in libs}
    print(f"\n## {args.threads[0]} thread(s): sgemm peak {peak:.0f} GF/s; libs "
          + ", ".join(f"{lib} ({where[lib]})" for lib in libs))
    head = f"{'model':<5} {'config':<13} {'mode':<8}"
    for lib in libs:
        head += f" {lib + ' ms':>11} {'GF/s':>6} {'%pk':>4}"
    print(head + ("  nnx/torch" if len(libs) == 2 else ""), flush=True)
    for model in args.models:
        for cfg in args.configs:
            weights = _weights(model, cfg) if "nnx" in libs else _torch_weights(model, cfg)
            fns = {lib: _make(lib, model, cfg, weights) for lib in libs}
            for mode_index, mode in enumerate(("fwd", "fwd+bwd")):
                flops = gemm_flops(model, cfg) * (1 if mode == "fwd" else 3)
                rounds = {lib: [] for lib in libs}
                for _ in range(args.rounds):
                    for lib in libs:
                        time.sleep(0.3)   # idle BLAS/OpenMP workers of the other library
                        rounds[lib].append(_median_time(fns[lib][mode_index]))
                line = f"{model:<5} {cfg:<13} {mode:<8}"
                t = {lib: statistics.median(v) for lib, v in rounds.items()}
                for lib in libs:
                    gf = flops / t[lib] / 1e9
                    line += f" {t[lib] * 1e3:>11.3f} {gf:>6.1f} {100 * gf / peak:>3.0f}%"
                if len(libs) == 2:
                    line += f"  {t['nnx'] / t['torch']:>8.2f}x"
                print(line, flush=True)


def _torch_weights(model, cfg):
    import torch
    n_in, H, B, T, L, bi = CONFIGS[cfg]
    torch.manual_seed(0)
    module = getattr(torch.nn, model)(n_in, H, L, bidirectional=bi)
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def memory_worker(args):
    """Peak RSS growth of one forward+backward (one library, model and config per process)."""
    lib, model, cfg = args.libs[0], args.models[0], args.configs[0]
    if lib == "torch":
        import torch
        torch.set_num_threads(args.threads[0])
        weights = _torch_weights(model, cfg)
    else:
        weights = _weights(model, cfg)
    _, forward_backward = _make(lib, model, cfg, weights)
    with open("/proc/self/statm") as f:
        base = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    try:    # reset the high-water mark, so that import and setup peaks do not count
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    forward_backward()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):     # the reset high-water mark, in kB
                peak = int(line.split()[1]) * 1024
    print(f"{lib:<6} {model:<5} {cfg:<13} peak growth {(peak - base) / 2**20:8.1f} MiB")


def _importable(lib):
    try:
        __import__(lib)
    except ImportError:
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--models", nargs="+", default=list(GATES), choices=list(GATES))
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--libs", nargs="+", default=["nnx", "torch"], choices=["nnx", "torch"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="only the peak memory table")
    ap.add_argument("--no-memory", action="store_true", help="only the timings")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--site-dirs", nargs="*", default=[], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        import site
        for path in args.site_dirs:
            if path not in sys.path:
                site.addsitedir(path)
        (memory_worker if args.memory else worker)(args)
        return
    if not args.memory:
        for threads in args.threads:
            _spawn(args, threads, args.libs, args.models, args.configs, memory=False)
    if args.memory or not args.no_memory:
        print(f"\n## peak memory of one forward+backward ({args.threads[0]} thread(s))",
              flush=True)
        for model in args.models:
            for cfg in ("medium", "large"):
                if cfg not in args.configs:
                    continue
                for lib in args.libs:
                    if _importable(lib):
                        _spawn(args, args.threads[0], [lib], [model], [cfg], memory=True)


def _spawn(args, threads, libs, models, configs, memory):
    """One worker process with every BLAS / OpenMP pool sized to ``threads``."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", str(threads),
           "--rounds", str(args.rounds), "--libs", *libs, "--models", *models,
           "--configs", *configs]
    if memory:
        cmd.append("--memory")
    # the site dirs this process added (e.g. the dev venv's, for its editable nnx, next to
    # the torch venv's): a plain child of the same interpreter would not see them
    cmd += ["--site-dirs", *[p for p in sys.path if p.endswith("site-packages")]]
    subprocess.run(cmd, env=env, check=True)


if __name__ == "__main__":
    main()
