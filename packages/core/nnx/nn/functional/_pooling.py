"""nnx.nn.functional._pooling (in progress)."""

__all__ = []
