/* float32 gate kernels: branch-free exp / sigmoid / tanh in loops GCC vectorizes.
 *
 * Why C here: glibc's scalar tanhf/expf cost 10-20 ns a call, block vectorization, and the
 * Cython loops around them compiled to scalar code with mispredicted branches: the small
 * LSTM forward spent ~47 ns per gate element (bench_rnn.py small, 72 us/step, 2/3 of it in
 * the pointwise kernel).  These loops take `restrict` rows and vectorize (the extension is
 * built with -fno-trapping-math so that both sides of a select may be computed); on Linux
 * x86-64 each kernel is also cloned for AVX2 and AVX-512 and picked at load time.
 * exp uses Cephes' minimax polynomial after range reduction (max error ~2 ulp on the clamped
 * range); tanh uses Cephes' odd polynomial below |x| = 0.625 and 1 - 2/(e^{2|x|}+1) above.
 * Legend: n elements of one row; pointers never alias.  A gate row holds its gates gs
 * elements apart (gs = n for a whole row; gs = H with n <= 32 < H for one chunk of a split
 * step's hidden units, see _split.pyx).
 */
#ifndef NNX_RNN_FASTMATH_H
#define NNX_RNN_FASTMATH_H

#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define NNX_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NNX_CLONES
#endif

static inline float nnx_expf(float x)
{
    x = x > 88.3762626647949f ? 88.3762626647949f : x;
    x = x < -87.3365447504019f ? -87.3365447504019f : x;
    /* n = round(x / ln 2) by the 1.5 * 2^23 trick (floorf is not an SSE2 instruction) */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { int32_t i; float f; } scale;
    scale.i = ((int32_t)n + 127) << 23;
    return p * scale.f;
}

static inline float nnx_sigmoidf(float x)
{
    return 1.0f / (1.0f + nnx_expf(-x));
}

static inline float nnx_tanhf(float x)
{
    float a = x < 0 ? -x : x;
    float z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                    + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float e = nnx_expf(2.0f * (a > 9.0f ? 9.0f : a));
    float large = 1.0f - 2.0f / (e + 1.0f);
    large = x < 0 ? -large : large;
    return a < 0.625f ? small : large;
}

/* Elman: pre (n) -> tanh(pre) or relu(pre), in place, copied to h. */
NNX_CLONES static void nnx_rnn_forward_f32(long n, int relu, float *restrict pre,
                                           float *restrict h)
{
    if (relu) {
        for (long j = 0; j < n; j++) {
            float v = pre[j] > 0 ? pre[j] : 0.0f;
            pre[j] = v;
            h[j] = v;
        }
    } else {
        for (long j = 0; j < n; j++) {
            float v = nnx_tanhf(pre[j]);
            pre[j] = v;
            h[j] = v;
        }
    }
}

/* LSTM: gates row (gates i f g o, n each) pre-activations -> activations; c (n) c_prev ->
 * c_t; tanh_c <- tanh(c_t); m <- o * tanh(c_t). */
NNX_CLONES static void nnx_lstm_forward_f32(long n, long gs, float *restrict gates,
                                            float *restrict c, float *restrict tanh_c,
                                            float *restrict m)
{
    float *i = gates, *f = gates + gs, *g = gates + 2 * gs, *o = gates + 3 * gs;
    for (long j = 0; j < n; j++)
        i[j] = nnx_sigmoidf(i[j]);
    for (long j = 0; j < n; j++)
        f[j] = nnx_sigmoidf(f[j]);
    for (long j = 0; j < n; j++)
        g[j] = nnx_tanhf(g[j]);
    for (long j = 0; j < n; j++)
        o[j] = nnx_sigmoidf(o[j]);
    for (long j = 0; j < n; j++) {
        float cn = f[j] * c[j] + i[j] * g[j];
        float tc = nnx_tanhf(cn);
        c[j] = cn;
        tanh_c[j] = tc;
        m[j] = o[j] * tc;
    }
}

