"""nnx.nn.utils: gradient clipping, parameter/vector conversion and ``rnn`` (packed
sequences), as torch.nn.utils."""

from nnx.nn.utils import rnn  # noqa: F401  (thin: its names load from nnx-layers on use)
from nnx.nn.utils.clip_grad import _clip_grads_with_norm_ as clip_grads_with_norm_
from nnx.nn.utils.clip_grad import _get_total_norm as get_total_norm
from nnx.nn.utils.clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_
from nnx.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grads_with_norm_",
    "clip_grad_value_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]
