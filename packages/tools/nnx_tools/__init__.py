"""nnx-tools: utilities around nnx models and checkpoints.

Checkpoint and state_dict conversion between ``.pt``/``.pth``, ``.safetensors`` and ``.npz``
(``nnx-convert``), and torchinfo-style model summaries (``summary()``, ``nnx-summary``).
It holds no tools yet.
"""

import importlib.metadata as _metadata

__version__ = _metadata.version("nnx-tools")  # one source: meson.build
