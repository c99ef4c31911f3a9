/**
 * Micro-benchmark of the native kernels (`node --import tsx bench/kernels.ts`): GFLOP/s of the
 * matrix product at 512^3 and at the shapes of the default model (d_model 128, batch 16 x context
 * 128 = 2048 rows), time of the fused kernels (training shapes and the sampling step's), and the TypeScript matmul at one shape measured in
 * the same run for the ratio. Prints ONE JSON line. Takes a few seconds.
 */
import { loadNativeKernels, nativeInfo } from '../src/model/kernels/native.js';
import type { Kernels, NativeKernels } from '../src/model/kernels/types.js';

const r = loadNativeKernels();
if ('error' in r) {
  console.log(JSON.stringify({ error: r.error }));
  process.exit(1);
}
const k = r.kernels as Required<NativeKernels>;

function rnd(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}
/** Best time in ms over repeated runs lasting about `budgetMs`. */
function time(fn: () => void, budgetMs = 150): number {
  fn();
  let best = Infinity, spent = 0, runs = 0;
  while ((spent < budgetMs || runs < 3) && runs < 200) {
    const t = performance.now();
    fn();
    const d = performance.now() - t;
    best = Math.min(best, d);
    spent += d;
    runs++;
  }
  return best;
}
function gemmGflops(kern: Pick<Kernels, 'matmul'>, M: number, N: number, K: number, tA: boolean, tB: boolean, acc: boolean, budget = 150): number {
  const a = rnd(M * K), b = rnd(K * N), c = new Float32Array(M * N);
  const ms = time(() => kern.matmul(c, a, b, M, N, K, tA, tB, acc), budget);
  return Math.round((2 * M * N * K) / ms / 1e4) / 100;
}

const R = 2048, D = 128;
const shapes: Record<string, [number, number, number, boolean, boolean, boolean]> = {
  'sq512': [512, 512, 512, false, false, false],
  'sq1024': [1024, 1024, 1024, false, false, false],
  'qkv_fwd_2048x384x128_tB': [R, 3 * D, D, false, true, false],
  'fc_fwd_2048x512x128_tB': [R, 4 * D, D, false, true, false],
  'proj_fwd_2048x128x512_tB': [R, D, 4 * D, false, true, false],
  'logits_fwd_2048x96x128_tB': [R, 96, D, false, true, false],
  'fc_dx_2048x128x512': [R, D, 4 * D, false, false, false],
  'fc_dw_512x128x2048_tA_acc': [4 * D, D, R, true, false, true],
  'qkv_dw_384x128x2048_tA_acc': [3 * D, D, R, true, false, true],
};
const gflops: Record<string, number> = {};
for (const [name, [M, N, K, tA, tB, acc]] of Object.entries(shapes)) gflops[name] = gemmGflops(k, M, N, K, tA, tB, acc);

// Fused kernels at the model's sizes (B 16, T 128, C 128, H 4, V 96).
const B = 16, T = 128, C = 128, H = 4, V = 96;
const qkv = rnd(B * T * 3 * C), out = new Float32Array(B * T * C), probs = new Float32Array(B * H * T * T);
const dqkv = new Float32Array(B * T * 3 * C), dout = rnd(B * T * C);
const x4 = rnd(R * 4 * D), y4 = new Float32Array(R * 4 * D);
const x = rnd(R * D), y = new Float32Array(R * D), mean = new Float32Array(R), rstd = new Float32Array(R);
const g = rnd(D), bta = rnd(D), dg = new Float32Array(D), db = new Float32Array(D);
const logits = rnd(R * V), dlog = new Float32Array(R * V), losses = new Float32Array(R);
const targets = Int32Array.from({ length: R }, () => Math.floor(Math.random() * V));
const nParams = 800_000, p = rnd(nParams), gr = rnd(nParams), m = new Float32Array(nParams), v = new Float32Array(nParams);
const ms = (fn: () => void): number => Math.round(time(fn, 100) * 1000) / 1000;
const fusedMs = {
  attention_fwd: ms(() => k.attentionForward(out, probs, qkv, B, T, C, H)),
  attention_bwd: ms(() => k.attentionBackward(dqkv, dout, qkv, probs, B, T, C, H)),
  gelu_fwd_2048x512: ms(() => k.geluForward(y4, x4, R * 4 * D)),
  gelu_bwd_2048x512: ms(() => k.geluBackward(y4, x4, x4, R * 4 * D)),
  layernorm_fwd_2048x128: ms(() => k.layerNormForward(y, mean, rstd, x, g, bta, R, D, 1e-5)),
  layernorm_bwd_2048x128: ms(() => k.layerNormBackward(y, dg, db, x, x, mean, rstd, g, R, D)),
  softmax_ce_2048x96: ms(() => k.softmaxCrossEntropy(losses, dlog, logits, targets, null, R, V)),
  adamw_800k: ms(() => k.adamw(p, gr, m, v, nParams, 1e-3, 0.9, 0.95, 1e-8, 0.1, 1)),
};

