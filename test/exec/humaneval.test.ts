/**
 * All 164 HumanEval canonical solutions pass in the sandbox; bodies replaced by `return None` fail,
 * a syntax error is a syntax_error, an infinite loop a timeout. Skips when the data is absent.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';
import type { Task } from '../../src/tasks/types.js';

const DATA = process.env.VERDICT_DATA ?? join(process.cwd(), '..', 'shared', 'data');
const FILE = join(DATA, 'humaneval', 'HumanEval.jsonl.gz');
const skip = existsSync(FILE) ? false : `HumanEval data not found at ${FILE} (set VERDICT_DATA)`;

interface Row { task_id: string; prompt: string; canonical_solution: string; test: string; entry_point: string }
const rows: Row[] = skip
  ? []
  : gunzipSync(readFileSync(FILE)).toString('utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Row);
const tasks: Task[] = rows.map((r) => ({
  id: r.task_id,
  source: 'humaneval',
  language: 'python',
  prompt: r.prompt,
  completionMode: 'continue',
  entryPoint: r.entry_point,
  reference: r.canonical_solution,
  tests: { kind: 'check', code: r.test, entryPoint: r.entry_point },
}));

let ex: SandboxExecutor;
before(async () => {
  if (!skip) ex = await createExecutor({ cache: false });
});
after(async () => ex?.close());

test('every canonical solution passes', { skip }, async () => {
  const verdicts = await Promise.all(tasks.map((task) => ex.judge({ task, completion: task.reference! })));
  const bad = verdicts.map((v, i) => [tasks[i]!.id, v.status, v.message] as const).filter(([, s]) => s !== 'passed');
  assert.deepEqual(bad, []);
  assert.equal(verdicts.length, 164);
});

test('bodies replaced by `return None` fail', { skip }, async () => {
  const verdicts = await Promise.all(tasks.map((task) => ex.judge({ task, completion: '    return None\n' })));
  const counts: Record<string, number> = {};
  for (const v of verdicts) counts[v.status] = (counts[v.status] ?? 0) + 1;
  const notFailed = verdicts.map((v, i) => [tasks[i]!.id, v.status, v.message] as const).filter(([, s]) => s !== 'failed');
  assert.deepEqual(notFailed, [], JSON.stringify(counts));
});

test('a syntax error is syntax_error with its line; an infinite loop is a timeout', { skip }, async () => {
  const sample = tasks.slice(0, 8);
  const syn = await Promise.all(sample.map((task) => ex.judge({ task, completion: '    x = 1\n    return (x +\n' })));
  for (const v of syn) {
    assert.equal(v.status, 'syntax_error');
    assert.equal(v.errorLine, 2);
    assert.equal(v.errorAtEnd, true);
  }
  const loops = await Promise.all(
    sample.slice(0, 2).map((task) => ex.judge({ task, completion: '    while True:\n        pass\n', limits: { wallMs: 700, cpuMs: 700 } })),
  );
  for (const v of loops) assert.equal(v.status, 'timeout');
});
