/**
 * Turning what a worker reports about one process (exit, signal, output, harness events) into a
 * RunResult or a Verdict. Shared by the Python forkserver and the one-shot JavaScript runner.
 */
import { constants } from 'node:os';
import type { Limits, ReturnedValue, RunResult, RunStatus, TestOutcome, Verdict, VerdictStatus } from './types.js';

/** One harness event (see runtime/forkserver.py and runtime/harness.cjs). */
export interface HarnessEvent {
  k: 'syntax' | 'error' | 'test' | 'exit';
  s?: VerdictStatus;
  i?: number;
  etype?: string;
  msg?: string;
  line?: number;
  atEnd?: boolean;
  ret?: ReturnedValue;
  ms?: number;
  code?: string;
}

/** What a worker reports about one program run. */
export interface RawResult {
  exit: number | null;
  signal: number | null;
  wallMs: number;
  cpuMs: number;
  maxrssKb: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
  events: HarnessEvent[];
  /** The harness wrote this run's completion proof after the last test. */
  done: boolean;
  sandboxError?: string;
}

const SIGNAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants.signals).map(([name, n]) => [n, name]),
);
export const signalName = (n: number | null): string | null => (n === null ? null : (SIGNAL_NAMES[n] ?? `SIG${n}`));

const MEMORY_TEXT = /MemoryError|heap out of memory|Allocation failed|Cannot allocate memory|std::bad_alloc/;

/** The process-level outcome, before looking at tests: a status, or null when it ran normally. */
function processStatus(r: RawResult, limits: Limits): { status: RunStatus; message: string } | null {
  if (r.sandboxError !== undefined) return { status: 'sandbox_error', message: r.sandboxError };
  if (r.stdoutBytes > limits.outputBytes || r.stderrBytes > limits.outputBytes) {
    return { status: 'output_exceeded', message: `output exceeded ${limits.outputBytes} bytes` };
  }
  const sig = signalName(r.signal);
  // RLIMIT_CPU works in whole seconds and its accounting differs a little from rusage's.
  // (rusage can read a little low under contention; a CPU-limit kill cannot come before that much wall time.)
  const rlimitMs = Math.ceil(limits.cpuMs / 1000) * 1000;
  const cpuHit = r.cpuMs >= 0.9 * rlimitMs || r.wallMs >= 0.95 * rlimitMs || sig === 'SIGXCPU';
  if (r.timedOut || (sig !== null && cpuHit && (sig === 'SIGKILL' || sig === 'SIGXCPU'))) {
    return { status: 'timeout', message: r.timedOut ? `wall time limit ${limits.wallMs} ms` : `CPU time limit ${limits.cpuMs} ms` };
  }
  if (sig === 'SIGXFSZ') return { status: 'runtime_error', message: `file size limit ${limits.fileSizeBytes} bytes exceeded` };
  if (r.events.some((e) => e.s === 'memory_exceeded') || r.exit === 99 || (r.exit !== 0 && MEMORY_TEXT.test(r.stderr.slice(-4000)))) {
    return { status: 'memory_exceeded', message: `memory limit ${limits.memoryMb} MiB` };
  }
  return null;
}

/** `verdict run` / SandboxFusion: one program, no tests. */
/**
 * Harness events from the JSON lines a harness wrote. Every line the harness writes starts with the
 * job's nonce; lines without it (a program, or a child of it, writing to the results channel) are
 * dropped. The run is complete only when the last authenticated line is `{"k":"done"}`. The Python
 * supervisor (forkjob.c) has already checked and stripped the nonce: its lines come with nonce ''.
 */
export function parseHarnessLines(text: string, nonce: string): { events: HarnessEvent[]; done: boolean } {
  const events: HarnessEvent[] = [];
  let done = false;
  for (const line of text.split('\n')) {
    if (line === '' || !line.startsWith(nonce)) continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line.slice(nonce.length));
    } catch {
      continue; // cut off by the output cap
    }
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) continue;
    done = (ev as { k?: unknown }).k === 'done';
    if (!done) events.push(ev as HarnessEvent);
  }
  return { events, done };
}

export function toRunResult(r: RawResult, limits: Limits): RunResult {
  const base = {
    exit_code: r.exit,
    signal: signalName(r.signal),
    stdout: r.stdout,
    stderr: r.stderr,
    time_ms: Math.round(r.wallMs * 1000) / 1000,
    memory_kb: r.maxrssKb,
  };
  const p = processStatus(r, limits);
  if (p) return { status: p.status, ...base, stderr: r.stderr || (p.status === 'sandbox_error' ? p.message : '') };
  if (r.events.some((e) => e.k === 'syntax')) return { status: 'syntax_error', ...base };
  if (r.exit !== 0) return { status: 'runtime_error', ...base };
  return { status: 'ok', ...base };
}

/** Shift an error line from program coordinates to completion coordinates. */
export interface LineMap {
  /** Lines before the completion (continue mode: the prompt's; 0 for whole programs). */
  offset: number;
  /** Lines in the completion. */
  lines: number;
}

function mapLine(line: number | undefined, map: LineMap | undefined): number | undefined {
  if (line === undefined) return undefined;
  if (!map) return line;
  const l = line - map.offset;
  return l >= 1 && l <= map.lines ? l : undefined;
}

