// N-API bindings (node-addon-api). Every function validates its arguments before touching memory:
// typed-array kinds, integer dimensions, buffer lengths (at least the elements the kernel reads or
// writes) and output/input overlap for the matrix product. Arrays are used in place (zero copy).
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"
#include "pool.h"

namespace {

using verdict::gemm;

struct Args {
  const Napi::CallbackInfo& info;
  const char* fn;

  [[noreturn]] void fail(const std::string& msg) const {
    throw Napi::TypeError::New(info.Env(), std::string("verdict native ") + fn + ": " + msg);
  }

  int64_t dim(size_t i, const char* name) const {
    if (i >= info.Length() || !info[i].IsNumber()) fail(std::string(name) + " must be a number");
    double d = info[i].As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d != std::floor(d) || d > 2147483647.0)
      fail(std::string(name) + " must be a non-negative integer (got " + std::to_string(d) + ")");
    return static_cast<int64_t>(d);
  }

  double num(size_t i, const char* name) const {
    if (i >= info.Length() || !info[i].IsNumber()) fail(std::string(name) + " must be a number");
    double d = info[i].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) fail(std::string(name) + " must be finite");
    return d;
  }

  bool flag(size_t i, const char* name) const {
    if (i >= info.Length() || !info[i].IsBoolean()) fail(std::string(name) + " must be a boolean");
    return info[i].As<Napi::Boolean>().Value();
  }

  bool is_null(size_t i) const { return i >= info.Length() || info[i].IsNull() || info[i].IsUndefined(); }

  template <typename T>
  T* typed(size_t i, const char* name, int64_t need, napi_typedarray_type kind, const char* kind_name,
           bool nullable) const {
    if (nullable && is_null(i)) return nullptr;
    if (i >= info.Length() || !info[i].IsTypedArray()) fail(std::string(name) + " must be a " + kind_name);
    auto ta = info[i].As<Napi::TypedArray>();
    if (ta.TypedArrayType() != kind) fail(std::string(name) + " must be a " + kind_name);
    int64_t len = static_cast<int64_t>(ta.ElementLength());
    if (len < need)
      fail(std::string(name) + " has " + std::to_string(len) + " elements, needs at least " + std::to_string(need));
    auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
    if (need > 0 && base == nullptr) fail(std::string(name) + " is detached");
    return reinterpret_cast<T*>(base + ta.ByteOffset());
  }

  float* f32(size_t i, const char* name, int64_t need, bool nullable = false) const {
    return typed<float>(i, name, need, napi_float32_array, "Float32Array", nullable);
  }
  int32_t* i32(size_t i, const char* name, int64_t need) const {
    return typed<int32_t>(i, name, need, napi_int32_array, "Int32Array", false);
  }
};

int64_t mul(const Args& a, int64_t x, int64_t y) {
  if (x != 0 && y > INT64_C(4611686018427387903) / x) a.fail("sizes overflow");
  return x * y;
}

