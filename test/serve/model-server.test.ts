/** `verdict serve-model` over real HTTP on loopback, serving a deterministic fake policy. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createModelServer } from '../../src/serve/model-server.js';
import { fakePolicy, fakeServedModel, type FakePolicy } from './fake-policy.js';

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- replies are inspected field by field
  const res = await request(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, json: await res.body.json() };
}

describe('verdict serve-model (fake policy)', () => {
  let policy: FakePolicy;
  let server: ReturnType<typeof createModelServer>;
  let url: string;
  before(async () => {
    policy = fakePolicy();
    server = createModelServer({ model: fakeServedModel(policy), batchWindowMs: 20, bodyLimitBytes: 8192, maxN: 8 });
    url = await server.listen(0, '127.0.0.1');
  });
  after(() => server.close());

  test('GET /v1/models lists the served model', async () => {
    const res = await request(`${url}/v1/models`);
    const j = (await res.body.json()) as { object: string; data: Array<{ id: string; max_model_len: number }> };
    assert.equal(j.object, 'list');
    assert.equal(j.data[0]!.id, 'fake-char-model');
    assert.equal(j.data[0]!.max_model_len, 128);
  });

  test('POST /v1/completions answers in the OpenAI shape, choices ordered prompt-major', async () => {
    const r = await post(`${url}/v1/completions`, { model: 'fake-char-model', prompt: ['ab', 'abcd'], n: 2, max_tokens: 10, logprobs: 1, seed: 7 });
    assert.equal(r.status, 200);
    assert.equal(r.json.object, 'text_completion');
    assert.deepEqual(r.json.choices.map((c: { index: number; text: string }) => [c.index, c.text]), [[0, '2#0@7'], [1, '2#1@8'], [2, '4#0@7'], [3, '4#1@8']]);
    const c0 = r.json.choices[0];
    assert.equal(c0.finish_reason, 'stop');
    assert.deepEqual(c0.logprobs.tokens, ['2', '#', '0', '@', '7']);
    assert.deepEqual(c0.logprobs.token_logprobs, [-0.5, -0.5, -0.5, -0.5, -0.5]);
    assert.deepEqual(c0.logprobs.text_offset, [2, 3, 4, 5, 6]);
    assert.deepEqual(r.json.usage, { prompt_tokens: 6, completion_tokens: 20, total_tokens: 26 });
  });

  test('max_tokens, stop and defaults reach the policy', async () => {
    const r = await post(`${url}/v1/completions`, { prompt: 'xyz', max_tokens: 2, stop: '#', temperature: 0.2, top_p: 0.9, top_k: 5 });
    assert.equal(r.status, 200);
    assert.equal(r.json.choices[0].text, '3');
    assert.equal(r.json.choices[0].logprobs, null);
    const opts = policy.calls.at(-1)!.options;
    assert.deepEqual(opts, { n: 1, temperature: 0.2, maxTokens: 2, logprobs: false, topP: 0.9, topK: 5, stop: ['#'] });
    const cut = await post(`${url}/v1/completions`, { prompt: 'xyz', max_tokens: 2 });
    assert.equal(cut.json.choices[0].finish_reason, 'length');
  });

  test('echo + logprobs + max_tokens 0 scores the prompt', async () => {
    const calls = policy.calls.length;
    const r = await post(`${url}/v1/completions`, { prompt: 'abc', echo: true, logprobs: 1, max_tokens: 0 });
    assert.equal(r.status, 200);
    const c = r.json.choices[0];
    assert.equal(c.text, 'abc');
    assert.deepEqual(c.logprobs.tokens, ['a', 'b', 'c']);
    assert.deepEqual(c.logprobs.token_logprobs, [null, -0.01, -0.02]);
    assert.deepEqual(c.logprobs.text_offset, [0, 1, 2]);
    assert.equal(policy.calls.length, calls, 'no sampling for max_tokens 0');
  });

  test('concurrent requests with the same options share one forward pass', async () => {
    policy.delayMs = 30;
    const before = policy.calls.length;
    const rs = await Promise.all(['p', 'pp', 'ppp', 'pppp'].map((prompt) => post(`${url}/v1/completions`, { prompt, max_tokens: 8, temperature: 0.5 })));
    policy.delayMs = 0;
    assert.deepEqual(rs.map((r) => r.json.choices[0].text), ['1#0', '2#0', '3#0', '4#0']);
    const calls = policy.calls.slice(before);
    assert.equal(calls.length, 1, `expected one batched call, got ${calls.length}`);
    assert.deepEqual([...calls[0]!.prompts].sort(), ['p', 'pp', 'ppp', 'pppp']);
  });

  test('different sampling options are never mixed in one batch', async () => {
    const before = policy.calls.length;
    const rs = await Promise.all([0.1, 0.9].map((temperature) => post(`${url}/v1/completions`, { prompt: 'q', max_tokens: 8, temperature })));
    assert.ok(rs.every((r) => r.status === 200));
    const temps = policy.calls.slice(before).map((c) => c.options.temperature).sort();
    assert.deepEqual(temps, [0.1, 0.9]);
  });

  test('bad requests get OpenAI-shaped errors', async () => {
    let r = await post(`${url}/v1/completions`, { model: 'gpt-9', prompt: 'a' });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'model_not_found');
    r = await post(`${url}/v1/completions`, '{"prompt": ');
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /malformed JSON/);
    r = await post(`${url}/v1/completions`, { prompt: 'a', n: 0 });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /n must be >= 1/);
    r = await post(`${url}/v1/completions`, { prompt: 'a', n: 9 });
    assert.match(r.json.error.message, /exceeds the limit of 8/);
    r = await post(`${url}/v1/completions`, { prompt: [[1, 2, 3]] });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /token-id prompts/);
    r = await post(`${url}/v1/completions`, { prompt: 'a', stream: true });
    assert.match(r.json.error.message, /stream/);
    r = await post(`${url}/v1/completions`, { prompt: 'a'.repeat(10000) });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.type, 'invalid_request_error');
  });
});

test('serve-model answers 429 with Retry-After when too many prompts wait', async () => {
  const policy = fakePolicy();
  policy.delayMs = 200;
  const server = createModelServer({ model: fakeServedModel(policy), batchWindowMs: 0, maxQueue: 1 });
  const url = await server.listen(0, '127.0.0.1');
  try {
    const first = post(`${url}/v1/completions`, { prompt: 'a', max_tokens: 4 });
    while (!server.batcher.busy) await new Promise((r) => setTimeout(r, 5));
    const second = post(`${url}/v1/completions`, { prompt: 'b', max_tokens: 4, temperature: 0.3 });
    while (server.batcher.depth < 1) await new Promise((r) => setTimeout(r, 5));
    const res = await request(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'c' }), headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '1');
    const j = (await res.body.json()) as { error: { type: string } };
    assert.equal(j.error.type, 'rate_limit_error');
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
  } finally {
    await server.close();
  }
});
