/**
 * `verdict serve` over real HTTP on loopback, against a fake executor (a lookup table that never
 * runs code), so every protocol path can be driven deterministically. The real sandbox is
 * exercised by exec-server-real.test.ts.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createExecServer, type ExecServer } from '../../src/serve/index.js';
import { fakeExecutor, type FakeExecutor } from './fake-executor.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test replies are inspected field by field
  text: string;
}

async function call(url: string, method: 'GET' | 'POST', body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const res = await request(url, {
    method,
    body: raw,
    headers: raw !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, json, text };
}

async function start(fake: FakeExecutor, opts: Partial<Parameters<typeof createExecServer>[0]> = {}): Promise<{ server: ExecServer; url: string }> {
  const server = await createExecServer({ executor: fake, ...opts });
  const url = await server.listen(0, '127.0.0.1');
  return { server, url };
}

const TASK_SHORT = { tests: ['assert f(1) == 2', 'assert f(2) == 3'] };

describe('verdict serve (fake executor)', () => {
  let fake: FakeExecutor;
  let server: ExecServer;
  let url: string;
  before(async () => {
    fake = fakeExecutor();
    ({ server, url } = await start(fake, { bodyLimitBytes: 64 * 1024, maxBatch: 8 }));
  });
  after(() => server.close());

  test('GET /health answers ok', async () => {
    const r = await call(`${url}/health`, 'GET');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
    assert.equal(r.json.inflight_programs, 0);
  });

  test('POST /run_code maps a successful python run onto SandboxFusion fields', async () => {
    const r = await call(`${url}/run_code`, 'POST', { code: 'print("hi")', language: 'python', run_timeout: 2, memory_limit_MB: -1, stdin: null, files: {}, fetch_files: [] });
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'Success');
    assert.equal(r.json.compile_result, null);
    assert.deepEqual(
      { ...r.json.run_result },
      { status: 'Finished', execution_time: 0.012, return_code: 0, stdout: 'hi\n', stderr: '' },
    );
    const sent = fake.ran.at(-1)!;
    assert.equal(sent.language, 'python');
    assert.equal(sent.limits?.wallMs, 2000);
    assert.equal(sent.limits?.memoryMb, 512, 'memory_limit_MB -1 keeps the server default');
  });

  test('POST /run_code: failures, timeouts, sandbox errors and stdin', async () => {
    let r = await call(`${url}/run_code`, 'POST', { code: 'raise SystemExit(3)', language: 'python' });
    assert.equal(r.json.status, 'Failed');
    assert.equal(r.json.run_result.return_code, 3);
    r = await call(`${url}/run_code`, 'POST', { code: 'while True: pass', language: 'python', run_timeout: 1 });
    assert.equal(r.json.status, 'Failed');
    assert.equal(r.json.run_result.status, 'TimeLimitExceeded');
    assert.equal(r.json.run_result.return_code, -9);
    r = await call(`${url}/run_code`, 'POST', { code: 'BROKEN SANDBOX', language: 'python' });
    assert.equal(r.json.status, 'SandboxError');
    assert.equal(r.json.run_result, null);
    r = await call(`${url}/run_code`, 'POST', { code: 'console.log(1)', language: 'nodejs', stdin: 'abc' });
    assert.equal(r.json.status, 'Success');
    assert.equal(r.json.run_result.stdout, 'ABC');
    assert.equal(fake.ran.at(-1)!.language, 'javascript');
    assert.equal(fake.ran.at(-1)!.stdin, 'abc');
  });

  test('POST /run_code rejects unknown languages and files with a clear 400', async () => {
    let r = await call(`${url}/run_code`, 'POST', { code: 'int main(){}', language: 'cpp' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /language "cpp" is not supported.*python, nodejs/);
    r = await call(`${url}/run_code`, 'POST', { code: 'print("hi")', language: 'python', files: { 'a.txt': 'aGk=' } });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /files/);
  });

  test('malformed JSON, missing fields, wrong types and unknown routes get explicit errors', async () => {
    let r = await call(`${url}/run_code`, 'POST', '{"code": "x", "language": ');
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /JSON/i);
    r = await call(`${url}/run_code`, 'POST', { language: 'python' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /code/);
    r = await call(`${url}/run_code`, 'POST', { code: 5, language: 'python' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /string/);
    r = await call(`${url}/nope`, 'GET');
    assert.equal(r.status, 404);
    assert.match(r.json.error.message, /no route GET \/nope/);
  });

  test('an oversized body is refused with 413 before anything runs', async () => {
    const before = fake.ran.length;
    const r = await call(`${url}/run_code`, 'POST', { code: 'x'.repeat(100 * 1024), language: 'python' });
    assert.equal(r.status, 413);
    assert.match(r.json.error.message, /exceeds the limit of 65536 bytes/);
    assert.equal(fake.ran.length, before);
  });

  test('POST /get_reward: binary rewards, scores and extra_logs for OpenRLHF', async () => {
    const prompts = ['<|user|>write f<|assistant|>', 'P2:', 'P3:'];
    const r = await call(`${url}/get_reward`, 'POST', {
      query: [prompts[0] + 'def f(x): return x + 1<|im_end|>', prompts[1] + 'def f(x): return x', prompts[2] + 'def f(x) return'],
      prompts,
      labels: [JSON.stringify(TASK_SHORT), TASK_SHORT, { test_list: ['assert f(1) == 2'] }],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.rewards, [1, 0, 0]);
    assert.deepEqual(r.json.scores, [1, 0, 0]);
    assert.deepEqual(r.json.extra_logs.pass_ratio, [1, 0.5, 0]);
    assert.deepEqual(r.json.extra_logs.syntax_error, [0, 0, 1]);
    // the response part is what was judged, with the end marker dropped
    assert.equal(fake.judged.at(-3)!.completion.trim(), 'def f(x): return x + 1');
    assert.equal(fake.judged.at(-1)!.task.source, 'mbpp');
  });

  test('POST /get_reward: fenced code is extracted; HumanEval labels continue the prompt', async () => {
    const heLabel = { task_id: 'HumanEval/x', prompt: 'def f(x):\n    ', test: 'def check(c): assert c(1) == 2', entry_point: 'f' };
    const r = await call(`${url}/get_reward`, 'POST', {
      query: ['Q: Here you go:\n```python\ndef f(x): return x + 1\n```\nDone.', 'def f(x):\n    return x + 1'],
      prompts: ['Q:', 'def f(x):\n    '],
      labels: [TASK_SHORT, heLabel],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.rewards, [1, 1]);
    const he = fake.judged.at(-1)!;
    assert.equal(he.task.completionMode, 'continue');
    assert.equal(he.task.tests.kind, 'check');
    assert.equal(he.completion, 'return x + 1');
  });

  test('POST /get_reward rejects unusable labels naming the sample', async () => {
    let r = await call(`${url}/get_reward`, 'POST', { query: ['a', 'b'], prompts: ['', ''], labels: [TASK_SHORT, '{"tests": 3'] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /labels\[1\]: not valid JSON/);
    r = await call(`${url}/get_reward`, 'POST', { query: ['a'], labels: [{ nothing: true }] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /labels\[0\]: cannot tell which tests/);
    r = await call(`${url}/get_reward`, 'POST', { query: ['a', 'b'], labels: [TASK_SHORT] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /labels has 1 entries but query has 2/);
    r = await call(`${url}/get_reward`, 'POST', { query: ['a'] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /labels is required/);
  });

  test('POST /v1/execute judges many completions with per-test verdicts', async () => {
    const r = await call(`${url}/v1/execute`, 'POST', {
      items: [
        { id: 'a', task: TASK_SHORT, completions: ['def f(x): return x + 1', 'def f(x): return x', 'def f(x): return 1/0'] },
        { task: { id: 'b', language: 'python', prompt: '', completionMode: 'whole', tests: { kind: 'asserts', asserts: ['assert f(0) == 1'] } }, completions: ['def f(x):\n    while True: pass'] },
      ],
      limits: { wallMs: 3000 },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.results[0].id, 'a');
    assert.equal(r.json.results[1].id, 'b');
    assert.deepEqual(r.json.results[0].verdicts.map((v: { status: string }) => v.status), ['passed', 'failed', 'runtime_error']);
    assert.deepEqual(r.json.results[0].verdicts[1].tests.map((t: { status: string }) => t.status), ['failed', 'passed']);
    assert.equal(r.json.results[1].verdicts[0].status, 'timeout');
    assert.equal(r.json.summary.programs, 4);
    assert.equal(r.json.summary.passed, 1);
    assert.equal(fake.judged.at(-1)!.limits?.wallMs, 3000);
  });

  test('POST /v1/execute refuses batches over the limit and bad limits', async () => {
    let r = await call(`${url}/v1/execute`, 'POST', { items: [{ task: TASK_SHORT, completions: Array(9).fill('def f(x): return x') }] });
    assert.equal(r.status, 413);
    assert.match(r.json.error.message, /batch of 9 programs exceeds the limit of 8/);
    r = await call(`${url}/v1/execute`, 'POST', { items: [], limits: { wallMsec: 5 } });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /additional properties/);
  });

  test('GET /metrics speaks Prometheus text with requests, programs, verdicts, latency and queue depth', async () => {
    const r = await call(`${url}/metrics`, 'GET');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /text\/plain; version=0.0.4/);
    assert.match(r.text, /^verdict_http_requests_total\{code="200",route="\/run_code"\} [1-9]\d*$/m);
    assert.match(r.text, /^verdict_http_requests_total\{code="413",route="\/run_code"\} 1$/m);
    assert.match(r.text, /^verdict_programs_total\{endpoint="get_reward"\} 5$/m);
    assert.match(r.text, /^verdict_verdicts_total\{status="passed"\} [1-9]/m);
    assert.match(r.text, /^verdict_verdicts_total\{status="timeout"\} [1-9]/m);
    assert.match(r.text, /^verdict_request_duration_seconds_bucket\{route="\/get_reward",le="\+Inf"\} \d+$/m);
    assert.match(r.text, /^verdict_program_duration_seconds_count \d+$/m);
    assert.match(r.text, /^# TYPE verdict_queue_depth gauge\nverdict_queue_depth 0$/m);
  });
});

describe('verdict serve: authentication, back-pressure, shutdown', () => {
  test('a bearer token is required on every route but /health', async () => {
    const { server, url } = await start(fakeExecutor(), { token: 's3cret' });
    try {
      const body = { code: 'print("hi")', language: 'python' };
      let r = await call(`${url}/run_code`, 'POST', body);
      assert.equal(r.status, 401);
      assert.equal(r.headers['www-authenticate'], 'Bearer');
      assert.match(r.json.error.message, /bearer token/);
      r = await call(`${url}/run_code`, 'POST', body, { authorization: 'Bearer wrong' });
      assert.equal(r.status, 401);
      r = await call(`${url}/metrics`, 'GET');
      assert.equal(r.status, 401);
      r = await call(`${url}/run_code`, 'POST', body, { authorization: 'Bearer s3cret' });
      assert.equal(r.status, 200);
      r = await call(`${url}/health`, 'GET');
      assert.equal(r.status, 200);
    } finally {
      await server.close();
    }
  });

  test('a full queue answers 429 with Retry-After; admitted requests still finish', async () => {
    const fake = fakeExecutor();
    const { server, url } = await start(fake, { maxQueue: 2, retryAfterSeconds: 3 });
    try {
      let release!: () => void;
      fake.gate = new Promise((r) => (release = r));
      const body = { code: 'print("hi")', language: 'python' };
      const first = [call(`${url}/run_code`, 'POST', body), call(`${url}/run_code`, 'POST', body)];
      while (fake.active < 2) await new Promise((r) => setTimeout(r, 5));
      const refused = await call(`${url}/run_code`, 'POST', body);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '3');
      assert.match(refused.json.error.message, /queue full/);
      const health = await call(`${url}/health`, 'GET');
      assert.equal(health.json.inflight_programs, 2);
      release();
      for (const r of await Promise.all(first)) assert.equal(r.status, 200);
      const metrics = await call(`${url}/metrics`, 'GET');
      assert.match(metrics.text, /^verdict_rejected_total 1$/m);
    } finally {
      await server.close();
    }
  });

  test('graceful shutdown finishes in-flight requests, then refuses connections', async () => {
    const fake = fakeExecutor();
    const { server, url } = await start(fake);
    let release!: () => void;
    fake.gate = new Promise((r) => (release = r));
    const inflight = call(`${url}/get_reward`, 'POST', { query: ['def f(x): return x + 1'], labels: [TASK_SHORT] });
    while (fake.active < 1) await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, false, 'close waits for the request in flight');
    release();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.rewards, [1]);
    await closing;
    await assert.rejects(call(`${url}/health`, 'GET'), /ECONNREFUSED/);
  });
});

describe('verdict serve: composite reward from src/rewards', () => {
  test('a composite config combines execution and similarity to the label reference; components are logged', async () => {
    const { compositeRewardFor } = await import('../../src/serve/index.js');
    const yaml = 'components:\n  - kind: exec-errortype\n  - kind: syntax-match\n    weight: 0.5\n';
    const composite = await compositeRewardFor(yaml, 'reward.yaml');
    const { server, url } = await start(fakeExecutor(), { reward: 'composite', compositeReward: composite });
    try {
      const label = { tests: ['assert f(1) == 2'], reference: 'def f(x): return x + 1' };
      const r = await call(`${url}/get_reward`, 'POST', { query: ['def f(x): return x + 1', 'def f(x): return x'], labels: [label, label] });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.rewards[0], 1.5, 'passes (+1) and matches the reference exactly (0.5 x 1)');
      assert.ok(r.json.rewards[1] > -0.3 && r.json.rewards[1] < 0.2, `failed (-0.3) plus a partial syntax match: ${r.json.rewards[1]}`);
      assert.deepEqual(r.json.extra_logs['reward_exec-errortype'], [1, -0.3]);
      assert.equal(r.json.extra_logs['reward_syntax-match'][0], 0.5);
      const noRef = await call(`${url}/get_reward`, 'POST', { query: ['def f(x): return x'], labels: [{ tests: ['assert f(1) == 2'] }] });
      assert.equal(noRef.status, 400);
      assert.match(noRef.json.error.message, /labels\[0\]: composite reward: .*needs a reference/);
    } finally {
      await server.close();
    }
  });

  test('components that need token data are refused when the server starts', async () => {
    const { compositeRewardFor } = await import('../../src/serve/index.js');
    await assert.rejects(compositeRewardFor('components:\n  - kind: kl\n', 'r.yaml'), /r.yaml: component kl needs per-token data/);
    await assert.rejects(compositeRewardFor('components: []\n', 'r.yaml'), /r.yaml: field components/);
  });
});
