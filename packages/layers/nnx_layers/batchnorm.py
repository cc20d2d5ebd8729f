"""nnx_layers.batchnorm (in progress)."""

__all__ = []
