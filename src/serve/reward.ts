/**
 * Rewards reported by POST /get_reward, computed from a Verdict.
 * binary: 1 when every test passes, else 0. error-type (CodeRL / RLTF, REFERENCE 1a): all pass +1,
 * tests fail -0.3, runtime error -0.6 (timeouts and resource limits count as runtime errors),
 * syntax error -1. A sandbox_error is our fault, not the sample's: reward 0, logged separately.
 */
import type { Verdict } from '../exec/types.js';
import type { Task } from '../tasks/types.js';

export type RewardKind = 'binary' | 'error-type' | 'composite';
export const REWARD_KINDS: readonly RewardKind[] = ['binary', 'error-type', 'composite'];

export function binaryReward(v: Verdict): number {
  return v.status === 'passed' ? 1 : 0;
}

export function errorTypeReward(v: Verdict): number {
  switch (v.status) {
    case 'passed':
      return 1;
    case 'failed':
      return -0.3;
    case 'syntax_error':
      return -1;
    case 'runtime_error':
    case 'timeout':
    case 'memory_exceeded':
    case 'output_exceeded':
      return -0.6;
    case 'sandbox_error':
      return 0;
  }
}

/** Fraction of per-test outcomes that passed (1 for a passed verdict with no per-test entries). */
export function passRatio(v: Verdict): number {
  if (v.status === 'passed') return 1;
  if (v.tests.length === 0) return 0;
  return v.tests.filter((t) => t.status === 'passed').length / v.tests.length;
}

/** A composite reward over a verdict and the judged sample (src/rewards' composite reward). */
export type CompositeReward = (v: Verdict, ctx: { task: Task; completion: string }) => number;

/** Loads the composite reward from src/rewards; a clear error when that library does not provide one. */
export async function compositeRewardFor(): Promise<CompositeReward> {
  const mod = (await import('../rewards/index.js')) as Record<string, unknown>;
  const f = mod.compositeReward;
  if (typeof f !== 'function') throw new Error('reward "composite" is not available: src/rewards exports no compositeReward yet');
  return f as CompositeReward;
}
