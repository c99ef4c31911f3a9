/**
 * `verdict serve`: the execution and reward server.
 *
 *   POST /run_code     SandboxFusion-compatible single run (veRL's sandbox_fusion reward)
 *   POST /get_reward   OpenRLHF remote reward model ({query, prompts, labels} -> {rewards, scores, extra_logs})
 *   POST /v1/execute   Verdict's batch API: many (task, completions) items, per-test verdicts
 *   GET  /health       liveness and load
 *   GET  /metrics      Prometheus text
 *
 * Every program goes through the Executor (the sandbox pool); this layer adds validation, an
 * optional bearer token, body/batch limits, admission control (429 + Retry-After when more
 * programs are waiting than `maxQueue`), metrics and graceful shutdown.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { constants as osConstants, hostname } from 'node:os';
import type { Executor, Limits, RunResult, Verdict, VerdictStatus } from '../exec/types.js';
import { DEFAULT_LIMITS, VERDICT_STATUSES } from '../exec/types.js';
import type { Language } from '../tasks/types.js';
import { Registry, PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import { createApp, HttpError, type App } from './http.js';
import { LabelError, completionFor, parseLabel, responseOf, type LabelledTask } from './labels.js';
import { binaryReward, errorTypeReward, passRatio, type CompositeReward, type RewardKind } from './reward.js';

export interface ExecServerOptions {
  executor: Executor;
  /** Require `Authorization: Bearer <token>` on every route but /health. */
  token?: string;
  /** Largest request body, bytes (default 16 MiB). */
  bodyLimitBytes?: number;
  /** Most programs one request may carry (default 256). */
  maxBatch?: number;
  /** Most programs admitted (running or waiting) at once; beyond that: 429 (default 1024). */
  maxQueue?: number;
  /** Retry-After seconds sent with 429 (default 1). */
  retryAfterSeconds?: number;
  /** Reward reported by /get_reward (default binary). */
  reward?: RewardKind;
  /** Composite reward function (from src/rewards), required when reward = 'composite'. */
  compositeReward?: CompositeReward;
  /** Limits used when a request gives none (default DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  /** Upper bounds for limits a request may ask for. */
  maxLimits?: Partial<Limits>;
  /** Extra gauges from the executor (queue depth, live workers ...), merged into /health and /metrics. */
  executorStats?: () => Record<string, number>;
  /** Log requests (fastify/pino) to stdout. */
  logger?: boolean;
}

export const DEFAULT_MAX_LIMITS: Limits = {
  cpuMs: 60_000,
  wallMs: 120_000,
  memoryMb: 4096,
  processes: 64,
  outputBytes: 16 << 20,
  fileSizeBytes: 64 << 20,
  openFiles: 256,
};

/**
 * `listen(port, host)` resolves to the base URL (e.g. http://127.0.0.1:41234); `close()` stops
 * accepting requests and finishes those in flight (it does not close the executor).
 */
export type ExecServer = App;

const SANDBOX_LANGUAGES: Record<string, Language> = { python: 'python', python3: 'python', nodejs: 'javascript', javascript: 'javascript', js: 'javascript' };

const limitsSchema = {
  type: 'object',
  properties: Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [k, { type: 'number', minimum: 0 }])),
  additionalProperties: false,
} as const;

const runCodeSchema = {
  type: 'object',
  required: ['code', 'language'],
  properties: {
    code: { type: 'string' },
    language: { type: 'string' },
    compile_timeout: { type: 'number', minimum: 0 },
    run_timeout: { type: 'number', minimum: 0 },
    memory_limit_MB: { type: 'number' },
    stdin: { type: ['string', 'null'] },
    files: { type: 'object', additionalProperties: { type: 'string' } },
    fetch_files: { type: 'array', items: { type: 'string' } },
  },
} as const;

const getRewardSchema = {
  type: 'object',
  required: ['query'],
  properties: {
    query: { type: 'array', items: { type: 'string' } },
    prompts: { type: 'array', items: { type: 'string' } },
    labels: { type: 'array' },
  },
} as const;

