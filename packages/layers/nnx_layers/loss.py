"""nnx_layers.loss (in progress)."""

__all__ = []
