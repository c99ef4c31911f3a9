/**
 * Pure-TypeScript kernels: the readable reference implementation of kernels/types.ts.
 * Plain loops over flat Float32Arrays with no allocation in hot paths (except small scratch
 * buffers reused across calls); the native addon must agree with these.
 */
import type { Kernels } from './types.js';

const GELU_C = Math.sqrt(2 / Math.PI);

// float64 scratch: intermediate sums stay exact enough for float64 gradient checks
let scratch = new Float64Array(0);
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(n);
  return scratch;
}

function matmul(
  out: Float32Array, a: Float32Array, b: Float32Array,
  M: number, N: number, K: number,
  transA: boolean, transB: boolean, accumulate: boolean,
): void {
  if (!accumulate) out.fill(0, 0, M * N);
  if (!transB) {
    // out[i,:] += a(i,k) * b[k,:]  (row-saxpy: inner loop contiguous in b and out)
    for (let i = 0; i < M; i++) {
      const oi = i * N;
      for (let k = 0; k < K; k++) {
        const aik = transA ? a[k * M + i]! : a[i * K + k]!;
        if (aik === 0) continue;
        const bk = k * N;
        for (let j = 0; j < N; j++) out[oi + j]! += aik * b[bk + j]!;
      }
    }
  } else {
    // out[i,j] += dot(a(i,:), b[j,:])
    const arow = transA ? scratchOf(K) : null;
    for (let i = 0; i < M; i++) {
      let ai: Float32Array | Float64Array = a;
      let ao = i * K;
      if (arow) {
        for (let k = 0; k < K; k++) arow[k] = a[k * M + i]!;
        ai = arow;
        ao = 0;
      }
      const oi = i * N;
      for (let j = 0; j < N; j++) {
        const bj = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += ai[ao + k]! * b[bj + k]!;
        out[oi + j]! += s;
      }
    }
  }
}

let lengthsScratch = new Int32Array(0);

