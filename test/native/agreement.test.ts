/**
 * Every native kernel against (a) a naive float64 oracle written here and (b) the TypeScript
 * reference kernels (src/model/kernels/ts.ts): relative error (max |a - b| over max |b|) at most
 * 1e-4, on random inputs with odd sizes and every transpose/accumulate flag. Also: argument
 * validation (a wrong-sized buffer throws, never corrupts memory) and the loader's fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kernels, NativeKernels } from '../../src/model/kernels/types.js';
import { loadNativeKernels, defaultAddonPath, nativeInfo } from '../../src/model/kernels/native.js';

const TOL = 1e-4;
const loaded = loadNativeKernels();
const skipNative = 'error' in loaded ? `native addon not built (${loaded.error}); run npm run build:native` : false;
const nk = ('kernels' in loaded ? loaded.kernels : {}) as Required<NativeKernels>;

const tsPath = fileURLToPath(new URL('../../src/model/kernels/ts.ts', import.meta.url));
let tsKernels: Kernels | undefined;
if (existsSync(tsPath)) {
  const spec = '../../src/model/kernels/ts.js';
  tsKernels = ((await import(spec)) as { tsKernels: Kernels }).tsKernels;
}
const tsNote = tsKernels ? '' : ' (TypeScript reference src/model/kernels/ts.ts not present yet: oracle only)';

// ---------------------------------------------------------------- helpers
let seed = 12345;
function rand(): number {
  // xorshift32, deterministic
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
function randArray(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
  return a;
}
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let diff = 0, mag = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    mag = Math.max(mag, Math.abs(want[i]!));
  }
  if (Number.isNaN(diff)) return Infinity;
  return diff / Math.max(mag, 1e-6);
}
function expectClose(label: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const e = relErr(got, want);
  assert.ok(e <= TOL, `${label}: relative error ${e.toExponential(2)} > ${TOL}`);
}
const copy = (a: Float32Array): Float32Array => new Float32Array(a);
const SIZES = [1, 7, 33, 130];

/** Runs `call` on fresh copies of `outs` with native and TS kernels, compares both with `want`. */
function agree(
  label: string,
  outs: Float32Array[],
  call: (k: Kernels | Required<NativeKernels>, o: Float32Array[]) => number | void,
  want: ArrayLike<number>[],
  wantReturn?: number,
): void {
  const on = outs.map(copy);
  const rn = call(nk, on);
  on.forEach((o, i) => expectClose(`${label} native vs float64 [out ${i}]`, o, want[i]!));
  if (wantReturn !== undefined) expectClose(`${label} native return`, [rn as number], [wantReturn]);
  if (tsKernels) {
    const ot = outs.map(copy);
    const rt = call(tsKernels, ot);
    on.forEach((o, i) => expectClose(`${label} native vs TypeScript [out ${i}]`, o, ot[i]!));
    if (wantReturn !== undefined) expectClose(`${label} native vs TypeScript return`, [rn as number], [rt as number]);
  }
}

