"""nnx_layers.instancenorm (in progress)."""

__all__ = []
