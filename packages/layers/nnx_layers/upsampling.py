"""nnx_layers.upsampling (in progress)."""

__all__ = []
