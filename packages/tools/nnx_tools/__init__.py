"""nnx-tools: utilities around nnx models and checkpoints.

Checkpoint and state_dict conversion between ``.pt``/``.pth``, ``.safetensors`` and ``.npz``
(``nnx-convert``), and torchinfo-style model summaries (``summary()``, ``nnx-summary``).

- :mod:`nnx_tools.convert`: ``convert(src, dst, ...)``, ``list_tensors(src)``,
  ``read_tensors`` / ``transform`` / ``write_tensors`` (the ``nnx-convert`` command's API).
- :func:`nnx_tools.summary`: ``summary(model, input_size=..., ...)`` -> :class:`ModelStatistics`
  (torchinfo's table and totals; tied weights once, every RNN step, functional ops,
  saved-for-backward memory).
- :func:`nnx_tools.summarize_checkpoint`: a checkpoint's module tree, layer types from its
  keys, parameter/buffer totals, without model code (``nnx-summary weights.pt``).
"""

import importlib.metadata as _metadata

from nnx_tools import convert
from nnx_tools._checkpoint_summary import CheckpointSummary, summarize_checkpoint
from nnx_tools._summary import ModelStatistics, summary

__version__ = _metadata.version("nnx-tools")  # one source: meson.build
