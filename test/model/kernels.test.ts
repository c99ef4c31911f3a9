/**
 * Kernel-by-kernel checks of the TypeScript reference kernels.
 *
 * Gradients: the TS kernels are plain loops over indexable arrays, so they run unchanged on
 * Float64Array (cast below). Each backward kernel is checked in float64 against central finite
 * differences (h = 1e-6) of the scalar L = sum(forward(x) * R) for a random R; errors ~1e-8.
 * The native kernels' agreement with these is tested by the native addon's own tests; the
 * model-level tests (gradcheck, sampling, overfit) run with both kernel sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels as k } from '../../src/model/kernels/ts.js';
import { Rng } from '../../src/model/index.js';

const rng = new Rng(42);
const rand = (n: number, s = 1): Float64Array => Float64Array.from({ length: n }, () => rng.normal() * s);
// The kernels are typed for Float32Array; the loops are generic, so float64 arrays pass through.
const f = (a: Float64Array): Float32Array => a as unknown as Float32Array;

/** Checks d/dx of sum(run() * R) (computed by `grad`) against central differences for each input. */
function check(name: string, inputs: Record<string, Float64Array>, outLen: number, run: (out: Float64Array) => void,
  analytic: (R: Float64Array) => Record<string, Float64Array>): void {
  const R = rand(outLen);
  const out = new Float64Array(outLen);
  const L = (): number => { run(out); let s = 0; for (let i = 0; i < outLen; i++) s += out[i]! * R[i]!; return s; };
  const grads = analytic(R);
  for (const [key, x] of Object.entries(inputs)) {
    const g = grads[key]!;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const o = x[i]!;
      x[i] = o + 1e-6; const lp = L();
      x[i] = o - 1e-6; const lm = L();
      x[i] = o;
      const num = (lp - lm) / 2e-6;
      worst = Math.max(worst, Math.abs(num - g[i]!) / (Math.abs(num) + 1e-6));
    }
    assert.ok(worst < 1e-5, `${name}: d${key} relative error ${worst}`);
  }
}

test('matmul: every transpose combination and accumulate match a naive product', () => {
  const M = 5, N = 4, K = 3;
  const A = rand(M * K), Bm = rand(K * N);
  const ref = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let kk = 0; kk < K; kk++) ref[i * N + j]! += A[i * K + kk]! * Bm[kk * N + j]!;
  const At = new Float64Array(K * M), Bt = new Float64Array(N * K);
  for (let i = 0; i < M; i++) for (let kk = 0; kk < K; kk++) At[kk * M + i] = A[i * K + kk]!;
  for (let kk = 0; kk < K; kk++) for (let j = 0; j < N; j++) Bt[j * K + kk] = Bm[kk * N + j]!;
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const out = new Float64Array(M * N).fill(1);
    k.matmul(f(out), f(ta ? At : A), f(tb ? Bt : Bm), M, N, K, ta, tb, true);
    out.forEach((v, i) => assert.ok(Math.abs(v - 1 - ref[i]!) < 1e-12, `trans ${ta} ${tb}`));
    k.matmul(f(out), f(ta ? At : A), f(tb ? Bt : Bm), M, N, K, ta, tb, false);
    out.forEach((v, i) => assert.ok(Math.abs(v - ref[i]!) < 1e-12));
  }
});

test('linear backward matches finite differences', () => {
  const rows = 3, inD = 4, outD = 5;
  const x = rand(rows * inD), w = rand(outD * inD), b = rand(outD);
  check('linear', { x, w, b }, rows * outD, (out) => k.linearForward(f(out), f(x), f(w), f(b), rows, inD, outD), (R) => {
    const dx = new Float64Array(x.length), dw = new Float64Array(w.length).fill(0), db = new Float64Array(b.length);
    k.linearBackward(f(dx), f(dw), f(db), f(R), f(x), f(w), rows, inD, outD);
    return { x: dx, w: dw, b: db };
  });
});

test('layerNorm backward matches finite differences (dx accumulates)', () => {
  const rows = 3, dim = 6;
  const x = rand(rows * dim), g = rand(dim), be = rand(dim);
  const mean = new Float64Array(rows), rstd = new Float64Array(rows);
  check('layerNorm', { x, g, be }, rows * dim, (out) => k.layerNormForward(f(out), f(mean), f(rstd), f(x), f(g), f(be), rows, dim, 1e-5), (R) => {
    k.layerNormForward(f(new Float64Array(rows * dim)), f(mean), f(rstd), f(x), f(g), f(be), rows, dim, 1e-5);
    const dx = new Float64Array(x.length).fill(0.5), dg = new Float64Array(dim), db = new Float64Array(dim);
    k.layerNormBackward(f(dx), f(dg), f(db), f(R), f(x), f(mean), f(rstd), f(g), rows, dim);
    return { x: dx.map((v) => v - 0.5), g: dg, be: db };
  });
});

