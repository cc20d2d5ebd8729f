"""Seeded random configurations: activation, dropout, distance, linear, sparse, vision.

Each ``<family>_specs(cls, rng)`` returns a list of ``Spec`` for one class: valid ones over
random shapes, options, dtypes and modes, plus invalid ones made on purpose (wrong ranks,
sizes, options) whose error type and message must match torch's."""

from __future__ import annotations

import numpy as np
from _live_harness import Cast, Lit, Spec, Tens

N = 24  # configurations per class (valid ones; invalid ones come on top)


def shape(rng, lo=0, hi=4, dmin=1, dmax=5, empty=0.04):
    """A random shape of ``lo`` to ``hi`` dimensions; each is 0 with probability ``empty``."""
    return tuple(0 if rng.random() < empty else rng.randint(dmin, dmax)
                 for _ in range(rng.randint(lo, hi)))


def randn(rng, shp, scale=1.0):
    return np.asarray(np.random.default_rng(rng.randrange(1 << 30)).standard_normal(shp) * scale)


def uniform(rng, shp, lo, hi):
    return np.asarray(np.random.default_rng(rng.randrange(1 << 30)).uniform(lo, hi, shp))


def randint(rng, shp, lo, hi):
    return np.random.default_rng(rng.randrange(1 << 30)).integers(lo, hi, shp).astype(np.int64)


def dtype(rng):
    return rng.choice(("float32", "float64"))


# -- activation ---------------------------------------------------------------------------

ACTIVATION_OPTIONS = {
    "ReLU": lambda r: {"inplace": r.random() < 0.3},
    "ReLU6": lambda r: {"inplace": r.random() < 0.3},
    "SELU": lambda r: {"inplace": r.random() < 0.3},
    "SiLU": lambda r: {"inplace": r.random() < 0.3},
    "Mish": lambda r: {"inplace": r.random() < 0.3},
    "Hardswish": lambda r: {"inplace": r.random() < 0.3},
    "Hardsigmoid": lambda r: {"inplace": r.random() < 0.3},
    "ELU": lambda r: {"alpha": r.choice((0.5, 1.0, 2.0)), "inplace": r.random() < 0.3},
    "CELU": lambda r: {"alpha": r.choice((0.5, 1.0, 2.0, 0.0)), "inplace": r.random() < 0.3},
    "LeakyReLU": lambda r: {"negative_slope": r.choice((0.01, 0.2, -0.5, 0.0)),
                            "inplace": r.random() < 0.3},
    "Hardtanh": lambda r: {"min_val": r.choice((-1.0, -2.0, 0.0)),
                           "max_val": r.choice((1.0, 0.5, -3.0)), "inplace": r.random() < 0.3},
    "GELU": lambda r: {"approximate": r.choice(("none", "tanh", "none", "bad"))},
    "Softplus": lambda r: {"beta": r.choice((1.0, 2.0, 0.5, -1.0)),
                           "threshold": r.choice((20.0, 1.0, 0.5))},
    "Softshrink": lambda r: {"lambd": r.choice((0.5, 0.0, 1.0, -0.5))},
    "Hardshrink": lambda r: {"lambd": r.choice((0.5, 0.0, 1.0, -0.5))},
    "Threshold": lambda r: {"threshold": r.choice((0.1, -0.5)), "value": r.choice((0.0, 2.0)),
                            "inplace": r.random() < 0.3},
    # lower == upper: the training mode's random slope is fixed, so it is compared too
    "RReLU": lambda r: {"lower": r.choice((0.125, 0.1, 0.3)),
                        "upper": r.choice((1 / 3, 0.5, "lower"))},
    "PReLU": lambda r: {"num_parameters": r.choice((1, 1, 3)), "init": r.choice((0.25, -0.1))},
    "Softmax": lambda r: {"dim": r.choice((0, 1, -1, 3, None))},
    "LogSoftmax": lambda r: {"dim": r.choice((0, 1, -1, 3, None))},
    "Softmin": lambda r: {"dim": r.choice((0, 1, -1, 3, None))},
    "GLU": lambda r: {"dim": r.choice((-1, 0, 1, 2))},
}


