/**
 * The evaluation core with a fake executor that judges by a lookup table (no code runs here;
 * the real sandbox is exercised in the end-to-end test).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecRequest, Executor, Verdict, VerdictStatus } from '../../src/exec/types.js';
import type { Task } from '../../src/tasks/index.js';
import { TaskFormatError } from '../../src/tasks/index.js';
import { EvalInterrupted, evaluateSamples, humanEvalResult, readSamples, type LoadedSample } from '../../src/eval/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verdict-eval-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const task = (id: string): Task => ({
  id,
  source: 'humaneval',
  language: 'python',
  prompt: `def f_${id.replace('/', '_')}():\n`,
  completionMode: 'continue',
  tests: { kind: 'check', code: 'def check(c): pass', entryPoint: 'f' },
});
const TASKS = [task('T/0'), task('T/1'), task('T/2')];

/** Verdict per completion text: the completion names its outcome, e.g. "PASS", "RUNTIME:IndexError". */
function verdictFor(completion: string): Verdict {
  const [kind, detail] = completion.split(':');
  const base = { tests: [], timeMs: 1, memoryKb: 100 };
  switch (kind) {
    case 'PASS':
      return { ...base, status: 'passed', tests: [{ index: 0, status: 'passed' }] };
    case 'FAIL':
      return { ...base, status: 'failed', failedTest: 1, message: 'AssertionError: assert f(2) == 3' };
    case 'RUNTIME':
      return { ...base, status: 'runtime_error', errorType: detail!, errorLine: 2, message: `${detail}: boom` };
    case 'SYNTAX':
      return { ...base, status: 'syntax_error', errorType: 'SyntaxError', errorLine: 1, message: 'SyntaxError: invalid syntax' };
    case 'TIMEOUT':
      return { ...base, status: 'timeout' };
    case 'SANDBOX':
      return { ...base, status: 'sandbox_error', message: 'worker died' };
    default:
      throw new Error(`fake executor: no verdict for ${completion}`);
  }
}

class FakeExecutor implements Executor {
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly opts: { failAfter?: number; override?: (c: string) => Verdict | undefined } = {},
  ) {}
  async judge(req: ExecRequest): Promise<Verdict> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.opts.failAfter !== undefined && this.calls.length >= this.opts.failAfter) throw new Error('worker pool crashed');
      this.calls.push(req.completion);
      // Finish in a scrambled order.
      await new Promise((r) => setTimeout(r, (this.calls.length * 7) % 5));
      return this.opts.override?.(req.completion) ?? verdictFor(req.completion);
    } finally {
      this.inFlight--;
    }
  }
  async run(): Promise<never> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

/** Samples file: per task, a list of completions (each made unique with a suffix). */
async function samplesFile(name: string, plan: Record<string, string[]>): Promise<{ path: string; samples: LoadedSample[] }> {
  const lines: string[] = [];
  let i = 0;
  for (const [id, outcomes] of Object.entries(plan)) for (const o of outcomes) lines.push(JSON.stringify({ task_id: id, completion: `${o}:#${i++}`, model: 'm' }));
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return { path, samples: await readSamples(path, TASKS) };
}

