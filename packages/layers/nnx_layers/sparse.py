"""nnx_layers.sparse (in progress)."""

__all__ = []
