"""Shared timing helpers: medians over repeated runs, libraries alternated in one process.

The development machine is a noisy 2-core VM (see README's benchmark notes): figures are
medians, compared as ratios measured in the same run, with a pause between libraries so
that one library's idle BLAS threads do not slow the next.
"""

import statistics
import sys
import time


def median_time(fn, repeat=15, number=1, warmup=2):
    """Median seconds per call of ``fn`` over ``repeat`` samples of ``number`` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return statistics.median(samples)


def alternate(cases, rounds=5, pause=0.3, **kwargs):
    """Time each ``name -> fn`` in turn, ``rounds`` times; the median of the round medians."""
    results = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            time.sleep(pause)
            results[name].append(median_time(fn, **kwargs))
    return {name: statistics.median(v) for name, v in results.items()}


def compare(per_lib, scale, unit, keyword="", **kwargs):
    """``report`` rows for ``per_lib`` (library name -> {case name -> fn}): each case of the
    first library (those whose name contains ``keyword``) timed with ``alternate(**kwargs)``
    across the libraries, in ``unit`` (seconds times ``scale``), and the nnx/torch ratio
    when both ran."""
    rows = []
    for case in next(iter(per_lib.values())):
        if keyword.lower() not in case.lower():
            continue
        times = alternate({lib: fns[case] for lib, fns in per_lib.items()}, **kwargs)
        rows += [(f"{lib}: {case}", t * scale, unit) for lib, t in times.items()]
        if len(times) == 2:
            rows.append((f"ratio nnx/torch: {case}", times["nnx"] / times["torch"], "x"))
    return rows


def try_import_torch():
    try:
        import torch
    except ImportError:
        print("torch is not installed: nnx-only figures (install torch==2.13.0 for ratios)")
        return None
    torch.set_num_threads(1)
    return torch


def report(title, rows):
    """Print ``rows`` of (label, value, unit) under ``title``."""
    print(f"\n## {title}")
    for label, value, unit in rows:
        print(f"  {label:<48} {value:>10.3f} {unit}")
    sys.stdout.flush()
