/**
 * `verdict eval` as a command: input errors (no sandbox needed) and, when the sandbox is built, an
 * end-to-end run through the CLI on a small HumanEval-style benchmark the test writes itself.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.js';
import { EvalInputError, parseKs, runEvalCommand } from '../../src/eval/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verdict-evalcmd-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PROBLEMS = [
  {
    task_id: 'HumanEval/0',
    prompt: 'def add(a, b):\n    """Return a + b."""\n',
    canonical_solution: '    return a + b\n',
    test: '\ndef check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n',
    entry_point: 'add',
  },
  {
    task_id: 'HumanEval/1',
    prompt: 'def first(xs):\n    """First element."""\n',
    canonical_solution: '    return xs[0]\n',
    test: '\ndef check(candidate):\n    assert candidate([4, 5]) == 4\n',
    entry_point: 'first',
  },
];
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

test('the command is registered with the documented options', () => {
  const cmd = buildProgram().commands.find((c) => c.name() === 'eval');
  assert.ok(cmd, 'eval command');
  const flags = cmd.options.map((o) => o.long);
  for (const f of ['--problems', '--samples', '--k', '--timeout', '--workers', '--out', '--json']) assert.ok(flags.includes(f), f);
});

test('--k parsing', () => {
  assert.deepEqual(parseKs('1,10, 100'), [1, 10, 100]);
  assert.throws(() => parseKs('1,x'), EvalInputError);
  assert.throws(() => parseKs('0'), EvalInputError);
  assert.throws(() => parseKs(''), EvalInputError);
});

test('input errors are reported before anything runs', async () => {
  const problems = join(dir, 'problems.jsonl');
  await writeFile(problems, jsonl(PROBLEMS));
  const samples = join(dir, 'bad-samples.jsonl');
  await writeFile(samples, jsonl([{ task_id: 'HumanEval/0', completion: '    return a + b\n' }, { task_id: 'HumanEval/7', completion: 'x' }]));
  await assert.rejects(runEvalCommand({ problems, samples }), (e: unknown) => {
    assert.ok(e instanceof EvalInputError);
    assert.match(e.message, /bad-samples\.jsonl:2: field 'task_id': unknown task "HumanEval\/7"/);
    return true;
  });
  const badProblems = join(dir, 'bad-problems.jsonl');
  await writeFile(badProblems, jsonl([{ ...PROBLEMS[0], prompt: 3 }]));
  await assert.rejects(runEvalCommand({ problems: badProblems, samples }), /bad-problems\.jsonl:1: field 'prompt'/);
  await assert.rejects(runEvalCommand({ problems, samples, timeout: -1 }), /--timeout/);
});

test('end to end through the CLI in the sandbox: verdicts, results file, JSON line, resume', async (t) => {
  const exec = (await import('../../src/exec/index.js')) as Record<string, unknown>;
  if (typeof exec.createExecutor !== 'function') {
    t.skip('sandbox not built yet (src/exec createExecutor missing)');
    return;
  }
  const problems = join(dir, 'p.jsonl');
  await writeFile(problems, jsonl(PROBLEMS));
  const samples = join(dir, 'samples.jsonl');
  const rows = [
    { task_id: 'HumanEval/0', completion: '    return a + b\n' },
    { task_id: 'HumanEval/0', completion: '    return None\n' },
    { task_id: 'HumanEval/0', completion: '    return a +\n' },
    { task_id: 'HumanEval/0', completion: '    while True:\n        pass\n' },
    { task_id: 'HumanEval/1', completion: '    return xs[0]\n' },
    { task_id: 'HumanEval/1', completion: '    return xs[10]\n' },
  ];
  await writeFile(samples, jsonl(rows));
  const run = () =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', "import { main } from './src/cli/main.ts'; await main(['node', 'verdict', ...process.argv.slice(1)]);",
        'eval', '--problems', problems, '--samples', samples, '--k', '1,2,10', '--timeout', '1', '--workers', '2', '--json'],
      { encoding: 'utf8', timeout: 60_000 },
    );
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual(
    Object.fromEntries(Object.entries(summary.verdicts).filter(([, n]) => (n as number) > 0)),
    { passed: 2, failed: 1, syntax_error: 1, timeout: 1, runtime_error: 1 },
  );
  // pass@1 = mean(1/4, 1/2); pass@2 = mean(1 - C(3,2)/C(4,2), 1) = mean(0.5, 1).
  assert.ok(Math.abs(summary['pass@1'] - (0.25 + 0.5) / 2) < 1e-12);
  assert.ok(Math.abs(summary['pass@2'] - (0.5 + 1) / 2) < 1e-12);
  assert.equal(summary['pass@10'], undefined);
  assert.match(r.stderr, /pass@10 not reported/);
  assert.ok(Math.abs(summary.compile_rate - 5 / 6) < 1e-12);
  assert.equal(summary.programs, 6);
  assert.deepEqual(summary.runtime_errors, { IndexError: 1 });
  const lines = (await readFile(`${samples}_results.jsonl`, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.result.split(':')[0]), ['passed', 'failed', 'failed', 'timed out', 'passed', 'failed']);
  assert.deepEqual(lines.map((l) => l.passed), [true, false, false, false, true, false]);
  // Second run: everything resumed, same figures.
  const r2 = run();
  assert.equal(r2.status, 0, r2.stderr);
  const again = JSON.parse(r2.stdout.trim().split('\n').pop()!);
  assert.equal(again.resumed, 6);
  assert.equal(again.judged, 0);
  assert.equal(again['pass@1'], summary['pass@1']);
});

test('every loader format judged in the sandbox: HumanEval-X, MultiPL-E, APPS stdio and call-based, MBPP', async (t) => {
  const exec = (await import('../../src/exec/index.js')) as Record<string, unknown>;
  if (typeof exec.createExecutor !== 'function') {
    t.skip('sandbox not built yet (src/exec createExecutor missing)');
    return;
  }
  const { loadTasks } = await import('../../src/tasks/index.js');
  const { createSandboxExecutor, evaluateSamples, readSamples } = await import('../../src/eval/index.js');
  const files: Record<string, [string, { task_id: string; completion: string; expect: string }[]]> = {
    'hx.jsonl': [
      jsonl([{ task_id: 'JavaScript/0', prompt: '/* add */\nconst add = (a, b) => {\n', canonical_solution: '  return a + b;\n};\n', test: 'const testAdd = () => {\n  console.assert(add(1, 2) === 3)\n}\ntestAdd()\n', declaration: '\nconst add = (a, b) => {\n' }]),
      [
        { task_id: 'JavaScript/0', completion: '  return a + b;\n};\n', expect: 'passed' },
        { task_id: 'JavaScript/0', completion: '  return a - b;\n};\n', expect: 'failed' },
      ],
    ],
    'me.json': [
      JSON.stringify([{ name: 'HumanEval_0_add', language: 'js', prompt: 'function add(a, b){\n', tests: "const assert = require('node:assert');\n\nfunction test() {\n  let candidate = add;\n  assert.deepEqual(candidate(1, 2),3);\n}\n\ntest();", stop_tokens: ['\nfunction '] }]),
      [
        { task_id: 'HumanEval_0_add', completion: '  return a + b;\n}\n', expect: 'passed' },
        { task_id: 'HumanEval/0', completion: '  return a * b;\n}\n', expect: 'failed' },
      ],
    ],
    'apps.jsonl': [
      jsonl([
        { problem_id: 1, question: 'Sum.', solutions: '[]', input_output: JSON.stringify({ inputs: ['1 2\n', '5 5\n'], outputs: ['3\n', '10\n'] }), starter_code: '' },
        { problem_id: 2, question: 'Square.', solutions: '[]', input_output: JSON.stringify({ fn_name: 'sq', inputs: [[3], [4]], outputs: [[9], [16]] }), starter_code: 'def sq(n):' },
      ]),
      [
        { task_id: 'apps/0001', completion: 'a, b = map(int, input().split())\nprint(a + b)\n', expect: 'passed' },
        { task_id: 'apps/0001', completion: 'a, b = map(int, input().split())\nprint(a * b)\n', expect: 'failed' },
        { task_id: 'apps/0002', completion: 'def sq(n):\n    return n * n\n', expect: 'passed' },
        { task_id: 'apps/0002', completion: 'def sq(n):\n    return n + n\n', expect: 'failed' },
      ],
    ],
    'mbpp.jsonl': [
      jsonl([{ task_id: 11, text: 'Add.', code: 'def add(a, b):\n    return a + b', test_setup_code: '', test_list: ['assert add(1, 2) == 3', 'assert add(2, 2) == 4'], challenge_test_list: [] }]),
      [
        { task_id: '11', completion: 'def add(a, b):\n    return a + b', expect: 'passed' },
        { task_id: 'mbpp/11', completion: 'def add(a, b):\n    return 3', expect: 'failed' },
      ],
    ],
  };
  const executor = await createSandboxExecutor({ workers: 2, cache: false });
  try {
    for (const [name, [content, rows]] of Object.entries(files)) {
      const problems = join(dir, name);
      await writeFile(problems, content);
      const samplesPath = join(dir, `${name}.samples.jsonl`);
      await writeFile(samplesPath, jsonl(rows.map(({ expect: _e, ...r }) => r)));
      const samples = await readSamples(samplesPath, await loadTasks(problems));
      const out = join(dir, `${name}.results.jsonl`);
      await evaluateSamples({ samples, executor, ks: [1], out, limits: { wallMs: 5000, cpuMs: 5000 } });
      const got = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(got.map((g) => g.verdict), rows.map((r) => r.expect), `${name}: ${JSON.stringify(got.map((g) => g.result))}`);
    }
  } finally {
    await executor.close();
  }
});
