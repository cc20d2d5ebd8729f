/* float32 GEMM against a weight packed once per layer call: C (M x N) (+)= A (M x K) @ W.
 *
 * Why: a recurrent step's GEMM (medium LSTM: 32 x 256 @ 256 x 1024) through OpenBLAS re-packs
 * the whole weight operand (1 MiB) on every step, and the backward's dh = dgates W_hh does
 * the same; oneDNN packs once per call.  Here W is packed once into panels of NNX_NR columns
 * (panel p, row k: W[k][p*NR .. p*NR+NR), zeros past N, contiguous), and every step runs a
 * register-blocked micro-kernel over (MR rows of A) x (one panel): the accumulators start
 * from C (the step's input projection, so beta = 1 costs nothing) or from zero.
 *
 * Paths: AVX-512 (8 x 32 tile, 16 zmm accumulators), AVX2+FMA (6 x 16 tiles, 12 ymm), and
 * portable C (4 x 32, left to the compiler's vectorizer).  The SIMD paths are compiled with
 * per-function target attributes (GCC or clang on x86; no -march flag needed) and picked at
 * run time by nnx_gemm_best_path(); elsewhere only the portable path exists and the driver
 * keeps BLAS.  Every path uses the same packed layout, so the packing does not depend on it.
 * Legend: rows of A and C are lda / ldc elements apart; pointers never alias.
 */
#ifndef NNX_RNN_PACKED_GEMM_H
#define NNX_RNN_PACKED_GEMM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NNX_NR 32
#define NNX_MR_MAX 8

enum { NNX_GEMM_BLAS = 0, NNX_GEMM_GENERIC = 1, NNX_GEMM_AVX2 = 2, NNX_GEMM_AVX512 = 3 };

/* NNX_NO_X86_KERNELS: build the portable path alone (also what non-x86 targets get). */
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__)) \
    && !defined(NNX_NO_X86_KERNELS)
#define NNX_X86_KERNELS 1
#include <immintrin.h>
#define NNX_INLINE static inline __attribute__((always_inline))
#else
#define NNX_X86_KERNELS 0
#endif

/* Floats of the packed form of a K x N weight. */
static long nnx_packed_floats(long K, long N)
{
    return K * ((N + NNX_NR - 1) / NNX_NR) * NNX_NR;
}

/* A 64-byte aligned buffer for the packed form of a K x N weight: returns the block to
 * free() (NULL when out of memory) and sets *packed to its aligned start. */
static void *nnx_packed_alloc(long K, long N, float **packed)
{
    void *raw = malloc((size_t)nnx_packed_floats(K, N) * sizeof(float) + 64);
    *packed = raw ? (float *)(((uintptr_t)raw + 63) & ~(uintptr_t)63) : NULL;
    return raw;
}

/* Pack the K rows of W (K x N) into rows k0 .. k0+K of the panels of a Ktot-row packed
 * weight Wp (nnx_packed_floats(Ktot, N) floats), so that two weights can be stacked along
 * k (the forward's [W_ih^T; W_hh^T]).  W is row-major with rows ldw apart, or with `trans`
 * given as its transpose (N x K, rows ldw apart), e.g. torch's W_hh (4H x H) for h W_hh^T.
 * Panel columns past N are zeros. */
static void nnx_pack_rows_f32(long Ktot, long k0, long K, long N, const float *W, long ldw,
                              int trans, float *Wp)
{
    for (long n0 = 0; n0 < N; n0 += NNX_NR) {
        float *dst = Wp + (n0 / NNX_NR) * Ktot * NNX_NR + k0 * NNX_NR;
        long w = N - n0 < NNX_NR ? N - n0 : NNX_NR;
        if (w < NNX_NR)
            memset(dst, 0, (size_t)(K * NNX_NR) * sizeof(float));
        if (!trans) {
            for (long k = 0; k < K; k++)
                memcpy(dst + k * NNX_NR, W + k * ldw + n0, (size_t)w * sizeof(float));
            continue;
        }
        for (long kb = 0; kb < K; kb += 64) {     /* blocks of k keep dst rows in L1 */
            long ke = kb + 64 < K ? kb + 64 : K;
            for (long j = 0; j < w; j++) {
                const float *src = W + (n0 + j) * ldw;
                for (long k = kb; k < ke; k++)
                    dst[k * NNX_NR + j] = src[k];
            }
        }
    }
}