void no_overlap(const Args& a, const float* out, int64_t n_out, const float* in, int64_t n_in,
                const char* out_name, const char* in_name) {
  if (!out || !in || n_out == 0 || n_in == 0) return;
  if (out < in + n_in && in < out + n_out)
    a.fail(std::string(out_name) + " must not overlap " + in_name);
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Args a{info, "matmul"};
  int64_t M = a.dim(3, "M"), N = a.dim(4, "N"), K = a.dim(5, "K");
  bool ta = a.flag(6, "transA"), tb = a.flag(7, "transB"), acc = a.flag(8, "accumulate");
  float* out = a.f32(0, "out", mul(a, M, N));
  const float* A = a.f32(1, "a", mul(a, M, K));
  const float* B = a.f32(2, "b", mul(a, K, N));
  no_overlap(a, out, M * N, A, M * K, "out", "a");
  no_overlap(a, out, M * N, B, K * N, "out", "b");
  gemm(out, A, B, M, N, K, ta, tb, acc);
  return info.Env().Undefined();
}

Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  Args a{info, "linearForward"};
  int64_t rows = a.dim(4, "rows"), in = a.dim(5, "inDim"), out_dim = a.dim(6, "outDim");
  float* out = a.f32(0, "out", mul(a, rows, out_dim));
  const float* x = a.f32(1, "x", mul(a, rows, in));
  const float* w = a.f32(2, "w", mul(a, out_dim, in));
  const float* bias = a.f32(3, "bias", out_dim, true);
  no_overlap(a, out, rows * out_dim, x, rows * in, "out", "x");
  no_overlap(a, out, rows * out_dim, w, out_dim * in, "out", "w");
  verdict::linear_forward(out, x, w, bias, rows, in, out_dim);
  return info.Env().Undefined();
}

Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  Args a{info, "linearBackward"};
  int64_t rows = a.dim(6, "rows"), in = a.dim(7, "inDim"), out_dim = a.dim(8, "outDim");
  float* dx = a.f32(0, "dx", mul(a, rows, in), true);
  float* dw = a.f32(1, "dw", mul(a, out_dim, in));
  float* dbias = a.f32(2, "dbias", out_dim, true);
  const float* dout = a.f32(3, "dout", mul(a, rows, out_dim));
  const float* x = a.f32(4, "x", mul(a, rows, in));
  const float* w = a.f32(5, "w", mul(a, out_dim, in));
  no_overlap(a, dx, rows * in, dout, rows * out_dim, "dx", "dout");
  no_overlap(a, dx, rows * in, w, out_dim * in, "dx", "w");
  no_overlap(a, dw, out_dim * in, dout, rows * out_dim, "dw", "dout");
  no_overlap(a, dw, out_dim * in, x, rows * in, "dw", "x");
  verdict::linear_backward(dx, dw, dbias, dout, x, w, rows, in, out_dim);
  return info.Env().Undefined();
}

Napi::Value LayerNormForward(const Napi::CallbackInfo& info) {
  Args a{info, "layerNormForward"};
  int64_t rows = a.dim(6, "rows"), dim = a.dim(7, "dim");
  double eps = a.num(8, "eps");
  int64_t n = mul(a, rows, dim);
  float* out = a.f32(0, "out", n);
  float* mean = a.f32(1, "mean", rows);
  float* rstd = a.f32(2, "rstd", rows);
  const float* x = a.f32(3, "x", n);
  const float* gamma = a.f32(4, "gamma", dim);
  const float* beta = a.f32(5, "beta", dim);
  verdict::layernorm_forward(out, mean, rstd, x, gamma, beta, rows, dim, static_cast<float>(eps));
  return info.Env().Undefined();
}

Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  Args a{info, "layerNormBackward"};
  int64_t rows = a.dim(8, "rows"), dim = a.dim(9, "dim");
  int64_t n = mul(a, rows, dim);
  float* dx = a.f32(0, "dx", n);
  float* dgamma = a.f32(1, "dgamma", dim);
  float* dbeta = a.f32(2, "dbeta", dim);
  const float* dout = a.f32(3, "dout", n);
  const float* x = a.f32(4, "x", n);
  const float* mean = a.f32(5, "mean", rows);
  const float* rstd = a.f32(6, "rstd", rows);
  const float* gamma = a.f32(7, "gamma", dim);
  verdict::layernorm_backward(dx, dgamma, dbeta, dout, x, mean, rstd, gamma, rows, dim);
  return info.Env().Undefined();
}

Napi::Value GeluForward(const Napi::CallbackInfo& info) {
  Args a{info, "geluForward"};
  int64_t n = a.dim(2, "n");
  verdict::gelu_forward(a.f32(0, "out", n), a.f32(1, "x", n), n);
  return info.Env().Undefined();
}

Napi::Value GeluBackward(const Napi::CallbackInfo& info) {
  Args a{info, "geluBackward"};
  int64_t n = a.dim(3, "n");
  verdict::gelu_backward(a.f32(0, "dx", n), a.f32(1, "dout", n), a.f32(2, "x", n), n);
  return info.Env().Undefined();
}

