"""nnx_layers.pixelshuffle (in progress)."""

__all__ = []
