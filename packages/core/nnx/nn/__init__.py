"""nnx.nn: neural-network building blocks (torch.nn).

``Parameter``, ``Module`` and the containers live here, with ``functional``, ``init`` and
``utils``; the concrete layers (``Linear``, ``Conv2d``, ``LSTM``...) come from the nnx-layers
package, looked up lazily on first use (PEP 562) so that core never needs it.
"""

from nnx.nn import functional, init, utils
from nnx.nn._layer_names import TORCH_LAYER_NAMES as _TORCH_LAYER_NAMES
from nnx.nn.modules import (
    Module,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from nnx.nn.parameter import Buffer, Parameter


def _layers_package():
    """nnx_layers, or None when it is not installed."""
    try:
        import nnx_layers
    except ModuleNotFoundError as exc:
        if exc.name != "nnx_layers":
            raise  # nnx-layers is there but something it imports is not: say that
        return None
    return nnx_layers


def __getattr__(name):
    layers = _layers_package() if not name.startswith("__") else None
    if layers is not None and name in layers.__all__:
        value = getattr(layers, name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    if layers is None and name in _TORCH_LAYER_NAMES:
        raise AttributeError(
            f"nnx.nn.{name} is a layer of the nnx-layers package, which is not installed; "
            f"install it with `pip install nnx-layers` (in an nnx clone: "
            f"`pip install packages/layers`)"
        )
    raise AttributeError(f"module 'nnx.nn' has no attribute '{name}'")


def __dir__():
    layers = _layers_package()
    return sorted(set(globals()) | set(layers.__all__ if layers is not None else ()))
