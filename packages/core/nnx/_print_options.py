"""Print options for tensor text rendering (module-level state, like
``torch.set_printoptions``).

This module holds the one copy of the options; :mod:`nnx._tensor_str` reads
them through :func:`get_printoptions` and re-exports the three functions.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

__all__ = [
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]


_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

_OPTS: dict[str, Any] = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set the options used when printing tensors.

    Same contract as ``torch.set_printoptions``: ``profile`` (``"default"``,
    ``"short"`` or ``"full"``) is applied first, then any explicit option
    overrides it. ``sci_mode`` is always assigned, so calling this without it
    resets scientific notation to automatic (``None``).
    """
    if profile is not None:
        if profile in _PROFILES:
            _OPTS.update(_PROFILES[profile])
    if precision is not None:
        _OPTS["precision"] = precision
    if threshold is not None:
        _OPTS["threshold"] = threshold
    if edgeitems is not None:
        _OPTS["edgeitems"] = edgeitems
    if linewidth is not None:
        _OPTS["linewidth"] = linewidth
    _OPTS["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current print options as a dict usable as
    ``set_printoptions(**options)``."""
    return dict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same arguments as
    :func:`set_printoptions`)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)
