/**
 * Public types of the transformer engine. Implementations live one concern per file
 * (transformer.ts, trainer.ts, sampling.ts, checkpoint.ts); index.ts re-exports the surface.
 */

/** Shape of a GPT-2 style decoder. */
export interface ModelConfig {
  vocabSize: number;
  dModel: number;
  layers: number;
  heads: number;
  /** Longest sequence (tokens) the model attends over (number of learned positions). */
  context: number;
  /** Adds a scalar value head (linear dModel -> 1 on the final LayerNorm output) for PPO. */
  valueHead?: boolean;
}

/** Optimizer and schedule. Every field has a default (DEFAULT_TRAIN_CONFIG). */
export interface TrainConfig {
  /** Peak learning rate. */
  lr: number;
  /** Decoupled AdamW weight decay, applied to matrices only (not biases, LayerNorm or embeddings). */
  weightDecay: number;
  betas: [number, number];
  eps: number;
  /** Global-norm gradient clipping threshold (0 or Infinity disables). */
  gradClip: number;
  /** Linear warmup from 0 to lr over this many optimizer steps. */
  warmupSteps: number;
  /** Cosine decay to lr * minLrRatio at totalSteps (constant lr after warmup when 0). */
  totalSteps: number;
  minLrRatio: number;
  /** Number of step() calls whose gradients add up before one optimizer update. */
  accumulationSteps: number;
  /** Weight of the value-head squared error in the loss. */
  valueLossCoef: number;
  seed: number;
}

/**
 * One micro-batch. Sequences may differ in length: the trainer right-pads them.
 * Loss: sum over i, t>=1 of weights[i][t] * -log p(tokens[i][t] | tokens[i][<t]), divided by
 * the sum of |weights| (or by `normalizer` when given). weights[i][0] is ignored.
 */
export interface TrainBatch {
  tokens: number[][];
  /** Per-token loss weight of predicting tokens[i][t]; 0 masks (prompt, padding). Default 1. */
  weights?: number[][];
  /** Value-head targets per position (needs config.valueHead); NaN masks a position. */
  valueTargets?: number[][];
  /** Divide the summed weighted loss by this instead of the sum of |weights| (e.g. PPO token count). */
  normalizer?: number;
}

export interface TrainStepStats {
  /** Mean weighted next-token loss of this micro-batch (nats per weighted token). */
  loss: number;
  /** Mean squared value error (0 without value targets). */
  valueLoss: number;
  /** Global gradient norm before clipping (NaN when this call did not finish an accumulation). */
  gradNorm: number;
  /** Learning rate used by the update (NaN when no update happened). */
  lr: number;
  /** Tokens processed (non-padding positions). */
  tokens: number;
  /** True when this call applied an optimizer update. */
  updated: boolean;
}

/** Everything needed to resume training exactly. */
export interface TrainerState {
  step: number;
  microStep: number;
  config: TrainConfig;
  /** AdamW first and second moments, flat, aligned with Transformer.params. */
  m: Float32Array;
  v: Float32Array;
  /** Accumulated gradient of an unfinished accumulation. */
  grad: Float32Array;
  rng: number[];
}

/** What sampling and scoring need from a tokenizer (the BPE Tokenizer satisfies it). */
export interface TextCodec {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  readonly bos: number;
  readonly eos: number;
  readonly vocabSize: number;
}

export interface SampleOptions {
  /** Completions per prompt (default 1). */
  n?: number;
  /** 0 means greedy. */
  temperature: number;
  topK?: number;
  topP?: number;
  maxTokens: number;
  /** Generation stops when the decoded completion contains one; the text is cut before it. */
  stop?: string[];
  /** Completion j of prompt i uses seed + i * n + j (default 0). */
  seed?: number;
  /** Prepend BOS to each prompt (default true). */
  addBos?: boolean;
}

export interface Completion {
  text: string;
  /** Generated token ids (up to and including the token that completed a stop string / EOS). */
  tokens: number[];
  /** log p of each generated token under the model at temperature 1 (untempered). */
  logprobs: number[];
  finishReason: 'stop' | 'eos' | 'length';
}

export interface ScoreItem {
  prompt: string;
  completion: string;
}

export interface CheckpointMeta {
  [key: string]: unknown;
}

export type KernelChoice = 'auto' | 'native' | 'typescript';
