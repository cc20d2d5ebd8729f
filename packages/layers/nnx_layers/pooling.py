"""nnx_layers.pooling (in progress)."""

__all__ = []
