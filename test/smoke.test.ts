import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../src/cli/main.js';
import { programFor, type Task } from '../src/tasks/types.js';

test('the CLI lists its commands', () => {
  const names = buildProgram().commands.map((c) => c.name());
  assert.ok(Array.isArray(names));
});

test('programFor joins prompt and completion in continue mode only', () => {
  const base: Task = {
    id: 't', source: 'x', language: 'python', prompt: 'def f():\n', completionMode: 'continue',
    tests: { kind: 'asserts', asserts: [] },
  };
  assert.equal(programFor(base, '    return 1\n'), 'def f():\n    return 1\n');
  assert.equal(programFor({ ...base, completionMode: 'whole' }, 'x = 1\n'), 'x = 1\n');
});
