# cython: language_level=3
"""im2col / col2im kernels for convolution (in progress)."""
