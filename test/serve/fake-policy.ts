/**
 * A deterministic stand-in for a language model: each "token" is one character. The completion
 * of prompt p for sequence j is `<len(p)>#<j>` plus, with a seed, `@<seed+j>`; every token gets
 * log-probability -0.5 and `finishReason` "length" when the text had to be cut at maxTokens.
 * Records every sample() call so tests can see how requests were batched.
 */
import type { Completion, Policy, SampleOptions } from '../../src/policy/types.js';
import type { ServedModel } from '../../src/serve/model-server.js';

export interface FakePolicy extends Policy {
  calls: Array<{ prompts: string[]; options: SampleOptions }>;
  /** Delay per sample() call, ms. */
  delayMs: number;
}

export function fakePolicy(): FakePolicy {
  const p: FakePolicy = {
    calls: [],
    delayMs: 0,
    async sample(prompts, options) {
      p.calls.push({ prompts, options });
      if (p.delayMs) await new Promise((r) => setTimeout(r, p.delayMs));
      return prompts.map((prompt) =>
        Array.from({ length: options.n }, (_, j): Completion => {
          let full = `${prompt.length}#${j}` + (options.seed !== undefined ? `@${options.seed + j}` : '');
          let finishReason: Completion['finishReason'] = 'length';
          for (const s of options.stop ?? []) {
            const at = full.indexOf(s);
            if (at >= 0) {
              full = full.slice(0, at);
              finishReason = 'stop';
            }
          }
          if (full.length > options.maxTokens) full = full.slice(0, options.maxTokens);
          else if (finishReason !== 'stop') finishReason = 'stop';
          const tokens = [...full];
          return { text: full, tokens, logprobs: tokens.map(() => -0.5), finishReason };
        }),
      );
    },
    async score(prompt, completion) {
      return [...completion].map((_, i) => -(prompt.length + i) / 100);
    },
    async close() {},
  };
  return p;
}

/** Serves the fake policy; scoreText gives character i the logprob -i/100 (null for the first). */
export function fakeServedModel(policy: FakePolicy): ServedModel {
  return {
    name: 'fake-char-model',
    policy,
    contextLength: 128,
    countTokens: (t) => t.length,
    async scoreText(text) {
      const tokens = [...text];
      return { tokens, logprobs: tokens.map((_, i) => (i === 0 ? null : -i / 100)) };
    },
  };
}
