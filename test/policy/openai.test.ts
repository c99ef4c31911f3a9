/**
 * The `openai` policy backend: against `verdict serve-model` on loopback, and against tiny fake
 * servers that misbehave (429 / 500 first, no logprobs, silence).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPolicy, OpenAIPolicy, PolicyHttpError, completionsUrl } from '../../src/policy/index.js';
import { createModelServer } from '../../src/serve/model-server.js';
import { fakePolicy, fakeServedModel } from '../serve/fake-policy.js';

describe('openai policy against verdict serve-model', () => {
  let server: ReturnType<typeof createModelServer>;
  let url: string;
  before(async () => {
    server = createModelServer({ model: fakeServedModel(fakePolicy()), batchWindowMs: 2 });
    url = await server.listen(0, '127.0.0.1');
  });
  after(() => server.close());

  test('sample returns n completions per prompt with tokens and logprobs', async () => {
    const policy = await createPolicy({ kind: 'openai', baseUrl: url, model: 'fake-char-model', concurrency: 2 });
    try {
      const out = await policy.sample(['a', 'bbb', 'cc'], { n: 3, temperature: 0.7, maxTokens: 16, seed: 4, stop: ['\n'] });
      assert.equal(out.length, 3);
      assert.deepEqual(out.map((cs) => cs.map((c) => c.text)), [
        ['1#0@4', '1#1@5', '1#2@6'],
        ['3#0@4', '3#1@5', '3#2@6'],
        ['2#0@4', '2#1@5', '2#2@6'],
      ]);
      assert.deepEqual(out[0]![0]!.tokens, ['1', '#', '0', '@', '4']);
      assert.deepEqual(out[0]![0]!.logprobs, [-0.5, -0.5, -0.5, -0.5, -0.5]);
      assert.equal(out[0]![0]!.finishReason, 'stop');
      const cut = await policy.sample(['a'], { n: 1, temperature: 0, maxTokens: 2 });
      assert.equal(cut[0]![0]!.finishReason, 'length');
    } finally {
      await policy.close();
    }
  });

  test('score uses echo + logprobs and returns the completion tokens only', async () => {
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: `${url}/v1/`, model: 'fake-char-model' });
    try {
      const s = await policy.scoreText('abc', 'de');
      assert.deepEqual(s.tokens, ['d', 'e']);
      assert.deepEqual(s.logprobs, [-0.03, -0.04]);
      assert.deepEqual(await policy.score('x', 'yz'), [-0.01, -0.02]);
      await assert.rejects(policy.score('', 'a'), /first token has no logprob/);
    } finally {
      await policy.close();
    }
  });

  test('a wrong model name fails at once with the server message', async () => {
    const policy = await createPolicy({ kind: 'openai', baseUrl: url, model: 'nope', retries: 3, backoffMs: 1 });
    try {
      await assert.rejects(policy.sample(['a'], { n: 1, temperature: 0, maxTokens: 4 }), (e: unknown) => {
        assert.ok(e instanceof PolicyHttpError);
        assert.equal(e.status, 404);
        assert.match(e.message, /HTTP 404: The model `nope` does not exist/);
        return true;
      });
    } finally {
      await policy.close();
    }
  });
});

/** A tiny HTTP server whose answers come from a script, one per request. */
async function scripted(handler: (req: IncomingMessage, res: ServerResponse, body: any, count: number) => void): Promise<{ url: string; server: Server; count: () => number }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- request bodies are whatever the client sent
  let n = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => handler(req, res, raw ? JSON.parse(raw) : undefined, ++n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, count: () => n };
}

const okBody = (withLogprobs = true) =>
  JSON.stringify({
    choices: [{ index: 0, text: 'ok', finish_reason: 'stop', logprobs: withLogprobs ? { tokens: ['o', 'k'], token_logprobs: [-1, -2], text_offset: [0, 1] } : null }],
  });

