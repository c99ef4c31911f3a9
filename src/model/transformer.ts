import type { ModelConfig } from './types.js';
import type { Kernels } from './kernels/types.js';

/** GPT-2 style decoder; parameters live in one flat Float32Array (views per tensor). */
export class Transformer {
  readonly config: Readonly<ModelConfig>;
  /** All parameters, flat. */
  readonly params: Float32Array;

  private constructor(config: ModelConfig, params: Float32Array) {
    this.config = Object.freeze({ ...config });
    this.params = params;
  }

  /** New model with GPT-2 initialisation from a seed (deterministic). */
  static create(config: ModelConfig, seed: number): Transformer {
    void config; void seed;
    throw new Error('not implemented yet');
  }

  /** Model from a flat parameter array (copied), e.g. read from a checkpoint. */
  static fromParams(config: ModelConfig, params: Float32Array): Transformer {
    return new Transformer(config, params.slice());
  }

  /** Frozen reference copy (for KL terms): independent parameters, same config. */
  clone(): Transformer {
    return new Transformer({ ...this.config }, this.params.slice());
  }

  /** Named views into `params`, in layout order (names as in checkpoints). */
  parameters(): { name: string; shape: number[]; data: Float32Array; decay: boolean }[] {
    throw new Error('not implemented yet');
  }

  /** Total number of parameters. */
  get size(): number {
    return this.params.length;
  }

  /**
   * Next-token logits for right-padded token rows: logits [B, T, V] (a view valid until the next call).
   * With a value head, values [B, T].
   */
  forward(tokens: Int32Array, B: number, T: number, kernels?: Kernels): { logits: Float32Array; values: Float32Array | null } {
    void tokens; void B; void T; void kernels;
    throw new Error('not implemented yet');
  }
}
