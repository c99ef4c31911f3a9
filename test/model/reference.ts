/**
 * An independent float64 forward pass of the whole model (plain loops, no kernels), used for
 * finite-difference gradient checks: central differences in float64 with h = 1e-5 have error
 * around 1e-10, far below the float32 analytic gradients' own rounding, so any disagreement above
 * ~1e-3 relative is a bug in the backward pass, not noise.
 */
import type { ModelConfig } from '../../src/model/index.js';
import { layoutOf } from '../../src/model/layout.js';

export interface ReferenceBatch {
  tokens: number[][];
  weights?: number[][];
  valueTargets?: number[][];
}

/** Objective the trainer minimises: sum(w * CE) / sum|w| + coef * mean (value - target)^2. */
export function referenceObjective(config: ModelConfig, params: Float64Array, batch: ReferenceBatch, valueCoef: number): number {
  const { specs } = layoutOf(config);
  const P = (name: string): Float64Array => {
    const s = specs.find((x) => x.name === name)!;
    return params.subarray(s.offset, s.offset + s.size);
  };
  const C = config.dModel, H = config.heads, hd = C / H, V = config.vocabSize;
  let wsum = 0, lossSum = 0, vsum = 0, vcount = 0;
  batch.tokens.forEach((seq, b) => {
    const T = seq.length;
    let x: Float64Array[] = seq.map((tok, t) => {
      const r = new Float64Array(C);
      for (let i = 0; i < C; i++) r[i] = P('wte')[tok * C + i]! + P('wpe')[t * C + i]!;
      return r;
    });
    const ln = (v: Float64Array, g: Float64Array, be: Float64Array): Float64Array => {
      let m = 0; for (const a of v) m += a; m /= C;
      let s = 0; for (const a of v) s += (a - m) ** 2; s /= C;
      const rs = 1 / Math.sqrt(s + 1e-5);
      return v.map((a, i) => (a - m) * rs * g[i]! + be[i]!);
    };
    const lin = (v: Float64Array, w: Float64Array, bias: Float64Array | null, out: number): Float64Array => {
      const o = new Float64Array(out);
      for (let j = 0; j < out; j++) {
        let s = bias ? bias[j]! : 0;
        for (let i = 0; i < v.length; i++) s += v[i]! * w[j * v.length + i]!;
        o[j] = s;
      }
      return o;
    };
    for (let l = 0; l < config.layers; l++) {
      const p = `h.${l}.`;
      const qkv = x.map((r) => lin(ln(r, P(p + 'ln_1.weight'), P(p + 'ln_1.bias')), P(p + 'attn.c_attn.weight'), P(p + 'attn.c_attn.bias'), 3 * C));
      const att = x.map((_, t) => {
        const o = new Float64Array(C);
        for (let h = 0; h < H; h++) {
          const sc: number[] = [];
          for (let s = 0; s <= t; s++) {
            let d = 0;
            for (let i = 0; i < hd; i++) d += qkv[t]![h * hd + i]! * qkv[s]![C + h * hd + i]!;
            sc.push(d / Math.sqrt(hd));
          }
          const mx = Math.max(...sc);
          const e = sc.map((a) => Math.exp(a - mx));
          const z = e.reduce((a, c) => a + c, 0);
          for (let s = 0; s <= t; s++) for (let i = 0; i < hd; i++) o[h * hd + i]! += (e[s]! / z) * qkv[s]![2 * C + h * hd + i]!;
        }
        return o;
      });
      x = x.map((r, t) => {
        const a = lin(att[t]!, P(p + 'attn.c_proj.weight'), P(p + 'attn.c_proj.bias'), C);
        return r.map((v, i) => v + a[i]!);
      });
      x = x.map((r) => {
        const f = lin(ln(r, P(p + 'ln_2.weight'), P(p + 'ln_2.bias')), P(p + 'mlp.c_fc.weight'), P(p + 'mlp.c_fc.bias'), 4 * C);
        const g = f.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
        const m = lin(g, P(p + 'mlp.c_proj.weight'), P(p + 'mlp.c_proj.bias'), C);
        return r.map((v, i) => v + m[i]!);
      });
    }
    const lnf = x.map((r) => ln(r, P('ln_f.weight'), P('ln_f.bias')));
    for (let t = 0; t + 1 < T; t++) {
      const w = batch.weights ? batch.weights[b]![t + 1]! : 1;
      wsum += Math.abs(w);
      if (w === 0) continue;
      const logits = lin(lnf[t]!, P('wte'), null, V);
      const mx = Math.max(...logits);
      const lz = mx + Math.log(logits.reduce((a, c) => a + Math.exp(c - mx), 0));
      lossSum += w * (lz - logits[seq[t + 1]!]!);
    }
    if (config.valueHead && batch.valueTargets) {
      for (let t = 0; t < T; t++) {
        const y = batch.valueTargets[b]![t]!;
        if (!Number.isFinite(y)) continue;
        const v = lin(lnf[t]!, P('value.weight'), P('value.bias'), 1)[0]!;
        vsum += (v - y) ** 2;
        vcount++;
      }
    }
  });
  return lossSum / (wsum > 0 ? wsum : 1) + (vcount > 0 ? (valueCoef * vsum) / vcount : 0);
}
