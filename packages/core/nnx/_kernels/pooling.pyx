# cython: language_level=3
"""Pooling kernels (in progress)."""
