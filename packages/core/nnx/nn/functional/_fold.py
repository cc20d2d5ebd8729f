"""nnx.nn.functional._fold (in progress)."""

__all__ = []