// ---------------------------------------------------------------- float64 oracles
function oMatmul(out0: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, tA: boolean, tB: boolean, acc: boolean): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = acc ? out0[i * N + j]! : 0;
      for (let k = 0; k < K; k++) s += a[tA ? k * M + i : i * K + k]! * b[tB ? j * K + k : k * N + j]!;
      out[i * N + j] = s;
    }
  return out;
}
const geluF = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
function geluD(x: number): number {
  const c = Math.sqrt(2 / Math.PI), t = Math.tanh(c * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
}
function oLayerNorm(x: Float32Array, g: Float32Array, b: Float32Array, rows: number, dim: number, eps: number) {
  const out = new Float64Array(rows * dim), mean = new Float64Array(rows), rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < dim; i++) m += x[r * dim + i]!;
    m /= dim;
    let v = 0;
    for (let i = 0; i < dim; i++) v += (x[r * dim + i]! - m) ** 2;
    const rs = 1 / Math.sqrt(v / dim + eps);
    for (let i = 0; i < dim; i++) out[r * dim + i] = (x[r * dim + i]! - m) * rs * g[i]! + b[i]!;
    mean[r] = m; rstd[r] = rs;
  }
  return { out, mean, rstd };
}
function oAttention(qkv: Float32Array, B: number, T: number, C: number, H: number) {
  const hd = C / H, out = new Float64Array(B * T * C), probs = new Float64Array(B * H * T * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const sc: number[] = [];
        let mx = -Infinity;
        for (let s = 0; s <= t; s++) {
          let d = 0;
          for (let i = 0; i < hd; i++) d += qkv[(b * T + t) * 3 * C + h * hd + i]! * qkv[(b * T + s) * 3 * C + C + h * hd + i]!;
          sc.push(d / Math.sqrt(hd));
          mx = Math.max(mx, d / Math.sqrt(hd));
        }
        const e = sc.map((v) => Math.exp(v - mx)), z = e.reduce((p, q) => p + q, 0);
        for (let s = 0; s <= t; s++) {
          const p = e[s]! / z;
          probs[((b * H + h) * T + t) * T + s] = p;
          for (let i = 0; i < hd; i++) out[(b * T + t) * C + h * hd + i] += p * qkv[(b * T + s) * 3 * C + 2 * C + h * hd + i]!;
        }
      }
  return { out, probs };
}
function oAttentionBackward(dout: Float32Array, qkv: Float32Array, B: number, T: number, C: number, H: number): Float64Array {
  const hd = C / H, dq = new Float64Array(B * T * 3 * C), { probs } = oAttention(qkv, B, T, C, H);
  const at = (b: number, t: number, part: number, h: number, i: number) => (b * T + t) * 3 * C + part * C + h * hd + i;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let t = 0; t < T; t++) {
        const dp: number[] = [];
        let pdp = 0;
        for (let s = 0; s <= t; s++) {
          const p = probs[((b * H + h) * T + t) * T + s]!;
          let d = 0;
          for (let i = 0; i < hd; i++) {
            d += dout[(b * T + t) * C + h * hd + i]! * qkv[at(b, s, 2, h, i)]!;
            dq[at(b, s, 2, h, i)] += p * dout[(b * T + t) * C + h * hd + i]!;
          }
          dp.push(d);
          pdp += p * d;
        }
        for (let s = 0; s <= t; s++) {
          const ds = (probs[((b * H + h) * T + t) * T + s]! * (dp[s]! - pdp)) / Math.sqrt(hd);
          for (let i = 0; i < hd; i++) {
            dq[at(b, t, 0, h, i)] += ds * qkv[at(b, s, 1, h, i)]!;
            dq[at(b, s, 1, h, i)] += ds * qkv[at(b, t, 0, h, i)]!;
          }
        }
      }
  return dq;
}

