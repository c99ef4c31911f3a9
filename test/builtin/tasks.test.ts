import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUILTIN_SPLITS,
  FAMILIES,
  builtinTasks,
  constantKey,
  heldOutConstants,
  type BuiltinSplit,
} from '../../src/tasks/builtin/index.js';
import { loadTasks, writeMbppJsonl } from '../../src/tasks/index.js';
import type { Task } from '../../src/tasks/types.js';
import type { Executor } from '../../src/exec/types.js';

const splits = Object.fromEntries(BUILTIN_SPLITS.map((s) => [s, builtinTasks(s)])) as Record<BuiltinSplit, Task[]>;
const asserts = (t: Task): string[] => (t.tests.kind === 'asserts' ? t.tests.asserts : []);

test('at least 40 families over every category, each with 3+ phrasings and 4+ constants', () => {
  assert.ok(FAMILIES.length >= 40, `${FAMILIES.length} families`);
  assert.deepEqual(new Set(FAMILIES.map((f) => f.category)), new Set(['strings', 'lists', 'numbers', 'dicts', 'loops', 'conditionals']));
  assert.equal(new Set(FAMILIES.map((f) => f.id)).size, FAMILIES.length, 'family ids are unique');
  for (const f of FAMILIES) {
    assert.ok(f.phrasings.length >= 3, f.id);
    assert.ok(f.constants.length >= 4, f.id);
    assert.ok(f.names.length >= 2, f.id);
  }
});

test('split sizes, unique ids, and every task is well formed with 5+ distinct asserts', () => {
  assert.ok(splits.train.length >= 2000);
  assert.ok(splits.validation.length >= 200);
  assert.ok(splits.test.length >= 300);
  for (const split of BUILTIN_SPLITS) {
    const ids = new Set(splits[split].map((t) => t.id));
    assert.equal(ids.size, splits[split].length, `${split} ids are unique`);
    for (const t of splits[split]) {
      assert.equal(t.meta?.split, split);
      assert.equal(t.completionMode, 'continue');
      assert.ok(t.prompt.startsWith(`def ${t.entryPoint}(`), t.id);
      assert.ok(t.prompt.endsWith('"""\n'), t.id);
      assert.ok(t.reference && t.reference.startsWith('    ') && t.reference.endsWith('\n') && !t.reference.includes('\n\n'), t.id);
      const a = asserts(t);
      assert.ok(a.length >= 5, `${t.id}: ${a.length} asserts`);
      assert.equal(new Set(a).size, a.length, `${t.id}: asserts are distinct`);
      for (const line of a) assert.ok(line.startsWith(`assert ${t.entryPoint}(`), line);
    }
  }
  // Every family appears in every split.
  for (const split of BUILTIN_SPLITS) {
    assert.equal(new Set(splits[split].map((t) => t.meta?.family)).size, FAMILIES.length, split);
  }
});

test('deterministic for a seed, different for another seed', () => {
  assert.deepEqual(builtinTasks('test'), splits.test);
  assert.deepEqual(builtinTasks('train', { seed: 7, count: 50 }), builtinTasks('train', { seed: 7, count: 50 }));
  assert.notDeepEqual(builtinTasks('train', { seed: 7, count: 50 }), builtinTasks('train', { seed: 8, count: 50 }));
});

test('the test split uses constants and a phrasing per family never seen in train or validation', () => {
  for (const f of FAMILIES) {
    const held = heldOutConstants(f);
    assert.ok(held.size >= 1 && held.size <= f.constants.length - 2, f.id);
    const of = (split: BuiltinSplit) => splits[split].filter((t) => t.meta?.family === f.id);
    const trainConstants = new Set([...of('train'), ...of('validation')].map((t) => t.meta?.constant));
    const testConstants = new Set(of('test').map((t) => t.meta?.constant));
    for (const c of testConstants) {
      assert.ok(!trainConstants.has(c), `${f.id}: test constant ${c} also in train`);
      assert.ok(held.has(c as string), `${f.id}: test constant ${c} is held out`);
    }
    for (const c of trainConstants) assert.ok(!held.has(c as string));
    const last = f.phrasings.length - 1;
    assert.ok(!of('train').some((t) => t.meta?.phrasing === last), `${f.id}: held-out phrasing in train`);
    assert.ok(!of('validation').some((t) => t.meta?.phrasing === last));
    assert.ok(of('test').some((t) => t.meta?.phrasing === last), `${f.id}: held-out phrasing used in test`);
    // The phrasing's wording differs from every train phrasing (not just its index).
    const ctx = { c: f.constants[0], fn: f.names[0]!, args: [...f.argNames[0]!] };
    const heldText = f.phrasings[last]!(ctx);
    for (let i = 0; i < last; i++) assert.notEqual(f.phrasings[i]!(ctx), heldText);
  }
  // No test prompt occurs in train.
  const trainPrompts = new Set(splits.train.map((t) => t.prompt));
  assert.ok(!splits.test.some((t) => trainPrompts.has(t.prompt)));
  assert.ok(held(splits.test[0]!));
  function held(t: Task): boolean {
    return heldOutConstants(FAMILIES.find((f) => f.id === t.meta?.family)!).has(t.meta?.constant as string);
  }
  assert.equal(constantKey(['a', 'b']), '["a","b"]');
});

test('exports as MBPP JSONL and loads back to the same tasks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-builtin-'));
  try {
    const file = join(dir, 'test.jsonl');
    await writeMbppJsonl(splits.test, file);
    const loaded = await loadTasks(file);
    assert.deepEqual(loaded, splits.test);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('references pass their own asserts in the sandbox, and a wrong body fails', async (t) => {
  const mod = (await import('../../src/exec/index.js')) as { createExecutor?: () => Promise<Executor> };
  if (typeof mod.createExecutor !== 'function') {
    t.skip('the sandbox (src/exec createExecutor) is not available yet');
    return;
  }
  const executor = await mod.createExecutor();
  try {
    // Every test and validation reference, and one train task per family (all styles are checked
    // through the corpus test).
    const perFamily = new Map<string, Task>();
    for (const task of splits.train) if (!perFamily.has(task.meta?.family as string)) perFamily.set(task.meta?.family as string, task);
    const tasks = [...splits.test, ...splits.validation, ...perFamily.values()];
    const verdicts = await Promise.all(tasks.map((task) => executor.judge({ task, completion: task.reference! })));
    const failed = verdicts.map((v, i) => [v, tasks[i]!] as const).filter(([v]) => v.status !== 'passed');
    assert.deepEqual(failed.map(([v, task]) => `${task.id} ${v.status} ${v.message ?? ''}`), []);
    const wrong = await executor.judge({ task: splits.test[0]!, completion: '    return None\n' });
    assert.equal(wrong.status, 'failed');
  } finally {
    await executor.close();
  }
});