// Completions are "KIND:detail:#n" -- strip the suffix for the table.
const strip = (c: string) => c.replace(/:#\d+$/, '');
const fake = (opts: ConstructorParameters<typeof FakeExecutor>[0] = {}) =>
  new FakeExecutor({ ...opts, override: (c) => opts.override?.(c) ?? verdictFor(strip(c)) });

const PLAN = {
  'T/0': ['PASS', 'PASS', 'FAIL', 'RUNTIME:IndexError', 'SYNTAX'],
  'T/1': ['FAIL', 'TIMEOUT', 'RUNTIME:NameError', 'PASS', 'FAIL'],
  'T/2': ['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL'],
};

test('judges every sample, writes results in sample order, computes the figures', async () => {
  const { samples } = await samplesFile('s1.jsonl', PLAN);
  const out = join(dir, 's1_results.jsonl');
  const ex = fake();
  const r = await evaluateSamples({ samples, executor: ex, ks: [1, 2, 10], inFlight: 4, out });
  assert.equal(ex.calls.length, 15);
  assert.ok(ex.maxInFlight <= 4 && ex.maxInFlight >= 2, `in flight ${ex.maxInFlight}`);
  assert.equal(r.judged, 15);
  assert.equal(r.resumed, 0);
  // pass@1 = mean(2/5, 1/5, 0); pass@2 = mean(1 - C(3,2)/C(5,2), 1 - C(4,2)/C(5,2), 0) = mean(0.7, 0.4, 0).
  assert.ok(Math.abs(r.summary.passAtK['pass@1']! - (0.4 + 0.2 + 0) / 3) < 1e-12);
  assert.ok(Math.abs(r.summary.passAtK['pass@2']! - (0.7 + 0.4 + 0) / 3) < 1e-12);
  assert.deepEqual(r.summary.droppedK.map((d) => d.k), [10]);
  assert.equal(r.summary.verdicts.failed, 8);
  assert.deepEqual(r.summary.runtimeErrors, { IndexError: 1, NameError: 1 });
  assert.ok(Math.abs(r.summary.compileRate - 14 / 15) < 1e-12);

  const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 15);
  assert.deepEqual(lines.map((l) => l.sample_index), [...Array(15).keys()]);
  const first = lines[0]!;
  assert.equal(first.task_id, 'T/0');
  assert.equal(first.model, 'm', 'input fields are kept');
  assert.equal(first.passed, true);
  assert.equal(first.verdict, 'passed');
  assert.equal(first.result, 'passed');
  assert.deepEqual(first.tests, [{ index: 0, status: 'passed' }]);
  assert.equal(lines[2]!.result, 'failed: AssertionError: assert f(2) == 3');
  assert.equal(lines[2]!.failed_test, 1);
  assert.equal(lines[3]!.error_type, 'IndexError');
  assert.equal(lines[3]!.error_line, 2);
  assert.equal(lines[6]!.result, 'timed out');
});

test('resumes after a crash: earlier results kept, torn last line tolerated, only the rest judged', async () => {
  const { samples } = await samplesFile('s2.jsonl', PLAN);
  const out = join(dir, 's2_results.jsonl');
  const reference = await evaluateSamples({ samples, executor: fake(), ks: [1, 2], inFlight: 3 });

  await assert.rejects(evaluateSamples({ samples, executor: fake({ failAfter: 6 }), ks: [1, 2], inFlight: 3, out }), /executor failed.*worker pool crashed/);
  const partial = (await readFile(out, 'utf8')).trimEnd().split('\n');
  assert.equal(partial.length, 6, 'results judged before the crash were written');
  // A crash in the middle of a write leaves half a line.
  await appendFile(out, '{"task_id": "T/2", "completion": "FAIL:#1');

  const ex = fake();
  const r = await evaluateSamples({ samples, executor: ex, ks: [1, 2], inFlight: 3, out });
  assert.equal(r.resumed, 6);
  assert.equal(r.judged, 9);
  assert.equal(ex.calls.length, 9);
  const judgedBefore = new Set(partial.map((l) => JSON.parse(l).completion));
  assert.ok(ex.calls.every((c) => !judgedBefore.has(c)), 'nothing judged twice');
  assert.deepEqual(r.summary, reference.summary);
  const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.sample_index), [...Array(15).keys()]);

  // A third run has nothing to do.
  const ex3 = fake();
  const r3 = await evaluateSamples({ samples, executor: ex3, ks: [1, 2], out });
  assert.equal(ex3.calls.length, 0);
  assert.equal(r3.resumed, 15);
  assert.deepEqual(r3.summary, reference.summary);
});

test('sandbox errors are excluded from the figures and judged again on resume', async () => {
  const { samples } = await samplesFile('s3.jsonl', { 'T/0': ['PASS', 'FAIL', 'SANDBOX'], 'T/1': ['PASS'] });
  const out = join(dir, 's3_results.jsonl');
  const r = await evaluateSamples({ samples, executor: fake(), ks: [1], out });
  assert.equal(r.summary.sandboxErrors, 1);
  assert.ok(Math.abs(r.summary.passAtK['pass@1']! - (1 / 2 + 1) / 2) < 1e-12, 'n excludes the sandbox error');
  assert.equal(r.summary.compileRate, 1);
  // Second run: the sandbox now works; only that sample is judged again.
  const ex = fake({ override: (c) => (c.startsWith('SANDBOX') ? verdictFor('PASS') : undefined) });
  const r2 = await evaluateSamples({ samples, executor: ex, ks: [1], out });
  assert.deepEqual(ex.calls, ['SANDBOX:#2']);
  assert.equal(r2.summary.sandboxErrors, 0);
  assert.ok(Math.abs(r2.summary.passAtK['pass@1']! - (2 / 3 + 1) / 2) < 1e-12);
  const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 4, 'one line per sample after the rewrite');
  assert.equal(lines[2]!.verdict, 'passed');
});

