/**
 * Expert iteration in the ReST-EM form (Singh et al. 2023), one readable file.
 *
 *   for round i = 1..I:
 *     Generate: sample K programs per training problem from the current policy, run them in the
 *               sandbox, keep the ones that pass (binary reward), at most `capPerTask` distinct
 *               programs per problem.
 *     Improve:  fine-tune on the kept programs -- starting from the BASE model every round (the
 *               paper's choice, which limits drift and overfitting), not from the previous round.
 *
 * This module does the Generate step (`generateRound`) and the bookkeeping; fine-tuning is
 * `supervisedFineTune` (./sft.ts). Evaluation on the test split is composed by the caller (the
 * `verdict expert-iteration` command uses src/eval), since learn sits left of eval.
 */
import type { Executor, Limits, VerdictStatus } from '../exec/types.js';
import type { Policy } from '../policy/types.js';
import type { Task } from '../tasks/types.js';
import { shuffleWith, xorshift32 } from './xorshift.js';

/** Every hyperparameter of expert iteration, with ReST-EM's choice where the paper makes one. */
export interface ExpertIterationConfig {
  /** Rounds of generate + improve (ReST-EM runs a few; APPS improves then overfits after ~2). */
  rounds: number;
  /** Programs sampled per training problem (ReST-EM: 64 on APPS; smaller here to fit a laptop). */
  samplesPerTask: number;
  /** Sampling temperature for Generate (ReST-EM: 0.7). */
  temperature: number;
  /** Longest completion, tokens. */
  maxTokens: number;
  /** Distinct passing programs kept per problem (ReST-EM: 10 on APPS). */
  capPerTask: number;
  /** Fine-tune from the base model every round (ReST-EM) instead of continuing from the last round. */
  fromBase: boolean;
  /** Training problems used per round (0 = the whole train split). */
  trainTasks: number;
  /** Prompts per policy.sample call. */
  sampleBatch: number;
  /** Sandbox limits for each program. */
  limits: Partial<Limits>;
  /** Programs judged at once. */
  inFlight: number;
  seed: number;
}

export const DEFAULT_EXPERT_ITERATION: ExpertIterationConfig = {
  rounds: 1,
  samplesPerTask: 8,
  temperature: 0.7,
  maxTokens: 96,
  capPerTask: 10,
  fromBase: true,
  trainTasks: 0,
  sampleBatch: 32,
  limits: { wallMs: 3000, cpuMs: 2000 },
  inFlight: 16,
  seed: 0,
};

/** One (prompt, completion) training example. */
export interface SftExample {
  prompt: string;
  completion: string;
  taskId?: string;
}

/** What Generate found in one round. Metric names are the ones logged every step. */
export interface GenerateStats {
  /** Problems sampled. */
  tasks: number;
  /** Programs sampled. */
  samples: number;
  /** Programs that passed all tests. */
  passed: number;
  /** Share of sampled programs that passed ("generate/pass_rate"). */
  passRate: number;
  /** Problems with at least one passing program ("generate/solved_rate"). */
  solvedRate: number;
  /** Programs kept after de-duplication and the per-problem cap. */
  kept: number;
  /** Count per verdict status. */
  verdicts: Partial<Record<VerdictStatus, number>>;
  seconds: number;
}

export interface GenerateResult {
  examples: SftExample[];
  stats: GenerateStats;
}

export interface GenerateProgress {
  phase: 'sample' | 'judge';
  done: number;
  total: number;
}

/** Deterministic shuffle (xorshift32) so task subsets and kept programs depend only on the seed. */
function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return shuffleWith(items, xorshift32((seed >>> 0) || 0x9e3779b9));
}

/** The training problems of a round: all, or a seeded subset of `trainTasks`. */
export function roundTasks(tasks: readonly Task[], config: Pick<ExpertIterationConfig, 'trainTasks' | 'seed'>, round: number): Task[] {
  if (config.trainTasks <= 0 || config.trainTasks >= tasks.length) return [...tasks];
  return seededShuffle(tasks, config.seed * 1000 + round).slice(0, config.trainTasks);
}

/** Runs `fn` over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

/**
 * Generate: sample `samplesPerTask` programs per task, judge them in the sandbox, keep passing
 * ones (distinct texts, at most `capPerTask` per task, chosen by the seed).
 */
export async function generateRound(opts: {
  policy: Policy;
  executor: Executor;
  tasks: readonly Task[];
  config: ExpertIterationConfig;
  round: number;
  onProgress?: (p: GenerateProgress) => void;
}): Promise<GenerateResult> {
  const { policy, executor, tasks, config, round } = opts;
  const started = performance.now();
  const completions: string[][] = [];
  for (let b = 0; b < tasks.length; b += config.sampleBatch) {
    const batch = tasks.slice(b, b + config.sampleBatch);
    // One call per distinct stop list (the built-in split has one).
    const out = await policy.sample(
      batch.map((t) => t.prompt),
      {
        n: config.samplesPerTask,
        temperature: config.temperature,
        maxTokens: config.maxTokens,
        ...(batch[0]?.stop ? { stop: batch[0].stop } : {}),
        seed: (config.seed * 7919 + round * 104729 + b) >>> 0,
        logprobs: false,
      },
    );
    for (const list of out) completions.push(list.map((c) => c.text));
    opts.onProgress?.({ phase: 'sample', done: Math.min(tasks.length, b + batch.length), total: tasks.length });
  }
  const jobs = tasks.flatMap((task, ti) => completions[ti]!.map((completion) => ({ task, ti, completion })));
  let judged = 0;
  const verdicts = await mapLimit(jobs, config.inFlight, async (j) => {
    const v = await executor.judge({ task: j.task, completion: j.completion, limits: config.limits });
    judged++;
    if (judged % 16 === 0 || judged === jobs.length) opts.onProgress?.({ phase: 'judge', done: judged, total: jobs.length });
    return v.status;
  });
  const counts: Partial<Record<VerdictStatus, number>> = {};
  const passing = tasks.map(() => new Set<string>());
  verdicts.forEach((status, i) => {
    counts[status] = (counts[status] ?? 0) + 1;
    if (status === 'passed') passing[jobs[i]!.ti]!.add(jobs[i]!.completion);
  });
  const examples: SftExample[] = [];
  tasks.forEach((task, ti) => {
    const kept = seededShuffle([...passing[ti]!].sort(), config.seed + round * 31 + ti).slice(0, config.capPerTask);
    for (const completion of kept) examples.push({ prompt: task.prompt, completion, taskId: task.id });
  });
  const passed = counts.passed ?? 0;
  const solved = passing.filter((s) => s.size > 0).length;
  return {
    examples,
    stats: {
      tasks: tasks.length,
      samples: jobs.length,
      passed,
      passRate: jobs.length ? passed / jobs.length : 0,
      solvedRate: tasks.length ? solved / tasks.length : 0,
      kept: examples.length,
      verdicts: counts,
      seconds: (performance.now() - started) / 1000,
    },
  };
}
