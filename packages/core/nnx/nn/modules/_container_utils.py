"""Helpers shared by the containers: list-style index handling, renumbering, the update
protocol of the dict containers and the one-line summary of a stored tensor."""

import operator
from collections import abc

from nnx._C import _C
from nnx.nn.parameter import Parameter


def absolute_index(idx, size):
    """``idx`` (any ``__index__`` object, possibly negative) as a position in ``range(size)``;
    torch's ``index N is out of range`` IndexError otherwise."""
    idx = operator.index(idx)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range")
    return idx + size if idx < 0 else idx


def insert_position(index, size):
    """Where ``list.insert(index, x)`` puts ``x`` in a list of ``size`` items: negative indices
    count from the end and out-of-range ones clamp to the ends."""
    index = operator.index(index)
    if index < 0:
        index = max(index + size, 0)
    return min(index, size)


def renumber(modules, values=None):
    """Re-key the ``_modules`` dict in place as ``'0'..'n-1'`` (keeping its order, or holding
    ``values`` when given), as torch does after deleting from a Sequential or ModuleList."""
    values = list(modules.values()) if values is None else list(values)
    modules.clear()
    modules.update((str(i), value) for i, value in enumerate(values))


def insert_module(container, index, module):
    """Insert ``module`` at list position ``index`` (already normalised) of ``container``.

    The module is registered through ``add_module`` (its type checks and registration hooks
    run as for ``append``), then moved into place and every key renumbered."""
    values = list(container._modules.values())
    container.add_module(str(len(values)), module)
    values.insert(index, module)
    renumber(container._modules, values)


def update_pairs(owner, pairs, setitem):
    """Apply an iterable of ``(key, value)`` pairs through ``setitem`` with torch's checks;
    ``owner`` (``'ModuleDict'``/``'ParameterDict'``) names the container in the messages."""
    for j, pair in enumerate(pairs):
        if not isinstance(pair, abc.Iterable):
            raise TypeError(
                f"{owner} update sequence element #{j} should be Iterable; "
                f"is{type(pair).__name__}"
            )
        if len(pair) != 2:
            raise ValueError(
                f"{owner} update sequence element #{j} has length {len(pair)}; 2 is required"
            )
        setitem(pair[0], pair[1])


def entry_summary(value, type_text):
    """``Parameter containing: [<type_text(value)> of size 2x3]`` for a tensor entry of a
    ParameterList/ParameterDict (``Object of type: int`` for anything else)."""
    if not isinstance(value, _C.TensorBase):
        return "Object of type: " + type(value).__name__
    size = "x".join(str(n) for n in value.size())
    device = f" ({value.device})" if value.device.type == "cuda" else ""
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    return f"{kind} containing: [{type_text(value)} of size {size}{device}]"
