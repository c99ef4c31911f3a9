/**
 * What the learners need from the engine (src/model): encode text, take an optimizer step on
 * weighted token sequences, save a checkpoint. One adapter, so that SFT and pretraining read as
 * algorithms rather than engine plumbing. Sequences are trained as the engine samples them:
 * BOS first (sampling prepends BOS to every prompt), EOS after the function.
 */
import type { LoadedCheckpoint, Tokenizer, Trainer, Transformer } from '../model/index.js';

export interface TrainOptions {
  learningRate: number;
  weightDecay: number;
  gradClip: number;
  seed: number;
  /** Restore the optimizer state saved with the checkpoint (resuming pretraining). */
  resumeOptimizer?: boolean;
}

/** A fresh model: tokenizer trained on `tokenizerTexts`, weights initialised from the seed. */
export interface NewModelSpec {
  vocabSize: number;
  tokenizerTexts: readonly string[];
  dModel: number;
  layers: number;
  heads: number;
  contextLength: number;
  train: TrainOptions;
}

export interface WeightedSequence {
  tokens: number[];
  /** weights[i]: loss weight of predicting tokens[i] from tokens[0..i-1] (weights[0] is ignored). */
  weights: number[];
}

export interface TrainableModel {
  /** Token ids of a text (no special tokens). */
  encode(text: string): number[];
  /** Beginning- and end-of-sequence token ids (-1 when the model has none). */
  readonly bos?: number;
  readonly eos?: number;
  /** The completion with the end-of-function marker the model was pretrained with. */
  terminate(completion: string): string;
  /** Longest sequence (tokens) the model attends over. */
  contextLength: number;
  /** One optimizer step on a batch; returns the mean weighted loss (nats per weighted token). */
  trainStep(batch: readonly WeightedSequence[], learningRate: number): Promise<number>;
  /** Mean weighted loss of a batch, no update. */
  evalLoss(batch: readonly WeightedSequence[]): Promise<number>;
  /** Writes a checkpoint (weights, config, tokenizer) with `record` merged into its JSON record. */
  save(dir: string, record?: Record<string, unknown>, options?: { optimizer?: boolean }): Promise<void>;
}

/** The end of a function in the corpus and in fine-tuning data: a blank line (sampling stops there). */
export function terminateCompletion(completion: string): string {
  return completion.replace(/\s+$/, '') + '\n\n';
}

class EngineModel implements TrainableModel {
  readonly contextLength: number;
  constructor(
    private readonly model: Transformer,
    private readonly tokenizer: Tokenizer,
    private readonly trainer: Trainer,
    private readonly meta: Record<string, unknown>,
  ) {
    this.contextLength = model.config.context;
  }
  get bos(): number {
    return this.tokenizer.bos;
  }
  get eos(): number {
    return this.tokenizer.eos;
  }
  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }
  terminate(completion: string): string {
    return terminateCompletion(completion);
  }
  private batch(batch: readonly WeightedSequence[]) {
    // The engine's sequences are at most `context` long.
    return {
      tokens: batch.map((s) => s.tokens.slice(0, this.contextLength)),
      weights: batch.map((s) => s.weights.slice(0, this.contextLength)),
    };
  }
  async trainStep(batch: readonly WeightedSequence[], learningRate: number): Promise<number> {
    this.trainer.lrOverride = learningRate;
    return this.trainer.step(this.batch(batch)).loss;
  }
  async evalLoss(batch: readonly WeightedSequence[]): Promise<number> {
    return this.trainer.evaluate(this.batch(batch)).loss;
  }
  async save(dir: string, record?: Record<string, unknown>, options?: { optimizer?: boolean }): Promise<void> {
    const { saveCheckpoint } = await import('../model/index.js');
    await saveCheckpoint(dir, {
      model: this.model,
      tokenizer: this.tokenizer,
      ...(options?.optimizer ? { trainer: this.trainer } : {}),
      meta: { ...this.meta, ...(record ?? {}) },
    });
  }
}

function trainerFor(model: Transformer, o: TrainOptions, TrainerClass: typeof Trainer): Trainer {
  // The learners set the learning rate of every step themselves (lrOverride).
  return new TrainerClass(model, { lr: o.learningRate, weightDecay: o.weightDecay, gradClip: o.gradClip, warmupSteps: 0, totalSteps: 0, seed: o.seed });
}

export async function createTrainable(spec: NewModelSpec): Promise<TrainableModel> {
  const { Tokenizer, Transformer, Trainer } = await import('../model/index.js');
  const tokenizer = Tokenizer.train(spec.tokenizerTexts, { vocabSize: spec.vocabSize });
  const model = Transformer.create(
    { vocabSize: tokenizer.vocabSize, dModel: spec.dModel, layers: spec.layers, heads: spec.heads, context: spec.contextLength },
    spec.train.seed,
  );
  return new EngineModel(model, tokenizer, trainerFor(model, spec.train, Trainer), {});
}

export async function openCheckpoint(dir: string, options: TrainOptions): Promise<TrainableModel> {
  const { loadCheckpoint, Trainer } = await import('../model/index.js');
  const ck: LoadedCheckpoint = await loadCheckpoint(dir);
  const trainer = trainerFor(ck.model, options, Trainer);
  if (options.resumeOptimizer && ck.trainerState) trainer.loadState(ck.trainerState);
  return new EngineModel(ck.model, ck.tokenizer, trainer, { ...ck.meta });
}
