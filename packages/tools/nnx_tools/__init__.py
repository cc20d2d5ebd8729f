"""nnx-tools: utilities around nnx models and checkpoints.

Checkpoint and state_dict conversion between ``.pt``/``.pth``, ``.safetensors`` and ``.npz``
(``nnx-convert``), and torchinfo-style model summaries (``summary()``, ``nnx-summary``).

- :mod:`nnx_tools.convert`: ``convert(src, dst, ...)``, ``list_tensors(src)``,
  ``read_tensors`` / ``transform`` / ``write_tensors`` (the ``nnx-convert`` command's API).
"""

import importlib.metadata as _metadata

from nnx_tools import convert

__version__ = _metadata.version("nnx-tools")  # one source: meson.build
