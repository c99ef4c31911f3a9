import type { CheckpointMeta, TextCodec, TrainerState } from './types.js';
import type { Transformer } from './transformer.js';
import type { Trainer } from './trainer.js';

/** A checkpoint that cannot be read: names the file and the field. */
export class CheckpointError extends Error {
  constructor(readonly file: string, readonly field: string, detail: string) {
    super(`${file}: ${field}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

export interface SaveCheckpointInput {
  model: Transformer;
  /** The BPE Tokenizer (saved with its toJSON()). */
  tokenizer: TextCodec & { toJSON(): unknown };
  trainer?: Trainer;
  meta?: CheckpointMeta;
}

export interface LoadedCheckpoint {
  model: Transformer;
  tokenizer: TextCodec & { toJSON(): unknown };
  trainerState?: TrainerState;
  meta: CheckpointMeta;
}

/**
 * Writes dir/model.safetensors, dir/config.json, dir/tokenizer.json and, with a trainer,
 * dir/optimizer.safetensors + dir/trainer.json. Files are written to temporaries and renamed.
 */
export async function saveCheckpoint(dir: string, input: SaveCheckpointInput): Promise<void> {
  void dir; void input;
  throw new Error('not implemented yet');
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  void dir;
  throw new Error('not implemented yet');
}
