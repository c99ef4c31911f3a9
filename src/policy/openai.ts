/**
 * The `openai` policy backend: any server speaking OpenAI's legacy completions API
 * (POST {baseUrl}/v1/completions) -- vLLM, SGLang, llama.cpp's server, Ollama, `verdict serve-model`.
 *
 * One HTTP request per prompt (servers batch concurrent requests themselves), at most
 * `concurrency` in flight, each attempt bounded by `timeoutMs`, retried with exponential backoff
 * and full jitter on 429, 5xx, timeouts and connection errors (a Retry-After header is honoured as
 * a lower bound). Other 4xx answers fail at once with the server's own message.
 */
import { Agent, request } from 'undici';
import type { Completion, Policy, SampleOptions, ScoredText } from './types.js';
import { Semaphore, backoffDelay, parseRetryAfter, sleep } from './retry.js';

export interface OpenAIPolicySpec {
  kind: 'openai';
  /** Server root, with or without the trailing `/v1` (e.g. `http://127.0.0.1:8000` or `.../v1`). */
  baseUrl: string;
  /** Model name sent in every request (see GET /v1/models). */
  model: string;
  /** Environment variable holding the API key (default OPENAI_API_KEY); unset = no Authorization header. */
  apiKeyEnv?: string;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Per-attempt time limit, ms (default 120000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429 / 5xx / timeouts / connection errors (default 4). */
  retries?: number;
  /** First backoff delay, ms, doubled per retry with full jitter (default 500). */
  backoffMs?: number;
  /** Largest backoff delay, ms (default 30000). */
  maxBackoffMs?: number;
}

/** An HTTP backend failure: what was asked, what the server said. */
export class PolicyHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'PolicyHttpError';
  }
}

/** What we read of one choice (legacy completions shape, plus llama.cpp's `logprobs.content` shape). */
interface RawChoice {
  index?: number;
  text?: string;
  finish_reason?: string | null;
  logprobs?: {
    tokens?: string[];
    token_logprobs?: Array<number | null>;
    text_offset?: number[];
    content?: Array<{ token?: string; logprob?: number }>;
  } | null;
}

interface ParsedLogprobs {
  tokens: string[];
  logprobs: Array<number | null>;
  offsets?: number[];
}

function readLogprobs(choice: RawChoice): ParsedLogprobs | undefined {
  const lp = choice.logprobs;
  if (!lp || typeof lp !== 'object') return undefined;
  if (Array.isArray(lp.token_logprobs) && Array.isArray(lp.tokens)) {
    return { tokens: lp.tokens, logprobs: lp.token_logprobs, offsets: Array.isArray(lp.text_offset) ? lp.text_offset : undefined };
  }
  if (Array.isArray(lp.content)) {
    return {
      tokens: lp.content.map((c) => String(c.token ?? '')),
      logprobs: lp.content.map((c) => (typeof c.logprob === 'number' ? c.logprob : null)),
    };
  }
  return undefined;
}