void attention_dims(const Args& a, size_t i, int64_t& B, int64_t& T, int64_t& C, int64_t& H) {
  B = a.dim(i, "B");
  T = a.dim(i + 1, "T");
  C = a.dim(i + 2, "C");
  H = a.dim(i + 3, "H");
  if (H == 0 || C % H != 0) a.fail("C (" + std::to_string(C) + ") must be a positive multiple of H (" + std::to_string(H) + ")");
}

Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  Args a{info, "attentionForward"};
  int64_t B, T, C, H;
  attention_dims(a, 3, B, T, C, H);
  float* out = a.f32(0, "out", mul(a, mul(a, B, T), C));
  float* probs = a.f32(1, "probs", mul(a, mul(a, B, H), mul(a, T, T)));
  const float* qkv = a.f32(2, "qkv", mul(a, mul(a, B, T), 3 * C));
  no_overlap(a, out, B * T * C, qkv, B * T * 3 * C, "out", "qkv");
  no_overlap(a, probs, B * H * T * T, qkv, B * T * 3 * C, "probs", "qkv");
  no_overlap(a, probs, B * H * T * T, out, B * T * C, "probs", "out");
  verdict::attention_forward(out, probs, qkv, B, T, C, H);
  return info.Env().Undefined();
}

Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  Args a{info, "attentionBackward"};
  int64_t B, T, C, H;
  attention_dims(a, 4, B, T, C, H);
  int64_t nqkv = mul(a, mul(a, B, T), 3 * C);
  float* dqkv = a.f32(0, "dqkv", nqkv);
  const float* dout = a.f32(1, "dout", mul(a, mul(a, B, T), C));
  const float* qkv = a.f32(2, "qkv", nqkv);
  const float* probs = a.f32(3, "probs", mul(a, mul(a, B, H), mul(a, T, T)));
  no_overlap(a, dqkv, nqkv, dout, B * T * C, "dqkv", "dout");
  no_overlap(a, dqkv, nqkv, qkv, nqkv, "dqkv", "qkv");
  no_overlap(a, dqkv, nqkv, probs, B * H * T * T, "dqkv", "probs");
  verdict::attention_backward(dqkv, dout, qkv, probs, B, T, C, H);
  return info.Env().Undefined();
}

Napi::Value AttentionDecode(const Napi::CallbackInfo& info) {
  Args a{info, "attentionDecode"};
  int64_t m = a.dim(6, "m"), C = a.dim(7, "C"), H = a.dim(8, "H"), maxT = a.dim(9, "maxT");
  if (H == 0 || C % H != 0) a.fail("C (" + std::to_string(C) + ") must be a positive multiple of H (" + std::to_string(H) + ")");
  float* out = a.f32(0, "out", mul(a, m, C));
  const float* qkv = a.f32(1, "qkv", mul(a, m, 3 * C));
  int64_t per_slot = mul(a, C, maxT);  // H * maxT * hd
  const float* kc = a.f32(2, "kCache", 0);
  const float* vc = a.f32(3, "vCache", 0);
  const int32_t* slots = a.i32(4, "slots", m);
  const int32_t* lengths = a.i32(5, "lengths", m);
  int64_t nk = static_cast<int64_t>(info[2].As<Napi::TypedArray>().ElementLength());
  int64_t nv = static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength());
  int64_t nslots = per_slot == 0 ? 0 : std::min(nk, nv) / per_slot;
  for (int64_t r = 0; r < m; r++) {
    if (slots[r] < 0 || slots[r] >= nslots)
      a.fail("slots[" + std::to_string(r) + "] = " + std::to_string(slots[r]) + " is outside the cache (" + std::to_string(nslots) + " slots)");
    if (lengths[r] < 0 || lengths[r] > maxT)
      a.fail("lengths[" + std::to_string(r) + "] = " + std::to_string(lengths[r]) + " is outside 0.." + std::to_string(maxT));
  }
  no_overlap(a, out, m * C, qkv, m * 3 * C, "out", "qkv");
  verdict::attention_decode(out, qkv, kc, vc, slots, lengths, m, C, H, maxT);
  return info.Env().Undefined();
}

