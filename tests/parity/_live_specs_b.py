"""Seeded random configurations: normalization, pooling (see ``_live_specs_a``)."""

from __future__ import annotations

from _live_harness import Lit, Spec
from _live_loss_specs import LOSS_SPECS
from _live_specs_a import N, dtype, randn, shape

# -- normalization -----------------------------------------------------------------------------

# float32 normalisation of a group of one element: torch's fused x * rstd - mean * rstd
# leaves ~3e-5 where the exact result is 0
NORM_TOL = (1e-4, 1e-4)


def batchnorm_specs(cls, rng):
    rank = {"1d": 3, "2d": 4, "3d": 5}[cls[-2:]]
    specs = []
    for i in range(N):
        c = rng.randint(1, 4)
        spatial = tuple(rng.randint(1, 3) for _ in range(rank - 2))
        if cls.endswith("1d") and rng.random() < 0.4:
            spatial = ()
        shp = (rng.randint(1, 4), c) + spatial
        if cls.startswith("Instance") and rng.random() < 0.3:
            shp = shp[1:]                                   # unbatched
        kw = {"eps": rng.choice((1e-5, 1e-3)), "momentum": rng.choice((0.1, 0.5, None)),
              "affine": rng.random() < 0.7,
              "track_running_stats": rng.random() < (0.7 if cls.startswith("Batch") else 0.4)}
        if i % 8 == 7:  # invalid: channels or rank
            shp = (shp[0], c + 1) + shp[2:] if rng.random() < 0.5 else shp + (2,) * 2
        specs.append(Spec(cls, args=(c,), kwargs=kw, inputs=(randn(rng, shp, 2.0),),
                          dtype=dtype(rng), train=rng.random() < 0.6, tol=NORM_TOL,
                          steps=rng.choice((1, 1, 2, 3))))
    return specs


def layernorm_specs(cls, rng):
    specs = []
    for i in range(N):
        shp = shape(rng, 1, 4, 1, 4)
        k = rng.randint(1, len(shp))
        normalized = shp[-k:]
        if i % 8 == 7:
            normalized = tuple(d + 1 for d in normalized)
        arg = normalized[0] if len(normalized) == 1 and rng.random() < 0.5 else list(normalized)
        kw = {"elementwise_affine": rng.random() < 0.7}
        if cls == "LayerNorm":
            kw["eps"] = rng.choice((1e-5, 1e-2))
            kw["bias"] = rng.random() < 0.7
        else:
            kw["eps"] = rng.choice((None, 1e-5, 1e-2))
        specs.append(Spec(cls, args=(arg,), kwargs=kw, inputs=(randn(rng, shp, 2.0),),
                          dtype=dtype(rng), tol=NORM_TOL))
    return specs


def groupnorm_specs(cls, rng):
    specs = []
    for i in range(N):
        g = rng.randint(1, 3)
        c = g * rng.randint(1, 3)
        if i % 8 == 7:
            c += 1 if g > 1 else 0
        x_c = c if i % 8 != 6 else c + g
        shp = (rng.randint(1, 3), x_c) + shape(rng, 0, 3, 1, 3)
        kw = {"eps": rng.choice((1e-5, 1e-2)), "affine": rng.random() < 0.7}
        specs.append(Spec(cls, args=(g, c), kwargs=kw, inputs=(randn(rng, shp, 2.0),),
                          dtype=dtype(rng), tol=NORM_TOL))
    return specs


def lrn_specs(cls, rng):
    specs = []
    for i in range(N):
        shp = (rng.randint(1, 3), rng.randint(1, 6)) + shape(rng, 0, 3, 1, 3)
        if i % 8 == 7:
            shp = shp[:1] if rng.random() < 0.5 else shp[:2]
        kw = {"alpha": rng.choice((1e-4, 0.1, 1.0)), "beta": rng.choice((0.75, 0.5, 2.0)),
              "k": rng.choice((1.0, 2.0))}
        specs.append(Spec(cls, args=(rng.randint(1, 5),), kwargs=kw,
                          inputs=(randn(rng, shp, 2.0),), dtype=dtype(rng), tol=NORM_TOL))
    return specs


NORM_SPECS = {name: batchnorm_specs for name in (
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
    "InstanceNorm3d")}
NORM_SPECS.update(LayerNorm=layernorm_specs, RMSNorm=layernorm_specs, GroupNorm=groupnorm_specs,
                  LocalResponseNorm=lrn_specs)

# -- pooling -----------------------------------------------------------------------------------

POOL_CLASSES = [f"{kind}{d}d" for kind in ("MaxPool", "AvgPool", "AdaptiveAvgPool",
                                           "AdaptiveMaxPool", "LPPool", "MaxUnpool")
                for d in (1, 2, 3)]


def _tuple_or_int(rng, values):
    return values[0] if len(set(values)) == 1 and rng.random() < 0.5 else tuple(values)


