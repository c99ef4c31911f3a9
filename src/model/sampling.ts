import type { Completion, SampleOptions, ScoreItem, TextCodec } from './types.js';
import type { Transformer } from './transformer.js';
import type { Kernels } from './kernels/types.js';

/** Batched sampling with a KV cache. Result[i][j] is completion j of prompts[i]. */
export function sample(
  model: Transformer, tokenizer: TextCodec, prompts: readonly string[], opts: SampleOptions, kernels?: Kernels,
): Completion[][] {
  void model; void tokenizer; void prompts; void opts; void kernels;
  throw new Error('not implemented yet');
}

/** Per-token log p of each completion's tokens given its prompt (batched). */
export function score(
  model: Transformer, tokenizer: TextCodec, items: readonly ScoreItem[], kernels?: Kernels,
): number[][] {
  void model; void tokenizer; void items; void kernels;
  throw new Error('not implemented yet');
}
