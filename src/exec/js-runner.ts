/**
 * JavaScript runs one fresh `node` per program, each in its own sandbox (launcher.c): a warm node
 * running several programs in `vm` would be no boundary at all. fd 3 brings back the launcher's
 * status line, fd 4 carries the job in, fd 5 the harness events out.
 */
import { spawn } from 'node:child_process';
import { parseHarnessLines, type RawResult } from './compose.js';
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

/**
 * Node's permission model, with everything a program normally needs granted (files, child
 * processes) and the rest denied: native addons (`process.dlopen`), `process.binding`, the inspector
 * (an in-process session reads closures) and worker threads (a worker's own `v8` and `require` are
 * outside the harness's control). See docs/exec.md, "JavaScript: keeping the harness out of the
 * program's reach". `--permission` replaced `--experimental-permission` in node 22.13/23.5.
 */
export function permissionFlags(version: string = process.versions.node): string[] {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 20) return [];
  const stable = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return [stable ? '--permission' : '--experimental-permission', '--allow-fs-read=*', '--allow-fs-write=*', '--allow-child-process'];
}

export function runJs(opts: JsRunnerOptions, job: JsJob, nonce: string): Promise<RawResult> {
  const lim = job.limits;
  // The only V8 flag: any V8 flag away from its default makes V8 refuse node's built-in code cache,
  // so the harness puts this one back to its default as soon as the heap is set up (the limit stays).
  // A V8 flag added here must be reset there too; node's own flags (the rest) cost nothing.
  // Judged jobs: an unhandled rejection is raised as an uncaught exception, which the harness's
  // capture callback sees first (a program's 'unhandledRejection' listener cannot swallow a failed
  // assertion in an async test). `run` jobs keep node's default.
  const rejections = job.kind === 'run' ? [] : ['--unhandled-rejections=strict'];
  const nodeArgs = [`--max-old-space-size=${lim.memoryMb}`, '--no-warnings', ...rejections, ...permissionFlags(), opts.harness];
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
      // No /proc where a nonce is at stake: /proc/self/mem (or /proc/1/mem from a child) would let
      // the program read it from the harness's memory. `run` jobs (stdio tests) carry none.
      ...(job.kind === 'run' ? [] : ['-P']),
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
      const { events: parsed, done } = parseHarnessLines(events, nonce);
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