def pool_specs(cls, rng):
    d = int(cls[-2])
    specs = []
    for i in range(N):
        bad = i % 6 == 5
        batch = (rng.randint(1, 2), rng.randint(1, 3)) if rng.random() < 0.7 \
            else (rng.randint(1, 3),)
        k = [rng.randint(1, 3) for _ in range(d)]
        spatial = [rng.randint(kk, kk + 4) for kk in k]
        x = randn(rng, tuple(batch) + tuple(spatial))
        kw, fkw = {}, {}
        if cls.startswith("Adaptive"):
            out = [rng.choice((1, 2, 3, s, None)) for s in spatial]
            if bad:
                out[0] = rng.choice((-1, 0))
            size = _tuple_or_int(rng, out) if None not in out or d > 1 else out[0] or 2
            if "Max" in cls:
                kw["return_indices"] = rng.random() < 0.5
            if bad and rng.random() < 0.5:
                x = randn(rng, (2,) * (d + 3))
            specs.append(Spec(cls, args=(size,), kwargs=kw, inputs=(x,), dtype=dtype(rng)))
            continue
        stride = [rng.randint(1, 3) for _ in range(d)]
        pad = [rng.randint(0, kk // 2) for kk in k]
        if bad:
            choice = rng.randrange(3)
            if choice == 0:
                pad[0] = k[0]                      # pad > kernel / 2
            elif choice == 1:
                x = randn(rng, (2,) * (d + 3))     # rank
            else:
                k[0] = spatial[0] + 3              # kernel larger than input
        args = (_tuple_or_int(rng, k),)
        if cls.startswith("MaxPool"):
            dil = [rng.randint(1, 2) for _ in range(d)]
            kw = {"stride": _tuple_or_int(rng, stride) if rng.random() < 0.8 else None,
                  "padding": _tuple_or_int(rng, pad), "dilation": _tuple_or_int(rng, dil),
                  "return_indices": rng.random() < 0.4, "ceil_mode": rng.random() < 0.4}
        elif cls.startswith("AvgPool"):
            kw = {"stride": _tuple_or_int(rng, stride) if rng.random() < 0.8 else None,
                  "padding": _tuple_or_int(rng, pad), "ceil_mode": rng.random() < 0.4,
                  "count_include_pad": rng.random() < 0.5}
            if d > 1 and rng.random() < 0.3:
                kw["divisor_override"] = rng.choice((1, 3, 0) if bad else (1, 3))
        elif cls.startswith("LPPool"):
            args = (rng.choice((1.0, 2.0, 3.0, 1.5)),) + args
            kw = {"stride": _tuple_or_int(rng, stride) if rng.random() < 0.8 else None,
                  "ceil_mode": rng.random() < 0.3}
            x = abs(x) + 0.1 if rng.random() < 0.5 else x
        else:  # MaxUnpool: indices from a max pool with the same kernel/stride/padding
            specs.append(_unpool_spec(rng, cls, d, batch, k, stride, pad, spatial, bad))
            continue
        specs.append(Spec(cls, args=args, kwargs=kw, inputs=(x,), fkwargs=fkw,
                          dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return specs


def _unpool_spec(rng, cls, d, batch, k, stride, pad, spatial, bad):
    import torch  # only to draw valid indices; the spec then holds plain arrays

    x = torch.tensor(randn(rng, tuple(batch) + tuple(spatial)))
    pool = getattr(torch.nn.functional, f"max_pool{d}d")
    kernel = [min(kk, s) for kk, s in zip(k, spatial, strict=True)]
    padding = [min(p, kk // 2) for p, kk in zip(pad, kernel, strict=True)]
    values, indices = pool(x, kernel, stride, padding, return_indices=True)
    fkw = {}
    base = [(o - 1) * s - 2 * p + kk for o, s, p, kk in
            zip(values.shape[-d:], stride, padding, kernel, strict=True)]
    if rng.random() < 0.6 or base != list(spatial):  # the pooled input's size: every
        fkw["output_size"] = Lit(list(spatial))          # index in range
    idx = indices.numpy()
    if bad:
        choice = rng.randrange(3)
        if choice == 0:
            idx = idx.copy()                              # one index out of range (torch's
            idx.reshape(-1)[rng.randrange(idx.size)] += 10_000  # threads race on several)
        elif choice == 1:
            fkw["output_size"] = Lit([b + 5 * s for b, s in zip(base, stride, strict=True)])
        else:
            idx = idx[..., :1] if idx.shape[-1] > 1 else idx.repeat(2, axis=-1)
    kw = {"stride": tuple(stride), "padding": tuple(padding)}
    return Spec(cls, args=(tuple(kernel),), kwargs=kw,
                inputs=(values.numpy(), idx), fkwargs=fkw, dtype=dtype(rng))


__all__ = ["LOSS_SPECS", "NORM_SPECS", "POOL_CLASSES", "pool_specs"]
