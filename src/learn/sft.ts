/**
 * Supervised fine-tuning on (prompt, completion) pairs, one readable file: the Improve step of
 * expert iteration. The loss is the completion tokens' negative log-likelihood (prompt tokens get
 * weight `promptLossWeight`, 0 by default), averaged over weighted tokens; AdamW with linear warmup
 * and linear decay; batches drawn by a seeded shuffle, `epochs` passes. Logs the standard metric
 * names every step: train/loss, train/learning_rate, train/tokens, train/epoch.
 */
import { openCheckpoint, type TrainableModel } from './engine.js';
import type { SftExample } from './expert-iteration.js';
import { shuffleWith, xorshift32 } from './xorshift.js';

export interface SftConfig {
  epochs: number;
  /** Sequences per optimizer step. */
  batchSize: number;
  learningRate: number;
  /** Linear warmup steps, then linear decay to `minLearningRateRatio` x learningRate. */
  warmupSteps: number;
  minLearningRateRatio: number;
  weightDecay: number;
  /** Global gradient-norm clip (0 = off). */
  gradClip: number;
  /** Loss weight of prompt tokens (0: learn only the completion). */
  promptLossWeight: number;
  seed: number;
}

export const DEFAULT_SFT: SftConfig = {
  epochs: 2,
  batchSize: 16,
  learningRate: 1e-3,
  warmupSteps: 10,
  minLearningRateRatio: 0.1,
  weightDecay: 0.0,
  gradClip: 1.0,
  promptLossWeight: 0,
  seed: 0,
};

export interface StepMetrics {
  step: number;
  'train/loss': number;
  'train/learning_rate': number;
  'train/tokens': number;
  'train/epoch': number;
  [k: string]: number;
}

export interface SftResult {
  steps: number;
  finalLoss: number;
  seconds: number;
}

/** Optimizer steps SFT will take for `examples` examples. */
export function sftSteps(examples: number, config: Pick<SftConfig, 'epochs' | 'batchSize'>): number {
  return config.epochs * Math.ceil(examples / config.batchSize);
}

/** Learning rate at `step` (1-based) of `total`: linear warmup, then linear decay. */
export function learningRateAt(step: number, total: number, c: Pick<SftConfig, 'learningRate' | 'warmupSteps' | 'minLearningRateRatio'>): number {
  if (c.warmupSteps > 0 && step <= c.warmupSteps) return (c.learningRate * step) / c.warmupSteps;
  const span = Math.max(1, total - c.warmupSteps);
  const frac = Math.min(1, Math.max(0, (step - c.warmupSteps) / span));
  return c.learningRate * (1 - (1 - c.minLearningRateRatio) * frac);
}

function shuffled(n: number, seed: number): number[] {
  return shuffleWith(Array.from({ length: n }, (_, i) => i), xorshift32((seed >>> 0) ^ 0x5bd1e995));
}

/** Token ids and per-token loss weights of one example (truncated to the context, prompt first). */
export function encodeExample(model: TrainableModel, e: SftExample, promptLossWeight: number): { tokens: number[]; weights: number[] } {
  const bos = model.bos !== undefined && model.bos >= 0 ? [model.bos] : [];
  const eos = model.eos !== undefined && model.eos >= 0 ? [model.eos] : [];
  const p = [...bos, ...model.encode(e.prompt)];
  const c = [...model.encode(model.terminate(e.completion)), ...eos];
  const tokens = [...p, ...c].slice(0, model.contextLength);
  // weights[i] is the weight of predicting tokens[i] (the first token is never predicted).
  const weights = tokens.map((_, i) => (i === 0 ? 0 : i < p.length ? promptLossWeight : 1));
  return { tokens, weights };
}

/** Fine-tunes the checkpoint `from` on `examples` and writes the result to `out`. */
export async function supervisedFineTune(o: {
  from: string;
  examples: readonly SftExample[];
  config: SftConfig;
  out: string;
  onStep?: (m: StepMetrics) => void | Promise<void>;
  /** The engine (tests pass a stand-in). */
  engine?: { openCheckpoint: typeof openCheckpoint };
}): Promise<SftResult> {
  const started = performance.now();
  const c = o.config;
  const model = await (o.engine ?? { openCheckpoint }).openCheckpoint(o.from, { learningRate: c.learningRate, weightDecay: c.weightDecay, gradClip: c.gradClip, seed: c.seed });
  const encoded = o.examples.map((e) => encodeExample(model, e, c.promptLossWeight));
  const total = sftSteps(encoded.length, c);
  let step = 0;
  let tokens = 0;
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < c.epochs; epoch++) {
    const order = shuffled(encoded.length, c.seed * 1009 + epoch);
    for (let b = 0; b < order.length; b += c.batchSize) {
      step++;
      const batch = order.slice(b, b + c.batchSize).map((i) => encoded[i]!);
      const lr = learningRateAt(step, total, c);
      lastLoss = await model.trainStep(batch, lr);
      tokens += batch.reduce((s, x) => s + x.weights.reduce((a, w) => a + (w > 0 ? 1 : 0), 0), 0);
      await o.onStep?.({ step, 'train/loss': lastLoss, 'train/learning_rate': lr, 'train/tokens': tokens, 'train/epoch': epoch + (b + batch.length) / order.length });
    }
  }
  await model.save(o.out, { finetune: { from: o.from, examples: o.examples.length, steps: step, config: c } });
  return { steps: step, finalLoss: lastLoss, seconds: (performance.now() - started) / 1000 };
}
