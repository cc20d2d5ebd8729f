"""nnx_layers.conv (in progress)."""

__all__ = []