test('a results file from other samples is refused, naming the line', async () => {
  const { samples } = await samplesFile('s4.jsonl', { 'T/0': ['PASS', 'FAIL'] });
  const out = join(dir, 's4_results.jsonl');
  await writeFile(out, JSON.stringify({ task_id: 'T/1', completion: 'x', sample_index: 1, verdict: 'passed' }) + '\n');
  await assert.rejects(evaluateSamples({ samples, executor: fake(), out }), (e: unknown) => {
    assert.ok(e instanceof TaskFormatError);
    assert.match(e.message, /s4_results\.jsonl:1: sample_index 1 has task_id "T\/1".*differ from samples line 2/);
    return true;
  });
  await writeFile(out, JSON.stringify({ task_id: 'T/0', completion: 'x' }) + '\n');
  await assert.rejects(evaluateSamples({ samples, executor: fake(), out }), /s4_results\.jsonl:1: field 'sample_index' missing/);
  await writeFile(out, 'garbage\n' + JSON.stringify({ task_id: 'T/0', completion: 'x' }) + '\n');
  await assert.rejects(evaluateSamples({ samples, executor: fake(), out }), /s4_results\.jsonl:1: not valid JSON/);
});

test('samples file errors name file, line and field', async () => {
  const cases: [string, RegExp][] = [
    [`{"task_id": "T/0", "completion": "x"}\n{"task_id": "T/0"}\n`, /bad\.jsonl:2: field 'completion': missing/],
    [`{"task_id": "T/0", "completion": 5}\n`, /bad\.jsonl:1: field 'completion': expected a string/],
    [`{"completion": "x"}\n`, /bad\.jsonl:1: field 'task_id': missing/],
    [`{"task_id": ["T/0"], "completion": "x"}\n`, /bad\.jsonl:1: field 'task_id': expected a string or number/],
    [`\n\n{"task_id": "T/9", "completion": "x"}\n`, /bad\.jsonl:3: field 'task_id': unknown task "T\/9" \(not among the 3 tasks of problems\.jsonl, e\.g\. T\/0, T\/1\)/],
    [`{"task_id": "T/0", "completion": "x"}\n{"task_id": "T/0", "completion": "x"\n`, /bad\.jsonl:2: invalid JSON/],
    [`"just a string"\n`, /bad\.jsonl:1: expected a sample object/],
  ];
  for (const [content, re] of cases) {
    const p = join(dir, 'bad.jsonl');
    await writeFile(p, content);
    await assert.rejects(readSamples(p, TASKS, 'problems.jsonl'), (e: unknown) => {
      assert.ok(e instanceof TaskFormatError, String(e));
      assert.match(e.message, re);
      return true;
    });
  }
});

test("human-eval's result wording", () => {
  const v = (status: VerdictStatus, extra: Partial<Verdict> = {}): Verdict => ({ status, tests: [], timeMs: 0, memoryKb: 0, ...extra });
  assert.equal(humanEvalResult(v('passed')), 'passed');
  assert.equal(humanEvalResult(v('timeout')), 'timed out');
  assert.equal(humanEvalResult(v('failed', { message: 'AssertionError' })), 'failed: AssertionError');
  assert.equal(humanEvalResult(v('runtime_error', { errorType: 'ZeroDivisionError' })), 'failed: ZeroDivisionError');
  assert.equal(humanEvalResult(v('memory_exceeded')), 'failed: memory exceeded');
  assert.equal(humanEvalResult(v('syntax_error', { errorType: 'IndentationError' })), 'failed: syntax error (IndentationError)');
});

test('an interrupt writes every result received, and a re-run finishes the job', async () => {
  const { samples } = await samplesFile('s5.jsonl', PLAN);
  const out = join(dir, 's5_results.jsonl');
  const stop = new AbortController();
  let seen = 0;
  const run = evaluateSamples({
    samples,
    executor: fake(),
    ks: [1],
    inFlight: 2,
    out,
    signal: stop.signal,
    onProgress: (done) => {
      seen = done;
      if (done === 5) stop.abort();
    },
  });
  await assert.rejects(run, (e: unknown) => e instanceof EvalInterrupted && e.saved === 5);
  assert.equal(seen, 5);
  assert.equal((await readFile(out, 'utf8')).trimEnd().split('\n').length, 5);
  const ex = fake();
  const r = await evaluateSamples({ samples, executor: ex, ks: [1], out });
  assert.equal(r.resumed, 5);
  assert.equal(ex.calls.length, 10);
});
