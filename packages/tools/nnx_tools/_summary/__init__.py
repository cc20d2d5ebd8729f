"""torchinfo-style model summaries: ``summary(model, input_size=...)`` -> ModelStatistics.

One concern per file: ``_api`` (``summary``), ``_inputs`` (forward arguments from
``input_size`` / ``input_data``), ``_forward`` (the rows: module tree, hooked forward
pass), ``_layer_info`` (one row), ``_shapes`` (shapes of tensors, tuples, dicts,
PackedSequence), ``_mult_adds`` (per-layer formulas), ``_functional_ops`` (matmul,
linear and conv calls observed inside forward), ``_memory`` (what backward keeps),
``_statistics`` (totals, the table, ``as_dict``), ``_table`` (layout primitives, shared
with the checkpoint summary), ``_units`` (numbers).
"""

from nnx_tools._summary._api import summary
from nnx_tools._summary._layer_info import LayerInfo
from nnx_tools._summary._statistics import ModelStatistics

__all__ = ["summary", "ModelStatistics", "LayerInfo"]
