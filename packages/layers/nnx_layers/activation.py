"""nnx_layers.activation (in progress)."""

__all__ = []
