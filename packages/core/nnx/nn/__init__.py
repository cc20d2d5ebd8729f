"""nnx.nn: neural-network building blocks (torch.nn).

For now only :mod:`nnx.nn.functional`; ``Module``, ``Parameter`` and the containers come
with their own issue.
"""

from nnx.nn import functional