/**
 * Verdict for one run of a harnessed program (check, asserts, call, script).
 * `expectedTests` is how many test outcomes a complete run reports.
 */
export function toVerdict(r: RawResult, limits: Limits, expectedTests: number, silentPass = false): Verdict {
  const tests: TestOutcome[] = [];
  for (const e of r.events) {
    if (e.k !== 'test' || e.i === undefined || e.s === undefined) continue;
    const t: TestOutcome = { index: e.i, status: e.s };
    if (e.msg) t.message = e.msg;
    if (e.etype && e.s !== 'passed') t.errorType = e.etype;
    if (e.ret) t.returned = e.ret;
    if (e.ms !== undefined) t.timeMs = Math.round(e.ms * 1000) / 1000;
    tests.push(t);
  }
  const v: Verdict = { status: 'passed', tests, timeMs: Math.round(r.wallMs * 1000) / 1000, memoryKb: r.maxrssKb };
  const p = processStatus(r, limits);
  const syntax = r.events.find((e) => e.k === 'syntax');
  const error = r.events.find((e) => e.k === 'error');
  const failing = tests.find((t) => t.status !== 'passed');
  if (p && !(failing && p.status === 'memory_exceeded')) {
    v.status = p.status as VerdictStatus;
    v.message = p.message;
    if (p.status === 'timeout' || p.status === 'memory_exceeded' || p.status === 'output_exceeded') {
      const running = tests.length;
      if (running < expectedTests && !failing) {
        tests.push({ index: running, status: p.status });
        v.failedTest = running;
      } else if (failing) v.failedTest = failing.index;
    }
    return v;
  }
  if (syntax) {
    v.status = 'syntax_error';
    v.errorType = syntax.etype ?? 'SyntaxError';
    if (syntax.line !== undefined) v.errorLine = syntax.line;
    if (syntax.atEnd) v.errorAtEnd = true;
    v.message = syntax.msg;
    return v;
  }
  if (error) {
    v.status = error.s ?? 'runtime_error';
    if (error.etype) v.errorType = error.etype;
    if (error.line !== undefined) v.errorLine = error.line;
    v.message = error.msg;
    return v;
  }
  if (failing) {
    v.status = failing.status;
    v.failedTest = failing.index;
    v.message = failing.message;
    if (failing.status === 'runtime_error') {
      v.errorType = failing.errorType;
      const ev = r.events.find((e) => e.k === 'test' && e.i === failing.index);
      if (ev?.line !== undefined) v.errorLine = ev.line;
    }
    return v;
  }
  const exited = r.events.find((e) => e.k === 'exit');
  if (!r.done || tests.length < expectedTests || r.exit !== 0) {
    v.status = r.signal !== null ? 'runtime_error' : 'failed';
    v.message = exited
      ? `the program exited (SystemExit ${exited.code}) before the tests finished`
      : r.signal !== null
        ? `killed by ${signalName(r.signal)} before the tests finished`
        : r.done
          ? `exit status ${r.exit} after the tests`
          : `the program exited (status ${r.exit}) before the tests finished`;
    if (tests.length < expectedTests) v.failedTest = tests.length;
    return v;
  }
  if (silentPass && (r.stdout.trim() !== '' || r.stderr.trim() !== '')) {
    v.status = 'failed';
    v.failedTest = 0;
    if (tests[0]) tests[0].status = 'failed';
    v.message = `printed output (assertion failure): ${(r.stderr.trim() || r.stdout.trim()).slice(0, 200)}`;
    return v;
  }
  return v;
}

/** APPS-style stdout comparison: per line, trailing whitespace ignored; trailing blank lines ignored. */
export function sameOutput(actual: string, expected: string): boolean {
  const norm = (s: string) => {
    const lines = s.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd());
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines;
  };
  const a = norm(actual);
  const b = norm(expected);
  if (a.length === b.length && a.every((l, i) => l === b[i])) return true;
  // Some APPS answers differ only in whitespace between tokens.
  const ta = actual.trim().split(/\s+/);
  const tb = expected.trim().split(/\s+/);
  return ta.length === tb.length && ta.every((t, i) => t === tb[i]);
}

/** Verdict for one stdio case run (status from the process, then stdout compared). */
export function stdioOutcome(r: RawResult, limits: Limits, expected: string, index: number, map: LineMap): TestOutcome & { line?: number } {
  const run = toRunResult(r, limits);
  const t: TestOutcome & { line?: number } = { index, status: 'passed', timeMs: run.time_ms };
  if (run.status === 'ok') {
    if (!sameOutput(run.stdout, expected)) {
      t.status = 'failed';
      t.message = `expected ${JSON.stringify(expected.slice(0, 100))}, got ${JSON.stringify(run.stdout.slice(0, 100))}`;
    }
    return t;
  }
  const ev = r.events.find((e) => e.k === 'syntax' || e.k === 'error');
  t.status = run.status as VerdictStatus;
  if (ev?.etype) t.errorType = ev.etype;
  t.message = ev?.msg ?? (run.stderr.trim().split('\n').pop() || run.status).slice(0, 300);
  const line = mapLine(ev?.line, map);
  if (line !== undefined) t.line = line;
  return t;
}
