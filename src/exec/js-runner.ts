/**
 * JavaScript runs one fresh `node` per program, each in its own sandbox (launcher.c): a warm node
 * running several programs in `vm` would be no boundary at all. fd 3 brings back the launcher's
 * status line, fd 4 carries the job in, fd 5 the harness events out.
 */
import { spawn } from 'node:child_process';
import type { HarnessEvent, RawResult } from './compose.js';
import { sandboxResult } from './python-pool.js';
import type { Limits } from './types.js';

export interface JsJob {
  kind: 'run' | 'script' | 'call';
  limits: Limits;
  stdin?: string;
  [field: string]: unknown;
}

export interface JsRunnerOptions {
  launcher?: string;
  node: string;
  binds: string[];
  harness: string;
}

/** Extra tasks node itself needs (its own threads count against RLIMIT_NPROC). */
const NODE_THREADS = 16;

export function runJs(opts: JsRunnerOptions, job: JsJob, nonce: string): Promise<RawResult> {
  const lim = job.limits;
  const nodeArgs = [`--max-old-space-size=${lim.memoryMb}`, '--no-warnings', opts.harness];
  let cmd: string;
  let args: string[];
  if (opts.launcher) {
    cmd = opts.launcher;
    args = [
      ...opts.binds.flatMap((b) => ['-r', b]),
      '-t', '64',
      '-c', String(Math.max(1, Math.ceil(lim.cpuMs / 1000))),
      '-d', String(lim.memoryMb + 256),
      '-n', String(lim.processes + NODE_THREADS),
      '-f', String(Math.max(lim.fileSizeBytes, lim.outputBytes) + 1),
      '-o', String(lim.openFiles + 32),
      '-s', '3',
      '--', opts.node, ...nodeArgs,
    ];
  } else {
    cmd = opts.node;
    args = nodeArgs;
  }
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: opts.launcher ? {} : { PATH: '/usr/bin:/bin' },
      detached: !opts.launcher,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let status = '';
    let events = '';
    let timedOut = false;
    let over = false;
    const kill = () => {
      try {
        if (opts.launcher) child.kill('SIGKILL');
        else if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, lim.wallMs);
    const collect = (chunks: Buffer[], which: 'out' | 'err') => (d: Buffer) => {
      const n = which === 'out' ? (outBytes += d.length) : (errBytes += d.length);
      if (n - d.length < lim.outputBytes + 1) chunks.push(d);
      if (n > lim.outputBytes && !over) {
        over = true;
        kill();
      }
    };
    child.stdout!.on('data', collect(out, 'out'));
    child.stderr!.on('data', collect(err, 'err'));
    const [, , , statusPipe, jobPipe, eventPipe] = child.stdio as unknown as (NodeJS.ReadableStream & NodeJS.WritableStream)[];
    statusPipe!.setEncoding('utf8');
    statusPipe!.on('data', (d: string) => (status += d));
    eventPipe!.setEncoding('utf8');
    eventPipe!.on('data', (d: string) => {
      if (events.length < 8 << 20) events += d;
    });
    for (const s of [child.stdin!, jobPipe!]) s.on('error', () => {});
    const { stdin, ...rest } = job;
    jobPipe!.end(JSON.stringify({ ...rest, nonce }));
    child.stdin!.end(stdin ?? '');
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      if (spawnError) return resolve(sandboxResult(`cannot start node: ${spawnError.message}`));
      const m = /exit=(-?\d+) signal=(\d+) maxrss_kb=(\d+) cpu_ms=(\d+)/.exec(status);
      if (opts.launcher && !m && !timedOut && !over) {
        const why = Buffer.concat(err).toString('utf8').trim().split('\n').pop() ?? '';
        return resolve(sandboxResult(`sandbox launcher failed (${sig ?? code}): ${why}`));
      }
      if (m && m[1] === '125' && /^verdict-sandbox:/m.test(Buffer.concat(err).toString('utf8'))) {
        return resolve(sandboxResult(Buffer.concat(err).toString('utf8').trim()));
      }
      const parsed: HarnessEvent[] = [];
      let done = false;
      for (const line of events.split('\n')) {
        if (!line) continue;
        try {
          const ev = JSON.parse(line) as HarnessEvent & { nonce?: string };
          if ((ev.k as string) === 'done') done = ev.nonce === nonce;
          else parsed.push(ev);
        } catch {
          /* a program writing junk to fd 5 only hurts itself */
        }
      }
      const exit = m ? Number(m[1]) : code;
      const signal = m ? (Number(m[2]) || null) : sig ? (require_signal(sig) ?? null) : null;
      resolve({
        exit: exit === -1 ? null : exit,
        signal,
        wallMs,
        cpuMs: m ? Number(m[4]) : 0,
        maxrssKb: m ? Number(m[3]) : 0,
        timedOut,
        stdout: Buffer.concat(out).subarray(0, lim.outputBytes).toString('utf8'),
        stderr: Buffer.concat(err).subarray(0, lim.outputBytes).toString('utf8'),
        stdoutBytes: outBytes,
        stderrBytes: errBytes,
        events: parsed,
        done,
      });
    });
  });
}

import { constants } from 'node:os';
function require_signal(name: string): number | undefined {
  return (constants.signals as Record<string, number>)[name];
}
