"""nnx.nn.functional._distance (in progress)."""

__all__ = []
