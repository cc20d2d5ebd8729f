"""nnx_layers.linear (in progress)."""

__all__ = []
