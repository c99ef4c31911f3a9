/**
 * The sandboxed Executor: a warm Python pool, one-shot sandboxed node processes for JavaScript,
 * back-pressure (at most `workers` JavaScript programs at once; Python jobs queue in the pool), and a
 * content-addressed cache of verdicts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../tasks/types.js';
import { VerdictCache } from './cache.js';
import { stdioOutcome, toRunResult, toVerdict, type RawResult } from './compose.js';
import { runJs, type JsJob } from './js-runner.js';
import { PythonPool, type PythonJob } from './python-pool.js';
import { buildForkjob, discoverPython, extraBinds, nodeExecutable, nodePrefix, probeIsolation, runtimeDir, sandboxVisible } from './sandbox.js';
import { DEFAULT_LIMITS, type ExecRequest, type Executor, type Limits, type RunRequest, type RunResult, type TestOutcome, type Verdict, type VerdictStatus } from './types.js';

export interface ExecutorOptions {
  /** Parallel programs (Python workers; concurrent node processes). Default: number of cores. */
  workers?: number;
  /** auto: warn once, loudly, about anything the OS cannot enforce; strict: refuse to run instead. */
  isolation?: 'auto' | 'strict';
  /** Content-addressed verdict cache: true/undefined = in memory, a string = a folder for a persistent cache, false = off. */
  cache?: boolean | string;
  /** Defaults for every request (merged over DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  onWarning?: (message: string) => void;
}

/** Counters for servers (/metrics) and benchmarks. */
export interface ExecutorStats {
  /** Programs waiting for a worker. */
  queued: number;
  /** Programs running now. */
  running: number;
  /** Python workers up. */
  workers: number;
  /** Programs finished since start (cache hits not included). */
  programs: number;
  cacheHits: number;
  cacheMisses: number;
  /** Verdicts by status since start (cache hits included). */
  passed: number;
  failed: number;
  syntaxError: number;
  runtimeError: number;
  timeout: number;
  memoryExceeded: number;
  outputExceeded: number;
  sandboxError: number;
}

export interface SandboxExecutor extends Executor {
  stats(): ExecutorStats;
  /** Resolves once the Python workers have started (their start-up is otherwise paid by the first programs). */
  ready(): Promise<void>;
  /** Called after every verdict (cached ones too). */
  onVerdict?: (v: Verdict, req: ExecRequest) => void;
  /** What the OS could not enforce (empty when fully isolated). */
  readonly notEnforced: readonly string[];
  /** Runtime versions and the harnesses' content hash, part of every cache key (a verdict from an older
   *  harness is not reused). */
  readonly versions: { python: string; node: string; harness: string };
}

const STAT_KEY: Record<VerdictStatus, keyof ExecutorStats> = {
  passed: 'passed',
  failed: 'failed',
  syntax_error: 'syntaxError',
  runtime_error: 'runtimeError',
  timeout: 'timeout',
  memory_exceeded: 'memoryExceeded',
  output_exceeded: 'outputExceeded',
  sandbox_error: 'sandboxError',
};

let warnedOnce = false;

