/**
 * GPT-2 style decoder: token + learned position embeddings, pre-LayerNorm blocks with causal
 * multi-head attention (fused qkv) and a 4x GELU MLP, final LayerNorm, output projection tied to
 * the token embedding, optional scalar value head. Forward and backward are written out layer by
 * layer (llm.c style) over the kernel interface.
 */
import type { ModelConfig } from './types.js';
import type { Kernels } from './kernels/types.js';
import { getKernels } from './kernels/index.js';
import { layoutOf, viewsOf, type ParamViews, type TensorSpec } from './layout.js';
import { Activations } from './activations.js';
import { Rng } from './rng.js';

export const LN_EPS = 1e-5;

export class Transformer {
  readonly config: Readonly<ModelConfig>;
  /** All parameters, flat (layout.ts). */
  readonly params: Float32Array;
  readonly specs: readonly TensorSpec[];
  readonly views: ParamViews;
  private workspaces = new Map<string, Activations>();

  private constructor(config: ModelConfig, params: Float32Array) {
    const { specs, total } = layoutOf(config);
    if (params.length !== total) {
      throw new Error(`model parameters: expected ${total} values for this config, got ${params.length}`);
    }
    this.config = Object.freeze({ ...config });
    this.params = params;
    this.specs = specs;
    this.views = viewsOf(this.config, params);
  }

  /** New model with GPT-2 initialisation from a seed (deterministic). */
  static create(config: ModelConfig, seed: number): Transformer {
    const { specs, total } = layoutOf(config);
    const params = new Float32Array(total);
    const rng = new Rng(seed);
    const residualStd = 0.02 / Math.sqrt(2 * config.layers);
    for (const s of specs) {
      const view = params.subarray(s.offset, s.offset + s.size);
      if (s.name.endsWith('ln_1.weight') || s.name.endsWith('ln_2.weight') || s.name === 'ln_f.weight') {
        view.fill(1);
      } else if (s.shape.length === 2) {
        const std = s.name.endsWith('c_proj.weight') ? residualStd : 0.02;
        for (let i = 0; i < view.length; i++) view[i] = rng.normal() * std;
      }
    }
    return new Transformer(config, params);
  }

  /** Model from a flat parameter array (copied), e.g. read from a checkpoint. */
  static fromParams(config: ModelConfig, params: Float32Array): Transformer {
    return new Transformer(config, params.slice());
  }

  /** Frozen reference copy (for KL terms): independent parameters, same config. */
  clone(): Transformer {
    return new Transformer({ ...this.config }, this.params.slice());
  }

  /** Named views into `params`, in layout order (names as in checkpoints). */
  parameters(): { name: string; shape: number[]; data: Float32Array; decay: boolean }[] {
    return this.specs.map((s) => ({
      name: s.name, shape: [...s.shape], decay: s.decay,
      data: this.params.subarray(s.offset, s.offset + s.size),
    }));
  }

  get size(): number {
    return this.params.length;
  }

  /** Activation buffers for a (B, T) shape, reused across calls (a few shapes are kept). */
  workspace(B: number, T: number): Activations {
    if (T > this.config.context) {
      throw new Error(`sequence of ${T} tokens exceeds the model context of ${this.config.context}`);
    }
    const key = `${B}x${T}`;
    let ws = this.workspaces.get(key);
    if (ws) {
      this.workspaces.delete(key);
      this.workspaces.set(key, ws);
      return ws;
    }
    ws = new Activations(this.config, B, T);
    this.workspaces.set(key, ws);
    while (this.workspaces.size > 4) this.workspaces.delete(this.workspaces.keys().next().value!);
    return ws;
  }

  /** Drops cached activation buffers (frees memory). */
  releaseWorkspaces(): void {
    this.workspaces.clear();
  }

  /**
   * Next-token logits for B right-padded rows of T tokens (row-major in `tokens`): logits
   * [B*T, V] and, with a value head, values [B*T]. The arrays are views valid until the next call.
   */
  forward(tokens: Int32Array, B: number, T: number, kernels: Kernels = getKernels()): { logits: Float32Array; values: Float32Array | null } {
    const acts = this.workspace(B, T);
    acts.tokens.set(tokens.subarray(0, B * T));
    this.forwardActs(acts, kernels);
    return { logits: acts.logits, values: this.config.valueHead ? acts.values : null };
  }

