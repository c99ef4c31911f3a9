/**
 * Activation and gradient buffers for one (B, T) shape, allocated once and reused by every
 * forward/backward pass of that shape (no per-step allocation).
 */
import type { ModelConfig } from './types.js';

export interface LayerActs {
  ln1: Float32Array; ln1Mean: Float32Array; ln1Rstd: Float32Array;
  qkv: Float32Array; probs: Float32Array; att: Float32Array;
  /** Residual after attention. */
  res2: Float32Array;
  ln2: Float32Array; ln2Mean: Float32Array; ln2Rstd: Float32Array;
  fc: Float32Array; gelu: Float32Array;
  /** Layer output (residual after the MLP). */
  out: Float32Array;
}

export class Activations {
  readonly B: number;
  readonly T: number;
  readonly tokens: Int32Array;
  readonly targets: Int32Array;
  readonly weights: Float32Array;
  readonly embed: Float32Array;
  readonly layers: LayerActs[];
  readonly lnf: Float32Array; readonly lnfMean: Float32Array; readonly lnfRstd: Float32Array;
  readonly logits: Float32Array;
  readonly losses: Float32Array;
  readonly values: Float32Array;
  // gradient scratch (allocated on first backward)
  private g: GradScratch | null = null;

  constructor(readonly config: ModelConfig, B: number, T: number) {
    this.B = B;
    this.T = T;
    const N = B * T;
    const C = config.dModel;
    const H = config.heads;
    this.tokens = new Int32Array(N);
    this.targets = new Int32Array(N);
    this.weights = new Float32Array(N);
    this.embed = new Float32Array(N * C);
    this.layers = [];
    for (let l = 0; l < config.layers; l++) {
      this.layers.push({
        ln1: new Float32Array(N * C), ln1Mean: new Float32Array(N), ln1Rstd: new Float32Array(N),
        qkv: new Float32Array(N * 3 * C), probs: new Float32Array(B * H * T * T), att: new Float32Array(N * C),
        res2: new Float32Array(N * C),
        ln2: new Float32Array(N * C), ln2Mean: new Float32Array(N), ln2Rstd: new Float32Array(N),
        fc: new Float32Array(N * 4 * C), gelu: new Float32Array(N * 4 * C),
        out: new Float32Array(N * C),
      });
    }
    this.lnf = new Float32Array(N * C);
    this.lnfMean = new Float32Array(N);
    this.lnfRstd = new Float32Array(N);
    this.logits = new Float32Array(N * config.vocabSize);
    this.losses = new Float32Array(N);
    this.values = new Float32Array(config.valueHead ? N : 0);
  }

  grads(): GradScratch {
    if (!this.g) {
      const N = this.B * this.T;
      const C = this.config.dModel;
      this.g = {
        dlogits: new Float32Array(N * this.config.vocabSize),
        dres: new Float32Array(N * C),
        dln: new Float32Array(N * C),
        datt: new Float32Array(N * C),
        dqkv: new Float32Array(N * 3 * C),
        dfc: new Float32Array(N * 4 * C),
        dgelu: new Float32Array(N * 4 * C),
        dvalues: new Float32Array(this.config.valueHead ? N : 0),
      };
    }
    return this.g;
  }
}

export interface GradScratch {
  dlogits: Float32Array;
  dres: Float32Array;
  dln: Float32Array;
  datt: Float32Array;
  dqkv: Float32Array;
  dfc: Float32Array;
  dgelu: Float32Array;
  dvalues: Float32Array;
}
