/**
 * Hand-made tasks of every TestSpec kind, in Python and JavaScript, judged in the sandbox: the
 * verdict, the failing test, error type and line (in completion coordinates), returned values.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';
import type { Task, TestSpec } from '../../src/tasks/types.js';

let ex: SandboxExecutor;
before(async () => {
  ex = await createExecutor({ workers: 2, limits: { wallMs: 3000, cpuMs: 3000 } });
});
after(async () => ex.close());

function task(language: Task['language'], tests: TestSpec, prompt = '', entryPoint?: string): Task {
  return { id: 'fixture', source: 'builtin', language, prompt, completionMode: prompt ? 'continue' : 'whole', entryPoint, tests };
}

const mbpp = task('python', {
  kind: 'asserts',
  setup: 'OFFSET = 0',
  imports: ['import math'],
  asserts: ['assert add(1, 2) == 3', 'assert add(2, 2) == 4', 'assert math.isclose(add(0.5, 0.25), 0.75)'],
}, '', 'add');

test('MBPP asserts: per-test outcomes and the returned values', async () => {
  const ok = await ex.judge({ task: mbpp, completion: 'def add(a, b):\n    return a + b + OFFSET\n' });
  assert.equal(ok.status, 'passed');
  assert.equal(ok.tests.length, 3);
  assert.deepEqual(ok.tests[0]!.returned, { type: 'int', repr: '3' });
  assert.deepEqual(ok.tests[2]!.returned, { type: 'float', repr: '0.75' });

  const wrong = await ex.judge({ task: mbpp, completion: 'def add(a, b):\n    return 3\n' });
  assert.equal(wrong.status, 'failed');
  assert.equal(wrong.failedTest, 1);
  assert.deepEqual(wrong.tests.map((t) => t.status), ['passed', 'failed', 'failed']);
  assert.deepEqual(wrong.tests[1]!.returned, { type: 'int', repr: '3' });

  const crash = await ex.judge({ task: mbpp, completion: 'def add(a, b):\n    if a == 2:\n        return [][1]\n    return a + b\n' });
  assert.equal(crash.status, 'runtime_error');
  assert.equal(crash.failedTest, 1);
  assert.equal(crash.errorType, 'IndexError');
  assert.equal(crash.errorLine, 3);

  const syntax = await ex.judge({ task: mbpp, completion: 'def add(a, b)\n    return a + b\n' });
  assert.equal(syntax.status, 'syntax_error');
  assert.equal(syntax.errorLine, 1);
  assert.equal(syntax.errorAtEnd, undefined);
});

test('HumanEval check in continue mode: lines counted from the completion', async () => {
  const t = task('python', { kind: 'check', code: 'def check(f):\n    assert f(2) == 4\n    assert f(3) == 9\n', entryPoint: 'sq' }, 'def sq(x):\n    """square"""\n', 'sq');
  assert.equal((await ex.judge({ task: t, completion: '    return x * x\n' })).status, 'passed');
  const v = await ex.judge({ task: t, completion: '    y = x\n    return y / 0\n' });
  assert.equal(v.status, 'runtime_error');
  assert.equal(v.errorType, 'ZeroDivisionError');
  assert.equal(v.errorLine, 2);
  const eof = await ex.judge({ task: t, completion: '    return (x *\n' });
  assert.equal(eof.status, 'syntax_error');
  assert.equal(eof.errorAtEnd, true);
  assert.equal(eof.errorLine, 1);
});

test('a function under test named like a builtin is what the tests call (MBPP 126); other shadows are not', async () => {
  // MBPP 126 style: the program defines `sum(a, b)` and the asserts call `sum(...)`.
  const shadowing = task('python', {
    kind: 'asserts',
    asserts: ['assert sum(10, 15) == 6', 'assert sum(4, 6) == 3', 'assert max([1, 5, 2]) == 5'],
  }, '', 'sum');
  const ref = 'def sum(a, b):\n    total = 0\n    for i in range(1, min(a, b)):\n        if a % i == 0 and b % i == 0:\n            total += i\n    return total\n';
  const ok = await ex.judge({ task: shadowing, completion: ref });
  assert.equal(ok.status, 'passed', ok.message);
  assert.deepEqual(ok.tests[0]!.returned, { type: 'int', repr: '6' });
  // The program's own code keeps seeing its own definitions (a helper named `max`).
  const helper = await ex.judge({ task: shadowing, completion: 'def max(x):\n    return 0\n' + ref.replace('total = 0', 'total = max([])') });
  assert.equal(helper.status, 'passed', helper.message); // the tests' max is the real one
  // A program-level name that shadows a builtin the tests use does not fool them.
  const tol = task('python', {
    kind: 'asserts',
    asserts: ['assert abs(area(2) - 12.566) < 0.01', 'assert isinstance(area(1), float)'],
  }, '', 'area');
  assert.equal((await ex.judge({ task: tol, completion: 'def area(r):\n    return 3.14159 * r * r\n' })).status, 'passed');
  const liar = 'def area(r):\n    return 0\ndef abs(x):\n    return 0\ndef isinstance(a, b):\n    return True\n';
  const lied = await ex.judge({ task: tol, completion: liar });
  assert.equal(lied.status, 'failed');
  assert.deepEqual(lied.tests.map((t) => t.status), ['failed', 'failed']);
  const patched = await ex.judge({ task: tol, completion: 'import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda a, b: True\ndef area(r):\n    return 0\n' });
  assert.equal(patched.status, 'failed');
  assert.deepEqual(patched.tests.map((t) => t.status), ['failed', 'failed']);
});

test('APPS call-based (Python): type-strict comparison, Solution class, returned values', async () => {
  const t = task('python', { kind: 'call', fnName: 'pair', cases: [{ args: [1], expected: [1, 2] }, { args: [5], expected: [5, 6] }] });
  const ok = await ex.judge({ task: t, completion: 'def pair(x):\n    return (x, x + 1)\n' });
  assert.equal(ok.status, 'passed');
  assert.deepEqual(ok.tests[1]!.returned, { type: 'tuple', repr: '(5, 6)' });
  const cls = await ex.judge({ task: t, completion: 'class Solution:\n    def pair(self, x):\n        return [x, x + 1]\n' });
  assert.equal(cls.status, 'passed');
  const str = await ex.judge({ task: t, completion: 'def pair(x):\n    return [str(x), str(x + 1)]\n' });
  assert.equal(str.status, 'failed');
  assert.equal(str.failedTest, 0);
  assert.deepEqual(str.tests[0]!.returned, { type: 'list', repr: "['1', '2']" });
});

test('APPS stdio (Python and JavaScript): one run per case, stdout compared', async () => {
  const spec: TestSpec = { kind: 'stdio', cases: [{ input: '1 2\n', output: '3\n' }, { input: '5 5\n', output: '10' }] };
  const py = task('python', spec);
  assert.equal((await ex.judge({ task: py, completion: 'a, b = map(int, input().split())\nprint(a + b)\n' })).status, 'passed');
  const wrong = await ex.judge({ task: py, completion: 'a, b = map(int, input().split())\nprint(a * b if a == 5 else a + b)\n' });
  assert.equal(wrong.status, 'failed');
  assert.equal(wrong.failedTest, 1);
  const crash = await ex.judge({ task: py, completion: 'x = 1\nraise ValueError("no")\n' });
  assert.equal(crash.status, 'runtime_error');
  assert.equal(crash.errorType, 'ValueError');
  assert.equal(crash.errorLine, 2);
  const js = task('javascript', spec);
  const jsOk = await ex.judge({
    task: js,
    completion: "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n",
  });
  assert.equal(jsOk.status, 'passed', jsOk.message);
});

test('HumanEval-X JavaScript: console.assert passes only when silent', async () => {
  const t = task('javascript', { kind: 'script', silentPass: true, code: 'const testAdd = () => {\n  console.assert(add(1, 2) === 3);\n  console.assert(add(2, 2) === 4);\n};\ntestAdd();\n' }, 'const add = (a, b) => {\n');
  const ok = await ex.judge({ task: t, completion: '  return a + b;\n};\n' });
  assert.equal(ok.status, 'passed', ok.message);
  const wrong = await ex.judge({ task: t, completion: '  return 3;\n};\n' });
  assert.equal(wrong.status, 'failed');
  const crash = await ex.judge({ task: t, completion: '  return a.b.c;\n};\n' });
  assert.equal(crash.status, 'runtime_error');
  assert.equal(crash.errorType, 'TypeError');
  assert.equal(crash.errorLine, 1);
  const syntax = await ex.judge({ task: t, completion: '  return a + ;\n};\n' });
  assert.equal(syntax.status, 'syntax_error');
  assert.equal(syntax.errorLine, 1);
});

test('MultiPL-E JavaScript: node:assert tests throw on failure', async () => {
  const t = task('javascript', {
    kind: 'script',
    code: "const assert = require('node:assert');\nfunction test() {\n  let candidate = inc;\n  assert.deepEqual(candidate(1), 2);\n  assert.deepEqual(candidate(5), 6);\n}\ntest();\n",
  }, 'function inc(x) {\n');
  assert.equal((await ex.judge({ task: t, completion: '  return x + 1;\n}\n' })).status, 'passed');
  const v = await ex.judge({ task: t, completion: '  return x + 2;\n}\n' });
  assert.equal(v.status, 'failed');
  assert.equal(v.tests[0]!.errorType, 'AssertionError');
  const eof = await ex.judge({ task: t, completion: '  return x + 1;\n' });
  assert.equal(eof.status, 'syntax_error');
  assert.equal(eof.errorAtEnd, true);
});

test('call-based JavaScript: deep strict comparison', async () => {
  const t = task('javascript', { kind: 'call', fnName: 'twice', cases: [{ args: [[1, 2]], expected: [2, 4] }, { args: [[]], expected: [] }] });
  const ok = await ex.judge({ task: t, completion: 'function twice(xs) { return xs.map((x) => x * 2); }\n' });
  assert.equal(ok.status, 'passed', ok.message);
  assert.deepEqual(ok.tests[0]!.returned, { type: 'Array', repr: '[ 2, 4 ]' });
  const str = await ex.judge({ task: t, completion: 'function twice(xs) { return xs.map((x) => String(x * 2)); }\n' });
  assert.equal(str.status, 'failed');
});

test('duplicates are served from the cache', async () => {
  const completion = 'def add(a, b):\n    return a + b + OFFSET  # cache probe\n';
  const first = await ex.judge({ task: mbpp, completion });
  const before = ex.stats().programs;
  const second = await ex.judge({ task: mbpp, completion });
  assert.equal(second.cached, true);
  assert.equal(first.cached, undefined);
  assert.equal(second.status, first.status);
  assert.equal(ex.stats().programs, before);
});

test('run(): status, exit code, stdin, stderr', async () => {
  const r = await ex.run({ language: 'python', code: 'import sys\ndata = sys.stdin.read()\nprint(data.upper())\nsys.exit(3)\n', stdin: 'abc' });
  assert.equal(r.status, 'runtime_error');
  assert.equal(r.exit_code, 3);
  assert.equal(r.stdout, 'ABC\n');
  const s = await ex.run({ language: 'python', code: 'print(1' });
  assert.equal(s.status, 'syntax_error');
  assert.match(s.stderr, /SyntaxError/);
  const j = await ex.run({ language: 'javascript', code: 'console.error("e"); process.exitCode = 0; console.log(40 + 2)' });
  assert.deepEqual([j.status, j.stdout, j.stderr], ['ok', '42\n', 'e\n']);
  const js = await ex.run({ language: 'javascript', code: 'let x = ;' });
  assert.equal(js.status, 'syntax_error');
});

test('the JavaScript harness also runs without the launcher (the fallback where namespaces are missing)', async () => {
  // Our own two-line program, not an untrusted one: this checks that harness.cjs loads as CommonJS
  // outside the sandbox, where the package's "type": "module" applies.
  const { runJs } = await import('../../src/exec/js-runner.js');
  const { nodeExecutable, runtimeDir } = await import('../../src/exec/sandbox.js');
  const { DEFAULT_LIMITS } = await import('../../src/exec/types.js');
  const { join } = await import('node:path');
  const r = await runJs(
    { node: nodeExecutable(), binds: [], harness: join(runtimeDir(), 'harness.cjs') },
    { kind: 'call', prefix: '', completion: 'function f(x) {\n  return x + 1;\n}\n', fn: 'f', cases: [{ args: [1], expected: 2 }], limits: DEFAULT_LIMITS },
    'a1b2c3d4e5f6a1b2c3d4e5f6',
  );
  assert.equal(r.done, true, JSON.stringify(r));
  assert.deepEqual(r.events.map((e) => [e.k, e.s]), [['test', 'passed']]);
});