def activation_specs(cls, rng):
    specs = []
    for _ in range(N):
        options = ACTIVATION_OPTIONS.get(cls, lambda r: {})(rng)
        if options.get("upper") == "lower":
            options["upper"] = options["lower"]
        if cls == "Softmax2d":
            shp = shape(rng, 2, 5)
        elif cls == "PReLU" and options["num_parameters"] == 3:
            shp = (rng.randint(1, 3), rng.choice((3, 3, 2))) + shape(rng, 0, 2)
        elif cls == "GLU":
            shp = tuple(rng.choice((2, 4, 3)) for _ in range(rng.randint(1, 3)))
        else:
            shp = shape(rng, 0, 4)
        x = randn(rng, shp, 2.0)
        specs.append(Spec(cls, kwargs=options, inputs=(x,), dtype=dtype(rng),
                          train=(cls != "RReLU" or options["lower"] == options["upper"])
                          and rng.random() < 0.5,
                          nonleaf=options.get("inplace", False)))
    for kind in (np.int64, np.bool_):  # integer / bool input: torch's dtype errors (or not)
        options = ACTIVATION_OPTIONS.get(cls, lambda r: {})(rng)
        options.pop("inplace", None)
        if options.get("upper") == "lower":
            options["upper"] = options["lower"]
        shp = (2, 4, 2) if cls in ("GLU", "Softmax2d") else shape(rng, 1, 3)
        x = (randn(rng, shp, 3.0) > 0) if kind is np.bool_ else randint(rng, shp, -3, 4)
        specs.append(Spec(cls, kwargs=options, inputs=(x.astype(kind),), train=False))
    return specs


# -- dropout (eval mode, or p in {0, 1} in train) -------------------------------------------

DROPOUT_RANKS = {"Dropout": (0, 4), "Dropout1d": (1, 4), "Dropout2d": (2, 5), "Dropout3d": (3, 6),
                 "AlphaDropout": (0, 4), "FeatureAlphaDropout": (1, 5)}


def dropout_specs(cls, rng):
    specs = []
    lo, hi = DROPOUT_RANKS[cls]
    for i in range(N):
        train = i % 2 == 0
        p = rng.choice((0.0, 1.0, 0.0)) if train else rng.choice((0.0, 0.3, 0.5, 1.0))
        if i % 8 == 7:
            p = rng.choice((-0.1, 1.5))
        shp = shape(rng, lo, hi)
        inplace = rng.random() < 0.3
        specs.append(Spec(cls, kwargs={"p": p, "inplace": inplace}, inputs=(randn(rng, shp),),
                          dtype=dtype(rng), train=train, nonleaf=inplace))
    return specs


# -- distance ----------------------------------------------------------------------------------

def distance_specs(cls, rng, functional=False):
    specs = []
    for i in range(N):
        base = shape(rng, 1, 4)
        other = base[rng.randint(0, len(base) - 1):] if rng.random() < 0.3 else base
        if i % 8 == 7:  # broadcast failure
            other = base[:-1] + (base[-1] + 1,)
        a, b = randn(rng, base), randn(rng, other)
        if rng.random() < 0.2 and other == base:  # equal rows: zero distances
            b = a.copy()
        if cls == "PairwiseDistance":
            kw = {"p": rng.choice((2.0, 1.0, 3.0, 0.5, 0.0, float("inf"), -1.0)),
                  "eps": rng.choice((1e-6, 0.0, 0.1)), "keepdim": rng.random() < 0.3}
        else:
            kw = {"dim": rng.randint(-len(base) - 1, len(base)),
                  "eps": rng.choice((1e-8, 1e-3))}
        name = {"PairwiseDistance": "pairwise_distance", "CosineSimilarity": "cosine_similarity"}
        if rng.random() < 0.15:                          # mixed dtypes
            b = Cast(b, rng.choice(("float32", "float64")))
        if functional:
            specs.append(Spec(name[cls], kwargs={}, inputs=(a, b), fkwargs=kw,
                              dtype=dtype(rng), functional=True))
        else:
            specs.append(Spec(cls, kwargs=kw, inputs=(a, b), dtype=dtype(rng)))
    return specs


# -- linear ------------------------------------------------------------------------------------

