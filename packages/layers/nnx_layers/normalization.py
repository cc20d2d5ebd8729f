"""nnx_layers.normalization (in progress)."""

__all__ = []
