"""nnx.nn.utils.rnn: packed and padded sequences (torch.nn.utils.rnn).

The implementation lives in the nnx-layers package, beside the recurrent layers that
consume it (``nnx_layers.rnn_utils``); this module forwards every public name there on
first use (PEP 562), so that nnx-core never needs nnx-layers to import.
"""

import importlib

# torch.nn.utils.rnn.__all__, forwarded on first use (a tuple: ruff cannot see them defined)
_PUBLIC = (
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
)
__all__ = list(_PUBLIC)


def _implementation():
    """nnx_layers.rnn_utils, or None when nnx-layers is not installed."""
    try:
        return importlib.import_module("nnx_layers.rnn_utils")
    except ModuleNotFoundError as exc:
        if exc.name not in ("nnx_layers", "nnx_layers.rnn_utils"):
            raise  # nnx-layers is there but something it imports is not: say that
        return None


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'nnx.nn.utils.rnn' has no attribute '{name}'")
    impl = _implementation()
    if impl is None:
        raise AttributeError(
            f"nnx.nn.utils.rnn.{name} is part of the nnx-layers package, which is not "
            f"installed; install it with `pip install nnx-layers` (in an nnx clone: "
            f"`pip install packages/layers`)")
    value = getattr(impl, name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
