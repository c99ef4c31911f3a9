/**
 * Training: weighted next-token loss (+ optional value loss), backward pass, global-norm clipping,
 * AdamW with decoupled weight decay on matrices, warmup + cosine schedule, gradient accumulation.
 */
import type { TrainBatch, TrainConfig, TrainerState, TrainStepStats } from './types.js';
import type { Transformer } from './transformer.js';
import type { Kernels } from './kernels/types.js';
import type { Activations } from './activations.js';
import { getKernels } from './kernels/index.js';
import { Rng } from './rng.js';

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  lr: 3e-4,
  weightDecay: 0.1,
  betas: [0.9, 0.95] as [number, number],
  eps: 1e-8,
  gradClip: 1.0,
  warmupSteps: 0,
  totalSteps: 0,
  minLrRatio: 0.1,
  accumulationSteps: 1,
  valueLossCoef: 0.5,
  seed: 0,
});

/** Learning rate at optimizer step `step` (1-based): linear warmup, then cosine to lr*minLrRatio. */
export function learningRateAt(config: TrainConfig, step: number): number {
  if (config.warmupSteps > 0 && step <= config.warmupSteps) return (config.lr * step) / config.warmupSteps;
  if (config.totalSteps <= 0) return config.lr;
  const span = Math.max(1, config.totalSteps - config.warmupSteps);
  const progress = Math.min(1, Math.max(0, (step - config.warmupSteps) / span));
  const minLr = config.lr * config.minLrRatio;
  return minLr + 0.5 * (config.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}

/** AdamW trainer with gradient accumulation, clipping and a schedule; updates `model` in place. */
export class Trainer {
  readonly model: Transformer;
  readonly config: TrainConfig;
  readonly kernels: Kernels;
  /** Seeded generator for callers that need training-time randomness (batch order, etc.). */
  readonly rng: Rng;
  /** Optimizer steps taken. */
  stepCount = 0;
  private microStep = 0;
  readonly grad: Float32Array;
  private m: Float32Array;
  private v: Float32Array;
  /** Overrides the scheduled learning rate of the next updates when set. */
  lrOverride: number | null = null;

  constructor(model: Transformer, config: Partial<TrainConfig> = {}, kernels: Kernels = getKernels()) {
    this.model = model;
    this.config = { ...DEFAULT_TRAIN_CONFIG, ...config };
    if (!Number.isInteger(this.config.accumulationSteps) || this.config.accumulationSteps < 1) {
      throw new Error(`train config: accumulationSteps must be a positive integer, got ${this.config.accumulationSteps}`);
    }
    this.kernels = kernels;
    this.rng = new Rng(this.config.seed);
    this.grad = new Float32Array(model.size);
    this.m = new Float32Array(model.size);
    this.v = new Float32Array(model.size);
  }

  /** Forward + backward on one micro-batch; applies an update every accumulationSteps calls. */
  step(batch: TrainBatch): TrainStepStats {
    const acts = this.prepare(batch);
    const k = this.kernels;
    const N = acts.B * acts.T;
    const V = this.model.config.vocabSize;
    this.model.forwardActs(acts, k);
    const s = acts.grads();
    const accum = this.config.accumulationSteps;
    if (accum > 1) for (let r = 0; r < N; r++) acts.weights[r]! /= accum;
    const loss = k.softmaxCrossEntropy(acts.losses, s.dlogits, acts.logits, acts.targets, acts.weights, N, V) * accum;
    const valueLoss = this.valueLoss(acts, batch, true);
    this.model.backwardActs(acts, this.grad, k);
    this.microStep++;
    const tokens = countTokens(batch);
    if (this.microStep % accum !== 0) {
      return { loss, valueLoss, gradNorm: NaN, lr: NaN, tokens, updated: false };
    }
    const { gradNorm, lr } = this.update();
    return { loss, valueLoss, gradNorm, lr, tokens, updated: true };
  }

  /** Mean weighted loss of a batch without changing anything. */
  evaluate(batch: TrainBatch): { loss: number; valueLoss: number; tokens: number } {
    const acts = this.prepare(batch);
    const N = acts.B * acts.T;
    this.model.forwardActs(acts, this.kernels);
    const loss = this.kernels.softmaxCrossEntropy(acts.losses, null, acts.logits, acts.targets, acts.weights, N, this.model.config.vocabSize);
    const valueLoss = this.valueLoss(acts, batch, false);
    return { loss, valueLoss, tokens: countTokens(batch) };
  }

  /** Global gradient norm, clipping, scheduled AdamW update; clears the gradient. */
  private update(): { gradNorm: number; lr: number } {
    const grad = this.grad;
    let sq = 0;
    for (let i = 0; i < grad.length; i++) sq += grad[i]! * grad[i]!;
    const gradNorm = Math.sqrt(sq);
    const clip = this.config.gradClip;
    if (clip > 0 && Number.isFinite(clip) && gradNorm > clip) {
      const scale = clip / (gradNorm + 1e-6);
      for (let i = 0; i < grad.length; i++) grad[i]! *= scale;
    }
    this.stepCount++;
    const lr = this.lrOverride ?? learningRateAt(this.config, this.stepCount);
    const [b1, b2] = this.config.betas;
    const params = this.model.params;
    // one call per maximal run of tensors with the same decay flag (few, large calls)
    const specs = this.model.specs;
    let i = 0;
    while (i < specs.length) {
      let j = i;
      while (j + 1 < specs.length && specs[j + 1]!.decay === specs[i]!.decay) j++;
      const start = specs[i]!.offset;
      const end = specs[j]!.offset + specs[j]!.size;
      this.kernels.adamw(
        params.subarray(start, end), grad.subarray(start, end), this.m.subarray(start, end), this.v.subarray(start, end),
        end - start, lr, b1, b2, this.config.eps, specs[i]!.decay ? this.config.weightDecay : 0, this.stepCount,
      );
      i = j + 1;
    }
    grad.fill(0);
    return { gradNorm, lr };
  }

  /** Loads tokens/targets/weights of a batch into the workspace of its padded shape. */
  private prepare(batch: TrainBatch): Activations {
    const rows = batch.tokens;
    if (rows.length === 0) throw new Error('train batch: tokens is empty');
    let T = 0;
    for (const r of rows) T = Math.max(T, r.length);
    if (T > this.model.config.context) {
      throw new Error(`train batch: a sequence has ${T} tokens, more than the model context ${this.model.config.context}`);
    }
    if (batch.weights && batch.weights.length !== rows.length) {
      throw new Error(`train batch: weights has ${batch.weights.length} rows, tokens has ${rows.length}`);
    }
    const B = rows.length;
    const acts = this.model.workspace(B, T);
    let norm = 0;
    for (let b = 0; b < B; b++) {
      const seq = rows[b]!;
      const w = batch.weights?.[b];
      if (w && w.length !== seq.length) {
        throw new Error(`train batch: row ${b} has ${seq.length} tokens but ${w.length} weights`);
      }
      for (let t = 0; t < T; t++) {
        const r = b * T + t;
        acts.tokens[r] = t < seq.length ? seq[t]! : 0;
        let weight = 0;
        let target = -1;
        if (t + 1 < seq.length) {
          weight = w ? w[t + 1]! : 1;
          if (weight !== 0) target = seq[t + 1]!;
        }
        acts.targets[r] = target;
        acts.weights[r] = weight;
        norm += Math.abs(weight);
      }
    }
    const divisor = batch.normalizer ?? (norm > 0 ? norm : 1);
    for (let r = 0; r < B * T; r++) acts.weights[r]! /= divisor;
    return acts;
  }

  /** Mean squared value error; with `withGrad`, writes dvalues (zeros without a value head target). */
  private valueLoss(acts: Activations, batch: TrainBatch, withGrad: boolean): number {
    if (!this.model.config.valueHead) {
      if (batch.valueTargets) throw new Error('train batch: valueTargets given but the model has no value head');
      return 0;
    }
    const { B, T } = acts;
    const dvalues = withGrad ? acts.grads().dvalues : null;
    dvalues?.fill(0);
    if (!batch.valueTargets) return 0;
    let count = 0;
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const tg = batch.valueTargets[b];
      const len = batch.tokens[b]!.length;
      if (!tg) continue;
      for (let t = 0; t < Math.min(len, tg.length); t++) {
        const y = tg[t]!;
        if (!Number.isFinite(y)) continue;
        const d = acts.values[b * T + t]! - y;
        sum += d * d;
        count++;
      }
    }
    if (count === 0) return 0;
    if (dvalues) {
      const scale = (2 * this.config.valueLossCoef) / count / this.config.accumulationSteps;
      for (let b = 0; b < B; b++) {
        const tg = batch.valueTargets[b];
        const len = batch.tokens[b]!.length;
        if (!tg) continue;
        for (let t = 0; t < Math.min(len, tg.length); t++) {
          const y = tg[t]!;
          if (!Number.isFinite(y)) continue;
          dvalues[b * T + t] = scale * (acts.values[b * T + t]! - y);
        }
      }
    }
    return sum / count;
  }

  state(): TrainerState {
    return {
      step: this.stepCount,
      microStep: this.microStep,
      config: { ...this.config, betas: [...this.config.betas] as [number, number] },
      m: this.m.slice(),
      v: this.v.slice(),
      grad: this.grad.slice(),
      rng: this.rng.state(),
    };
  }

  loadState(state: TrainerState): void {
    const n = this.model.size;
    for (const key of ['m', 'v', 'grad'] as const) {
      if (state[key].length !== n) {
        throw new Error(`trainer state: ${key} has ${state[key].length} values, the model has ${n} parameters`);
      }
    }
    this.m.set(state.m);
    this.v.set(state.v);
    this.grad.set(state.grad);
    this.stepCount = state.step;
    this.microStep = state.microStep;
    this.rng.setState(state.rng);
  }
}

function countTokens(batch: TrainBatch): number {
  let n = 0;
  for (const r of batch.tokens) n += r.length;
  return n;
}
