/**
 * The Policy contract: anything that writes programs. Backends: the local engine (a Verdict
 * checkpoint) and any OpenAI-compatible /v1/completions server (vLLM, llama.cpp, Ollama, ...).
 */

export interface SampleOptions {
  /** Completions per prompt. */
  n: number;
  temperature: number;
  topP?: number;
  topK?: number;
  maxTokens: number;
  stop?: string[];
  /** Seed for reproducible sampling (per request; backends derive per-sequence seeds from it). */
  seed?: number;
  /**
   * Ask for per-token log-probabilities (default true). With `false`, `Completion.logprobs` (and,
   * for HTTP backends, `tokens`) may be empty -- for servers that cannot return them.
   */
  logprobs?: boolean;
}

export interface Completion {
  /** Generated text, with the stop string (if any) removed. */
  text: string;
  /** Token ids (local engine) or token strings (HTTP backends). */
  tokens: Array<number | string>;
  /** Log-probability of each generated token under the sampling distribution's model. */
  logprobs: number[];
  finishReason: 'stop' | 'length';
}

export interface Policy {
  /** One list of `options.n` completions per prompt, in prompt order. */
  sample(prompts: string[], options: SampleOptions): Promise<Completion[][]>;
  /** Per-token log-probabilities of `completion` given `prompt`. */
  score(prompt: string, completion: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Per-token log-probabilities of a text, with the tokens they belong to. */
export interface ScoredText {
  tokens: Array<number | string>;
  logprobs: number[];
}

/** A policy as `verdict serve-model` serves it: sampling plus what the OpenAI protocol reports. */
export interface ServedModel {
  /** Name reported by /v1/models and required (when given) in requests. */
  name: string;
  policy: Policy;
  /** Text of each token in `Completion.tokens` (token ids -> strings); identity when absent. */
  tokenTexts?(tokens: Array<number | string>): string[];
  /** Tokens of `text` with their log-probabilities (the first is null when nothing precedes it); enables echo + logprobs. */
  scoreText?(text: string): Promise<{ tokens: string[]; logprobs: Array<number | null> }>;
  /** Number of tokens in `text`, for `usage.prompt_tokens`. */
  countTokens?(text: string): number;
  /** Longest context, tokens (reported by /v1/models). */
  contextLength?: number;
}
