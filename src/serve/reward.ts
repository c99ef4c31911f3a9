/**
 * Rewards reported by POST /get_reward, computed from a Verdict with the rewards library
 * (src/rewards): binary (1 pass / 0), error-type (CodeRL/RLTF: +1 pass, -0.3 tests fail, -0.6
 * runtime error incl. time-outs and limits, -1 syntax error), or a composite from a config file.
 * A sandbox_error is our fault, not the sample's: the library marks it "skip"; OpenRLHF needs a
 * number, so it is reported as 0 and flagged in extra_logs.sandbox_error.
 */
import type { Verdict } from '../exec/types.js';
import type { Task } from '../tasks/types.js';
import { binaryReward as libBinary, errorTypeReward as libErrorType, passRatio as libPassRatio } from '../rewards/exec.js';

export type RewardKind = 'binary' | 'error-type' | 'composite';
export const REWARD_KINDS: readonly RewardKind[] = ['binary', 'error-type', 'composite'];

export function binaryReward(v: Verdict): number {
  return libBinary(v).score ?? 0;
}

export function errorTypeReward(v: Verdict): number {
  return libErrorType(v).score ?? 0;
}

/** Fraction of tests passed. */
export function passRatio(v: Verdict): number {
  return v.status === 'passed' ? 1 : libPassRatio(v);
}

/** A composite reward over a verdict and the judged sample: its score and named components. */
export type CompositeReward = (
  v: Verdict,
  ctx: { task: Task; completion: string },
) => Promise<{ score: number | null; components: Record<string, number | null> }>;

/** Components that need per-token data a reward request does not carry. */
const NEEDS_TOKENS = new Set(['kl', 'fine-grained']);

/**
 * Loads a composite reward config (YAML or JSON, see docs/rewards.md) for /get_reward.
 * Components needing token log-probabilities or offsets (kl, fine-grained) are refused: OpenRLHF
 * sends text only. Similarity components need a reference in the label (`reference`).
 */
export async function compositeRewardFor(configText: string, source: string): Promise<CompositeReward> {
  const { parseCompositeConfig, compositeReward } = await import('../rewards/index.js');
  const config = await parseCompositeConfig(configText, source);
  const bad = config.components.filter((c) => NEEDS_TOKENS.has(c.kind));
  if (bad.length) {
    throw new Error(`${source}: component ${bad[0]!.kind} needs per-token data that /get_reward does not receive; use it in a learner instead`);
  }
  return async (v, ctx) => {
    const r = await compositeReward(config, { task: ctx.task, sample: { task_id: ctx.task.id, completion: ctx.completion }, verdict: v });
    return { score: r.score, components: r.components };
  };
}