// Float32Array property `name` of object argument i, at least `need` elements.
const float* f32_prop(const Args& a, size_t i, const char* arg, const char* name, int64_t need) {
  if (i >= a.info.Length() || !a.info[i].IsObject()) a.fail(std::string(arg) + " must be an object of Float32Arrays");
  Napi::Value v = a.info[i].As<Napi::Object>().Get(name);
  std::string label = std::string(arg) + "." + name;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    a.fail(label + " must be a Float32Array");
  auto ta = v.As<Napi::TypedArray>();
  int64_t len = static_cast<int64_t>(ta.ElementLength());
  if (len < need) a.fail(label + " has " + std::to_string(len) + " elements, needs at least " + std::to_string(need));
  auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
  if (need > 0 && base == nullptr) a.fail(label + " is detached");
  return reinterpret_cast<const float*>(base + ta.ByteOffset());
}

// decodeBlock(x, w, kCache, vCache, slots, positions, m, C, H, maxT, eps, scratch, packed, repack)
Napi::Value DecodeBlock(const Napi::CallbackInfo& info) {
  Args a{info, "decodeBlock"};
  int64_t m = a.dim(6, "m"), C = a.dim(7, "C"), H = a.dim(8, "H"), maxT = a.dim(9, "maxT");
  double eps = a.num(10, "eps");
  if (H == 0 || C % H != 0) a.fail("C (" + std::to_string(C) + ") must be a positive multiple of H (" + std::to_string(H) + ")");
  float* x = a.f32(0, "x", mul(a, m, C));
  const int64_t C2 = mul(a, C, C);
  verdict::BlockWeights w{
      f32_prop(a, 1, "w", "ln1g", C), f32_prop(a, 1, "w", "ln1b", C),
      f32_prop(a, 1, "w", "qkvW", 3 * C2), f32_prop(a, 1, "w", "qkvB", 3 * C),
      f32_prop(a, 1, "w", "projW", C2), f32_prop(a, 1, "w", "projB", C),
      f32_prop(a, 1, "w", "ln2g", C), f32_prop(a, 1, "w", "ln2b", C),
      f32_prop(a, 1, "w", "fcW", 4 * C2), f32_prop(a, 1, "w", "fcB", 4 * C),
      f32_prop(a, 1, "w", "fcProjW", 4 * C2), f32_prop(a, 1, "w", "fcProjB", C)};
  int64_t per_slot = mul(a, C, maxT);
  float* kc = a.f32(2, "kCache", 0);
  float* vc = a.f32(3, "vCache", 0);
  const int32_t* slots = a.i32(4, "slots", m);
  const int32_t* positions = a.i32(5, "positions", m);
  a.f32(11, "scratch", mul(a, m, 10 * C + 2));  // the TypeScript twin's workspace (unused here)
  bool repack = a.flag(13, "repack");
  float* packed = a.f32(12, "packed", verdict::decode_block_packed_size(C));
  int64_t nk = static_cast<int64_t>(info[2].As<Napi::TypedArray>().ElementLength());
  int64_t nv = static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength());
  int64_t nslots = per_slot == 0 ? 0 : std::min(nk, nv) / per_slot;
  std::vector<bool> used(static_cast<size_t>(nslots), false);
  for (int64_t r = 0; r < m; r++) {
    if (slots[r] < 0 || slots[r] >= nslots)
      a.fail("slots[" + std::to_string(r) + "] = " + std::to_string(slots[r]) + " is outside the cache (" + std::to_string(nslots) + " slots)");
    if (used[slots[r]]) a.fail("slots[" + std::to_string(r) + "] = " + std::to_string(slots[r]) + " appears twice");
    used[slots[r]] = true;
    if (positions[r] < 0 || positions[r] >= maxT)
      a.fail("positions[" + std::to_string(r) + "] = " + std::to_string(positions[r]) + " is outside 0.." + std::to_string(maxT - 1));
  }
  no_overlap(a, x, m * C, kc, nk, "x", "kCache");
  no_overlap(a, x, m * C, vc, nv, "x", "vCache");
  int64_t np = verdict::decode_block_packed_size(C);
  no_overlap(a, packed, np, x, m * C, "packed", "x");
  no_overlap(a, packed, np, kc, nk, "packed", "kCache");
  no_overlap(a, packed, np, vc, nv, "packed", "vCache");
  verdict::decode_block(x, w, packed, repack, kc, vc, slots, positions, m, C, H, maxT, static_cast<float>(eps));
  return info.Env().Undefined();
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args a{info, "softmaxCrossEntropy"};
  int64_t rows = a.dim(5, "rows"), V = a.dim(6, "V");
  int64_t n = mul(a, rows, V);
  float* losses = a.f32(0, "losses", rows);
  float* dlogits = a.f32(1, "dlogits", n, true);
  const float* logits = a.f32(2, "logits", n);
  const int32_t* targets = a.i32(3, "targets", rows);
  const float* weights = a.f32(4, "weights", rows, true);
  for (int64_t r = 0; r < rows; r++)
    if (targets[r] >= V)
      a.fail("targets[" + std::to_string(r) + "] = " + std::to_string(targets[r]) + " is not below V = " + std::to_string(V));
  if (V == 0 && rows > 0) {
    for (int64_t r = 0; r < rows; r++)
      if (targets[r] >= 0) a.fail("V must be positive");
  }
  no_overlap(a, dlogits, n, logits, n, "dlogits", "logits");
  double total = verdict::softmax_cross_entropy(losses, dlogits, logits, targets, weights, rows, V);
  return Napi::Number::New(info.Env(), total);
}

Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  Args a{info, "logSoftmax"};
  int64_t rows = a.dim(2, "rows"), V = a.dim(3, "V");
  int64_t n = mul(a, rows, V);
  verdict::log_softmax(a.f32(0, "out", n), a.f32(1, "logits", n), rows, V);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args a{info, "softmax"};
  int64_t rows = a.dim(2, "rows"), V = a.dim(3, "V");
  double scale = a.num(4, "scale");
  if (!(scale > 0)) a.fail("scale must be positive (got " + std::to_string(scale) + ")");
  int64_t n = mul(a, rows, V);
  verdict::softmax(a.f32(0, "out", n), a.f32(1, "logits", n), rows, V, static_cast<float>(scale));
  return info.Env().Undefined();
}

