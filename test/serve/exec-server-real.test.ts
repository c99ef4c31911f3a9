/**
 * `verdict serve` over loopback with the real sandbox pool: the protocols end to end. The
 * programs are the test's own, and they run only inside the sandbox.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { readFileSync, readdirSync } from 'node:fs';
import { createExecutor } from '../../src/exec/index.js';
import type { SandboxExecutor } from '../../src/exec/index.js';
import { createExecServer, type ExecServer } from '../../src/serve/index.js';

let executor: SandboxExecutor;
let server: ExecServer;
let url: string;

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- answers inspected field by field
  const res = await request(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: await res.body.json() };
}

before(async () => {
  executor = await createExecutor({ workers: 2, cache: false, onWarning: () => {} });
  server = await createExecServer({
    executor,
    reward: 'error-type',
    executorStats: () => ({ queued: executor.stats().queued, workers: executor.stats().workers }),
  });
  url = await server.listen(0, '127.0.0.1');
});
after(async () => {
  await server.close();
  await executor.close();
});

test('/run_code runs python and nodejs in the sandbox, with stdin, failures and time limits', async () => {
  const [ok, fail, tle, node] = await Promise.all([
    post('/run_code', { language: 'python', code: 'import sys\nprint(sys.stdin.read().upper(), end="")', stdin: 'abc\n' }),
    post('/run_code', { language: 'python', code: 'raise ValueError("boom")' }),
    post('/run_code', { language: 'python', code: 'while True:\n    pass', run_timeout: 1 }),
    post('/run_code', { language: 'nodejs', code: 'console.log([1, 2].map((x) => x * 3).join(","))' }),
  ]);
  assert.equal(ok.json.status, 'Success');
  assert.equal(ok.json.run_result.stdout, 'ABC\n');
  assert.equal(fail.json.status, 'Failed');
  assert.notEqual(fail.json.run_result.return_code, 0);
  assert.match(fail.json.run_result.stderr, /ValueError: boom/);
  assert.equal(tle.json.status, 'Failed');
  assert.equal(tle.json.run_result.status, 'TimeLimitExceeded');
  assert.ok(tle.json.run_result.execution_time < 5);
  assert.equal(node.json.status, 'Success');
  assert.equal(node.json.run_result.stdout, '3,6\n');
});

test('/get_reward gives CodeRL error-type rewards from real verdicts', async () => {
  const label = JSON.stringify({ test_list: ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0'] });
  const responses = ['def add(a, b):\n    return a + b\n', 'def add(a, b):\n    return a + b if a >= 0 else -1\n', 'def add(a, b)\n    return a\n', 'def add(a, b):\n    return a / 0\n'];
  const r = await post('/get_reward', { query: responses.map((x) => 'P:' + x), prompts: responses.map(() => 'P:'), labels: responses.map(() => label) });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.rewards, [1, -0.3, -1, -0.6]);
  assert.deepEqual(r.json.scores, [1, 0, 0, 0]);
  assert.deepEqual(r.json.extra_logs.pass_ratio, [1, 0.5, 0, 0]);
});

test('/v1/execute returns per-test verdicts; /metrics carries executor gauges', async () => {
  const r = await post('/v1/execute', {
    items: [{ id: 'sq', task: { tests: ['assert sq(2) == 4', 'assert sq(3) == 9', 'assert sq(0) == 1'] }, completions: ['def sq(x):\n    return x * x\n'] }],
  });
  assert.equal(r.status, 200);
  const v = r.json.results[0].verdicts[0];
  assert.equal(v.status, 'failed');
  assert.equal(v.failedTest, 2);
  assert.deepEqual(v.tests.map((t: { status: string }) => t.status), ['passed', 'passed', 'failed']);
  const m = await (await request(`${url}/metrics`)).body.text();
  assert.match(m, /^verdict_executor_workers [1-9]/m);
  assert.match(m, /^verdict_executor_queued \d+$/m);
  assert.match(m, /^verdict_verdicts_total\{status="failed"\} [1-9]/m);
});

/** Processes descended from this test process (the sandbox workers we started), from /proc. */
function descendants(): Array<{ pid: number; comm: string; ppid: number }> {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const m = /^(\d+) \((.*)\) \S (\d+)/.exec(readFileSync(`/proc/${d}/stat`, 'utf8'));
        return m ? [{ pid: Number(m[1]), comm: m[2]!, ppid: Number(m[3]) }] : [];
      } catch {
        return [];
      }
    });
  const out: typeof all = [];
  const queue = [process.pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of all) if (c.ppid === p) (out.push(c), queue.push(c.pid));
  }
  return out;
}

test('a sandbox worker killed mid-request is replaced and the program re-run: the reward still arrives', async (t) => {
  if (process.platform !== 'linux') return t.skip('needs /proc');
  const label = { tests: ['assert slow() == 1'] };
  const pending = post('/get_reward', { query: ['import time\ndef slow():\n    time.sleep(0.8)\n    return 1\n'], labels: [label] });
  // Wait until the program is running, then kill every Python worker we own (the program dies with it).
  let victims: number[] = [];
  for (let i = 0; i < 100 && victims.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
    if (executor.stats().running > 0) victims = descendants().filter((p) => p.comm.startsWith('python')).map((p) => p.pid);
  }
  assert.ok(victims.length > 0, 'found the sandbox workers');
  await new Promise((r) => setTimeout(r, 200));
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  const r = await pending;
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.rewards, [1], JSON.stringify(r.json));
  assert.deepEqual(r.json.extra_logs.sandbox_error, [0]);
});
