/** The `local` backend: a Verdict checkpoint run by the engine in src/model. (Filled in once the engine API lands.) */
import type { Completion, Policy, SampleOptions, ServedModel } from './types.js';

export class LocalPolicy implements Policy {
  static async load(checkpoint: string): Promise<LocalPolicy> {
    throw new Error(`local policy: cannot load ${checkpoint}: the engine is not available yet`);
  }
  async sample(_prompts: string[], _options: SampleOptions): Promise<Completion[][]> {
    throw new Error('not loaded');
  }
  async score(_prompt: string, _completion: string): Promise<number[]> {
    throw new Error('not loaded');
  }
  async close(): Promise<void> {}
}

/** The checkpoint as `verdict serve-model` serves it. */
export async function loadServedModel(checkpoint: string, name: string): Promise<ServedModel> {
  const policy = await LocalPolicy.load(checkpoint);
  return { name, policy };
}
