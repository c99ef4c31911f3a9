/**
 * What the learners need from the engine (src/model): encode text, take an optimizer step on
 * weighted token sequences, save a checkpoint. One adapter, so that SFT and pretraining read as
 * algorithms rather than engine plumbing.
 */

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
  encode(text: string): number[];
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

export async function createTrainable(spec: NewModelSpec): Promise<TrainableModel> {
  void spec;
  throw new Error('cannot create a model: the engine (src/model) is not available yet');
}

export async function openCheckpoint(dir: string, options: TrainOptions): Promise<TrainableModel> {
  void options;
  throw new Error(`cannot open ${dir} for training: the engine (src/model) is not available yet`);
}
