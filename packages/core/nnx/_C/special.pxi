# Special functions NumPy lacks, as typed loops over C's libm (erf for the exact GELU).

from libc.math cimport erf as c_erf

ctypedef fused real_t:
    float
    double


cdef void _erf_kernel(const real_t[::1] x, real_t[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = c_erf(x[i])


def erf_array(x):
    """Elementwise erf of a float16/32/64 ndarray (float16 computes in float32)."""
    x = _np.asarray(x)
    src_dtype = x.dtype
    if src_dtype != _np.float64 and src_dtype != _np.float32:
        x = x.astype(_np.float32)
    flat = _np.ascontiguousarray(x).reshape(-1)
    out = _np.empty_like(flat)
    if flat.dtype == _np.float64:
        _erf_kernel[double](flat, out)
    else:
        _erf_kernel[float](flat, out)
    return out.reshape(x.shape).astype(src_dtype, copy=False)
