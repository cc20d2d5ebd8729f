"""Seeded random configurations of the 20 losses (see ``_live_specs_a``): every reduction,
class weights, ignore_index, label smoothing, probability targets, K-dimensional inputs,
and invalid reductions, shapes and targets."""

from __future__ import annotations

import numpy as np
from _live_harness import Cast, Spec, Tens
from _live_specs_a import N, dtype, randint, randn, shape, uniform

REDUCTIONS = ("mean", "sum", "none", "mean", "elementwise_mean_bad")


def _reduction(rng, i):
    return REDUCTIONS[4] if i % 9 == 8 else rng.choice(REDUCTIONS[:4])


def _pointwise(make):
    """Losses on (input, target) of one shape (sometimes broadcasting or mismatched)."""
    def specs(cls, rng):
        out = []
        for i in range(N):
            shp = shape(rng, 0, 4)
            kw = {"reduction": _reduction(rng, i)}
            x, t, extra = make(rng, shp, kw)
            if i % 7 == 6 and shp:                      # mismatched target shape
                wrap = Tens if isinstance(t, Tens) else (lambda a: a)
                a = t.array if isinstance(t, Tens) else t
                t = wrap(a[..., :1] if shp[-1] > 1 else np.concatenate([a, a], axis=-1))
            if isinstance(t, np.ndarray) and rng.random() < 0.2:   # mixed dtypes
                t = Cast(t, rng.choice(("float32", "float64")))
            out.append(Spec(cls, kwargs=kw, inputs=(x, t) + extra, dtype=dtype(rng),
                            tol=(1e-4, 1e-5)))
        return out
    return specs


def _plain(rng, shp, kw):
    return randn(rng, shp), randn(rng, shp), ()


def _smooth(key, values):
    def make(rng, shp, kw):
        kw[key] = rng.choice(values)
        return randn(rng, shp), randn(rng, shp), ()
    return make


def _bce(rng, shp, kw):
    if rng.random() < 0.3:
        kw["weight"] = Tens(uniform(rng, shp[-1:] if shp else (), 0.5, 2))
    return uniform(rng, shp, 0.02, 0.98), Tens(uniform(rng, shp, 0, 1)), ()


def _bce_logits(rng, shp, kw):
    if rng.random() < 0.3:
        kw["weight"] = Tens(uniform(rng, shp[-1:] if shp else (), 0.5, 2))
    if rng.random() < 0.4:
        kw["pos_weight"] = Tens(uniform(rng, shp[-1:] if shp else (), 0.5, 3))
    return randn(rng, shp, 2.0), Tens(uniform(rng, shp, 0, 1)), ()


def _kldiv(rng, shp, kw):
    kw["log_target"] = rng.random() < 0.5
    if kw["reduction"] == "mean" and rng.random() < 0.5:
        kw["reduction"] = "batchmean"
    t = randn(rng, shp) if kw["log_target"] else uniform(rng, shp, 0, 1)
    return randn(rng, shp), t, ()


def _poisson(rng, shp, kw):
    kw["log_input"] = rng.random() < 0.5
    kw["full"] = rng.random() < 0.5
    x = randn(rng, shp) if kw["log_input"] else uniform(rng, shp, 0.1, 3)
    return x, Tens(randint(rng, shp, 0, 5).astype(np.float64)), ()


def _gaussian(rng, shp, kw):
    kw["full"] = rng.random() < 0.5
    kw["eps"] = rng.choice((1e-6, 0.1))
    var_shape = shp if rng.random() < 0.6 or not shp else shp[:-1] + (1,)
    var = uniform(rng, var_shape, 0.1, 2)
    if rng.random() < 0.1:
        var = var - 3.0                                  # negative variance: error
    return randn(rng, shp), randn(rng, shp), (var,)


def _soft_margin(rng, shp, kw):
    return randn(rng, shp), Tens(np.where(randn(rng, shp) > 0, 1.0, -1.0)), ()


def _multilabel_soft(rng, shp, kw):
    if rng.random() < 0.3 and shp:
        kw["weight"] = Tens(uniform(rng, shp[-1:], 0.5, 2))
    return randn(rng, shp), Tens(randint(rng, shp, 0, 2).astype(np.float64)), ()


