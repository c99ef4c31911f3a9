/** Label parsing (OpenRLHF labels, /v1/execute tasks), response extraction, and the backoff helpers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabel, completionFor, responseOf, extractCode } from '../../src/serve/labels.js';
import { backoffDelay, parseRetryAfter, Semaphore } from '../../src/policy/retry.js';

test('short-form labels become assert tasks (python) or scripts (javascript)', () => {
  const py = parseLabel('{"tests": ["assert f(1) == 2"], "imports": ["import math"], "setup": "X = 1"}', 'labels[0]');
  assert.deepEqual(py.task.tests, { kind: 'asserts', asserts: ['assert f(1) == 2'], setup: 'X = 1', imports: ['import math'] });
  assert.equal(py.task.completionMode, 'whole');
  const js = parseLabel({ tests: ['assert.equal(f(1), 2);'], language: 'nodejs', setup: "const assert = require('assert');" }, 'x');
  assert.equal(js.task.language, 'javascript');
  assert.deepEqual(js.task.tests, { kind: 'script', code: "const assert = require('assert');\nassert.equal(f(1), 2);" });
  const withPrefix = parseLabel({ tests: ['assert f(1) == 2'], prefix: 'def f(x):\n' }, 'x');
  assert.equal(withPrefix.task.completionMode, 'continue');
  assert.equal(withPrefix.task.prompt, 'def f(x):\n');
});

test('HumanEval, MBPP, APPS and full Task shapes are recognised', () => {
  const he = parseLabel({ task_id: 'HumanEval/0', prompt: 'def f(x):\n', test: 'def check(c): pass', entry_point: 'f' }, 'l');
  assert.equal(he.task.id, 'HumanEval/0');
  assert.deepEqual(he.task.tests, { kind: 'check', code: 'def check(c): pass', entryPoint: 'f' });
  assert.equal(he.mode, 'auto');
  const mbpp = parseLabel({ task_id: 11, test_list: ['assert g() == 1'], test_setup_code: '', test_imports: [] }, 'l');
  assert.equal(mbpp.task.id, '11');
  assert.deepEqual(mbpp.task.tests, { kind: 'asserts', asserts: ['assert g() == 1'], setup: undefined, imports: [] });
  const stdio = parseLabel({ input_output: JSON.stringify({ inputs: ['1\n', ['2', '3']], outputs: ['1\n', '5\n'] }) }, 'l');
  assert.deepEqual(stdio.task.tests, { kind: 'stdio', cases: [{ input: '1\n', output: '1\n' }, { input: '2\n3', output: '5\n' }] });
  const call = parseLabel({ inputs: [[1, 2]], outputs: [3], fn_name: 'add' }, 'l');
  assert.deepEqual(call.task.tests, { kind: 'call', fnName: 'add', cases: [{ args: [1, 2], expected: 3 }] });
  const full = parseLabel({ id: 't', language: 'python', prompt: 'p', completionMode: 'continue', tests: { kind: 'check', code: 'c', entryPoint: 'e' } }, 'l');
  assert.equal(full.task.completionMode, 'continue');
  assert.equal(full.mode, 'continue');
});

test('bad labels are named with the field at fault', () => {
  assert.throws(() => parseLabel('not json', 'labels[2]'), /labels\[2\]: not valid JSON/);
  assert.throws(() => parseLabel([1], 'labels[0]'), /labels\[0\]: expected a JSON object.*an array/);
  assert.throws(() => parseLabel({ tests: [] }, 'l'), /"tests" must be a non-empty array of strings/);
  assert.throws(() => parseLabel({ tests: ['a'], language: 'cobol' }, 'l'), /"language" must be "python" or "javascript", got "cobol"/);
  assert.throws(() => parseLabel({ test: 'x' }, 'l'), /field "entry_point" is required/);
  assert.throws(() => parseLabel({ inputs: [1], outputs: [] }, 'l'), /equal length/);
  assert.throws(() => parseLabel({ tests: { kind: 'magic' } }, 'l'), /l.tests: unknown tests kind "magic"/);
  assert.throws(() => parseLabel({ tests: ['a'], mode: 'half' }, 'l'), /"mode" must be/);
});

test('auto mode: a response that defines the entry point is the whole program', () => {
  const he = parseLabel({ prompt: 'def f(x):\n', test: 't', entry_point: 'f' }, 'l');
  assert.equal(completionFor(he, 'def f(x):\n    return 1\n').task.completionMode, 'whole');
  assert.equal(completionFor(he, '    return 1\n').task.completionMode, 'continue');
  assert.equal(completionFor(he, 'def fx(y):\n    return 1\n').task.completionMode, 'continue');
});

test('responseOf strips the prompt and end markers; extractCode picks the right fence', () => {
  assert.equal(responseOf('PROMPT body', 'PROMPT '), 'body');
  assert.equal(responseOf('<s>PROMPT body', 'PROMPT '), 'body');
  assert.equal(responseOf('PROMPT body<|im_end|>', 'PROMPT '), 'body\n');
  assert.equal(responseOf('PROMPT body</s><|endoftext|>  ', 'PROMPT '), 'body\n');
  assert.equal(responseOf('whole', undefined), 'whole');
  assert.equal(responseOf('other text', 'PROMPT'), 'other text');
  const r = 'Sure:\n```text\nnot code\n```\n```python\nx = 1\n```\n```python\ny = 2\n```';
  assert.equal(extractCode(r, 'python'), 'x = 1\n');
  assert.equal(extractCode('```js\nlet a = 1;\n```', 'javascript'), 'let a = 1;\n');
  assert.equal(extractCode('```\nq = 3\n```', 'python'), 'q = 3\n');
  assert.equal(extractCode('```text\nonly\n```', 'python'), 'only\n');
  assert.equal(extractCode('plain = 1\n', 'python'), 'plain = 1\n');
});

test('Retry-After parsing, capped jittered backoff, and the semaphore', async () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter('0.5'), 500);
  assert.equal(parseRetryAfter(new Date(10_000 + 3_000).toUTCString(), 10_000), 3000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(0, opts, undefined, () => 0.999999), 99.9999);
  assert.equal(backoffDelay(3, opts, undefined, () => 0.5), 400);
  assert.equal(backoffDelay(10, opts, undefined, () => 0.5), 500, 'capped at maxMs');
  assert.equal(backoffDelay(0, opts, 2000, () => 0.5), 2000, 'Retry-After is a lower bound');
  const sem = new Semaphore(2);
  let active = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 7 }, () => sem.run(async () => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, 3));
    active--;
  })));
  assert.equal(peak, 2);
  assert.throws(() => new Semaphore(0), /positive integer/);
});