/* GRU: gx row (gates r z n) input part -> r z n; hg (same layout) = h_prev W_hh^T; b (same)
 * b_hh (zeros when the layer has no bias); hn <- hg_n + b_n; h <- (1 - z) n + z h_prev. */
NNX_CLONES static void nnx_gru_forward_f32(long n, long gs, float *restrict gx,
                                           const float *restrict hg, const float *restrict b,
                                           const float *restrict h_prev, float *restrict hn,
                                           float *restrict h)
{
    for (long q = 0; q < 2; q++)
        for (long j = q * gs; j < q * gs + n; j++)
            gx[j] = nnx_sigmoidf(gx[j] + hg[j] + b[j]);
    const float *r = gx, *z = gx + gs;
    float *gn = gx + 2 * gs;
    for (long j = 0; j < n; j++) {
        float v = hg[2 * gs + j] + b[2 * gs + j];
        float nv = nnx_tanhf(gn[j] + r[j] * v);
        hn[j] = v;
        gn[j] = nv;
        h[j] = (1.0f - z[j]) * nv + z[j] * h_prev[j];
    }
}

/* Backward partners (same rows as the forward kernels above). */

/* Elman: dpre <- dh * act'(.) from the activations. */
NNX_CLONES static void nnx_rnn_backward_f32(long n, int relu, const float *restrict act,
                                            const float *restrict dh, float *restrict dpre)
{
    if (relu) {
        for (long j = 0; j < n; j++)
            dpre[j] = act[j] > 0 ? dh[j] : 0.0f;
    } else {
        for (long j = 0; j < n; j++)
            dpre[j] = dh[j] * (1.0f - act[j] * act[j]);
    }
}

/* LSTM: dm (n) = dL/dm_t; dc (n): dL/dc_t from later steps -> dL/dc_{t-1};
 * dgates (gates i f g o, n each, gs apart) <- dL/d(pre-activations). */
NNX_CLONES static void nnx_lstm_backward_f32(long n, long gs, const float *restrict gates,
                                             const float *restrict tanh_c,
                                             const float *restrict c_prev,
                                             const float *restrict dm, float *restrict dc,
                                             float *restrict dgates)
{
    const float *i = gates, *f = gates + gs, *g = gates + 2 * gs, *o = gates + 3 * gs;
    for (long j = 0; j < n; j++) {
        float tc = tanh_c[j];
        float dct = dc[j] + dm[j] * o[j] * (1.0f - tc * tc);
        dgates[j] = dct * g[j] * i[j] * (1.0f - i[j]);
        dgates[gs + j] = dct * c_prev[j] * f[j] * (1.0f - f[j]);
        dgates[2 * gs + j] = dct * i[j] * (1.0f - g[j] * g[j]);
        dgates[3 * gs + j] = dm[j] * tc * o[j] * (1.0f - o[j]);
        dc[j] = dct * f[j];
    }
}

/* GRU: dh (n): dL/dh_t -> z * dL/dh_t (direct part of dL/dh_{t-1}); dgx (r z n, gs apart)
 * <- dL/d(input part); dgh (same layout) <- dL/d(h W_hh^T + b_hh). */
NNX_CLONES static void nnx_gru_backward_f32(long n, long gs, const float *restrict gates,
                                            const float *restrict hn,
                                            const float *restrict h_prev, float *restrict dh,
                                            float *restrict dgx, float *restrict dgh)
{
    const float *r = gates, *z = gates + gs, *gn = gates + 2 * gs;
    for (long j = 0; j < n; j++) {
        float g = dh[j];
        float dn = g * (1.0f - z[j]) * (1.0f - gn[j] * gn[j]);
        float dz = g * (h_prev[j] - gn[j]) * z[j] * (1.0f - z[j]);
        float dr = dn * hn[j] * r[j] * (1.0f - r[j]);
        dgx[j] = dr;
        dgx[gs + j] = dz;
        dgx[2 * gs + j] = dn;
        dgh[j] = dr;
        dgh[gs + j] = dz;
        dgh[2 * gs + j] = dn * r[j];
        dh[j] = g * z[j];
    }
}

#endif