// Sampling kernels at the sampling benchmark's shape: 64 sequences, each 64 positions into a
// 128-position KV cache (one layer's cache, warm; in a real run four layers share the L3).
const S = 64, maxT = 128, pos = 64;
const kc = rnd(S * maxT * C), vc = rnd(S * maxT * C), xs = rnd(S * C), qs = rnd(S * 3 * C), os = new Float32Array(S * C);
const slots = Int32Array.from({ length: S }, (_, i) => i);
const lengths = new Int32Array(S).fill(pos + 1), positions = new Int32Array(S).fill(pos);
const block = {
  ln1g: rnd(C), ln1b: rnd(C), qkvW: rnd(3 * C * C), qkvB: rnd(3 * C), projW: rnd(C * C), projB: rnd(C),
  ln2g: rnd(C), ln2b: rnd(C), fcW: rnd(4 * C * C), fcB: rnd(4 * C), fcProjW: rnd(4 * C * C), fcProjB: rnd(C),
};
const scratch = new Float32Array(S * (10 * C + 2)), packed = new Float32Array(12 * C * C + 128 * C);
k.decodeBlock(xs, block, kc, vc, slots, positions, S, C, H, maxT, 1e-5, scratch, packed, true);
const sampleLogits = rnd(S * V), sampleOut = new Float32Array(S * V);
const sampleMs = {
  attention_decode_64x65: ms(() => k.attentionDecode(os, qs, kc, vc, slots, lengths, S, C, H, maxT)),
  // xs is updated in place; LayerNorm keeps the values bounded
  decode_block_64x65: ms(() => k.decodeBlock(xs, block, kc, vc, slots, positions, S, C, H, maxT, 1e-5, scratch, packed, false)),
  decode_block_repack_64x65: ms(() => k.decodeBlock(xs, block, kc, vc, slots, positions, S, C, H, maxT, 1e-5, scratch, packed, true)),
  softmax_64x96: ms(() => k.softmax(sampleOut, sampleLogits, S, V, 1.25)),
  log_softmax_64x96: ms(() => k.logSoftmax(sampleOut, sampleLogits, S, V)),
};

// TypeScript reference at one model shape, same run, for the ratio.
let tsGflops: number | null = null;
try {
  const spec = '../src/model/kernels/ts.js';
  const { tsKernels } = (await import(spec)) as { tsKernels: Kernels };
  tsGflops = gemmGflops(tsKernels, R, 3 * D, D, false, true, false, 300);
} catch {
  tsGflops = null;
}
const info = nativeInfo();
console.log(JSON.stringify({
  threads: info?.threads, simd: info?.simd,
  matmul_gflops: gflops,
  fused_ms: fusedMs,
  sampling_ms: sampleMs,
  ts_matmul_gflops_qkv: tsGflops,
  native_over_ts_qkv: tsGflops ? Math.round((gflops['qkv_fwd_2048x384x128_tB']! / tsGflops) * 10) / 10 : null,
}));
