"""nnx_layers.padding (in progress)."""

__all__ = []
