/**
 * Policies: anything that writes programs. `createPolicy(spec)` builds one from a plain spec:
 *
 *   { kind: 'local', checkpoint: 'runs/x/checkpoint' }                         a Verdict checkpoint
 *   { kind: 'openai', baseUrl: 'http://127.0.0.1:8000/v1', model: 'name', ... } any /v1/completions server
 */
export * from './types.js';
export { OpenAIPolicy, PolicyHttpError, completionsUrl } from './openai.js';
export type { OpenAIPolicySpec } from './openai.js';
export { Semaphore, backoffDelay, parseRetryAfter } from './retry.js';
import type { Policy } from './types.js';
import { OpenAIPolicy, type OpenAIPolicySpec } from './openai.js';

export interface LocalPolicySpec {
  kind: 'local';
  /** Checkpoint directory written by the engine (`verdict pretrain`, learners). */
  checkpoint: string;
}

export type PolicySpec = LocalPolicySpec | OpenAIPolicySpec;

export async function createPolicy(spec: PolicySpec): Promise<Policy> {
  switch (spec.kind) {
    case 'openai':
      return new OpenAIPolicy(spec);
    case 'local': {
      const { LocalPolicy } = await import('./local.js');
      return LocalPolicy.load(spec.checkpoint);
    }
    default:
      throw new Error(`unknown policy kind ${JSON.stringify((spec as { kind?: unknown }).kind)} (expected "local" or "openai")`);
  }
}