const executeSchema = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['task', 'completions'],
        properties: {
          id: { type: 'string' },
          task: { type: ['object', 'string'] },
          completions: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    limits: limitsSchema,
  },
} as const;

interface RunCodeBody {
  code: string;
  language: string;
  compile_timeout?: number;
  run_timeout?: number;
  memory_limit_MB?: number;
  stdin?: string | null;
  files?: Record<string, string>;
  fetch_files?: string[];
}
interface GetRewardBody {
  query: string[];
  prompts?: string[];
  labels?: unknown[];
}
interface ExecuteBody {
  items: Array<{ id?: string; task: unknown; completions: string[] }>;
  limits?: Partial<Limits>;
}

/** SandboxFusion's answer to /run_code. */
export interface SandboxFusionResult {
  status: 'Success' | 'Failed' | 'SandboxError';
  message: string;
  compile_result: null;
  run_result: {
    status: 'Finished' | 'Error' | 'TimeLimitExceeded';
    execution_time: number;
    return_code: number | null;
    stdout: string;
    stderr: string;
  } | null;
  executor_pod_name: string;
  files: Record<string, string>;
}

/** Maps one sandbox run onto SandboxFusion's response (python subprocess conventions: signal n -> return code -n). */
export function toSandboxFusion(r: RunResult, pod: string): SandboxFusionResult {
  if (r.status === 'sandbox_error') {
    return { status: 'SandboxError', message: r.stderr || 'sandbox error', compile_result: null, run_result: null, executor_pod_name: pod, files: {} };
  }
  const signum = r.signal ? (osConstants.signals as Record<string, number>)[r.signal] : undefined;
  const returnCode = r.exit_code ?? (signum !== undefined ? -signum : null);
  const timedOut = r.status === 'timeout';
  const ok = r.status === 'ok' && returnCode === 0;
  return {
    status: ok ? 'Success' : 'Failed',
    message: ok ? '' : r.status,
    compile_result: null,
    run_result: {
      status: timedOut ? 'TimeLimitExceeded' : 'Finished',
      execution_time: r.time_ms / 1000,
      return_code: returnCode,
      stdout: r.stdout,
      stderr: r.stderr,
    },
    executor_pod_name: pod,
    files: {},
  };
}

function clampLimits(base: Limits, req: Partial<Limits> | undefined, max: Limits): Limits {
  const out = { ...base };
  for (const k of Object.keys(base) as Array<keyof Limits>) {
    const v = req?.[k];
    if (v !== undefined) out[k] = v;
    out[k] = Math.min(out[k], max[k]);
  }
  return out;
}

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time regardless of length.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180];