/** `http://h:8000`, `http://h:8000/`, `http://h:8000/v1` -> `http://h:8000/v1`. */
export function completionsUrl(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new Error(`openai policy: baseUrl ${JSON.stringify(baseUrl)} is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`openai policy: baseUrl must be http(s), got ${u.protocol}`);
  let path = u.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/v1')) path += '/v1';
  u.pathname = `${path}/completions`;
  return u.toString();
}

export class OpenAIPolicy implements Policy {
  readonly url: string;
  private readonly agent: Agent;
  private readonly limiter: Semaphore;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private closed = false;

  constructor(readonly spec: OpenAIPolicySpec) {
    if (!spec.model) throw new Error('openai policy: `model` is required (the name the server lists at GET /v1/models)');
    this.url = completionsUrl(spec.baseUrl);
    const concurrency = spec.concurrency ?? 8;
    this.limiter = new Semaphore(concurrency);
    this.agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
    this.apiKey = process.env[spec.apiKeyEnv ?? 'OPENAI_API_KEY'] || undefined;
    this.timeoutMs = spec.timeoutMs ?? 120_000;
    this.retries = spec.retries ?? 4;
    this.backoff = { baseMs: spec.backoffMs ?? 500, maxMs: spec.maxBackoffMs ?? 30_000 };
  }

  async sample(prompts: string[], options: SampleOptions): Promise<Completion[][]> {
    if (!Number.isInteger(options.n) || options.n < 1) throw new RangeError(`n must be a positive integer, got ${options.n}`);
    return Promise.all(prompts.map((p) => this.sampleOne(p, options)));
  }

  private async sampleOne(prompt: string, options: SampleOptions): Promise<Completion[]> {
    const wantLogprobs = options.logprobs !== false;
    const out: Completion[] = [];
    // Some servers (llama.cpp) ignore n > 1: ask again for the rest, with shifted seeds.
    for (let round = 0; out.length < options.n; round++) {
      const need = options.n - out.length;
      const body: Record<string, unknown> = {
        model: this.spec.model,
        prompt,
        n: need,
        temperature: options.temperature,
        max_tokens: options.maxTokens,
      };
      if (options.topP !== undefined) body.top_p = options.topP;
      if (options.topK !== undefined) body.top_k = options.topK; // vLLM / SGLang extension
      if (options.stop?.length) body.stop = options.stop;
      if (options.seed !== undefined) body.seed = options.seed + out.length;
      if (wantLogprobs) body.logprobs = 1;
      const json = await this.limiter.run(() => this.post(body));
      const choices = [...json.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (choices.length === 0 || round > options.n) {
        throw new PolicyHttpError(`${this.url}: the server returned no choices for model ${this.spec.model}`);
      }
      for (const c of choices.slice(0, need)) out.push(this.toCompletion(c, wantLogprobs));
    }
    return out;
  }

  private toCompletion(c: RawChoice, wantLogprobs: boolean): Completion {
    const text = typeof c.text === 'string' ? c.text : '';
    const finishReason = c.finish_reason === 'length' ? 'length' : 'stop';
    if (!wantLogprobs) return { text, tokens: [], logprobs: [], finishReason };
    const lp = readLogprobs(c);
    if (!lp) {
      throw new PolicyHttpError(
        `${this.url}: the server returned no logprobs for model ${this.spec.model} although they were requested ` +
          `(logprobs: 1). Use a server that supports them (vLLM, SGLang, verdict serve-model) or sample with logprobs: false.`,
      );
    }
    const logprobs = lp.logprobs.map((v, i) => {
      if (typeof v !== 'number') throw new PolicyHttpError(`${this.url}: logprob of generated token ${i} is missing (${String(v)})`);
      return v;
    });
    return { text, tokens: lp.tokens, logprobs, finishReason };
  }

  async score(prompt: string, completion: string): Promise<number[]> {
    return (await this.scoreText(prompt, completion)).logprobs;
  }

  /**
   * Scores `completion` after `prompt` through echo + logprobs with max_tokens 0 (falling back to
   * max_tokens 1 for servers that reject 0). The result covers every token that overlaps the
   * completion's characters (a token straddling the boundary is included).
   */
  async scoreText(prompt: string, completion: string): Promise<ScoredText> {
    const full = prompt + completion;
    const base = { model: this.spec.model, prompt: full, echo: true, logprobs: 1, temperature: 0 };
    let json: { choices: RawChoice[] };
    try {
      json = await this.limiter.run(() => this.post({ ...base, max_tokens: 0 }));
    } catch (err) {
      if (!(err instanceof PolicyHttpError) || err.status !== 400) throw err;
      json = await this.limiter.run(() => this.post({ ...base, max_tokens: 1 }));
    }
    const choice = json.choices[0];
    const lp = choice ? readLogprobs(choice) : undefined;
    const unsupported = (why: string): PolicyHttpError =>
      new PolicyHttpError(
        `${this.url}: cannot score with model ${this.spec.model}: ${why}. score() needs a server that echoes the ` +
          `prompt with per-token logprobs (echo: true, logprobs, max_tokens 0), as vLLM and verdict serve-model do.`,
      );
    if (!lp || lp.tokens.length === 0) throw unsupported('the server returned no echoed logprobs');
    let offsets = lp.offsets;
    if (!offsets || offsets.length !== lp.tokens.length) {
      offsets = [];
      let at = 0;
      for (const t of lp.tokens) {
        offsets.push(at);
        at += t.length;
      }
      if (!lp.tokens.join('').startsWith(full)) throw unsupported('the echoed tokens neither carry text_offset nor spell the prompt');
    }
    const tokens: string[] = [];
    const logprobs: number[] = [];
    for (let i = 0; i < lp.tokens.length; i++) {
      const start = offsets[i]!;
      const end = start + lp.tokens[i]!.length;
      if (start >= full.length) break; // generated tokens after the echo (max_tokens 1 fallback)
      if (end <= prompt.length) continue; // wholly inside the prompt
      const v = lp.logprobs[i];
      if (typeof v !== 'number') {
        throw unsupported(i === 0 ? 'the first token has no logprob (empty prompt: nothing to condition on)' : `token ${i} has no logprob`);
      }
      tokens.push(lp.tokens[i]!);
      logprobs.push(v);
    }
    return { tokens, logprobs };
  }

  /** POSTs JSON with retries; resolves to the parsed body with a `choices` array. */
  private async post(body: Record<string, unknown>): Promise<{ choices: RawChoice[] }> {
    if (this.closed) throw new PolicyHttpError('openai policy is closed');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(body);
      } catch (err) {
        const e = err instanceof PolicyHttpError ? err : this.wrapNetworkError(err);
        if (!e.retryable || attempt >= this.retries || this.closed) {
          if (e.retryable && attempt > 0) e.message += ` (gave up after ${attempt + 1} attempts)`;
          throw e;
        }
        await sleep(backoffDelay(attempt, this.backoff, e.retryAfterMs));
      }
    }
  }

  private wrapNetworkError(err: unknown): PolicyHttpError {
    const e = err as Error & { code?: string; name?: string };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      return new PolicyHttpError(`${this.url}: no answer within ${this.timeoutMs} ms`, undefined, true);
    }
    return new PolicyHttpError(`${this.url}: ${e?.code ?? ''} ${e?.message ?? String(err)}`.trim(), undefined, true);
  }

  private async attempt(body: Record<string, unknown>): Promise<{ choices: RawChoice[] }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const res = await request(this.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      dispatcher: this.agent,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      const retryable = res.statusCode === 429 || res.statusCode >= 500;
      let detail = text.slice(0, 500);
      try {
        const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
        detail = (typeof j.error === 'object' ? j.error?.message : j.error) ?? j.message ?? detail;
      } catch {
        /* not JSON: keep the raw text */
      }
      throw new PolicyHttpError(
        `${this.url}: HTTP ${res.statusCode}: ${detail}`,
        res.statusCode,
        retryable,
        parseRetryAfter(res.headers['retry-after']),
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PolicyHttpError(`${this.url}: answer is not JSON: ${text.slice(0, 200)}`, 200, false);
    }
    const choices = (json as { choices?: unknown }).choices;
    if (!Array.isArray(choices)) throw new PolicyHttpError(`${this.url}: answer has no choices array: ${text.slice(0, 200)}`, 200, false);
    return { choices: choices as RawChoice[] };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.agent.close();
  }
}