/* One call's operands.  A = [A1 | A2] (M x (K1 + K2)), A1[r][k] at a1[r * lda1 + k * cs1]
 * (cs1 = 1: row-major; lda1 = 1: the transpose of a row-major K1 x M array, as in the
 * weight gradients dgates^T x), A2 likewise (K2 = 0: A1 alone); Wp packed with K1 + K2 rows.  The accumulators start from C when
 * `acc`, else from `bias` (N, the same for every row) or zero when bias is NULL. */
typedef struct {
    const float *a1, *a2, *bias;
    long lda1, k1, lda2, k2, cs1, cs2;
    int acc;
} nnx_gemm_args;

/* ---- portable C: 4 x 32 tiles ------------------------------------------------------- */

static void nnx_tile_generic(long mr, const nnx_gemm_args *g, const float *a1,
                             const float *a2, const float *Wp, const float *bias, float *C,
                             long ldc)
{
    float t[4][NNX_NR];
    for (long r = 0; r < mr; r++)
        for (long j = 0; j < NNX_NR; j++)
            t[r][j] = g->acc ? C[r * ldc + j] : bias ? bias[j] : 0.0f;
    for (long k = 0; k < g->k1 + g->k2; k++) {
        const float *w = Wp + k * NNX_NR;
        for (long r = 0; r < mr; r++) {
            float a = k < g->k1 ? a1[r * g->lda1 + k * g->cs1]
                                : a2[r * g->lda2 + (k - g->k1) * g->cs2];
            for (long j = 0; j < NNX_NR; j++)
                t[r][j] += a * w[j];
        }
    }
    for (long r = 0; r < mr; r++)
        memcpy(C + r * ldc, t[r], sizeof(t[r]));
}

static void nnx_rows_generic(long M, const nnx_gemm_args *g, long r0, const float *Wp,
                             const float *bias, float *C, long ldc)
{
    for (; r0 < M; r0 += 4)
        nnx_tile_generic(M - r0 < 4 ? M - r0 : 4, g, g->a1 + r0 * g->lda1,
                         g->a2 + r0 * g->lda2, Wp, bias, C + r0 * ldc, ldc);
}

#if NNX_X86_KERNELS

/* ---- AVX2 + FMA: 6 rows x 16 columns (half a panel), 12 ymm accumulators --------------- */

#define NNX_AVX2 __attribute__((target("avx2,fma")))

#define NNX_AVX2_STEP(A, LDA, W)                                                         \
    do {                                                                                 \
        __m256 w0 = _mm256_loadu_ps(W), w1 = _mm256_loadu_ps((W) + 8);                   \
        for (int r = 0; r < mr; r++) {                                                   \
            __m256 a = _mm256_broadcast_ss((A) + r * (LDA));                             \
            c0[r] = _mm256_fmadd_ps(a, w0, c0[r]);                                       \
            c1[r] = _mm256_fmadd_ps(a, w1, c1[r]);                                       \
        }                                                                                \
    } while (0)

NNX_AVX2 NNX_INLINE void nnx_tile_avx2(const int mr, const nnx_gemm_args *g, const float *a1,
                                       const float *a2, const float *Wp, const float *bias,
                                       float *C, long ldc)
{
    __m256 c0[6], c1[6];
    for (int r = 0; r < mr; r++) {
        const float *src = g->acc ? C + r * ldc : bias;
        c0[r] = src ? _mm256_loadu_ps(src) : _mm256_setzero_ps();
        c1[r] = src ? _mm256_loadu_ps(src + 8) : _mm256_setzero_ps();
    }
    for (long k = 0; k < g->k1; k++)
        NNX_AVX2_STEP(a1 + k * g->cs1, g->lda1, Wp + k * NNX_NR);
    Wp += g->k1 * NNX_NR;
    for (long k = 0; k < g->k2; k++)
        NNX_AVX2_STEP(a2 + k * g->cs2, g->lda2, Wp + k * NNX_NR);
    for (int r = 0; r < mr; r++) {
        _mm256_storeu_ps(C + r * ldc, c0[r]);
        _mm256_storeu_ps(C + r * ldc + 8, c1[r]);
    }
}

#define NNX_AVX2_TILE(MR)                                                                \
    nnx_tile_avx2(MR, g, g->a1 + r0 * g->lda1, g->a2 + r0 * g->lda2, w, b, c + r0 * ldc, ldc)

