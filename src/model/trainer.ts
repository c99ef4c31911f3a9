import type { TrainBatch, TrainConfig, TrainerState, TrainStepStats } from './types.js';
import type { Transformer } from './transformer.js';
import type { Kernels } from './kernels/types.js';

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

  constructor(model: Transformer, config: Partial<TrainConfig> = {}, kernels?: Kernels) {
    this.model = model;
    this.config = { ...DEFAULT_TRAIN_CONFIG, ...config };
    void kernels;
  }

  /** Forward + backward on one micro-batch; applies an update every accumulationSteps calls. */
  step(batch: TrainBatch): TrainStepStats {
    void batch;
    throw new Error('not implemented yet');
  }

  /** Mean weighted loss of a batch without changing anything. */
  evaluate(batch: TrainBatch): { loss: number; valueLoss: number; tokens: number } {
    void batch;
    throw new Error('not implemented yet');
  }

  state(): TrainerState {
    throw new Error('not implemented yet');
  }

  loadState(state: TrainerState): void {
    void state;
    throw new Error('not implemented yet');
  }
}
