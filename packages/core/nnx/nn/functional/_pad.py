"""nnx.nn.functional._pad (in progress)."""

__all__ = []