NNX_AVX2 static void nnx_rows_avx2(long M, const nnx_gemm_args *g, long r0_first,
                                   const float *Wp, const float *bias, float *C, long ldc)
{
    for (int half = 0; half < 2; half++) {
        const float *w = Wp + 16 * half, *b = bias ? bias + 16 * half : NULL;
        float *c = C + 16 * half;
        long r0 = r0_first;
        for (; r0 + 6 <= M; r0 += 6)
            NNX_AVX2_TILE(6);
        switch (M - r0) {     /* constant row counts: accumulators stay in registers */
        case 5: NNX_AVX2_TILE(5); break;
        case 4: NNX_AVX2_TILE(4); break;
        case 3: NNX_AVX2_TILE(3); break;
        case 2: NNX_AVX2_TILE(2); break;
        case 1: NNX_AVX2_TILE(1); break;
        default: break;
        }
    }
}

/* ---- AVX-512: 8 rows x 32 columns (a whole panel), 16 zmm accumulators ------------------ */

#define NNX_AVX512 __attribute__((target("avx512f")))

#define NNX_AVX512_STEP(A, LDA, W)                                                       \
    do {                                                                                 \
        __m512 w0 = _mm512_loadu_ps(W), w1 = _mm512_loadu_ps((W) + 16);                  \
        for (int r = 0; r < mr; r++) {                                                   \
            __m512 a = _mm512_set1_ps((A)[r * (LDA)]);                                   \
            c0[r] = _mm512_fmadd_ps(a, w0, c0[r]);                                       \
            c1[r] = _mm512_fmadd_ps(a, w1, c1[r]);                                       \
        }                                                                                \
    } while (0)

NNX_AVX512 NNX_INLINE void nnx_tile_avx512(const int mr, const nnx_gemm_args *g,
                                           const float *a1, const float *a2,
                                           const float *Wp, const float *bias, float *C,
                                           long ldc)
{
    __m512 c0[8], c1[8];
    for (int r = 0; r < mr; r++) {
        const float *src = g->acc ? C + r * ldc : bias;
        c0[r] = src ? _mm512_loadu_ps(src) : _mm512_setzero_ps();
        c1[r] = src ? _mm512_loadu_ps(src + 16) : _mm512_setzero_ps();
    }
    for (long k = 0; k < g->k1; k++)
        NNX_AVX512_STEP(a1 + k * g->cs1, g->lda1, Wp + k * NNX_NR);
    Wp += g->k1 * NNX_NR;
    for (long k = 0; k < g->k2; k++)
        NNX_AVX512_STEP(a2 + k * g->cs2, g->lda2, Wp + k * NNX_NR);
    for (int r = 0; r < mr; r++) {
        _mm512_storeu_ps(C + r * ldc, c0[r]);
        _mm512_storeu_ps(C + r * ldc + 16, c1[r]);
    }
}

#define NNX_AVX512_TILE(MR)                                                              \
    nnx_tile_avx512(MR, g, g->a1 + r0 * g->lda1, g->a2 + r0 * g->lda2, Wp, bias,         \
                    C + r0 * ldc, ldc)

NNX_AVX512 static void nnx_rows_avx512(long M, const nnx_gemm_args *g, long r0,
                                       const float *Wp, const float *bias, float *C, long ldc)
{
    for (; r0 + 8 <= M; r0 += 8)
        NNX_AVX512_TILE(8);
    switch (M - r0) {
    case 7: NNX_AVX512_TILE(7); break;
    case 6: NNX_AVX512_TILE(6); break;
    case 5: NNX_AVX512_TILE(5); break;
    case 4: NNX_AVX512_TILE(4); break;
    case 3: NNX_AVX512_TILE(3); break;
    case 2: NNX_AVX512_TILE(2); break;
    case 1: NNX_AVX512_TILE(1); break;
    default: break;
    }
}

#endif /* NNX_X86_KERNELS */

/* Fastest path this CPU runs: AVX-512, AVX2 + FMA or portable C. */
static int nnx_gemm_best_path(void)
{
#if NNX_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return NNX_GEMM_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return NNX_GEMM_AVX2;
#endif
    return NNX_GEMM_GENERIC;
}

/* Whether `path` can run here (BLAS is not a path of this header). */
static int nnx_gemm_path_available(int path)
{
    return path >= NNX_GEMM_GENERIC && path <= nnx_gemm_best_path();
}

/* Rows r0 .. M-1 of C against one panel (C and bias already offset to the panel). */
typedef void (*nnx_rows_fn)(long, const nnx_gemm_args *, long, const float *, const float *,
                            float *, long);

static nnx_rows_fn nnx_rows_for(int path)
{
#if NNX_X86_KERNELS
    if (path == NNX_GEMM_AVX512)
        return nnx_rows_avx512;
    if (path == NNX_GEMM_AVX2)
        return nnx_rows_avx2;
#endif
    (void)path;
    return nnx_rows_generic;
}