export const tsKernels: Kernels = {
  name: 'typescript',

  matmul,

  linearForward(out, x, w, bias, rows, inDim, outDim) {
    matmul(out, x, w, rows, outDim, inDim, false, true, false);
    if (bias) {
      for (let r = 0; r < rows; r++) {
        const o = r * outDim;
        for (let j = 0; j < outDim; j++) out[o + j]! += bias[j]!;
      }
    }
  },

  linearBackward(dx, dw, dbias, dout, x, w, rows, inDim, outDim) {
    // dx[rows,in] = dout[rows,out] · w[out,in]
    if (dx) matmul(dx, dout, w, rows, inDim, outDim, false, false, false);
    // dw[out,in] += dout^T[out,rows] · x[rows,in]
    matmul(dw, dout, x, outDim, inDim, rows, true, false, true);
    if (dbias) {
      for (let r = 0; r < rows; r++) {
        const o = r * outDim;
        for (let j = 0; j < outDim; j++) dbias[j]! += dout[o + j]!;
      }
    }
  },

  layerNormForward(out, mean, rstd, x, gamma, beta, rows, dim, eps) {
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      let m = 0;
      for (let i = 0; i < dim; i++) m += x[o + i]!;
      m /= dim;
      let v = 0;
      for (let i = 0; i < dim; i++) {
        const d = x[o + i]! - m;
        v += d * d;
      }
      v /= dim;
      const s = 1 / Math.sqrt(v + eps);
      for (let i = 0; i < dim; i++) out[o + i] = (x[o + i]! - m) * s * gamma[i]! + beta[i]!;
      mean[r] = m;
      rstd[r] = s;
    }
  },

  layerNormBackward(dx, dgamma, dbeta, dout, x, mean, rstd, gamma, rows, dim) {
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      const m = mean[r]!;
      const s = rstd[r]!;
      // dnorm = dout * gamma; dx = s * (dnorm - mean(dnorm) - xhat * mean(dnorm * xhat))
      let sumD = 0;
      let sumDX = 0;
      for (let i = 0; i < dim; i++) {
        const xhat = (x[o + i]! - m) * s;
        const dn = dout[o + i]! * gamma[i]!;
        sumD += dn;
        sumDX += dn * xhat;
        dgamma[i]! += dout[o + i]! * xhat;
        dbeta[i]! += dout[o + i]!;
      }
      sumD /= dim;
      sumDX /= dim;
      for (let i = 0; i < dim; i++) {
        const xhat = (x[o + i]! - m) * s;
        const dn = dout[o + i]! * gamma[i]!;
        dx[o + i]! += s * (dn - sumD - xhat * sumDX);
      }
    }
  },

  geluForward(out, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
    }
  },

  geluBackward(dx, dout, x, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      const u = GELU_C * (v + 0.044715 * v * v * v);
      const t = Math.tanh(u);
      const sech2 = 1 - t * t;
      const grad = 0.5 * (1 + t) + 0.5 * v * sech2 * GELU_C * (1 + 3 * 0.044715 * v * v);
      dx[i] = dout[i]! * grad;
    }
  },

  attentionForward(out, probs, qkv, B, T, C, H) {
    const hd = C / H;
    const scale = 1 / Math.sqrt(hd);
    const C3 = 3 * C;
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < T; t++) {
          const qo = (b * T + t) * C3 + h * hd;
          const po = ((b * H + h) * T + t) * T;
          let max = -Infinity;
          for (let s = 0; s <= t; s++) {
            const ko = (b * T + s) * C3 + C + h * hd;
            let dot = 0;
            for (let i = 0; i < hd; i++) dot += qkv[qo + i]! * qkv[ko + i]!;
            dot *= scale;
            probs[po + s] = dot;
            if (dot > max) max = dot;
          }
          let sum = 0;
          for (let s = 0; s <= t; s++) {
            const e = Math.exp(probs[po + s]! - max);
            probs[po + s] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let s = 0; s <= t; s++) probs[po + s]! *= inv;
          for (let s = t + 1; s < T; s++) probs[po + s] = 0;
          const oo = (b * T + t) * C + h * hd;
          for (let i = 0; i < hd; i++) out[oo + i] = 0;
          for (let s = 0; s <= t; s++) {
            const p = probs[po + s]!;
            const vo = (b * T + s) * C3 + 2 * C + h * hd;
            for (let i = 0; i < hd; i++) out[oo + i]! += p * qkv[vo + i]!;
          }
        }
      }
    }
  },

  attentionBackward(dqkv, dout, qkv, probs, B, T, C, H) {
    const hd = C / H;
    const scale = 1 / Math.sqrt(hd);
    const C3 = 3 * C;
    dqkv.fill(0, 0, B * T * C3);
    const dp = scratchOf(T);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < T; t++) {
          const po = ((b * H + h) * T + t) * T;
          const doo = (b * T + t) * C + h * hd;
          // dprobs[s] = dout[t] · v[s]; dv[s] += p[s] * dout[t]
          let dot = 0;
          for (let s = 0; s <= t; s++) {
            const vo = (b * T + s) * C3 + 2 * C + h * hd;
            const p = probs[po + s]!;
            let d = 0;
            for (let i = 0; i < hd; i++) {
              d += dout[doo + i]! * qkv[vo + i]!;
              dqkv[vo + i]! += p * dout[doo + i]!;
            }
            dp[s] = d;
            dot += p * d;
          }
          // softmax backward: dscore = p * (dp - sum p*dp); then through scale · q·k
          const qo = (b * T + t) * C3 + h * hd;
          for (let s = 0; s <= t; s++) {
            const ds = probs[po + s]! * (dp[s]! - dot) * scale;
            if (ds === 0) continue;
            const ko = (b * T + s) * C3 + C + h * hd;
            for (let i = 0; i < hd; i++) {
              dqkv[qo + i]! += ds * qkv[ko + i]!;
              dqkv[ko + i]! += ds * qkv[qo + i]!;
            }
          }
        }
      }
    }
  },

  attentionDecode(out, qkv, kCache, vCache, slots, lengths, m, C, H, maxT) {
    const hd = C / H;
    const scale = 1 / Math.sqrt(hd);
    const scores = scratchOf(maxT);
    for (let r = 0; r < m; r++) {
      const len = lengths[r]!;
      const slot = slots[r]!;
      for (let h = 0; h < H; h++) {
        const qo = r * 3 * C + h * hd;
        const base = (slot * H + h) * maxT * hd;
        let max = -Infinity;
        for (let u = 0; u < len; u++) {
          const ko = base + u * hd;
          // four partial sums: independent chains the JIT can overlap
          let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
          let i = 0;
          for (; i + 3 < hd; i += 4) {
            d0 += qkv[qo + i]! * kCache[ko + i]!;
            d1 += qkv[qo + i + 1]! * kCache[ko + i + 1]!;
            d2 += qkv[qo + i + 2]! * kCache[ko + i + 2]!;
            d3 += qkv[qo + i + 3]! * kCache[ko + i + 3]!;
          }
          for (; i < hd; i++) d0 += qkv[qo + i]! * kCache[ko + i]!;
          const dot = (d0 + d1 + d2 + d3) * scale;
          scores[u] = dot;
          if (dot > max) max = dot;
        }
        let sum = 0;
        for (let u = 0; u < len; u++) {
          const e = Math.exp(scores[u]! - max);
          scores[u] = e;
          sum += e;
        }
        const inv = 1 / sum;
        const oo = r * C + h * hd;
        for (let i = 0; i < hd; i++) out[oo + i] = 0;
        for (let u = 0; u < len; u++) {
          const pr = scores[u]! * inv;
          const vo = base + u * hd;
          for (let i = 0; i < hd; i++) out[oo + i]! += pr * vCache[vo + i]!;
        }
      }
    }
  },

  decodeBlock(x, w, kCache, vCache, slots, positions, m, C, H, maxT, eps, scratch) {
    // the kernels this was called on: merged with an addon that lacks decodeBlock, the single
    // kernels are the native ones
    const k: Kernels = (this as Kernels | undefined) ?? tsKernels;
    const hd = C / H;
    let o = 0;
    const take = (n: number): Float32Array => scratch.subarray(o, (o += n));
    const ln = take(m * C), qkv = take(m * 3 * C), att = take(m * C), tmp = take(m * C), fc = take(m * 4 * C);
    const mean = take(m), rstd = take(m);
    if (lengthsScratch.length < m) lengthsScratch = new Int32Array(m);
    const lengths = lengthsScratch;
    k.layerNormForward(ln, mean, rstd, x, w.ln1g, w.ln1b, m, C, eps);
    k.linearForward(qkv, ln, w.qkvW, w.qkvB, m, C, 3 * C);
    for (let r = 0; r < m; r++) {
      const slot = slots[r]!, pos = positions[r]!;
      for (let h = 0; h < H; h++) {
        const dst = ((slot * H + h) * maxT + pos) * hd;
        const src = r * 3 * C + h * hd;
        for (let i = 0; i < hd; i++) {
          kCache[dst + i] = qkv[src + C + i]!;
          vCache[dst + i] = qkv[src + 2 * C + i]!;
        }
      }
      lengths[r] = pos + 1;
    }
    k.attentionDecode(att, qkv, kCache, vCache, slots, lengths, m, C, H, maxT);
    k.linearForward(tmp, att, w.projW, w.projB, m, C, C);
    for (let i = 0; i < m * C; i++) x[i]! += tmp[i]!;
    k.layerNormForward(ln, mean, rstd, x, w.ln2g, w.ln2b, m, C, eps);
    k.linearForward(fc, ln, w.fcW, w.fcB, m, C, 4 * C);
    k.geluForward(fc, fc, m * 4 * C);
    k.linearForward(tmp, fc, w.fcProjW, w.fcProjB, m, 4 * C, C);
    for (let i = 0; i < m * C; i++) x[i]! += tmp[i]!;
  },

  softmaxCrossEntropy(losses, dlogits, logits, targets, weights, rows, V) {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * V;
      const target = targets[r]!;
      if (target < 0) {
        losses[r] = 0;
        if (dlogits) dlogits.fill(0, o, o + V);
        continue;
      }
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j]! > max) max = logits[o + j]!;
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j]! - max);
      const logZ = max + Math.log(sum);
      const loss = logZ - logits[o + target]!;
      losses[r] = loss;
      const w = weights ? weights[r]! : 1;
      total += w * loss;
      if (dlogits) {
        const inv = 1 / sum;
        for (let j = 0; j < V; j++) dlogits[o + j] = w * Math.exp(logits[o + j]! - max) * inv;
        dlogits[o + target]! -= w;
      }
    }
    return total;
  },

  logSoftmax(out, logits, rows, V) {
    for (let r = 0; r < rows; r++) {
      const o = r * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j]! > max) max = logits[o + j]!;
      let sum = 0;
      for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j]! - max);
      const logZ = max + Math.log(sum);
      for (let j = 0; j < V; j++) out[o + j] = logits[o + j]! - logZ;
    }
  },

  softmax(out, logits, rows, V, scale) {
    for (let r = 0; r < rows; r++) {
      const o = r * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j]! > max) max = logits[o + j]!;
      let sum = 0;
      for (let j = 0; j < V; j++) {
        const e = Math.exp((logits[o + j]! - max) * scale);
        out[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < V; j++) out[o + j]! *= inv;
    }
  },

  adamw(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step) {
    const bc1 = 1 - Math.pow(beta1, step);
    const bc2 = 1 - Math.pow(beta2, step);
    for (let i = 0; i < n; i++) {
      const g = grad[i]!;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      const mhat = mi / bc1;
      const vhat = vi / bc2;
      param[i] = param[i]! - lr * (mhat / (Math.sqrt(vhat) + eps) + weightDecay * param[i]!);
    }
  },
};
