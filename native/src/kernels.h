// Verdict's native kernels (plain C++ over raw float pointers; validation happens in addon.cc).
#pragma once
#include <cstdint>

namespace verdict {

// out[M,N] = (accumulate ? out : 0) + op(a) * op(b); a is [M,K] ([K,M] if transA), b is [K,N]
// ([N,K] if transB). out must not overlap a or b.
void gemm(float* out, const float* a, const float* b, int64_t M, int64_t N, int64_t K, bool transA,
          bool transB, bool accumulate);

// op(B) packed once into the micro-kernel's panel layout (for weights reused across many calls):
// packed_b_size floats; then gemm_packed_serial(out, a, packed) = (accumulate ? out : 0) + a * op(B)
// with a row-major [M, K], on the calling thread.
int64_t packed_b_size(int64_t N, int64_t K);
void pack_b_all(float* dst, const float* b, int64_t N, int64_t K, bool transB);
void gemm_packed_serial(float* out, const float* a, const float* packed_b, int64_t M, int64_t N, int64_t K,
                        bool accumulate);

void linear_forward(float* out, const float* x, const float* w, const float* bias, int64_t rows,
                    int64_t in_dim, int64_t out_dim);
void linear_backward(float* dx, float* dw, float* dbias, const float* dout, const float* x,
                     const float* w, int64_t rows, int64_t in_dim, int64_t out_dim);

void layernorm_forward(float* out, float* mean, float* rstd, const float* x, const float* gamma,
                       const float* beta, int64_t rows, int64_t dim, float eps);
void layernorm_backward(float* dx, float* dgamma, float* dbeta, const float* dout, const float* x,
                        const float* mean, const float* rstd, const float* gamma, int64_t rows,
                        int64_t dim);

void gelu_forward(float* out, const float* x, int64_t n);
void gelu_backward(float* dx, const float* dout, const float* x, int64_t n);

void attention_forward(float* out, float* probs, const float* qkv, int64_t B, int64_t T, int64_t C,
                       int64_t H);
void attention_backward(float* dqkv, const float* dout, const float* qkv, const float* probs,
                        int64_t B, int64_t T, int64_t C, int64_t H);

// One decoding step against a head-major KV cache [slots, H, maxT, hd]; lengths already validated.
void attention_decode(float* out, const float* qkv, const float* k_cache, const float* v_cache,
                      const int32_t* slots, const int32_t* lengths, int64_t m, int64_t C, int64_t H,
                      int64_t maxT);

// The parameters of one pre-LayerNorm transformer block (shapes as in src/model/layout.ts).
struct BlockWeights {
  const float *ln1g, *ln1b, *qkvW, *qkvB, *projW, *projB, *ln2g, *ln2b, *fcW, *fcB, *fcProjW, *fcProjB;
};

// Floats of the packed weights of one block (decode_block's `packed`).
int64_t decode_block_packed_size(int64_t C);

// One decoding step of one block for m sequences: x[m, C] += attn(ln1 x); x += mlp(ln2 x). Row r
// writes its k, v at position positions[r] of cache slot slots[r] (slots distinct) and attends to
// positions 0..positions[r]. Rows are split into chunks, each run start to end on one thread.
// packed (decode_block_packed_size(C) floats) holds the four weight matrices in panel layout; it is
// (re)filled from w first when repack is true.
void decode_block(float* x, const BlockWeights& w, float* packed, bool repack, float* k_cache,
                  float* v_cache, const int32_t* slots, const int32_t* positions, int64_t m, int64_t C,
                  int64_t H, int64_t maxT, float eps);

// Returns sum of weights[r] * losses[r] (double accumulation).
double softmax_cross_entropy(float* losses, float* dlogits, const float* logits,
                             const int32_t* targets, const float* weights, int64_t rows, int64_t V);
void log_softmax(float* out, const float* logits, int64_t rows, int64_t V);
// out[r] = softmax(scale * logits[r]); out may be logits.
void softmax(float* out, const float* logits, int64_t rows, int64_t V, float scale);

void adamw(float* param, const float* grad, float* m, float* v, int64_t n, float lr, float beta1,
           float beta2, float eps, float weight_decay, double step);

// Which SIMD path was compiled in ("avx2-fma", "avx512f" or "scalar").
const char* simd_name();

}  // namespace verdict