describe('openai policy: retries, errors, timeouts', () => {
  test('429 and 500 are retried with backoff; Retry-After is honoured', async () => {
    const times: number[] = [];
    const s = await scripted((_req, res, body, n) => {
      times.push(Date.now());
      assert.equal(body.model, 'm');
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":{"message":"slow down"}}');
      } else if (n === 2) {
        res.writeHead(500).end('boom');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(okBody());
      }
    });
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: s.url, model: 'm', retries: 3, backoffMs: 10 });
    try {
      const out = await policy.sample(['p'], { n: 1, temperature: 0, maxTokens: 4 });
      assert.equal(out[0]![0]!.text, 'ok');
      assert.equal(s.count(), 3);
      assert.ok(times[1]! - times[0]! >= 950, `waited ${times[1]! - times[0]!} ms after Retry-After: 1`);
    } finally {
      await policy.close();
      s.server.close();
    }
  });

  test('retries stop after the configured number; 4xx are not retried', async () => {
    const s = await scripted((_req, res) => res.writeHead(503).end('{"error":{"message":"overloaded"}}'));
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: s.url, model: 'm', retries: 2, backoffMs: 1 });
    await assert.rejects(policy.sample(['p'], { n: 1, temperature: 0, maxTokens: 4 }), /HTTP 503: overloaded \(gave up after 3 attempts\)/);
    assert.equal(s.count(), 3);
    await policy.close();
    s.server.close();
    const bad = await scripted((_req, res) => res.writeHead(400).end('{"error":{"message":"bad max_tokens"}}'));
    const p2 = new OpenAIPolicy({ kind: 'openai', baseUrl: bad.url, model: 'm', retries: 5, backoffMs: 1 });
    await assert.rejects(p2.sample(['p'], { n: 1, temperature: 0, maxTokens: 4 }), /HTTP 400: bad max_tokens/);
    assert.equal(bad.count(), 1);
    await p2.close();
    bad.server.close();
  });

  test('a server without logprobs gives a clear error, unless logprobs are not asked for', async () => {
    const s = await scripted((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(okBody(false)));
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: s.url, model: 'm' });
    try {
      await assert.rejects(policy.sample(['p'], { n: 1, temperature: 0, maxTokens: 4 }), /returned no logprobs for model m/);
      const out = await policy.sample(['p'], { n: 1, temperature: 0, maxTokens: 4, logprobs: false });
      assert.equal(out[0]![0]!.text, 'ok');
      await assert.rejects(policy.score('a', 'b'), /cannot score with model m: the server returned no echoed logprobs/);
    } finally {
      await policy.close();
      s.server.close();
    }
  });

  test('servers that ignore n are asked again for the rest', async () => {
    const seeds: number[] = [];
    const s = await scripted((_req, res, body) => {
      seeds.push(body.seed);
      res.writeHead(200, { 'content-type': 'application/json' }).end(okBody());
    });
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: s.url, model: 'm' });
    try {
      const out = await policy.sample(['p'], { n: 3, temperature: 1, maxTokens: 4, seed: 10 });
      assert.equal(out[0]!.length, 3);
      assert.deepEqual(seeds, [10, 11, 12]);
    } finally {
      await policy.close();
      s.server.close();
    }
  });

  test('a silent server times out per attempt and the error says so', async () => {
    const s = await scripted(() => {
      /* never answers */
    });
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: s.url, model: 'm', timeoutMs: 150, retries: 1, backoffMs: 1 });
    await assert.rejects(policy.sample(['p'], { n: 1, temperature: 0, maxTokens: 4 }), /no answer within 150 ms \(gave up after 2 attempts\)/);
    assert.equal(s.count(), 2);
    await policy.close();
    s.server.closeAllConnections();
    s.server.close();
  });

  test('the concurrency limit bounds requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const s = await scripted((_req, res) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(okBody());
      }, 20);
    });
    const policy = new OpenAIPolicy({ kind: 'openai', baseUrl: s.url, model: 'm', concurrency: 2 });
    try {
      const out = await policy.sample(['a', 'b', 'c', 'd', 'e', 'f'], { n: 1, temperature: 0, maxTokens: 4 });
      assert.equal(out.length, 6);
      assert.equal(peak, 2);
    } finally {
      await policy.close();
      s.server.close();
    }
  });

  test('baseUrl forms and bad specs', async () => {
    assert.equal(completionsUrl('http://h:1'), 'http://h:1/v1/completions');
    assert.equal(completionsUrl('http://h:1/v1/'), 'http://h:1/v1/completions');
    assert.equal(completionsUrl('https://h/api/v1'), 'https://h/api/v1/completions');
    assert.throws(() => completionsUrl('h:1:2'), /not a URL|must be http/);
    await assert.rejects(createPolicy({ kind: 'openai', baseUrl: 'http://h', model: '' }), /model/);
    // @ts-expect-error -- an unknown kind, as a config file might carry
    await assert.rejects(createPolicy({ kind: 'anthropic' }), /unknown policy kind "anthropic"/);
  });
});