// ---------------------------------------------------------------- tests
test('native kernels agree with float64 and TypeScript references' + tsNote, { skip: skipNative }, async (t) => {
  await t.test('matmul: odd sizes, every transpose and accumulate flag', () => {
    for (const M of SIZES) for (const N of SIZES) for (const K of SIZES)
      for (let f = 0; f < 8; f++) {
        const tA = (f & 1) !== 0, tB = (f & 2) !== 0, acc = (f & 4) !== 0;
        const a = randArray(M * K), b = randArray(K * N), out = randArray(M * N);
        agree(`matmul M${M} N${N} K${K} tA=${tA} tB=${tB} acc=${acc}`, [out],
          (k, o) => k.matmul(o[0]!, a, b, M, N, K, tA, tB, acc), [oMatmul(out, a, b, M, N, K, tA, tB, acc)]);
      }
  });

  await t.test('matmul: sizes crossing every block boundary (threaded)', () => {
    const [M, N, K] = [250, 530, 300];
    for (let f = 0; f < 8; f++) {
      const tA = (f & 1) !== 0, tB = (f & 2) !== 0, acc = (f & 4) !== 0;
      const a = randArray(M * K), b = randArray(K * N), out = randArray(M * N);
      agree(`matmul ${M}x${N}x${K} f${f}`, [out], (k, o) => k.matmul(o[0]!, a, b, M, N, K, tA, tB, acc),
        [oMatmul(out, a, b, M, N, K, tA, tB, acc)]);
    }
    // K = 0: overwrite gives zeros, accumulate leaves out unchanged.
    const out = randArray(12);
    agree('matmul K=0 acc', [out], (k, o) => k.matmul(o[0]!, new Float32Array(0), new Float32Array(0), 3, 4, 0, false, false, true), [out]);
    agree('matmul K=0', [out], (k, o) => k.matmul(o[0]!, new Float32Array(0), new Float32Array(0), 3, 4, 0, false, false, false), [new Float64Array(12)]);
  });

  await t.test('linearForward / linearBackward (with and without bias, dx null)', () => {
    for (const [rows, inDim, outDim] of [[1, 1, 1], [7, 33, 130], [130, 7, 33], [300, 130, 390]] as const)
      for (const withBias of [true, false]) {
        const x = randArray(rows * inDim), w = randArray(outDim * inDim), bias = withBias ? randArray(outDim) : null;
        const want = oMatmul(new Float32Array(rows * outDim), x, w, rows, outDim, inDim, false, true, false);
        if (bias) for (let r = 0; r < rows; r++) for (let j = 0; j < outDim; j++) want[r * outDim + j] += bias[j]!;
        agree(`linearForward ${rows}x${inDim}->${outDim} bias=${withBias}`, [randArray(rows * outDim)],
          (k, o) => k.linearForward(o[0]!, x, w, bias, rows, inDim, outDim), [want]);

        const dout = randArray(rows * outDim), dw = randArray(outDim * inDim), db = randArray(outDim), dx = randArray(rows * inDim);
        const wdx = oMatmul(dx, dout, w, rows, inDim, outDim, false, false, false);
        const wdw = oMatmul(dw, dout, x, outDim, inDim, rows, true, false, true);
        const wdb = Float64Array.from(db);
        for (let r = 0; r < rows; r++) for (let j = 0; j < outDim; j++) wdb[j] += dout[r * outDim + j]!;
        agree(`linearBackward ${rows}x${inDim}->${outDim} bias=${withBias}`, withBias ? [dx, dw, db] : [dx, dw],
          (k, o) => k.linearBackward(o[0]!, o[1]!, withBias ? o[2]! : null, dout, x, w, rows, inDim, outDim),
          withBias ? [wdx, wdw, wdb] : [wdx, wdw]);
        agree(`linearBackward dx=null ${rows}x${inDim}->${outDim}`, [dw],
          (k, o) => k.linearBackward(null, o[0]!, null, dout, x, w, rows, inDim, outDim), [wdw]);
      }
  });

  await t.test('layerNormForward / layerNormBackward', () => {
    for (const rows of [1, 7, 130, 600]) for (const dim of SIZES) {
      const x = randArray(rows * dim, 3), g = randArray(dim), b = randArray(dim), eps = 1e-5;
      const o = oLayerNorm(x, g, b, rows, dim, eps);
      agree(`layerNormForward ${rows}x${dim}`, [new Float32Array(rows * dim), new Float32Array(rows), new Float32Array(rows)],
        (k, out) => k.layerNormForward(out[0]!, out[1]!, out[2]!, x, g, b, rows, dim, eps), [o.out, o.mean, o.rstd]);

      const mean = Float32Array.from(o.mean), rstd = Float32Array.from(o.rstd), dout = randArray(rows * dim);
      const dx0 = randArray(rows * dim), dg0 = randArray(dim), db0 = randArray(dim);
      const dx = Float64Array.from(dx0), dg = Float64Array.from(dg0), db = Float64Array.from(db0);
      for (let r = 0; r < rows; r++) {
        let s1 = 0, s2 = 0;
        for (let i = 0; i < dim; i++) {
          const n = (x[r * dim + i]! - mean[r]!) * rstd[r]!, dn = dout[r * dim + i]! * g[i]!;
          s1 += dn; s2 += dn * n;
          dg[i] += dout[r * dim + i]! * n; db[i] += dout[r * dim + i]!;
        }
        for (let i = 0; i < dim; i++) {
          const n = (x[r * dim + i]! - mean[r]!) * rstd[r]!, dn = dout[r * dim + i]! * g[i]!;
          dx[r * dim + i] += rstd[r]! * (dn - s1 / dim - n * (s2 / dim));
        }
      }
      agree(`layerNormBackward ${rows}x${dim}`, [dx0, dg0, db0],
        (k, out) => k.layerNormBackward(out[0]!, out[1]!, out[2]!, dout, x, mean, rstd, g, rows, dim), [dx, dg, db]);
    }
  });

  await t.test('geluForward / geluBackward', () => {
    for (const n of [...SIZES, 100_003]) {
      const x = randArray(n, 6), dout = randArray(n);
      agree(`geluForward n=${n}`, [new Float32Array(n)], (k, o) => k.geluForward(o[0]!, x, n), [Float64Array.from(x, geluF)]);
      agree(`geluBackward n=${n}`, [new Float32Array(n)], (k, o) => k.geluBackward(o[0]!, dout, x, n),
        [Float64Array.from(x, (v, i) => geluD(v) * dout[i]!)]);
    }
  });

  await t.test('attentionForward / attentionBackward', () => {
    for (const [B, T, C, H] of [[1, 1, 4, 1], [2, 7, 12, 3], [1, 33, 64, 4], [2, 130, 40, 2], [3, 17, 33, 1]] as const) {
      const qkv = randArray(B * T * 3 * C, 2), dout = randArray(B * T * C);
      const o = oAttention(qkv, B, T, C, H);
      agree(`attentionForward B${B} T${T} C${C} H${H}`, [randArray(B * T * C), randArray(B * H * T * T)],
        (k, out) => k.attentionForward(out[0]!, out[1]!, qkv, B, T, C, H), [o.out, o.probs]);
      const probs = Float32Array.from(o.probs);
      agree(`attentionBackward B${B} T${T} C${C} H${H}`, [randArray(B * T * 3 * C)],
        (k, out) => k.attentionBackward(out[0]!, dout, qkv, probs, B, T, C, H), [oAttentionBackward(dout, qkv, B, T, C, H)]);
    }
  });

  await t.test('attentionDecode (KV cache, per-row slots and lengths)', () => {
    if (!('attentionDecode' in nk)) return;
    for (const [m, C, H, maxT, S] of [[1, 4, 1, 1, 1], [7, 12, 3, 33, 5], [64, 128, 4, 130, 64], [3, 33, 1, 7, 2]] as const) {
      const hd = C / H;
      const qkv = randArray(m * 3 * C, 2), kc = randArray(S * H * maxT * hd, 2), vc = randArray(S * H * maxT * hd);
      const slots = Int32Array.from({ length: m }, (_, r) => (r * 7) % S);
      const lengths = Int32Array.from({ length: m }, (_, r) => (r === 0 ? maxT : 1 + Math.floor(rand() * maxT)));
      const want = new Float64Array(m * C);
      for (let r = 0; r < m; r++) for (let h = 0; h < H; h++) {
        const base = (slots[r]! * H + h) * maxT * hd, sc: number[] = [];
        for (let u = 0; u < lengths[r]!; u++) {
          let d = 0;
          for (let i = 0; i < hd; i++) d += qkv[r * 3 * C + h * hd + i]! * kc[base + u * hd + i]!;
          sc.push(d / Math.sqrt(hd));
        }
        const mx = Math.max(...sc), e = sc.map((v) => Math.exp(v - mx)), z = e.reduce((p, q) => p + q, 0);
        for (let u = 0; u < sc.length; u++)
          for (let i = 0; i < hd; i++) want[r * C + h * hd + i] += (e[u]! / z) * vc[base + u * hd + i]!;
      }
      agree(`attentionDecode m${m} C${C} H${H} maxT${maxT}`, [randArray(m * C)],
        (k, o) => k.attentionDecode(o[0]!, qkv, kc, vc, slots, lengths, m, C, H, maxT), [want]);
    }
    const q = new Float32Array(12), cache = new Float32Array(2 * 4 * 3);
    assert.throws(() => nk.attentionDecode(new Float32Array(4), q, cache, cache, Int32Array.of(2), Int32Array.of(1), 1, 4, 2, 3), /slots\[0\] = 2 is outside the cache \(2 slots\)/);
    assert.throws(() => nk.attentionDecode(new Float32Array(4), q, cache, cache, Int32Array.of(0), Int32Array.of(4), 1, 4, 2, 3), /lengths\[0\] = 4 is outside 0..3/);
  });

  await t.test('decodeBlock (fused block step: residual stream and KV-cache writes)', () => {
    if (!('decodeBlock' in nk) || !tsKernels) return;
    const ts = tsKernels;
    // [m, C, H, maxT, slots]: one head of 8 (AVX path), odd head size 7 (generic path), head size 32
    // with chunks split over threads, the sampling benchmark's shape
    for (const [m, C, H, maxT, S] of [[1, 8, 1, 3, 2], [7, 21, 3, 9, 9], [37, 64, 2, 20, 40], [64, 128, 4, 130, 64]] as const) {
      const hd = C / H;
      const w = {
        ln1g: randArray(C, 1), ln1b: randArray(C, 0.1), qkvW: randArray(3 * C * C, 0.2), qkvB: randArray(3 * C, 0.1),
        projW: randArray(C * C, 0.2), projB: randArray(C, 0.1), ln2g: randArray(C, 1), ln2b: randArray(C, 0.1),
        fcW: randArray(4 * C * C, 0.2), fcB: randArray(4 * C, 0.1), fcProjW: randArray(4 * C * C, 0.1), fcProjB: randArray(C, 0.1),
      };
      const x = randArray(m * C, 1), kc = randArray(S * H * maxT * hd, 1), vc = randArray(S * H * maxT * hd, 1);
      // distinct slots in a shuffled order, positions anywhere in the cache (0 and maxT - 1 included)
      const perm = Array.from({ length: S }, (_, i) => i).sort(() => rand() - 0.5);
      const slots = Int32Array.from({ length: m }, (_, r) => perm[r]!);
      const positions = Int32Array.from({ length: m }, (_, r) => (r === 0 ? maxT - 1 : r === 1 ? 0 : Math.floor(rand() * maxT)));
      // float64 oracle: the TypeScript twin (single kernels one by one) in double precision
      const f64 = (a: Float32Array) => Float64Array.from(a) as unknown as Float32Array;
      const w64 = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, f64(v)])) as unknown as typeof w;
      const want = [f64(x), f64(kc), f64(vc)];
      ts.decodeBlock(want[0]!, w64, want[1]!, want[2]!, slots, positions, m, C, H, maxT, 1e-5,
        new Float64Array(m * (10 * C + 2)) as unknown as Float32Array, new Float32Array(0), true);
      const packed = new Float32Array(12 * C * C + 128 * C + 1).subarray(1); // deliberately not 32-byte aligned
      agree(`decodeBlock m${m} C${C} H${H} maxT${maxT}`, [x, kc, vc],
        (k, o) => k.decodeBlock(o[0]!, w, o[1]!, o[2]!, slots, positions, m, C, H, maxT, 1e-5, new Float32Array(m * (10 * C + 2)), packed, true),
        want);
      // a second step with the packed weights reused (repack false) gives the same result
      const o1 = [copy(x), copy(kc), copy(vc)];
      nk.decodeBlock(o1[0]!, w, o1[1]!, o1[2]!, slots, positions, m, C, H, maxT, 1e-5, new Float32Array(m * (10 * C + 2)), packed, false);
      o1.forEach((o, i) => expectClose(`decodeBlock reusing packed weights [out ${i}]`, o, want[i]!));
    }
    const C = 8, w = { ln1g: new Float32Array(C), ln1b: new Float32Array(C), qkvW: new Float32Array(3 * C * C), qkvB: new Float32Array(3 * C),
      projW: new Float32Array(C * C), projB: new Float32Array(C), ln2g: new Float32Array(C), ln2b: new Float32Array(C),
      fcW: new Float32Array(4 * C * C), fcB: new Float32Array(4 * C), fcProjW: new Float32Array(4 * C * C), fcProjB: new Float32Array(C) };
    const cache = new Float32Array(2 * 4 * C), x = new Float32Array(2 * C), scratch = new Float32Array(2 * (10 * C + 2)), packed = new Float32Array(12 * C * C + 128 * C);
    const call = (o: Partial<{ w: typeof w; slots: Int32Array; positions: Int32Array; packed: Float32Array }>) =>
      nk.decodeBlock(x, o.w ?? w, cache, cache.slice(), o.slots ?? Int32Array.of(0, 1), o.positions ?? Int32Array.of(0, 3), 2, C, 2, 4, 1e-5, scratch, o.packed ?? packed, true);
    call({});
    assert.throws(() => call({ slots: Int32Array.of(1, 1) }), /slots\[1\] = 1 appears twice/);
    assert.throws(() => call({ positions: Int32Array.of(0, 4) }), /positions\[1\] = 4 is outside 0..3/);
    assert.throws(() => call({ packed: new Float32Array(100) }), /packed has 100 elements/);
    assert.throws(() => call({ w: { ...w, fcW: new Float32Array(3) } }), /w\.fcW has 3 elements/);
  });

  await t.test('softmaxCrossEntropy (weights, ignored targets, no gradient) and logSoftmax', () => {
    for (const rows of [1, 7, 33, 2048]) for (const V of SIZES) {
      const logits = randArray(rows * V, 5);
      const targets = Int32Array.from({ length: rows }, (_, r) => (r % 5 === 3 ? -1 : Math.floor(rand() * V)));
      const ls = new Float64Array(rows * V);
      for (let r = 0; r < rows; r++) {
        let mx = -Infinity;
        for (let i = 0; i < V; i++) mx = Math.max(mx, logits[r * V + i]!);
        let z = 0;
        for (let i = 0; i < V; i++) z += Math.exp(logits[r * V + i]! - mx);
        for (let i = 0; i < V; i++) ls[r * V + i] = logits[r * V + i]! - mx - Math.log(z);
      }
      agree(`logSoftmax ${rows}x${V}`, [new Float32Array(rows * V)], (k, o) => k.logSoftmax(o[0]!, logits, rows, V), [ls]);
      if ('softmax' in nk) for (const scale of [1, 0.37, 2.5]) {
        const sm = new Float64Array(rows * V);
        for (let r = 0; r < rows; r++) {
          let mx = -Infinity;
          for (let i = 0; i < V; i++) mx = Math.max(mx, logits[r * V + i]! * scale);
          let z = 0;
          for (let i = 0; i < V; i++) z += Math.exp(logits[r * V + i]! * scale - mx);
          for (let i = 0; i < V; i++) sm[r * V + i] = Math.exp(logits[r * V + i]! * scale - mx) / z;
        }
        agree(`softmax ${rows}x${V} scale ${scale}`, [new Float32Array(rows * V)], (k, o) => k.softmax(o[0]!, logits, rows, V, scale), [sm]);
      }
      for (const weighted of [false, true]) for (const withGrad of [true, false]) {
        const weights = weighted ? randArray(rows) : null;
        const losses = new Float64Array(rows), dl = new Float64Array(rows * V);
        let total = 0;
        for (let r = 0; r < rows; r++) {
          const tg = targets[r]!;
          if (tg < 0) continue;
          const w = weights ? weights[r]! : 1;
          losses[r] = -ls[r * V + tg]!;
          total += w * losses[r]!;
          for (let i = 0; i < V; i++) dl[r * V + i] = w * (Math.exp(ls[r * V + i]!) - (i === tg ? 1 : 0));
        }
        agree(`softmaxCrossEntropy ${rows}x${V} weighted=${weighted} grad=${withGrad}`,
          withGrad ? [randArray(rows), randArray(rows * V)] : [randArray(rows)],
          (k, o) => k.softmaxCrossEntropy(o[0]!, withGrad ? o[1]! : null, logits, targets, weights, rows, V),
          withGrad ? [losses, dl] : [losses], total);
      }
    }
  });

  await t.test('adamw', () => {
    for (const n of [...SIZES, 70_001]) for (const step of [1, 10]) {
      const p = randArray(n), g = randArray(n), m = randArray(n, 0.1), v = Float32Array.from(randArray(n, 0.01), Math.abs);
      const [lr, b1, b2, eps, wd] = [1e-3, 0.9, 0.95, 1e-8, 0.1];
      const wp = new Float64Array(n), wm = new Float64Array(n), wv = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        wm[i] = b1 * m[i]! + (1 - b1) * g[i]!;
        wv[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
        const mh = wm[i]! / (1 - b1 ** step), vh = wv[i]! / (1 - b2 ** step);
        wp[i] = p[i]! - lr * (mh / (Math.sqrt(vh) + eps) + wd * p[i]!);
      }
      agree(`adamw n=${n} step=${step}`, [p, m, v], (k, o) => k.adamw(o[0]!, g, o[1]!, o[2]!, n, lr, b1, b2, eps, wd, step), [wp, wm, wv]);
    }
  });
});

