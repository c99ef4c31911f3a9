/**
 * A pool of warm Python workers. Each worker is one sandbox (launcher.c) whose pid 1 is
 * runtime/forkserver.py; jobs go down its stdin as lines (several per write) and results come back
 * one JSON line each, in order. A worker that dies or stops answering is replaced and its unfinished
 * jobs are retried; a job that keeps failing that way settles as a sandbox error.
 *
 * Lines to a worker:
 *   T tid <tab> {tests}   the tests of one task, sent once per worker (compiled there once)
 *   C                     forget every T (sent when a worker holds too many)
 *   J id tid wallMs cpuMs memoryMb processes fileSizeBytes outputBytes openFiles <tab> {payload}
 * The reply's `res` holds the harness events as JSON lines (parsed here).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHarnessLines, type RawResult } from './compose.js';
import type { Limits } from './types.js';

export interface PythonJob {
  kind: 'run' | 'check' | 'asserts' | 'call';
  limits: Limits;
  /**
   * Fields that are the same for every program of a task (the tests): sent to each worker once and
   * merged into the job there. Identified by object identity: pass the same object for the same tests.
   */
  tests?: Record<string, unknown>;
  [field: string]: unknown;
}

interface Pending {
  job: PythonJob;
  /** The job line without its id (header numbers after the id, tab, payload). */
  body: string;
  tid: number;
  attempts: number;
  resolve: (r: RawResult) => void;
}

/** Test definitions a worker may hold before it is told to forget them (bounds its memory). */
const MAX_KNOWN = 4096;
const MAX_KNOWN_CHARS = 16 << 20;

const testIds = new WeakMap<object, { id: number; text: string }>();
let nextTestId = 0;
function testsOf(job: PythonJob): { id: number; text: string } | undefined {
  if (!job.tests) return undefined;
  let t = testIds.get(job.tests);
  if (!t) {
    t = { id: nextTestId++, text: JSON.stringify(job.tests) };
    testIds.set(job.tests, t);
  }
  return t;
}

const int = (x: number): number => Math.max(0, Math.round(x));

/** A worker's reply: RawResult fields, with the harness events still as JSON lines in `res`. */
type Reply = Omit<RawResult, 'events'> & { res?: string; events?: RawResult['events'] };

function toRaw(r: Reply): RawResult {
  if (r.sandboxError !== undefined) return sandboxResult(r.sandboxError);
  // forkjob.c kept only the harness's lines and stripped their nonce; it reports the proof as `done`
  const events = r.res ? parseHarnessLines(r.res, '').events : [];
  return {
    exit: r.exit,
    signal: r.signal,
    wallMs: r.wallMs,
    cpuMs: r.cpuMs,
    maxrssKb: r.maxrssKb,
    timedOut: r.timedOut,
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutBytes: r.stdoutBytes,
    stderrBytes: r.stderrBytes,
    events,
    done: r.done === true,
  };
}

export interface PythonPoolOptions {
  workers: number;
  /** Launcher path, or undefined to run the forkserver without namespaces. */
  launcher?: string;
  /** The compiled C supervisor (launcher/forkjob.c), or undefined to supervise in Python. */
  forkjob?: string;
  python: string;
  binds: string[];
  forkserver: string;
  /** Jobs sent ahead to one worker (batched in one write). */
  pipeline?: number;
  onWarning?: (m: string) => void;
  onFinished?: () => void;
}

const MAX_ATTEMPTS = 3;

class Worker {
  proc: ChildProcessWithoutNullStreams;
  inflight: Pending[] = [];
  ready = false;
  dead = false;
  private buf = '';
  headSince = 0;
  /** Test ids this worker holds, and their total size. */
  private known = new Set<number>();
  private knownChars = 0;
  private nextJobId = 0;
  private unsandboxedRoot?: string;

