"""Typed Cython kernels behind nnx.nn.functional (convolution, pooling)."""