def _class_specs(cls, rng):
    """NLLLoss / CrossEntropyLoss: (N, C, d...) or (C,) input, class or probability
    targets, weights, ignore_index, label smoothing."""
    out = []
    for i in range(N):
        c = rng.randint(1, 4)
        batch = () if rng.random() < 0.2 else (rng.randint(0, 4),)
        spatial = shape(rng, 0, 2, 1, 3) if batch else ()
        x = randn(rng, batch + (c,) + spatial, 2.0)
        if cls == "NLLLoss":
            x = x - np.log(np.exp(x).sum(axis=len(batch), keepdims=True))
        kw = {"reduction": _reduction(rng, i)}
        if rng.random() < 0.4:
            kw["weight"] = Tens(uniform(rng, (c,), 0.5, 2))
        t = randint(rng, batch + spatial, 0, c)
        if rng.random() < 0.3:
            kw["ignore_index"] = rng.choice((0, -100, c - 1, 7))
        if cls == "CrossEntropyLoss":
            if rng.random() < 0.4:
                kw["label_smoothing"] = rng.choice((0.1, 0.5, 0.0, 1.0))
            if rng.random() < 0.3:
                p = uniform(rng, batch + spatial + (c,), 0.1, 1)
                p = p / p.sum(axis=-1, keepdims=True)
                t = np.moveaxis(p, -1, len(batch)).copy()
        if i % 7 == 6:  # invalid: class out of range, wrong target shape, bad smoothing
            choice = rng.randrange(3)
            if choice == 0:
                t = np.full(batch + spatial, c, dtype=np.int64)
            elif choice == 1:
                t = randint(rng, batch + (2,) * (len(spatial) + 1), 0, c)
            else:
                kw["label_smoothing" if cls == "CrossEntropyLoss" else "weight"] = \
                    1.5 if cls == "CrossEntropyLoss" else Tens(uniform(rng, (c + 1,), 0.5, 2))
        out.append(Spec(cls, kwargs=kw, inputs=(x, Tens(t) if t.dtype.kind == "f" else t),
                        dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return out


def _pair_specs(cls, rng):
    """CosineEmbeddingLoss / MarginRankingLoss / HingeEmbeddingLoss / SoftMarginLoss-like
    losses with a +-1 target."""
    out = []
    for i in range(N):
        kw = {"reduction": _reduction(rng, i), "margin": rng.choice((0.0, 0.5, 1.0, -0.2))}
        if cls == "CosineEmbeddingLoss":
            batch = () if rng.random() < 0.2 else (rng.randint(1, 4),)
            d = rng.randint(1, 4)
            x1, x2 = randn(rng, batch + (d,)), randn(rng, batch + (d,))
            y = np.where(randn(rng, batch) > 0, 1, -1).astype(np.int64)
            if i % 7 == 6:
                x2 = randn(rng, batch + (d + 1,))
            inputs = (x1, x2, y)
        elif cls == "MarginRankingLoss":
            shp = shape(rng, 0, 3)
            y = np.where(randn(rng, shp) > 0, 1.0, -1.0)
            x2 = randn(rng, shp) if i % 7 != 6 else randn(rng, shp + (2,))
            inputs = (randn(rng, shp), x2, Tens(y))
        else:  # HingeEmbeddingLoss
            shp = shape(rng, 0, 3)
            inputs = (randn(rng, shp, 2.0), Tens(np.where(randn(rng, shp) > 0, 1.0, -1.0)))
        out.append(Spec(cls, kwargs=kw, inputs=inputs, dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return out


def _multi_margin(cls, rng):
    out = []
    for i in range(N):
        c = rng.randint(1, 4)
        batch = () if rng.random() < 0.2 else (rng.randint(1, 4),)
        kw = {"reduction": _reduction(rng, i), "p": rng.choice((1, 2)),
              "margin": rng.choice((1.0, 0.5))}
        if rng.random() < 0.3:
            kw["weight"] = Tens(uniform(rng, (c,), 0.5, 2))
        t = randint(rng, batch, 0, c)
        if i % 7 == 6:
            t = np.full(batch, c, dtype=np.int64) if rng.random() < 0.5 else t
            kw["p"] = kw["p"] if rng.random() < 0.5 else 3
        out.append(Spec(cls, kwargs=kw, inputs=(randn(rng, batch + (c,)), t),
                        dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return out


def _multilabel_margin(cls, rng):
    out = []
    for i in range(N):
        c = rng.randint(1, 5)
        batch = () if rng.random() < 0.2 else (rng.randint(1, 4),)
        t = randint(rng, batch + (c,), -1, c)
        if i % 7 == 6:
            t = t + c * (rng.random() < 0.5)
        out.append(Spec(cls, kwargs={"reduction": _reduction(rng, i)},
                        inputs=(randn(rng, batch + (c,)), t), dtype=dtype(rng),
                        tol=(1e-4, 1e-5)))
    return out


def _triplet(cls, rng):
    out = []
    for i in range(N):
        batch = () if rng.random() < 0.2 else (rng.randint(1, 4),)
        d = rng.randint(1, 4)
        kw = {"reduction": _reduction(rng, i), "margin": rng.choice((1.0, 0.0, 2.0)),
              "p": rng.choice((2.0, 1.0, 3.0)), "eps": rng.choice((1e-6, 0.1)),
              "swap": rng.random() < 0.4}
        n = randn(rng, batch + (d,)) if i % 7 != 6 else randn(rng, batch + (d, 2))
        out.append(Spec(cls, kwargs=kw, inputs=(randn(rng, batch + (d,)),
                                                randn(rng, batch + (d,)), n),
                        dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return out


def _ctc(cls, rng):
    out = []
    for i in range(N):
        t_len, n, c = rng.randint(1, 6), rng.randint(1, 3), rng.randint(2, 5)
        blank = rng.randint(0, c - 1)
        logits = randn(rng, (t_len, n, c))
        log_probs = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        in_lens = np.array([rng.randint(1, t_len) for _ in range(n)], dtype=np.int64)
        tg_lens = np.array([rng.randint(0, max(1, int(x) // 2 + 1)) for x in in_lens],
                           dtype=np.int64)
        labels = [x for x in range(c) if x != blank]
        s = max(1, int(tg_lens.max()))
        targets = np.array([[rng.choice(labels) for _ in range(s)] for _ in range(n)],
                           dtype=np.int64)
        if rng.random() < 0.4:  # concatenated 1-D targets
            targets = np.concatenate([targets[j, :tg_lens[j]] for j in range(n)]).astype(np.int64)
        kw = {"blank": blank, "reduction": _reduction(rng, i),
              "zero_infinity": rng.random() < 0.5}
        if i % 7 == 6:
            in_lens = in_lens + t_len                     # input length past T
        out.append(Spec(cls, kwargs=kw, inputs=(log_probs, targets, in_lens, tg_lens),
                        dtype=dtype(rng), tol=(1e-4, 1e-5)))
    return out


LOSS_SPECS = {
    "L1Loss": _pointwise(_plain), "MSELoss": _pointwise(_plain),
    "SmoothL1Loss": _pointwise(_smooth("beta", (1.0, 0.5, 0.0, 2.0))),
    "HuberLoss": _pointwise(_smooth("delta", (1.0, 0.5, 2.0))),
    "BCELoss": _pointwise(_bce), "BCEWithLogitsLoss": _pointwise(_bce_logits),
    "KLDivLoss": _pointwise(_kldiv), "PoissonNLLLoss": _pointwise(_poisson),
    "GaussianNLLLoss": _pointwise(_gaussian), "SoftMarginLoss": _pointwise(_soft_margin),
    "MultiLabelSoftMarginLoss": _pointwise(_multilabel_soft),
    "NLLLoss": _class_specs, "CrossEntropyLoss": _class_specs,
    "CosineEmbeddingLoss": _pair_specs, "MarginRankingLoss": _pair_specs,
    "HingeEmbeddingLoss": _pair_specs, "MultiMarginLoss": _multi_margin,
    "MultiLabelMarginLoss": _multilabel_margin, "TripletMarginLoss": _triplet,
    "CTCLoss": _ctc,
}
