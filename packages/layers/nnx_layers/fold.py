"""nnx_layers.fold (in progress)."""

__all__ = []
