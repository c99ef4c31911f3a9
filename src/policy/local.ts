/**
 * The `local` backend: a Verdict checkpoint run in-process by the engine (src/model): batched
 * sampling with a KV cache, scoring, and -- the trainable side -- direct access to the model and
 * tokenizer for learners.
 */
import type { Completion, Policy, SampleOptions, ServedModel } from './types.js';
import type { Transformer } from '../model/index.js';
import type { LoadedCheckpoint } from '../model/index.js';

type Codec = LoadedCheckpoint['tokenizer'];

export class LocalPolicy implements Policy {
  private constructor(
    /** The underlying model: learners update it in place (the trainable side). */
    readonly model: Transformer,
    readonly tokenizer: Codec,
    readonly checkpoint: LoadedCheckpoint,
  ) {}

  static async load(dir: string): Promise<LocalPolicy> {
    const { loadCheckpoint } = await import('../model/index.js');
    const ck = await loadCheckpoint(dir);
    return new LocalPolicy(ck.model, ck.tokenizer, ck);
  }

  /** Wraps a model already in memory (learners sampling from the model they train). */
  static fromModel(model: Transformer, tokenizer: Codec, checkpoint?: LoadedCheckpoint): LocalPolicy {
    return new LocalPolicy(model, tokenizer, checkpoint ?? { model, tokenizer, meta: {} });
  }

  async sample(prompts: string[], options: SampleOptions): Promise<Completion[][]> {
    const { sample } = await import('../model/index.js');
    const out = sample(this.model, this.tokenizer, prompts, {
      n: options.n,
      temperature: options.temperature,
      maxTokens: options.maxTokens,
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      ...(options.topP !== undefined ? { topP: options.topP } : {}),
      ...(options.stop?.length ? { stop: options.stop } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    return out.map((cs) => cs.map((c) => ({ text: c.text, tokens: c.tokens, logprobs: c.logprobs, finishReason: c.finishReason === 'length' ? 'length' : 'stop' })));
  }

  async score(prompt: string, completion: string): Promise<number[]> {
    const { score } = await import('../model/index.js');
    return score(this.model, this.tokenizer, [{ prompt, completion }])[0]!;
  }

  async close(): Promise<void> {}
}

/** The checkpoint as `verdict serve-model` serves it. */
export async function loadServedModel(checkpoint: string, name: string): Promise<ServedModel> {
  const policy = await LocalPolicy.load(checkpoint);
  return servedModelOf(policy, name);
}

export function servedModelOf(policy: LocalPolicy, name: string): ServedModel {
  const tok = policy.tokenizer;
  return {
    name,
    policy,
    contextLength: policy.model.config.context,
    tokenTexts: (tokens) => tokens.map((t) => (typeof t === 'number' ? tok.decode([t]) : t)),
    countTokens: (text) => tok.encode(text).length,
    async scoreText(text) {
      // Scored after BOS, so every token of the text is conditioned on something.
      const ids = tok.encode(text);
      const logprobs = await policy.score('', text);
      if (logprobs.length !== ids.length) throw new Error(`scoring returned ${logprobs.length} logprobs for ${ids.length} tokens`);
      return { tokens: ids.map((id) => tok.decode([id])), logprobs };
    },
  };
}
