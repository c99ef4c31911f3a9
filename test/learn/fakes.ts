/**
 * Stand-ins for the learner tests: a policy whose "model" answers a task with its reference body
 * with a given probability (else a wrong body), and an executor that judges by comparing with the
 * reference (nothing runs).
 */
import type { Completion, Policy, SampleOptions } from '../../src/policy/types.js';
import type { ExecRequest, Executor, Verdict } from '../../src/exec/types.js';
import type { Task } from '../../src/tasks/types.js';
import { Rng } from '../../src/tasks/builtin/index.js';

export function referencePolicy(tasks: readonly Task[], pCorrect: number): Policy & { calls: number } {
  const byPrompt = new Map(tasks.map((t) => [t.prompt, t]));
  const p = {
    calls: 0,
    async sample(prompts: string[], o: SampleOptions): Promise<Completion[][]> {
      p.calls++;
      const rng = new Rng(o.seed ?? 0);
      return prompts.map((prompt) =>
        Array.from({ length: o.n }, (_, j): Completion => {
          const ref = byPrompt.get(prompt)?.reference ?? '    pass\n';
          const text = rng.chance(pCorrect) ? ref.trimEnd() : `    return ${j} * ${rng.int(0, 3)}`;
          return { text, tokens: [], logprobs: [], finishReason: 'stop' };
        }),
      );
    },
    async score(): Promise<number[]> {
      return [];
    },
    async close(): Promise<void> {},
  };
  return p;
}

export function referenceExecutor(): Executor & { judged: number } {
  const ex = {
    judged: 0,
    async judge(req: ExecRequest): Promise<Verdict> {
      ex.judged++;
      const ok = req.completion.trimEnd() === (req.task.reference ?? '').trimEnd();
      return { status: ok ? 'passed' : 'failed', tests: [], timeMs: 1, memoryKb: 1 };
    },
    async run(): Promise<never> {
      throw new Error('not used');
    },
    async close(): Promise<void> {},
  };
  return ex;
}