  /** Forward pass over acts.tokens, filling every activation through the logits. */
  forwardActs(acts: Activations, k: Kernels): void {
    const { B, T } = acts;
    const N = B * T;
    const C = this.config.dModel;
    const H = this.config.heads;
    const V = this.config.vocabSize;
    const p = this.views;
    // embeddings
    const x0 = acts.embed;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const r = b * T + t;
        const tok = acts.tokens[r]!;
        if (tok < 0 || tok >= V) throw new Error(`token id ${tok} out of range [0, ${V})`);
        const o = r * C;
        const to = tok * C;
        const po = t * C;
        for (let i = 0; i < C; i++) x0[o + i] = p.wte[to + i]! + p.wpe[po + i]!;
      }
    }
    let res = x0;
    for (let l = 0; l < this.config.layers; l++) {
      const w = p.layers[l]!;
      const a = acts.layers[l]!;
      k.layerNormForward(a.ln1, a.ln1Mean, a.ln1Rstd, res, w.ln1g, w.ln1b, N, C, LN_EPS);
      k.linearForward(a.qkv, a.ln1, w.qkvW, w.qkvB, N, C, 3 * C);
      k.attentionForward(a.att, a.probs, a.qkv, B, T, C, H);
      k.linearForward(a.res2, a.att, w.projW, w.projB, N, C, C);
      addInto(a.res2, res, N * C);
      k.layerNormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.res2, w.ln2g, w.ln2b, N, C, LN_EPS);
      k.linearForward(a.fc, a.ln2, w.fcW, w.fcB, N, C, 4 * C);
      k.geluForward(a.gelu, a.fc, N * 4 * C);
      k.linearForward(a.out, a.gelu, w.fcProjW, w.fcProjB, N, 4 * C, C);
      addInto(a.out, a.res2, N * C);
      res = a.out;
    }
    k.layerNormForward(acts.lnf, acts.lnfMean, acts.lnfRstd, res, p.lnfg, p.lnfb, N, C, LN_EPS);
    k.linearForward(acts.logits, acts.lnf, p.wte, null, N, C, V);
    if (p.valueW && p.valueB) {
      const vb = p.valueB[0]!;
      for (let r = 0; r < N; r++) {
        let s = vb;
        const o = r * C;
        for (let i = 0; i < C; i++) s += acts.lnf[o + i]! * p.valueW[i]!;
        acts.values[r] = s;
      }
    }
  }

  /**
   * Backward pass: reads acts.grads().dlogits (and dvalues with a value head) and accumulates
   * parameter gradients into `grad` (flat, same layout as params).
   */
  backwardActs(acts: Activations, grad: Float32Array, k: Kernels): void {
    const { B, T } = acts;
    const N = B * T;
    const C = this.config.dModel;
    const H = this.config.heads;
    const V = this.config.vocabSize;
    const p = this.views;
    const g = viewsOf(this.config, grad);
    const s = acts.grads();
    // output projection (tied to wte) and final LayerNorm
    k.linearBackward(s.dln, g.wte, null, s.dlogits, acts.lnf, p.wte, N, C, V);
    if (p.valueW && g.valueW && g.valueB) {
      for (let r = 0; r < N; r++) {
        const dv = s.dvalues[r]!;
        if (dv === 0) continue;
        const o = r * C;
        for (let i = 0; i < C; i++) {
          s.dln[o + i]! += dv * p.valueW[i]!;
          g.valueW[i]! += dv * acts.lnf[o + i]!;
        }
        g.valueB[0]! += dv;
      }
    }
    const lastOut = this.config.layers > 0 ? acts.layers[this.config.layers - 1]!.out : acts.embed;
    s.dres.fill(0);
    k.layerNormBackward(s.dres, g.lnfg, g.lnfb, s.dln, lastOut, acts.lnfMean, acts.lnfRstd, p.lnfg, N, C);
    for (let l = this.config.layers - 1; l >= 0; l--) {
      const w = p.layers[l]!;
      const gw = g.layers[l]!;
      const a = acts.layers[l]!;
      const input = l > 0 ? acts.layers[l - 1]!.out : acts.embed;
      // MLP: out = res2 + proj(gelu(fc(ln2(res2))))
      k.linearBackward(s.dgelu, gw.fcProjW, gw.fcProjB, s.dres, a.gelu, w.fcProjW, N, 4 * C, C);
      k.geluBackward(s.dfc, s.dgelu, a.fc, N * 4 * C);
      k.linearBackward(s.dln, gw.fcW, gw.fcB, s.dfc, a.ln2, w.fcW, N, C, 4 * C);
      k.layerNormBackward(s.dres, gw.ln2g, gw.ln2b, s.dln, a.res2, a.ln2Mean, a.ln2Rstd, w.ln2g, N, C);
      // attention: res2 = input + proj(attn(qkv(ln1(input))))
      k.linearBackward(s.datt, gw.projW, gw.projB, s.dres, a.att, w.projW, N, C, C);
      k.attentionBackward(s.dqkv, s.datt, a.qkv, a.probs, B, T, C, H);
      k.linearBackward(s.dln, gw.qkvW, gw.qkvB, s.dqkv, a.ln1, w.qkvW, N, C, 3 * C);
      k.layerNormBackward(s.dres, gw.ln1g, gw.ln1b, s.dln, input, a.ln1Mean, a.ln1Rstd, w.ln1g, N, C);
    }
    // embeddings
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const r = b * T + t;
        const to = acts.tokens[r]! * C;
        const po = t * C;
        const o = r * C;
        for (let i = 0; i < C; i++) {
          const d = s.dres[o + i]!;
          g.wte[to + i]! += d;
          g.wpe[po + i]! += d;
        }
      }
    }
  }
}

function addInto(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i]! += x[i]!;
}