export async function createExecutor(options: ExecutorOptions = {}): Promise<SandboxExecutor> {
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(m + '\n'));
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const iso = probeIsolation();
  if (iso.missing.length) {
    const text = `verdict: WARNING: the sandbox cannot enforce: ${iso.missing.join('; ')}. Untrusted programs will run with resource limits only.`;
    if (options.isolation === 'strict') throw new Error(text.replace('WARNING: ', '') + ' (isolation strict: refusing to run)');
    if (!warnedOnce || options.onWarning) warn(text);
    warnedOnce = true;
  }
  const launcher = iso.missing.length ? undefined : iso.launcher;
  const py = discoverPython();
  // Launcher binds must be visible inside the sandbox (its own /tmp hides host paths under /tmp).
  const rt = launcher ? sandboxVisible(runtimeDir(), ['forkserver.py', 'harness.cjs']) : runtimeDir();
  const builtForkjob = buildForkjob();
  const forkjob = builtForkjob && launcher ? sandboxVisible(builtForkjob) : builtForkjob;
  const pool = new PythonPool({
    workers,
    launcher,
    ...(forkjob ? { forkjob } : {}),
    python: py.executable,
    binds: [...extraBinds([py.prefix, py.executable]), rt],
    forkserver: join(rt, 'forkserver.py'),
    onWarning: warn,
  });
  const jsOpts = { launcher, node: nodeExecutable(), binds: [...extraBinds([nodePrefix()]), rt], harness: join(rt, 'harness.cjs') };
  const defaults: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const harness = createHash('sha256');
  for (const f of ['forkserver.py', 'harness.cjs']) harness.update(readFileSync(join(rt, f)));
  const versions = { python: py.version, node: process.version, harness: harness.digest('hex').slice(0, 16) };
  const cache = options.cache === false ? undefined : new VerdictCache(typeof options.cache === 'string' ? options.cache : undefined);

  const counters: ExecutorStats = {
    queued: 0, running: 0, workers: 0, programs: 0, cacheHits: 0, cacheMisses: 0, passed: 0, failed: 0,
    syntaxError: 0, runtimeError: 0, timeout: 0, memoryExceeded: 0, outputExceeded: 0, sandboxError: 0,
  };

  // Back-pressure for node processes: at most `workers` at once.
  let jsRunning = 0;
  const jsWaiting: (() => void)[] = [];
  const runJsLimited = async (job: JsJob): Promise<RawResult> => {
    if (jsRunning >= workers) await new Promise<void>((r) => jsWaiting.push(r));
    jsRunning++;
    try {
      for (let attempt = 0; ; attempt++) {
        const r = await runJs(jsOpts, job, randomBytes(12).toString('hex'));
        if (r.sandboxError === undefined || attempt >= 2) return r;
      }
    } finally {
      jsRunning--;
      counters.programs++;
      jsWaiting.shift()?.();
    }
  };
  const runPy = async (job: PythonJob): Promise<RawResult> => {
    const r = await pool.submit(job);
    counters.programs++;
    return r;
  };
  const exec = (language: Task['language'], job: PythonJob | JsJob) =>
    language === 'python' ? runPy(job as PythonJob) : runJsLimited(job as JsJob);

  const limitsFor = (l?: Partial<Limits>): Limits => {
    const m = { ...defaults, ...l };
    m.cpuMs = Math.min(m.cpuMs, m.wallMs);
    return m;
  };

  // The tests of a task, one object per task: the pool sends them to each worker once.
  const sharedTests = new WeakMap<Task, Record<string, unknown>>();
  const testsFor = (task: Task, make: () => Record<string, unknown>): Record<string, unknown> => {
    let t = sharedTests.get(task);
    if (!t) sharedTests.set(task, (t = make()));
    return t;
  };

  async function judgeUncached(req: ExecRequest, limits: Limits): Promise<Verdict> {
    const { task, completion } = req;
    const t = task.tests;
    const cont = task.completionMode === 'continue';
    const prefix = cont ? task.prompt : '';
    const common = { prefix, completion, limits };
    switch (t.kind) {
      case 'check':
        if (task.language !== 'python') return unsupported(task, t.kind);
        return toVerdict(await exec('python', { kind: 'check', ...common, tests: testsFor(task, () => ({ kind: 'check', test: t.code, entry: t.entryPoint, prompt: prefix })) }), limits, 1);
      case 'asserts':
        if (task.language !== 'python') return unsupported(task, t.kind);
        return toVerdict(
          await exec('python', {
            kind: 'asserts',
            ...common,
            tests: testsFor(task, () => ({ kind: 'asserts', asserts: t.asserts, setup: t.setup ?? '', imports: t.imports ?? [], entry: task.entryPoint ?? null })),
          }),
          limits,
          t.asserts.length,
        );
      case 'script':
        if (task.language === 'python') {
          // A Python test script: run it after the program; it fails by raising.
          return toVerdict(await exec('python', { kind: 'check', ...common, tests: testsFor(task, () => ({ kind: 'check', test: t.code, entry: null, prompt: prefix })) }), limits, 1);
        }
        return toVerdict(await exec('javascript', { kind: 'script', ...common, test: t.code }), limits, 1, t.silentPass === true);
      case 'call':
        return toVerdict(await exec(task.language, { kind: 'call', ...common, fn: t.fnName, cases: t.cases }), limits, t.cases.length);
      case 'stdio': {
        const code = prefix + completion;
        const map = { offset: prefix.split('\n').length - 1, lines: completion.split('\n').length };
        const raws = await Promise.all(t.cases.map((c) => exec(task.language, { kind: 'run', code, stdin: c.input, limits })));
        const tests: (TestOutcome & { line?: number })[] = raws.map((r, i) => stdioOutcome(r, limits, t.cases[i]!.output, i, map));
        const v: Verdict = {
          status: 'passed',
          tests: tests.map(({ line: _line, ...rest }) => rest),
          timeMs: raws.reduce((s, r) => s + r.wallMs, 0),
          memoryKb: Math.max(0, ...raws.map((r) => r.maxrssKb)),
        };
        const bad = tests.find((x) => x.status !== 'passed');
        if (bad) {
          v.status = bad.status;
          v.failedTest = bad.index;
          if (bad.message) v.message = bad.message;
          if (bad.errorType) v.errorType = bad.errorType;
          if (bad.line !== undefined) v.errorLine = bad.line;
        }
        return v;
      }
    }
  }

  const executor: SandboxExecutor = {
    notEnforced: iso.missing,
    versions,
    async judge(req) {
      const limits = limitsFor(req.limits);
      const key = cache?.key({ task: req.task, completion: req.completion, limits, versions, isolated: !!launcher });
      let v: Verdict | undefined;
      if (cache && key) {
        v = await cache.get(key);
        if (v) {
          counters.cacheHits++;
          v = { ...v, cached: true };
        } else counters.cacheMisses++;
      }
      if (!v) {
        const pending = judgeUncached(req, limits);
        if (cache && key) cache.hold(key, pending);
        v = await pending;
        if (cache && key) await cache.put(key, v);
      }
      counters[STAT_KEY[v.status]]++;
      executor.onVerdict?.(v, req);
      return v;
    },
    async run(req: RunRequest): Promise<RunResult> {
      const limits = limitsFor(req.limits);
      const r = await exec(req.language, { kind: 'run', code: req.code, stdin: req.stdin ?? '', limits });
      return toRunResult(r, limits);
    },
    ready() {
      return pool.whenReady();
    },
    stats() {
      return { ...counters, queued: pool.queued + jsWaiting.length, running: pool.running + jsRunning, workers: pool.liveWorkers };
    },
    async close() {
      await pool.close();
      for (const w of jsWaiting.splice(0)) w();
    },
  };
  return executor;
}

function unsupported(task: Task, kind: string): Verdict {
  return {
    status: 'sandbox_error',
    message: `${kind} tests are not supported for ${task.language} (task ${task.id})`,
    tests: [],
    timeMs: 0,
    memoryKb: 0,
  };
}