test('native kernels reject wrong arguments with a clear error', { skip: skipNative }, () => {
  const a = new Float32Array(6), b = new Float32Array(6), out = new Float32Array(4);
  assert.throws(() => nk.matmul(out, a, new Float32Array(5), 2, 2, 3, false, false, false), /matmul: b has 5 elements, needs at least 6/);
  assert.throws(() => nk.matmul(new Float32Array(3), a, b, 2, 2, 3, false, false, false), /out has 3 elements/);
  assert.throws(() => nk.matmul(out, new Float64Array(6) as unknown as Float32Array, b, 2, 2, 3, false, false, false), /a must be a Float32Array/);
  assert.throws(() => nk.matmul(out, a, b, 2, 2, 1.5, false, false, false), /K must be a non-negative integer/);
  assert.throws(() => nk.matmul(out, a, b, -2, 2, 3, false, false, false), /M must be a non-negative integer/);
  const buf = new Float32Array(20);
  assert.throws(() => nk.matmul(buf.subarray(0, 4), buf.subarray(2, 8), b, 2, 2, 3, false, false, false), /out must not overlap a/);
  assert.throws(() => nk.attentionForward(new Float32Array(8), new Float32Array(8), new Float32Array(24), 1, 2, 4, 3, ), /multiple of H/);
  assert.throws(() => nk.softmaxCrossEntropy(new Float32Array(1), null, new Float32Array(3), Int32Array.of(3), null, 1, 3), /targets\[0\] = 3 is not below V = 3/);
  assert.throws(() => nk.adamw(new Float32Array(2), new Float32Array(2), new Float32Array(1), new Float32Array(2), 2, 1e-3, 0.9, 0.999, 1e-8, 0, 1), /adamw: m has 1 elements/);
  assert.throws(() => nk.layerNormForward(new Float32Array(4), new Float32Array(1), new Float32Array(2), new Float32Array(4), new Float32Array(2), new Float32Array(2), 2, 2, 1e-5), /mean has 1 elements/);
  if ('softmax' in nk) {
    assert.throws(() => nk.softmax(new Float32Array(5), new Float32Array(6), 2, 3, 1), /softmax: out has 5 elements, needs at least 6/);
    assert.throws(() => nk.softmax(new Float32Array(6), new Float32Array(6), 2, 3, 0), /scale must be positive/);
  }
  // Larger buffers than needed are allowed (workspaces reused across batch sizes).
  nk.matmul(new Float32Array(10), a, b, 2, 2, 3, false, false, false);
});

