"""The forward pass's arguments from ``input_size`` / ``input_data`` (torchinfo's rules).

- ``input_size``: one shape (``(2, 3, 32, 32)``, ``[2, 3]``) or several (a list or tuple of
  shapes), batch included.  Each becomes a tensor of ``dtypes[i]`` (default float32):
  floating tensors hold uniform [0, 1) values drawn from a private generator (the global
  nnx RNG is left alone), integer and bool tensors zeros (valid indices for an
  Embedding).  ``batch_dim`` inserts a dimension of size 1 there into each.
- ``input_data``: a tensor (one argument), a PackedSequence (one argument), a list or
  tuple (the positional arguments), or a dict (keyword arguments; a forward taking one
  dict wants it wrapped in a list).  NumPy arrays become tensors.
"""

import numbers

import numpy as np

import nnx
from nnx_tools._summary import _shapes

__all__ = ["forward_arguments", "to_model_device", "input_bytes"]


_NOT_A_SIZE_LIST = ("Input_size is not a recognized type. Please ensure input_size is valid.\n"
                    "For multiple inputs to the network, ensure input_size is a list of tuple "
                    "sizes.")


def _dimension(n):
    """One dimension as an int: Python and NumPy integers, not bools or floats."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"summary: input_size holds {n!r}; dimensions must be integers")
    return int(n)


def correct_input_sizes(input_size):
    """A list of shapes from what the user gave (torchinfo's ``get_correct_input_sizes``):
    one shape (a sequence of ints) or a sequence of shapes."""
    if not isinstance(input_size, (list, tuple)):
        raise TypeError(_NOT_A_SIZE_LIST)
    nested = [isinstance(item, (list, tuple)) for item in input_size]
    if any(nested) and not all(nested):
        raise TypeError(_NOT_A_SIZE_LIST)
    shapes = [tuple(size) for size in input_size] if any(nested) else [tuple(input_size)]
    shapes = [tuple(_dimension(n) for n in shape) for shape in shapes]
    if not input_size or any(n <= 0 for shape in shapes for n in shape):
        raise ValueError("Input_data is invalid, or negative size found in input_data.")
    return shapes


def _dtype(spec):
    """An nnx dtype from an nnx dtype or its name ("int64", "nnx.int64")."""
    if isinstance(spec, str):
        found = getattr(nnx, spec.rsplit(".", 1)[-1], None)
        if found is None or not hasattr(found, "itemsize"):
            raise ValueError(f"summary: unknown dtype {spec!r}")
        return found
    return spec


def _make(shape, dtype, rng):
    if dtype.is_floating_point:
        array = rng.random(shape).astype(dtype.np_dtype)
    else:
        array = np.zeros(shape, dtype=dtype.np_dtype)
    return nnx.from_numpy(array)


def _as_tensors(data):
    if isinstance(data, np.ndarray):
        return nnx.from_numpy(data)
    if _shapes.is_packed(data) or _shapes.is_tensor(data):
        return data
    if isinstance(data, dict):
        return {key: _as_tensors(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        items = [_as_tensors(value) for value in data]
        if hasattr(data, "_fields"):                    # a NamedTuple
            return type(data)(*items)
        return type(data)(items)
    return data


def forward_arguments(input_size, input_data, batch_dim, dtypes):
    """``(args, kwargs, shown_input_size)`` for ``model(*args, **kwargs)``."""
    if input_data is not None:
        data = _as_tensors(input_data)
        if isinstance(data, dict):
            return (), data, _shapes.structure(data)
        if _shapes.is_tensor(data) or _shapes.is_packed(data):
            return (data,), {}, _shapes.structure(data)
        if isinstance(data, (list, tuple)):
            return tuple(data), {}, _shapes.structure(list(data))
        raise TypeError(f"summary: input_data must be a tensor, a PackedSequence, a list or "
                        f"tuple of arguments or a dict of keyword arguments, not "
                        f"{type(input_data).__name__}")
    sizes = correct_input_sizes(input_size)
    if dtypes is None:
        dtypes = [nnx.float32] * len(sizes)
    dtypes = [_dtype(d) for d in dtypes]
    if len(dtypes) < len(sizes):
        raise ValueError(f"summary: {len(sizes)} input sizes but only {len(dtypes)} dtypes")
    rng = np.random.default_rng(0)
    args = []
    for shape, dtype in zip(sizes, dtypes):
        if batch_dim is not None:
            at = batch_dim if batch_dim >= 0 else batch_dim + len(shape) + 1
            shape = shape[:at] + (1,) + shape[at:]
        args.append(_make(shape, dtype, rng))
    return tuple(args), {}, [list(s) for s in sizes]


def to_model_device(args, model):
    """Inputs made from ``input_size`` moved to the device of the model's parameters (as
    torchinfo does); CPU models and parameter-less models keep them on the CPU."""
    device = next((p.device for p in model.parameters()), None)
    if device is None or getattr(device, "type", "cpu") == "cpu":
        return args
    return tuple(t.to(device) for t in args)


def input_bytes(args, kwargs):
    """Bytes of every distinct tensor passed to forward."""
    seen, total = set(), 0
    for t in _shapes.iter_tensors((args, kwargs)):
        if id(t) not in seen and hasattr(t, "element_size"):
            seen.add(id(t))
            total += t.numel() * t.element_size()
    return total