test('gelu backward matches finite differences', () => {
  const n = 12;
  const x = rand(n, 2);
  check('gelu', { x }, n, (out) => k.geluForward(f(out), f(x), n), (R) => {
    const dx = new Float64Array(n);
    k.geluBackward(f(dx), f(R), f(x), n);
    return { x: dx };
  });
});

test('attention backward matches finite differences; probs are causal', () => {
  const B = 2, T = 4, C = 6, H = 2;
  const qkv = rand(B * T * 3 * C);
  const probs = new Float64Array(B * H * T * T);
  check('attention', { qkv }, B * T * C, (out) => k.attentionForward(f(out), f(probs), f(qkv), B, T, C, H), (R) => {
    k.attentionForward(f(new Float64Array(B * T * C)), f(probs), f(qkv), B, T, C, H);
    const d = new Float64Array(qkv.length);
    k.attentionBackward(f(d), f(R), f(qkv), f(probs), B, T, C, H);
    return { qkv: d };
  });
  for (let bh = 0; bh < B * H; bh++) for (let t = 0; t < T; t++) {
    let s = 0;
    for (let u = 0; u < T; u++) { const p = probs[(bh * T + t) * T + u]!; if (u > t) assert.equal(p, 0); s += p; }
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
});

test('attentionDecode equals the last row of full attention', () => {
  const T = 5, C = 8, H = 2, hd = C / H, maxT = 7;
  const qkv = rand(T * 3 * C);
  const full = new Float64Array(T * C);
  k.attentionForward(f(full), f(new Float64Array(H * T * T)), f(qkv), 1, T, C, H);
  const kc = new Float64Array(3 * H * maxT * hd), vc = new Float64Array(3 * H * maxT * hd);
  const slot = 2;
  for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) for (let i = 0; i < hd; i++) {
    kc[((slot * H + h) * maxT + t) * hd + i] = qkv[t * 3 * C + C + h * hd + i]!;
    vc[((slot * H + h) * maxT + t) * hd + i] = qkv[t * 3 * C + 2 * C + h * hd + i]!;
  }
  for (let len = 1; len <= T; len++) {
    const out = new Float64Array(C);
    k.attentionDecode(f(out), f(qkv.subarray((len - 1) * 3 * C)), f(kc), f(vc), Int32Array.of(slot), Int32Array.of(len), 1, C, H, maxT);
    out.forEach((v, i) => assert.ok(Math.abs(v - full[(len - 1) * C + i]!) < 1e-12));
  }
});

test('softmax cross-entropy: loss, weighted gradient, ignored targets; logSoftmax', () => {
  const rows = 4, V = 5;
  const logits = rand(rows * V, 2);
  const targets = Int32Array.of(1, -1, 4, 0);
  const weights = Float64Array.of(0.5, 3, -1, 2);
  const losses = new Float64Array(rows);
  check('softmaxCrossEntropy', { logits }, 1, (out) => { out[0] = k.softmaxCrossEntropy(f(losses), null, f(logits), targets, f(weights), rows, V); }, (R) => {
    const d = new Float64Array(rows * V);
    k.softmaxCrossEntropy(f(losses), f(d), f(logits), targets, f(weights), rows, V);
    return { logits: d.map((v) => v * R[0]!) };
  });
  k.softmaxCrossEntropy(f(losses), null, f(logits), targets, f(weights), rows, V);
  assert.equal(losses[1], 0);
  const ls = new Float64Array(rows * V);
  k.logSoftmax(f(ls), f(logits), rows, V);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(ls[r * V + j]!);
    assert.ok(Math.abs(s - 1) < 1e-12);
    if (targets[r]! >= 0) assert.ok(Math.abs(-ls[r * V + targets[r]!]! - losses[r]!) < 1e-12);
  }
  // softmax at a temperature: exp(scale * logSoftmax) renormalized
  for (const scale of [1, 0.5, 3]) {
    const sm = new Float64Array(rows * V);
    k.softmax(f(sm), f(logits), rows, V, scale);
    for (let r = 0; r < rows; r++) {
      let z = 0;
      for (let j = 0; j < V; j++) z += Math.exp(scale * ls[r * V + j]!);
      for (let j = 0; j < V; j++) assert.ok(Math.abs(sm[r * V + j]! - Math.exp(scale * ls[r * V + j]!) / z) < 1e-12);
    }
  }
});

test('adamw: one step equals the closed form with decoupled decay', () => {
  const p = Float64Array.of(1, -2), g = Float64Array.of(0.5, 0.1);
  const m = Float64Array.of(0.1, 0), v = Float64Array.of(0.01, 0);
  const lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1, step = 3;
  const expect = [0, 1].map((i) => {
    const mi = b1 * m[i]! + (1 - b1) * g[i]!;
    const vi = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
    return p[i]! - lr * ((mi / (1 - b1 ** step)) / (Math.sqrt(vi / (1 - b2 ** step)) + eps) + wd * p[i]!);
  });
  k.adamw(f(p), f(g), f(m), f(v), 2, lr, b1, b2, eps, wd, step);
  p.forEach((x, i) => assert.ok(Math.abs(x - expect[i]!) < 1e-12));
});
