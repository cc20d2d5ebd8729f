"""Shapes of whatever a module takes or returns: tensors, tuples, lists, dicts, PackedSequence.

Two views:

- ``primary_size``: torchinfo's one shape per cell.  A tensor's shape; for a tuple or
  list, its first entry's (an LSTM's ``(output, (h_n, c_n))`` shows ``output``); for a
  dict, its last value's; for a ``PackedSequence``, the shape of its ``data`` (the live
  rows, ``[sum(batch_sizes), features]``).  ``[]`` when there is no tensor.
- ``structure``: every tensor, keeping the container shape, JSON-safe: a tensor -> its
  shape as a list; tuple/list -> list; dict -> dict with ``str`` keys; PackedSequence ->
  ``{"data": [...], "batch_sizes": [...]}``; anything else -> None.
"""

__all__ = ["is_tensor", "is_packed", "primary_size", "structure", "iter_tensors"]


def is_tensor(obj):
    """An nnx Tensor (or anything array-like with a shape we can show)."""
    return hasattr(obj, "shape") and hasattr(obj, "dtype") and not isinstance(obj, type)


def is_packed(obj):
    """A PackedSequence (duck-typed: nnx-layers defines the class, nnx-core re-exports it)."""
    return isinstance(obj, tuple) and hasattr(obj, "data") and hasattr(obj, "batch_sizes")


def primary_size(obj):
    if obj is None:
        return []
    if is_packed(obj):
        return [int(n) for n in obj.data.shape]
    if is_tensor(obj):
        return [int(n) for n in obj.shape]
    if isinstance(obj, dict):
        return primary_size(list(obj.values())[-1]) if obj else []
    if isinstance(obj, (list, tuple)):
        return primary_size(obj[0]) if obj else []
    return []


def _int_list(tensor):
    return [int(v) for v in tensor.numpy().reshape(-1)] if hasattr(tensor, "numpy") else []


def structure(obj):
    if is_packed(obj):
        return {"data": [int(n) for n in obj.data.shape], "batch_sizes": _int_list(obj.batch_sizes)}
    if is_tensor(obj):
        return [int(n) for n in obj.shape]
    if isinstance(obj, dict):
        return {str(key): structure(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [structure(value) for value in obj]
    return None


def iter_tensors(obj):
    """Every tensor inside ``obj`` (PackedSequence fields included), depth first."""
    if is_tensor(obj):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from iter_tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from iter_tensors(value)
