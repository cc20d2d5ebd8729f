"""nnx.nn.functional._conv (in progress)."""

__all__ = []
