import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinTasks } from '../../src/tasks/builtin/index.js';
import { sampleToFile } from '../../src/learn/sampling.js';
import { DEFAULT_EXPERT_ITERATION, generateRound, roundTasks } from '../../src/learn/expert-iteration.js';
import { referenceExecutor, referencePolicy } from './fakes.js';

const tasks = builtinTasks('train', { count: 30 });

test('sampleToFile writes n samples per task and resumes only missing tasks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-sample-'));
  try {
    const out = join(dir, 's.jsonl');
    const policy = referencePolicy(tasks, 0.5);
    const r = await sampleToFile({ policy, tasks, n: 3, temperature: 0.8, maxTokens: 64, seed: 1, out, batch: 8 });
    assert.equal(r.samples, 90);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task_id: string; completion: string });
    assert.equal(lines.length, 90);
    assert.deepEqual(new Set(lines.map((l) => l.task_id)), new Set(tasks.map((t) => t.id)));
    // Interrupted run: keep the first 10 tasks complete, one task partial, a torn last line.
    const firstTen = new Set(tasks.slice(0, 10).map((t) => t.id));
    const kept = lines.filter((l) => firstTen.has(l.task_id));
    const partial = lines.filter((l) => l.task_id === tasks[12]!.id).slice(0, 1);
    writeFileSync(out, [...kept, ...partial].map((l) => JSON.stringify(l) + '\n').join('') + '{"task_id": "buil');
    const again = referencePolicy(tasks, 0.5);
    const r2 = await sampleToFile({ policy: again, tasks, n: 3, temperature: 0.8, maxTokens: 64, seed: 1, out, batch: 8 });
    assert.equal(r2.resumed, 10);
    const lines2 = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task_id: string });
    assert.equal(lines2.length, 90);
    for (const t of tasks) assert.equal(lines2.filter((l) => l.task_id === t.id).length, 3, t.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generateRound keeps distinct passing programs, capped per task', async () => {
  const config = { ...DEFAULT_EXPERT_ITERATION, samplesPerTask: 6, capPerTask: 1, sampleBatch: 7 };
  const executor = referenceExecutor();
  const r = await generateRound({ policy: referencePolicy(tasks, 0.5), executor, tasks, config, round: 1 });
  assert.equal(r.stats.samples, 180);
  assert.equal(executor.judged, 180);
  assert.ok(r.stats.passed > 40 && r.stats.passed < 140, `${r.stats.passed}`);
  // All passing programs of a task are the same text (the reference), so at most one is kept.
  assert.equal(r.examples.length, Math.round(r.stats.solvedRate * tasks.length));
  for (const e of r.examples) {
    const t = tasks.find((x) => x.id === e.taskId)!;
    assert.equal(e.completion, t.reference!.trimEnd());
    assert.equal(e.prompt, t.prompt);
  }
  assert.equal(r.stats.verdicts.passed, r.stats.passed);
  // Nothing passes: nothing kept.
  const none = await generateRound({ policy: referencePolicy(tasks, 0), executor: referenceExecutor(), tasks, config, round: 1 });
  assert.equal(none.examples.length, 0);
  assert.equal(none.stats.passRate, 0);
});

test('roundTasks takes a seeded subset', () => {
  const all = builtinTasks('train', { count: 100 });
  const a = roundTasks(all, { trainTasks: 20, seed: 1 }, 1);
  assert.equal(a.length, 20);
  assert.deepEqual(a, roundTasks(all, { trainTasks: 20, seed: 1 }, 1));
  assert.notDeepEqual(a, roundTasks(all, { trainTasks: 20, seed: 2 }, 1));
  assert.equal(roundTasks(all, { trainTasks: 0, seed: 1 }, 1).length, 100);
});