  constructor(
    private pool: PythonPool,
    opts: PythonPoolOptions,
  ) {
    let cmd: string;
    let args: string[];
    const fj = opts.forkjob ? ['--forkjob', opts.forkjob] : [];
    if (opts.launcher) {
      cmd = opts.launcher;
      const binds = opts.forkjob ? [...opts.binds, opts.forkjob] : opts.binds;
      args = [...binds.flatMap((b) => ['-r', b]), '-t', '64', '--no-proc', '--', opts.python, '-I', '-S', opts.forkserver, ...fj];
    } else {
      this.unsandboxedRoot = mkdtempSync(join(tmpdir(), 'verdict-work-'));
      cmd = opts.python;
      args = ['-I', opts.forkserver, '--unsandboxed', this.unsandboxedRoot, ...fj];
    }
    this.proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.launcher ? {} : { PATH: '/usr/bin:/bin' } });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => this.onData(d));
    let stderr = '';
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-2000);
    });
    this.proc.stdin.on('error', () => {});
    this.proc.on('exit', (code, sig) => {
      this.dead = true;
      if (this.unsandboxedRoot) rmSync(this.unsandboxedRoot, { recursive: true, force: true });
      this.pool.workerDied(this, `worker exited (${sig ?? code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!this.ready) {
        this.ready = true;
        this.pool.workerReady();
        this.pool.pump();
        continue;
      }
      const p = this.inflight.shift();
      if (!p) continue;
      this.headSince = Date.now();
      let r: RawResult;
      try {
        r = toRaw(JSON.parse(line) as Reply);
      } catch {
        r = sandboxResult(`bad worker reply: ${line.slice(0, 100)}`);
      }
      if (r.sandboxError !== undefined && p.attempts < MAX_ATTEMPTS) {
        this.pool.retry(p);
      } else {
        p.resolve(r);
        this.pool.finished();
      }
    }
    this.pool.pump();
  }

  send(batch: Pending[]): void {
    if (this.inflight.length === 0) this.headSince = Date.now();
    this.inflight.push(...batch);
    let text = '';
    for (const p of batch) {
      if (p.tid >= 0 && !this.known.has(p.tid)) {
        const t = testsOf(p.job)!;
        if (this.known.size >= MAX_KNOWN || this.knownChars + t.text.length > MAX_KNOWN_CHARS) {
          text += 'C\n';
          this.known.clear();
          this.knownChars = 0;
        }
        text += `T ${p.tid}\t${t.text}\n`;
        this.known.add(p.tid);
        this.knownChars += t.text.length;
      }
      text += `J ${this.nextJobId++} ${p.body}`;
    }
    this.proc.stdin.write(text);
  }

  kill(): void {
    if (!this.dead) this.proc.kill('SIGKILL');
  }
}

export function sandboxResult(message: string): RawResult {
  return {
    exit: null,
    signal: null,
    wallMs: 0,
    cpuMs: 0,
    maxrssKb: 0,
    timedOut: false,
    stdout: '',
    stderr: '',
    stdoutBytes: 0,
    stderrBytes: 0,
    events: [],
    done: false,
    sandboxError: message,
  };
}

export class PythonPool {
  private workers: Worker[] = [];
  private queue: Pending[] = [];
  private closed = false;
  private watchdog: NodeJS.Timeout;
  private consecutiveDeaths = 0;
  readonly pipeline: number;

  constructor(private opts: PythonPoolOptions) {
    this.pipeline = opts.pipeline ?? 8;
    for (let i = 0; i < opts.workers; i++) this.workers.push(new Worker(this, opts));
    this.watchdog = setInterval(() => this.checkStuck(), 1000);
    this.watchdog.unref();
  }

  get queued(): number {
    return this.queue.length;
  }
  get running(): number {
    return this.workers.reduce((n, w) => n + w.inflight.length, 0);
  }
  get liveWorkers(): number {
    return this.workers.filter((w) => w.ready && !w.dead).length;
  }

  private waiters: (() => void)[] = [];
  /** Resolves once every worker has started (or died trying). */
  whenReady(): Promise<void> {
    if (this.workers.every((w) => w.ready || w.dead)) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  workerReady(): void {
    if (this.workers.every((w) => w.ready || w.dead)) for (const r of this.waiters.splice(0)) r();
  }

  submit(job: PythonJob): Promise<RawResult> {
    if (this.closed) return Promise.resolve(sandboxResult('executor closed'));
    return new Promise((resolve) => {
      const { limits: l, tests: _tests, ...rest } = job;
      const tid = testsOf(job)?.id ?? -1;
      const payload = JSON.stringify(tid >= 0 ? { ...rest, tid } : rest);
      const body = `${tid} ${int(l.wallMs)} ${int(l.cpuMs)} ${int(l.memoryMb)} ${int(l.processes)} ${int(l.fileSizeBytes)} ${int(l.outputBytes)} ${int(l.openFiles)}\t${payload}\n`;
      this.queue.push({ job, body, tid, attempts: 0, resolve });
      this.pump();
    });
  }

  pump(): void {
    if (this.queue.length === 0) return;
    // Spread the queue over ready workers, each up to `pipeline` jobs ahead.
    const ready = this.workers.filter((w) => w.ready && !w.dead);
    for (const w of ready) {
      const room = this.pipeline - w.inflight.length;
      if (room <= 0 || this.queue.length === 0) continue;
      const share = Math.max(1, Math.min(room, Math.ceil(this.queue.length / ready.length)));
      const batch = this.queue.splice(0, share);
      for (const p of batch) p.attempts++;
      w.send(batch);
    }
  }

  retry(p: Pending): void {
    this.queue.unshift(p);
  }

  finished(): void {
    this.consecutiveDeaths = 0;
    this.opts.onFinished?.();
  }

  workerDied(w: Worker, why: string): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    this.workerReady();
    for (const p of w.inflight) {
      if (p.attempts < MAX_ATTEMPTS) this.retry(p);
      else p.resolve(sandboxResult(why));
    }
    w.inflight = [];
    if (this.closed) return;
    this.consecutiveDeaths++;
    if (this.consecutiveDeaths > 3 * this.opts.workers + 3) {
      // Workers cannot start: fail everything queued rather than loop forever.
      for (const p of this.queue.splice(0)) p.resolve(sandboxResult(why));
      this.opts.onWarning?.(`verdict: Python workers keep dying: ${why}`);
      if (this.workers.length === 0) {
        setTimeout(() => {
          if (!this.closed && this.workers.length === 0) this.workers.push(new Worker(this, this.opts));
        }, 1000).unref();
      }
      return;
    }
    this.workers.push(new Worker(this, this.opts));
  }

  private checkStuck(): void {
    const now = Date.now();
    for (const w of this.workers) {
      const head = w.inflight[0];
      if (!head) continue;
      // The server may hold a finished job's reply back while one of the next (up to 4) jobs runs
      // (replies are batched; see forkjob.c): allow the longest of those too.
      let next = 0;
      for (const p of w.inflight.slice(1, 5)) next = Math.max(next, p.job.limits.wallMs);
      if (now - w.headSince > head.job.limits.wallMs + next + 5000) w.kill();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    for (const p of this.queue.splice(0)) p.resolve(sandboxResult('executor closed'));
    const exits = this.workers.map((w) => (w.dead ? Promise.resolve() : new Promise<void>((r) => w.proc.once('exit', () => r()))));
    for (const w of this.workers) {
      for (const p of w.inflight.splice(0)) p.resolve(sandboxResult('executor closed'));
      w.kill();
    }
    await Promise.all(exits);
  }
}
