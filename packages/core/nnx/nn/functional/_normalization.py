"""nnx.nn.functional._normalization (in progress)."""

__all__ = []