/* Every panel of rows 0 .. M-1 (g, C already offset to the first row).  Panels are
 * Ktot * NR floats apart in Wp (already offset to the first k of g); a partial last panel
 * runs on a local tile. */
static void nnx_panels(nnx_rows_fn rows, long M, long N, long Ktot, const nnx_gemm_args *g,
                       const float *Wp, float *C, long ldc)
{
    float tile[NNX_MR_MAX * NNX_NR], bias_tile[NNX_NR];
    for (long n0 = 0; n0 < N; n0 += NNX_NR) {
        const float *panel = Wp + (n0 / NNX_NR) * Ktot * NNX_NR;
        long w = N - n0 < NNX_NR ? N - n0 : NNX_NR;
        if (w == NNX_NR) {
            rows(M, g, 0, panel, g->bias ? g->bias + n0 : NULL, C + n0, ldc);
            continue;
        }
        const float *bias = NULL;
        if (g->bias && !g->acc) {
            memset(bias_tile, 0, sizeof(bias_tile));
            memcpy(bias_tile, g->bias + n0, (size_t)w * sizeof(float));
            bias = bias_tile;
        }
        for (long r0 = 0; r0 < M; r0 += NNX_MR_MAX) {
            long mr = M - r0 < NNX_MR_MAX ? M - r0 : NNX_MR_MAX;
            nnx_gemm_args part = *g;
            part.a1 = g->a1 + r0 * g->lda1;
            part.a2 = g->a2 + r0 * g->lda2;
            memset(tile, 0, sizeof(tile));
            for (long r = 0; g->acc && r < mr; r++)
                memcpy(tile + r * NNX_NR, C + (r0 + r) * ldc + n0, (size_t)w * sizeof(float));
            rows(mr, &part, 0, panel, bias, tile, NNX_NR);
            for (long r = 0; r < mr; r++)
                memcpy(C + (r0 + r) * ldc + n0, tile + r * NNX_NR, (size_t)w * sizeof(float));
        }
    }
}

/* Cache blocking for the large products (the backward's dgates W_ih and dgates^T x over all
 * steps): blocks of NNX_KC k by NNX_MC rows, so that A's block (256 KiB) stays in L2 while
 * every panel passes over it, each panel's KC x NR slice (64 KiB) in L1/L2.  Without it a
 * 3200-row dgates^T x ran at 56 GF/s (A re-read from memory for every panel).  Products
 * of at most NNX_MC rows (the step GEMMs) and two-part calls are a single block. */
#define NNX_KC 512
#define NNX_MC 128

/* C (M x N) = [A1 | A2] @ W + (C, bias or 0) as described at nnx_gemm_args; `path` must be
 * available (nnx_gemm_path_available). */
static void nnx_packed_gemm2_f32(int path, long M, long N, const nnx_gemm_args *g,
                                 const float *Wp, float *C, long ldc)
{
    nnx_rows_fn rows = nnx_rows_for(path);
    long K = g->k1 + g->k2;
    if (g->k2 > 0 || M <= NNX_MC || K == 0) {  /* K == 0: the blocks below never run */
        nnx_panels(rows, M, N, K, g, Wp, C, ldc);
        return;
    }
    for (long kb = 0; kb < K; kb += NNX_KC) {
        nnx_gemm_args block = *g;
        block.k1 = K - kb < NNX_KC ? K - kb : NNX_KC;
        block.a1 = g->a1 + kb * g->cs1;
        block.a2 = block.a1;
        if (kb > 0) {                 /* later k blocks add to what the first wrote */
            block.acc = 1;
            block.bias = NULL;
        }
        for (long mb = 0; mb < M; mb += NNX_MC) {
            nnx_gemm_args rows_block = block;
            rows_block.a1 = block.a1 + mb * g->lda1;
            rows_block.a2 = rows_block.a1;
            nnx_panels(rows, M - mb < NNX_MC ? M - mb : NNX_MC, N, K, &rows_block,
                       Wp + kb * NNX_NR, C + mb * ldc, ldc);
        }
    }
}

/* C (M x N) = A (M x K) @ W + (C if acc else 0), W packed with K rows. */
static void nnx_packed_gemm_f32(int path, long M, long N, long K, const float *A, long lda,
                                const float *Wp, float *C, long ldc, int acc)
{
    nnx_gemm_args g = {A, A, NULL, lda, K, lda, 0, 1, 1, acc};
    nnx_packed_gemm2_f32(path, M, N, &g, Wp, C, ldc);
}

#endif
