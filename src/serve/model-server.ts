/**
 * `verdict serve-model`: an OpenAI-compatible completions server over a Policy (normally a local
 * Verdict checkpoint).
 *
 *   POST /v1/completions  prompt (string or list), n, temperature, top_p, top_k, max_tokens, stop,
 *                         seed, logprobs, echo
 *   GET  /v1/models       the one model served
 *   GET  /health
 *
 * Concurrent requests are merged by a micro-batcher into one `policy.sample` call (one batched
 * forward pass per decoding step in the local engine) when their sampling options agree.
 */
import { randomBytes } from 'node:crypto';
import type { Completion, SampleOptions, ServedModel } from '../policy/types.js';
import { MicroBatcher } from './batcher.js';
import { createApp, HttpError, type App } from './http.js';

export type { ServedModel } from '../policy/types.js';

export interface ModelServerOptions {
  model: ServedModel;
  /** How long a request waits for others to share its forward pass, ms (default 5). */
  batchWindowMs?: number;
  /** Most sequences (prompts x n) in one batch (default 64). */
  maxBatchSequences?: number;
  /** Most prompts waiting for a batch before 429 (default 1024). */
  maxQueue?: number;
  /** Largest n (default 64) and max_tokens (default 4096) accepted. */
  maxN?: number;
  maxTokens?: number;
  bodyLimitBytes?: number;
  logger?: boolean;
}

const completionsSchema = {
  type: 'object',
  required: ['prompt'],
  properties: {
    model: { type: 'string' },
    prompt: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1 }] },
    n: { type: 'integer', minimum: 1 },
    best_of: { type: ['integer', 'null'] },
    temperature: { type: ['number', 'null'], minimum: 0 },
    top_p: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1 },
    top_k: { type: ['integer', 'null'] },
    max_tokens: { type: ['integer', 'null'], minimum: 0 },
    stop: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    seed: { type: ['integer', 'null'] },
    logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    echo: { type: ['boolean', 'null'] },
    stream: { type: ['boolean', 'null'] },
    user: { type: 'string' },
  },
} as const;

interface CompletionsBody {
  model?: string;
  prompt: string | unknown[];
  n?: number;
  best_of?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  max_tokens?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  logprobs?: number | null;
  echo?: boolean | null;
  stream?: boolean | null;
}

interface Item {
  prompt: string;
  options: SampleOptions;
}

interface LogprobsOut {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: null;
  text_offset: number[];
}

function offsetsFrom(start: number, tokens: string[]): number[] {
  const out: number[] = [];
  let at = start;
  for (const t of tokens) {
    out.push(at);
    at += t.length;
  }
  return out;
}

