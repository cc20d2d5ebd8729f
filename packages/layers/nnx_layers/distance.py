"""nnx_layers.distance (in progress)."""

__all__ = []
