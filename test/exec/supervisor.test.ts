/**
 * The fork server supervises each program either in C (launcher/forkjob.c, the fast path) or, where
 * that library cannot be built, in Python. Both must give the same results: run both on the same
 * programs (pass, fail, crash, timeout, output cap, stdin, leftovers, early exit, tests sent once).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';
import { buildForkjob } from '../../src/exec/sandbox.js';
import type { Task } from '../../src/tasks/types.js';

const LIMITS = { wallMs: 2000, cpuMs: 2000, outputBytes: 4096 };
const executors: Record<'c' | 'python', SandboxExecutor> = {} as Record<'c' | 'python', SandboxExecutor>;

before(async () => {
  executors.c = await createExecutor({ workers: 1, cache: false, limits: LIMITS });
  process.env.VERDICT_NO_FORKJOB = '1';
  try {
    executors.python = await createExecutor({ workers: 1, cache: false, limits: LIMITS });
  } finally {
    delete process.env.VERDICT_NO_FORKJOB;
  }
});
after(async () => {
  await Promise.all(Object.values(executors).map((e) => e.close()));
});

const check: Task = {
  id: 'supervisor/check',
  source: 'builtin',
  language: 'python',
  prompt: 'def inc(x):\n',
  completionMode: 'continue',
  entryPoint: 'inc',
  tests: { kind: 'check', code: 'def check(f):\n    assert f(1) == 2\n    assert f(-1) == 0\n', entryPoint: 'inc' },
};

test('the C supervisor is built here (otherwise only the Python one is tested)', { skip: buildForkjob() ? false : 'no C compiler: forkjob.c not built' }, () => {
  assert.ok(buildForkjob());
});

for (const which of ['c', 'python'] as const) {
  test(`${which} supervisor: verdicts, limits, stdin, leftovers`, async () => {
    const ex = executors[which];
    // The same tests many times: sent to the worker once, every verdict still right.
    const many = await Promise.all(Array.from({ length: 12 }, (_, i) => ex.judge({ task: check, completion: i % 3 ? '    return x + 1\n' : '    return x\n' })));
    assert.deepEqual(many.map((v) => v.status), many.map((_, i) => (i % 3 ? 'passed' : 'failed')));
    const crash = await ex.judge({ task: check, completion: '    return [][x]\n' });
    assert.equal(crash.status, 'runtime_error');
    assert.equal(crash.errorType, 'IndexError');
    assert.equal(crash.errorLine, 1);
    assert.equal((await ex.judge({ task: check, completion: '    import os\n    os._exit(0)\n' })).status, 'failed');
    assert.equal((await ex.judge({ task: check, completion: '    while True:\n        pass\n' })).status, 'timeout');

    const out = await ex.run({ language: 'python', code: 'import sys\nprint(sys.stdin.read().upper(), end="")\nprint("é\\u0000\\t\\"\\\\", file=sys.stderr)\n', stdin: 'abc\n' });
    assert.equal(out.status, 'ok');
    assert.equal(out.stdout, 'ABC\n');
    assert.equal(out.stderr, 'é\u0000\t"\\\n');
    const big = await ex.run({ language: 'python', code: 'print("x" * 100000)\n' });
    assert.equal(big.status, 'output_exceeded');
    const code = await ex.run({ language: 'python', code: 'import sys\nsys.exit(3)\n' });
    assert.deepEqual([code.status, code.exit_code], ['runtime_error', 3]);
    // Files left in the work folder and in /tmp are gone before the next program.
    await ex.run({ language: 'python', code: 'open("a", "w").write("1")\nopen("/tmp/b", "w").write("2")\nimport os\nos.mkdir("/tmp/d")\n' });
    const next = await ex.run({ language: 'python', code: 'import os\nprint(os.listdir("."), len(os.listdir("/tmp")))\n' });
    assert.equal(next.stdout, '[] 1\n');
  });
}