export function createModelServer(opts: ModelServerOptions): App & { batcher: MicroBatcher<Item, Completion[]> } {
  const served = opts.model;
  const maxQueue = opts.maxQueue ?? 1024;
  const maxN = opts.maxN ?? 64;
  const maxTokens = opts.maxTokens ?? 4096;
  const created = Math.floor(Date.now() / 1000);
  const server = createApp({ bodyLimitBytes: opts.bodyLimitBytes ?? 4 << 20, logger: opts.logger });
  const app = server.app;
  const texts = (tokens: Array<number | string>): string[] => served.tokenTexts?.(tokens) ?? tokens.map(String);

  let seededKey = 0;
  const batcher = new MicroBatcher<Item, Completion[]>(
    async (_key, items) => {
      const result = await served.policy.sample(items.map((i) => i.prompt), items[0]!.options);
      return result;
    },
    {
      windowMs: opts.batchWindowMs ?? 5,
      maxBatch: opts.maxBatchSequences ?? 64,
      // A seeded prompt must give what it gives alone (engines derive per-sequence seeds from the
      // position in the batch), so seeded prompts never share a batch; unseeded ones batch freely.
      keyOf: (i) => (i.options.seed === undefined ? JSON.stringify(i.options) : `seeded#${seededKey++}`),
      sizeOf: (i) => i.options.n,
    },
  );

  app.get('/health', async () => ({ status: 'ok', model: served.name, queue_depth: batcher.depth, busy: batcher.busy, batches: batcher.batches }));

  app.get('/v1/models', async () => ({
    object: 'list',
    data: [{ id: served.name, object: 'model', created, owned_by: 'verdict', ...(served.contextLength ? { max_model_len: served.contextLength } : {}) }],
  }));

  app.post<{ Body: CompletionsBody }>('/v1/completions', { schema: { body: completionsSchema } }, async (req) => {
    const b = req.body;
    if (b.model !== undefined && b.model !== served.name) {
      throw new HttpError(404, `The model \`${b.model}\` does not exist; this server serves \`${served.name}\` (see GET /v1/models).`, 'invalid_request_error', {}, 'model_not_found');
    }
    if (b.stream) throw new HttpError(400, 'stream: true is not supported by verdict serve-model; omit it');
    const prompts = typeof b.prompt === 'string' ? [b.prompt] : b.prompt;
    if (!prompts.every((p): p is string => typeof p === 'string')) {
      throw new HttpError(400, 'prompt must be a string or a list of strings (token-id prompts are not supported)');
    }
    const n = b.n ?? 1;
    if (n > maxN) throw new HttpError(400, `n = ${n} exceeds the limit of ${maxN}`);
    if (b.best_of != null && b.best_of !== n) throw new HttpError(400, 'best_of is not supported (leave it unset or equal to n)');
    const maxTok = b.max_tokens ?? 16;
    if (maxTok > maxTokens) throw new HttpError(400, `max_tokens = ${maxTok} exceeds the limit of ${maxTokens}`);
    const wantLogprobs = b.logprobs != null;
    const echo = b.echo === true;
    if (echo && wantLogprobs && !served.scoreText) throw new HttpError(400, 'echo with logprobs is not supported by this model backend');
    const stop = b.stop == null ? undefined : typeof b.stop === 'string' ? [b.stop] : b.stop;
    const options: SampleOptions = {
      n,
      temperature: b.temperature ?? 1,
      maxTokens: maxTok,
      logprobs: wantLogprobs,
      ...(b.top_p != null ? { topP: b.top_p } : {}),
      ...(b.top_k != null && b.top_k > 0 ? { topK: b.top_k } : {}),
      ...(stop?.length ? { stop } : {}),
      ...(b.seed != null ? { seed: b.seed } : {}),
    };

    let perPrompt: Completion[][];
    if (maxTok === 0) {
      perPrompt = prompts.map(() => Array.from({ length: n }, () => ({ text: '', tokens: [], logprobs: [], finishReason: 'length' as const })));
    } else {
      if (batcher.depth + prompts.length > maxQueue) {
        throw new HttpError(429, `server busy: ${batcher.depth} prompts waiting (capacity ${maxQueue}); retry later`, 'rate_limit_error', { 'retry-after': '1' });
      }
      perPrompt = await Promise.all(prompts.map((prompt) => batcher.submit({ prompt, options })));
    }

    const echoed = echo && wantLogprobs ? await Promise.all(prompts.map((p) => served.scoreText!(p))) : undefined;
    let completionTokens = 0;
    const choices = perPrompt.flatMap((completions, i) =>
      completions.map((c, j) => {
        const prompt = prompts[i]!;
        completionTokens += c.tokens.length;
        let logprobs: LogprobsOut | null = null;
        if (wantLogprobs) {
          const genTokens = texts(c.tokens);
          const pre = echoed?.[i];
          const tokens = [...(pre?.tokens ?? []), ...genTokens];
          logprobs = {
            tokens,
            token_logprobs: [...(pre?.logprobs ?? []), ...c.logprobs],
            top_logprobs: null,
            text_offset: pre ? offsetsFrom(0, tokens) : offsetsFrom(prompt.length, genTokens),
          };
        }
        return { index: i * n + j, text: (echo ? prompt : '') + c.text, finish_reason: c.finishReason, logprobs };
      }),
    );
    const promptTokens = served.countTokens ? prompts.reduce((s, p) => s + served.countTokens!(p), 0) : 0;
    return {
      id: `cmpl-${randomBytes(12).toString('hex')}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: served.name,
      choices,
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  });

  return { ...server, batcher };
}
