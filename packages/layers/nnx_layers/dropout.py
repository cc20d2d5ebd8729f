"""nnx_layers.dropout (in progress)."""

__all__ = []