def linear_specs(cls, rng):
    specs = []
    for i in range(N):
        bad = i % 6 == 5
        batch = shape(rng, 0, 3)
        if cls == "Identity":
            specs.append(Spec(cls, args=(rng.randint(1, 4),), kwargs={"x": 1},
                              inputs=(randn(rng, shape(rng)),), dtype=dtype(rng)))
        elif cls == "Linear":
            n_in, n_out = rng.randint(0, 5), rng.randint(0, 5)
            if bad and rng.random() < 0.3:
                n_out = -1
            width = n_in + (1 if bad and n_out >= 0 else 0)
            specs.append(Spec(cls, args=(n_in, n_out), kwargs={"bias": rng.random() < 0.7},
                              inputs=(randn(rng, batch + (width,)),), dtype=dtype(rng)))
        elif cls == "Bilinear":
            n1, n2, n_out = rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 4)
            b1 = batch if not bad else batch + (2,)
            x1 = randn(rng, b1 + (n1,))
            x2 = randn(rng, batch + (n2 + (1 if bad and rng.random() < 0.5 else 0),))
            specs.append(Spec(cls, args=(n1, n2, n_out), kwargs={"bias": rng.random() < 0.7},
                              inputs=(x1, x2), dtype=dtype(rng)))
        elif cls == "Flatten":
            shp = shape(rng, 0, 5)
            r = max(len(shp), 1)
            start, end = rng.randint(-r - 1, r), rng.randint(-r - 1, r)
            specs.append(Spec(cls, kwargs={"start_dim": start, "end_dim": end},
                              inputs=(randn(rng, shp),), dtype=dtype(rng)))
        else:  # Unflatten
            shp = shape(rng, 1, 4, 1, 7)
            dim = rng.randint(-len(shp) - 1, len(shp))
            n = shp[dim] if -len(shp) <= dim < len(shp) else 6
            sizes = [(n,), (1, n), (n, 1), (-1,)]
            sizes += [(d, n // d) for d in (2, 3) if n % d == 0] + [(-1, 1, 1)]
            size = rng.choice(sizes) if not bad else rng.choice(((n + 1,), (-1, -1), (2, 0)))
            if rng.random() < 0.3:
                size = list(size)
            specs.append(Spec(cls, args=(dim, size), inputs=(randn(rng, shp),), dtype=dtype(rng)))
    return specs


# -- sparse ------------------------------------------------------------------------------------

def embedding_specs(rng):
    specs = []
    for i in range(N):
        num, dim = rng.randint(1, 8), rng.randint(1, 5)
        pad = rng.choice((None, None, 0, num - 1, -1))
        kw = {"padding_idx": pad, "max_norm": rng.choice((None, None, 1.0, 0.5)),
              "norm_type": rng.choice((2.0, 1.0, 3.0)),
              "scale_grad_by_freq": rng.random() < 0.3}
        if i % 8 == 7:
            kw["padding_idx"] = rng.choice((num, -num - 1))
        idx = randint(rng, shape(rng, 0, 3), 0, num)
        if i % 8 == 6:
            idx = np.array([num, 0], dtype=np.int64)
        specs.append(Spec("Embedding", args=(num, dim), kwargs=kw, inputs=(idx,),
                          dtype=dtype(rng)))
    return specs


def embedding_bag_specs(rng):
    specs = []
    for i in range(N):
        num, dim = rng.randint(2, 8), rng.randint(1, 4)
        mode = rng.choice(("sum", "mean", "max"))
        kw = {"mode": mode, "max_norm": rng.choice((None, None, 1.0)),
              "scale_grad_by_freq": mode != "max" and rng.random() < 0.3,
              "include_last_offset": rng.random() < 0.3,
              "padding_idx": rng.choice((None, None, 0, -1))}
        fkw = {}
        if rng.random() < 0.5:  # 2-D bags
            idx = randint(rng, (rng.randint(1, 4), rng.randint(1, 4)), 0, num)
            kw["include_last_offset"] = False
        else:
            n = rng.randint(0, 8)
            idx = randint(rng, (n,), 0, num)
            cuts = sorted(rng.randint(0, n) for _ in range(rng.randint(1, 4)))
            cuts[0] = 0
            if kw["include_last_offset"]:
                cuts.append(n)
            fkw["offsets"] = np.array(cuts, dtype=np.int64)
        if mode == "sum" and rng.random() < 0.4:
            fkw["per_sample_weights"] = randn(rng, idx.shape)
        if i % 6 == 5:  # invalid: weights with mean, bad offsets, 1-D without offsets
            choice = rng.randrange(3)
            if choice == 0:
                kw["mode"] = "mean"
                fkw["per_sample_weights"] = randn(rng, idx.shape)
            elif choice == 1:
                idx = randint(rng, (5,), 0, num)
                fkw = {"offsets": np.array([1, 3], dtype=np.int64)}
            else:
                idx, fkw = randint(rng, (4,), 0, num), {}
        specs.append(Spec("EmbeddingBag", args=(num, dim), kwargs=kw, inputs=(idx,),
                          fkwargs=fkw, dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return specs


# -- vision ------------------------------------------------------------------------------------

def shuffle_specs(cls, rng):
    specs = []
    for i in range(N):
        r = rng.randint(1, 3)
        # (not empty: torch 2.13's backward of an empty pixel_unshuffle fails on a broadcast)
        batch = shape(rng, 0, 3, 1, 3, empty=0)
        if cls == "PixelShuffle":
            chw = (rng.randint(1, 3) * r * r, rng.randint(1, 3), rng.randint(1, 3))
        else:
            chw = (rng.randint(1, 3), rng.randint(1, 3) * r, rng.randint(1, 3) * r)
        if i % 6 == 5:
            chw = chw[:-1] + (chw[-1] + 1,) if cls == "PixelUnshuffle" else (chw[0] + 1,) + chw[1:]
            batch = batch if r > 1 else ()
        if i % 8 == 7:
            chw = chw[1:]
            batch = ()
        specs.append(Spec(cls, args=(r,), inputs=(randn(rng, batch + chw),), dtype=dtype(rng)))
    return specs


MODE_RANK = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3),
             "linear": (1,), "bilinear": (2,), "bicubic": (2,), "trilinear": (3,)}


def interpolate_specs(rng, upsample=None):
    specs = []
    modes = list(MODE_RANK)
    for i in range(N * 2 if upsample is None else N):
        mode = rng.choice(modes)
        rank = rng.choice(MODE_RANK[mode])
        if upsample == "UpsamplingNearest2d":
            mode, rank = "nearest", 2
        elif upsample == "UpsamplingBilinear2d":
            mode, rank = "bilinear", 2
        spatial = tuple(rng.randint(1, 5) for _ in range(rank))
        x = randn(rng, (rng.randint(1, 2), rng.randint(1, 3)) + spatial)
        kw = {}
        if rng.random() < 0.5:
            kw["size"] = (rng.randint(1, 7) if rng.random() < 0.3
                          else tuple(rng.randint(1, 7) for _ in range(rank)))
        else:
            kw["scale_factor"] = (rng.choice((0.5, 2.0, 1.5, 3.0, 0.7)) if rng.random() < 0.5
                                  else tuple(rng.choice((0.5, 2.0, 1.5, 1.0)) for _ in range(rank)))
        if upsample is None or upsample == "Upsample":
            kw["mode"] = mode
            if mode in ("linear", "bilinear", "bicubic", "trilinear"):
                kw["align_corners"] = rng.choice((None, True, False))
            if "scale_factor" in kw:
                kw["recompute_scale_factor"] = rng.choice((None, True, False))
            if upsample is None and mode in ("bilinear", "bicubic") and rng.random() < 0.4:
                kw["antialias"] = True
        if i % 7 == 6:  # invalid: both or neither size, wrong rank sizes, bad mode
            choice = rng.randrange(4)
            if choice == 0:
                kw["size"], kw["scale_factor"] = 3, 2.0
            elif choice == 1:
                kw.pop("size", None)
                kw.pop("scale_factor", None)
            elif choice == 2:
                kw.pop("scale_factor", None)
                kw["size"] = tuple([2] * (rank + 1))
            elif upsample in (None, "Upsample"):
                kw["mode"] = "cubic"
        tol = (1e-4, 1e-4) if mode == "bicubic" or kw.get("antialias") else None
        if upsample is None:
            specs.append(Spec("interpolate", inputs=(x,), fkwargs=kw, functional=True,
                              dtype=dtype(rng), tol=tol))
        else:
            specs.append(Spec(upsample, kwargs=kw, inputs=(x,), dtype=dtype(rng), tol=tol))
    return specs


__all__ = ["Lit", "Tens", "activation_specs", "dropout_specs", "distance_specs",
           "linear_specs", "embedding_specs", "embedding_bag_specs", "shuffle_specs",
           "interpolate_specs"]
