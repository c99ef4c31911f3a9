/**
 * Judge candidate programs for one task in the sandbox, turn the verdicts into rewards, and pick
 * the best of n: the core loop every learning method in Verdict is built on.
 *
 *   node --import tsx examples/judge-and-reward.ts
 *
 * The candidates are untrusted code as far as Verdict is concerned: they run only in the sandbox.
 */
import type { Task } from '../src/tasks/index.js';
import { createExecutor } from '../src/exec/index.js';
import { errorTypeReward, syntaxMatch, dataflowMatch } from '../src/rewards/index.js';

const task: Task = {
  id: 'example/clamp',
  source: 'example',
  language: 'python',
  prompt: 'def clamp(x, lo, hi):\n    """Return x limited to the range [lo, hi]."""\n',
  completionMode: 'continue',
  entryPoint: 'clamp',
  reference: '    return max(lo, min(x, hi))\n',
  tests: {
    kind: 'asserts',
    asserts: ['assert clamp(5, 0, 10) == 5', 'assert clamp(-3, 0, 10) == 0', 'assert clamp(42, 0, 10) == 10'],
  },
};

// Four samples a model might write: right, off at the top, a syntax slip, and a crash.
const candidates = [
  '    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n',
  '    return max(lo, x)\n',
  '    return max(lo, min(x, hi)\n',
  '    return x.clamp(lo, hi)\n',
];

const executor = await createExecutor({ workers: 2 });
try {
  const verdicts = await Promise.all(candidates.map((completion) => executor.judge({ task, completion })));
  const rows = [];
  for (const [i, v] of verdicts.entries()) {
    const reward = errorTypeReward(v); // CodeRL: -1 syntax, -0.6 runtime, -0.3 failed, +1 passed
    const program = task.prompt + candidates[i]!;
    const reference = task.prompt + task.reference!;
    const syntax = await syntaxMatch(program, reference, 'python');
    const dataflow = await dataflowMatch(program, reference, 'python');
    rows.push({
      sample: i,
      verdict: v.status,
      tests: v.tests.map((t) => t.status[0]).join(''),
      error: v.errorType ?? '',
      reward: reward.score,
      syntax_match: syntax.score === null ? null : Number(syntax.score.toFixed(3)),
      dataflow_match: dataflow.score === null ? null : Number(dataflow.score.toFixed(3)),
    });
  }
  console.table(rows);
  // Best of n by execution reward, ties broken by similarity to the reference.
  const best = [...rows].sort((a, b) => (b.reward ?? -2) - (a.reward ?? -2) || (b.syntax_match ?? 0) - (a.syntax_match ?? 0))[0]!;
  console.log(`best of ${rows.length}: sample ${best.sample} (${best.verdict})`);
} finally {
  await executor.close();
}
