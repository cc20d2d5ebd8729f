# float32 GEMM against weights packed once per call (see the header for why), shared by the
# single-thread time loops (_driver.pyx) and the split ones (_split.pyx).

cdef extern from "_packed_gemm.h" nogil:
    int NNX_GEMM_BLAS, NNX_GEMM_GENERIC, NNX_GEMM_AVX2, NNX_GEMM_AVX512
    int NNX_NR
    ctypedef struct nnx_gemm_args:
        const float* a1
        const float* a2
        const float* bias
        long lda1, k1, lda2, k2, cs1, cs2
        int acc
    int nnx_gemm_best_path()
    int nnx_gemm_path_available(int path)
    void* nnx_packed_alloc(long K, long N, float** packed)
    void nnx_pack_rows_f32(long Ktot, long k0, long K, long N, const float* W, long ldw,
                           int trans, float* Wp)
    void nnx_packed_gemm2_f32(int path, long M, long N, const nnx_gemm_args* g,
                              const float* Wp, float* C, long ldc)
    void nnx_packed_gemm_f32(int path, long M, long N, long K, const float* A, long lda,
                             const float* Wp, float* C, long ldc, int acc)
    long nnx_packed_floats(long K, long N)