export async function createExecServer(opts: ExecServerOptions): Promise<ExecServer> {
  const executor = opts.executor;
  const maxBatch = opts.maxBatch ?? 256;
  const maxQueue = opts.maxQueue ?? 1024;
  const retryAfter = String(opts.retryAfterSeconds ?? 1);
  const rewardKind = opts.reward ?? 'binary';
  if (rewardKind === 'composite' && !opts.compositeReward) throw new Error('reward "composite" needs a compositeReward function');
  const maxLimits: Limits = { ...DEFAULT_MAX_LIMITS, ...opts.maxLimits };
  const baseLimits: Limits = clampLimits(DEFAULT_LIMITS, opts.limits, maxLimits);
  const pod = hostname();
  const started = Date.now();

  // ---- metrics ----
  const registry = new Registry();
  const requests = registry.counter('verdict_http_requests_total', 'HTTP requests answered, by route and status code.');
  const programs = registry.counter('verdict_programs_total', 'Programs run, by endpoint.');
  const verdicts = registry.counter('verdict_verdicts_total', 'Verdicts and run outcomes, by status.');
  const rejected = registry.counter('verdict_rejected_total', 'Requests refused with 429 because the queue was full.');
  const requestSeconds = registry.histogram('verdict_request_duration_seconds', 'Request latency, by route.', LATENCY_BUCKETS);
  const programSeconds = registry.histogram('verdict_program_duration_seconds', 'Time from admission to verdict of one program.', LATENCY_BUCKETS);
  let inflightPrograms = 0;
  let inflightRequests = 0;
  registry.gauge('verdict_queue_depth', 'Programs admitted and not yet finished (running or waiting for a sandbox worker).', () => inflightPrograms);
  registry.gauge('verdict_queue_capacity', 'Programs that may be admitted at once before 429.', () => maxQueue);
  registry.gauge('verdict_inflight_requests', 'HTTP requests being processed.', () => inflightRequests);
  registry.gauge('verdict_uptime_seconds', 'Seconds since the server started.', () => (Date.now() - started) / 1000);
  const statsNames = Object.keys(opts.executorStats?.() ?? {});
  for (const name of statsNames) {
    const metric = `verdict_executor_${name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
    registry.gauge(metric, `Executor statistic "${name}".`, () => opts.executorStats?.()[name] ?? NaN);
  }

  const server = createApp({ bodyLimitBytes: opts.bodyLimitBytes ?? 16 << 20, logger: opts.logger });
  const app = server.app;

  app.addHook('onRequest', async (req) => {
    inflightRequests++;
    if (opts.token && req.url.split('?')[0] !== '/health') {
      const h = req.headers.authorization ?? '';
      const given = h.startsWith('Bearer ') ? h.slice(7) : '';
      if (!given || !sameSecret(given, opts.token)) {
        throw new HttpError(401, 'missing or wrong bearer token (send Authorization: Bearer <token>)', 'authentication_error', { 'www-authenticate': 'Bearer' });
      }
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    inflightRequests--;
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ route, code: String(reply.statusCode) });
    requestSeconds.observe(reply.elapsedTime / 1000, { route });
  });

  /** Runs `job` with `n` programs admitted, or answers 429 when the queue is full. */
  async function admit<T>(n: number, job: () => Promise<T>): Promise<T> {
    if (n > maxBatch) throw new HttpError(413, `batch of ${n} programs exceeds the limit of ${maxBatch} per request`);
    if (inflightPrograms > 0 && inflightPrograms + n > maxQueue) {
      rejected.inc();
      throw new HttpError(429, `queue full (${inflightPrograms} programs waiting, capacity ${maxQueue}); retry later`, 'rate_limit_error', { 'retry-after': retryAfter });
    }
    inflightPrograms += n;
    try {
      return await job();
    } finally {
      inflightPrograms -= n;
    }
  }

  async function judge(endpoint: string, task: LabelledTask['task'], completion: string, limits: Limits): Promise<Verdict> {
    const t0 = performance.now();
    const v = await executor.judge({ task, completion, limits });
    programs.inc({ endpoint });
    verdicts.inc({ status: v.status });
    programSeconds.observe((performance.now() - t0) / 1000);
    return v;
  }

  // ---- routes ----
  app.get('/health', async () => ({
    status: 'ok',
    inflight_programs: inflightPrograms,
    queue_capacity: maxQueue,
    inflight_requests: inflightRequests,
    uptime_s: Math.round((Date.now() - started) / 1000),
    ...(opts.executorStats?.() ?? {}),
  }));

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', PROMETHEUS_CONTENT_TYPE);
    return registry.render();
  });

  app.post<{ Body: RunCodeBody }>('/run_code', { schema: { body: runCodeSchema } }, async (req) => {
    const b = req.body;
    const language = SANDBOX_LANGUAGES[b.language.toLowerCase()];
    if (!language) {
      throw new HttpError(400, `language ${JSON.stringify(b.language)} is not supported by verdict serve (supported: python, nodejs)`);
    }
    if ((b.files && Object.keys(b.files).length > 0) || (b.fetch_files && b.fetch_files.length > 0)) {
      throw new HttpError(400, 'files and fetch_files are not supported by verdict serve (send the program as `code`, input as `stdin`)');
    }
    const wallMs = (b.run_timeout ?? 10) * 1000;
    const requested: Partial<Limits> = { wallMs, cpuMs: wallMs };
    if (b.memory_limit_MB !== undefined && b.memory_limit_MB > 0) requested.memoryMb = b.memory_limit_MB;
    const limits = clampLimits(baseLimits, requested, maxLimits);
    const r = await admit(1, async () => {
      const t0 = performance.now();
      const result = await executor.run({ language, code: b.code, stdin: b.stdin ?? undefined, limits });
      programs.inc({ endpoint: 'run_code' });
      verdicts.inc({ status: result.status });
      programSeconds.observe((performance.now() - t0) / 1000);
      return result;
    });
    return toSandboxFusion(r, pod);
  });

  app.post<{ Body: GetRewardBody }>('/get_reward', { schema: { body: getRewardSchema } }, async (req) => {
    const { query, prompts, labels } = req.body;
    if (prompts && prompts.length !== query.length) throw new HttpError(400, `prompts has ${prompts.length} entries but query has ${query.length}`);
    if (!labels) throw new HttpError(400, 'labels is required: each label carries the tests of its sample as JSON (see docs/serve.md)');
    if (labels.length !== query.length) throw new HttpError(400, `labels has ${labels.length} entries but query has ${query.length}`);
    const jobs = query.map((q, i) => {
      let l: LabelledTask;
      try {
        l = parseLabel(labels[i], `labels[${i}]`);
      } catch (e) {
        if (e instanceof LabelError) throw new HttpError(400, e.message);
        throw e;
      }
      return completionFor(l, responseOf(q, prompts?.[i]));
    });
    const results = await admit(jobs.length, () => Promise.all(jobs.map((j) => judge('get_reward', j.task, j.completion, baseLimits))));
    const flag = (st: VerdictStatus) => results.map((v) => (v.status === st ? 1 : 0));
    const componentLogs: Record<string, number[]> = {};
    let rewards: number[];
    if (rewardKind === 'composite') {
      const composite = await Promise.all(
        results.map((v, i) =>
          opts.compositeReward!(v, jobs[i]!).catch((e: Error) => {
            throw new HttpError(400, `labels[${i}]: composite reward: ${e.message}`);
          }),
        ),
      );
      rewards = composite.map((c) => c.score ?? 0);
      composite.forEach((c, i) => {
        for (const [name, value] of Object.entries(c.components)) {
          (componentLogs[`reward_${name}`] ??= new Array<number>(results.length).fill(0))[i] = value ?? 0;
        }
      });
    } else {
      rewards = results.map(rewardKind === 'binary' ? binaryReward : errorTypeReward);
    }
    return {
      rewards,
      scores: results.map(binaryReward),
      extra_logs: {
        pass_ratio: results.map(passRatio),
        syntax_error: flag('syntax_error'),
        runtime_error: flag('runtime_error'),
        timeout: flag('timeout'),
        sandbox_error: flag('sandbox_error'),
        ...componentLogs,
      },
    };
  });

  app.post<{ Body: ExecuteBody }>('/v1/execute', { schema: { body: executeSchema } }, async (req) => {
    const { items } = req.body;
    const limits = clampLimits(baseLimits, req.body.limits, maxLimits);
    const parsed = items.map((it, i) => {
      try {
        return parseLabel(it.task, `items[${i}].task`);
      } catch (e) {
        if (e instanceof LabelError) throw new HttpError(400, e.message);
        throw e;
      }
    });
    const n = items.reduce((s, it) => s + it.completions.length, 0);
    const results = await admit(n, () =>
      Promise.all(
        items.map(async (it, i) => ({
          id: it.id ?? parsed[i]!.task.id,
          verdicts: await Promise.all(
            it.completions.map((c) => {
              const j = completionFor(parsed[i]!, c, false);
              return judge('execute', j.task, j.completion, limits);
            }),
          ),
        })),
      ),
    );
    const counts = Object.fromEntries(VERDICT_STATUSES.map((s) => [s, 0])) as Record<VerdictStatus, number>;
    for (const r of results) for (const v of r.verdicts) counts[v.status]++;
    return { results, summary: { programs: n, ...counts } };
  });

  return server;
}
