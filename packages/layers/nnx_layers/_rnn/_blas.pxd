# Row-major GEMM over scipy's BLAS, generic over float / double, callable without the GIL.
#
# BLAS is column-major: a row-major (r x c) buffer with leading dimension ld is the
# column-major (c x r) matrix, its transpose.  So the row-major product C = op(A) op(B)
# is computed as the column-major C^T = op(B)^T op(A)^T: swap the operands, keep the flags.

from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                      const floating* a, int lda, const floating* b, int ldb,
                      floating beta, floating* c, int ldc) noexcept nogil:
    """Row-major C (m x n) = alpha * op(A) (m x k) @ op(B) (k x n) + beta * C."""
    cdef char flag_b = b'T' if trans_b else b'N'
    cdef char flag_a = b'T' if trans_a else b'N'
    if m <= 0 or n <= 0:
        return
    # BLAS insists on leading dimensions >= 1 even when a dimension is empty
    lda = lda if lda > 1 else 1
    ldb = ldb if ldb > 1 else 1
    ldc = ldc if ldc > 1 else 1
    if floating is float:
        sgemm(&flag_b, &flag_a, &n, &m, &k, &alpha, <float*>b, &ldb, <float*>a, &lda,
              &beta, c, &ldc)
    else:
        dgemm(&flag_b, &flag_a, &n, &m, &k, &alpha, <double*>b, &ldb, <double*>a, &lda,
              &beta, c, &ldc)
