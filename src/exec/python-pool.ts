/**
 * A pool of warm Python workers. Each worker is one sandbox (launcher.c) whose pid 1 is
 * runtime/forkserver.py; jobs go down its stdin as JSON lines (several per write) and results come
 * back one line each, in order. A worker that dies or stops answering is replaced and its unfinished
 * jobs are retried; a job that keeps failing that way settles as a sandbox error.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawResult } from './compose.js';
import type { Limits } from './types.js';

export interface PythonJob {
  kind: 'run' | 'check' | 'asserts' | 'call';
  limits: Limits;
  [field: string]: unknown;
}

interface Pending {
  job: PythonJob;
  line: string;
  attempts: number;
  resolve: (r: RawResult) => void;
}

export interface PythonPoolOptions {
  workers: number;
  /** Launcher path, or undefined to run the forkserver without namespaces. */
  launcher?: string;
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
  private unsandboxedRoot?: string;

  constructor(
    private pool: PythonPool,
    opts: PythonPoolOptions,
  ) {
    let cmd: string;
    let args: string[];
    if (opts.launcher) {
      cmd = opts.launcher;
      args = [...opts.binds.flatMap((b) => ['-r', b]), '-t', '64', '--', opts.python, '-I', '-S', opts.forkserver];
    } else {
      this.unsandboxedRoot = mkdtempSync(join(tmpdir(), 'verdict-work-'));
      cmd = opts.python;
      args = ['-I', opts.forkserver, '--unsandboxed', this.unsandboxedRoot];
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
        this.pool.pump();
        continue;
      }
      const p = this.inflight.shift();
      if (!p) continue;
      this.headSince = Date.now();
      let r: RawResult & { id?: unknown };
      try {
        r = JSON.parse(line) as RawResult;
        if (r.sandboxError !== undefined) r = sandboxResult(r.sandboxError);
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
    this.proc.stdin.write(batch.map((p) => p.line).join(''));
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
  private nextId = 0;
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

  submit(job: PythonJob): Promise<RawResult> {
    if (this.closed) return Promise.resolve(sandboxResult('executor closed'));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.queue.push({ job, line: JSON.stringify({ ...job, id }) + '\n', attempts: 0, resolve });
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
      if (head && now - w.headSince > head.job.limits.wallMs + 5000) w.kill();
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
