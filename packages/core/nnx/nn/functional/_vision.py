"""nnx.nn.functional._vision (in progress)."""

__all__ = []
