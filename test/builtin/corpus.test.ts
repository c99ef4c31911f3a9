import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFECT_KINDS,
  FAMILIES,
  MUTATORS,
  Rng,
  buildCorpus,
  builtinTasks,
  heldOutConstants,
} from '../../src/tasks/builtin/index.js';
import type { Task } from '../../src/tasks/types.js';
import type { Executor } from '../../src/exec/types.js';

const { documents, stats } = buildCorpus({ documents: 4000, seed: 3 });

test('corpus is deterministic for a seed and differs across seeds', () => {
  assert.deepEqual(buildCorpus({ documents: 200, seed: 3 }).documents, documents.slice(0, 200));
  assert.notDeepEqual(buildCorpus({ documents: 200, seed: 4 }).documents, documents.slice(0, 200));
});

test('defect rate and kinds are as configured, and every family appears', () => {
  assert.equal(stats.documents, 4000);
  assert.ok(Math.abs(stats.defectRate - 0.45) < 0.03, `defect rate ${stats.defectRate}`);
  for (const k of DEFECT_KINDS) assert.ok(stats.defectsByKind[k] > 0, `kind ${k} occurs`);
  assert.equal(stats.families, FAMILIES.length);
  const correct = documents.filter((d) => d.defects.length === 0);
  // Correct documents are exactly one of the family's solutions (modulo renaming).
  assert.ok(correct.length > 1800);
  // Several styles per family occur.
  assert.ok(new Set(documents.filter((d) => d.family === 'count_char').map((d) => d.style)).size >= 2);
});

test('the corpus never uses test-only constants or phrasings, nor any test prompt', () => {
  const testPrompts = new Set(builtinTasks('test').map((t) => t.prompt));
  for (const d of documents) {
    const f = FAMILIES.find((x) => x.id === d.family)!;
    assert.ok(!heldOutConstants(f).has(d.constant), `${d.family} ${d.constant}`);
    assert.ok(d.phrasing < f.phrasings.length - 1);
    assert.ok(!testPrompts.has(d.prompt));
  }
});

test('mutators change code outside string literals only, or decline', () => {
  const rng = new Rng(1);
  const code = "    return s.replace('a > b', 'x')";
  for (let i = 0; i < 50; i++) {
    const out = MUTATORS.wrong_comparison(code, rng, ['s']);
    assert.equal(out, undefined);
  }
  const loop = '    total = 0\n    for x in xs:\n        if x > 3:\n            total += x\n    return total';
  const cmp = MUTATORS.wrong_comparison(loop, rng, ['xs'])!;
  assert.notEqual(cmp, loop);
  assert.ok(cmp.includes('for x in xs'), 'the for loop is not broken');
  assert.equal(MUTATORS.missing_return(loop, rng, ['xs'])!.includes('return'), false);
  assert.ok(MUTATORS.syntax_slip(loop, rng, ['xs']) !== loop);
});

test('through the sandbox: correct documents pass, defective ones mostly fail', async (t) => {
  const mod = (await import('../../src/exec/index.js')) as { createExecutor?: () => Promise<Executor> };
  if (typeof mod.createExecutor !== 'function') {
    t.skip('the sandbox (src/exec createExecutor) is not available yet');
    return;
  }
  // Judge corpus-like documents against the tests of the same instance.
  const { drawInstance, corpusDocument, DEFAULT_CORPUS_OPTIONS } = await import('../../src/tasks/builtin/index.js');
  const rng = new Rng(11);
  const cases: Array<{ task: Task; completion: string; defective: boolean }> = [];
  for (let i = 0; i < 240; i++) {
    const f = FAMILIES[i % FAMILIES.length]!;
    const inst = drawInstance(f, 'train', rng);
    const doc = corpusDocument(inst, rng, DEFAULT_CORPUS_OPTIONS);
    const task: Task = {
      id: `corpus/${i}`, source: 'builtin', language: 'python', prompt: inst.prompt, completionMode: 'continue',
      entryPoint: inst.ctx.fn, tests: { kind: 'asserts', asserts: inst.tests },
    };
    cases.push({ task, completion: doc.completion, defective: doc.defects.length > 0 });
  }
  const executor = await mod.createExecutor();
  try {
    const verdicts = await Promise.all(cases.map((c) => executor.judge({ task: c.task, completion: c.completion, limits: { wallMs: 3000, cpuMs: 2000 } })));
    const bad = cases.filter((c, i) => !c.defective && verdicts[i]!.status !== 'passed');
    assert.deepEqual(bad.map((c) => c.task.prompt + c.completion), []);
    const defective = cases.map((c, i) => [c, verdicts[i]!] as const).filter(([c]) => c.defective);
    const failing = defective.filter(([, v]) => v.status !== 'passed').length;
    assert.ok(defective.length > 60);
    assert.ok(failing / defective.length > 0.85, `${failing}/${defective.length} defective documents fail`);
  } finally {
    await executor.close();
  }
});