Napi::Value AdamW(const Napi::CallbackInfo& info) {
  Args a{info, "adamw"};
  int64_t n = a.dim(4, "n");
  double lr = a.num(5, "lr"), b1 = a.num(6, "beta1"), b2 = a.num(7, "beta2"), eps = a.num(8, "eps"),
         wd = a.num(9, "weightDecay"), step = a.num(10, "step");
  if (step < 1) a.fail("step is 1-based (got " + std::to_string(step) + ")");
  verdict::adamw(a.f32(0, "param", n), a.f32(1, "grad", n), a.f32(2, "m", n), a.f32(3, "v", n), n,
                 static_cast<float>(lr), static_cast<float>(b1), static_cast<float>(b2),
                 static_cast<float>(eps), static_cast<float>(wd), step);
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "verdict native setThreads: need at least 1 thread");
    verdict::pool_set_threads(n);
  }
  return Napi::Number::New(info.Env(), verdict::pool_threads());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("linearForward", Napi::Function::New(env, LinearForward, "linearForward"));
  exports.Set("linearBackward", Napi::Function::New(env, LinearBackward, "linearBackward"));
  exports.Set("layerNormForward", Napi::Function::New(env, LayerNormForward, "layerNormForward"));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackward, "layerNormBackward"));
  exports.Set("geluForward", Napi::Function::New(env, GeluForward, "geluForward"));
  exports.Set("geluBackward", Napi::Function::New(env, GeluBackward, "geluBackward"));
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward, "attentionForward"));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward, "attentionBackward"));
  exports.Set("attentionDecode", Napi::Function::New(env, AttentionDecode, "attentionDecode"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("logSoftmax", Napi::Function::New(env, LogSoftmax, "logSoftmax"));
  exports.Set("decodeBlock", Napi::Function::New(env, DecodeBlock, "decodeBlock"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("adamw", Napi::Function::New(env, AdamW, "adamw"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("simd", Napi::String::New(env, verdict::simd_name()));
  return exports;
}

}  // namespace

NODE_API_MODULE(verdict_kernels, Init)
