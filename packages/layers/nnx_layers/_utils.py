"""Argument normalisers the layers share (torch.nn.modules.utils' _single, _pair...)."""

import collections.abc
from itertools import repeat

__all__ = ["_single", "_pair", "_triple", "_quadruple"]


def _ntuple(n):
    """A parser: an iterable becomes a tuple as is; a scalar is repeated ``n`` times."""
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(repeat(x, n))
    return parse


_single, _pair, _triple, _quadruple = _ntuple(1), _ntuple(2), _ntuple(3), _ntuple(4)
