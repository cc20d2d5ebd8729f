"""Checkpoints in PyTorch's format: ``nnx.save`` / ``nnx.load``, without torch.

- :func:`save` writes torch's zip format (``torch.load(f, weights_only=True)`` reads it).
- :func:`load` reads ``torch.save`` files (zip and legacy pre-1.6 formats) on a restricted
  pickle machine: only the globals in :data:`ALLOWED_GLOBALS` are recognised, each mapped
  to nnx's own handler, and nothing is ever imported or executed from the file.
- :class:`CheckpointError` (a :class:`pickle.UnpicklingError`) is the one exception a
  malformed, truncated, unsupported or hostile file raises.
"""

from nnx.serialization._allowlist import ALLOWED_GLOBALS
from nnx.serialization._errors import CheckpointError
from nnx.serialization._load import load
from nnx.serialization._save import save

__all__ = ["ALLOWED_GLOBALS", "CheckpointError", "load", "save"]