test('loadNativeKernels returns {error} when the addon is missing', () => {
  const r = loadNativeKernels({ addonPath: fileURLToPath(new URL('./no-such-addon.node', import.meta.url)) });
  assert.ok('error' in r, 'expected an error result');
  assert.match(r.error, /not built .*no-such-addon\.node is missing/);
  assert.match(defaultAddonPath(), /native[\\/]build[\\/]Release[\\/]verdict_kernels\.node$/);
});

test('native addon reports its thread pool and SIMD path', { skip: skipNative }, () => {
  const info = nativeInfo();
  assert.ok(info && info.threads >= 1, 'threads >= 1');
  assert.match(info!.simd, /^(avx2-fma|scalar)$/);
});

test('VERDICT_NO_NATIVE forces the TypeScript kernels', { skip: skipNative }, async () => {
  const spec = '../../src/model/kernels/index.js';
  const { getKernels } = (await import(spec)) as { getKernels: (w?: string) => Kernels };
  const saved = process.env.VERDICT_NO_NATIVE;
  try {
    process.env.VERDICT_NO_NATIVE = '1';
    assert.equal(getKernels().name, 'typescript');
    delete process.env.VERDICT_NO_NATIVE;
    assert.equal(getKernels().name, 'native');
  } finally {
    if (saved === undefined) delete process.env.VERDICT_NO_NATIVE;
    else process.env.VERDICT_NO_NATIVE = saved;
  }
});
