/**
 * A fake Executor for server tests: it never runs anything. Outcomes come from a lookup table
 * keyed by the program text (or completion), so tests can ask for any verdict; `gate` lets a test
 * hold programs "running" until it releases them (queue-full and graceful-shutdown paths).
 */
import type { ExecRequest, Executor, RunRequest, RunResult, Verdict, VerdictStatus } from '../../src/exec/types.js';

export interface FakeExecutor extends Executor {
  judged: ExecRequest[];
  ran: RunRequest[];
  /** While set, every judge/run waits for it. */
  gate?: Promise<void>;
  /** Programs currently inside judge/run. */
  active: number;
}

const RUNS: Record<string, RunResult> = {
  'print("hi")': { status: 'ok', exit_code: 0, signal: null, stdout: 'hi\n', stderr: '', time_ms: 12, memory_kb: 9000 },
  'raise SystemExit(3)': { status: 'runtime_error', exit_code: 3, signal: null, stdout: '', stderr: '', time_ms: 10, memory_kb: 9000 },
  'while True: pass': { status: 'timeout', exit_code: null, signal: 'SIGKILL', stdout: '', stderr: '', time_ms: 1000, memory_kb: 9000 },
  'console.log(1)': { status: 'ok', exit_code: 0, signal: null, stdout: '1\n', stderr: '', time_ms: 30, memory_kb: 30000 },
  'BROKEN SANDBOX': { status: 'sandbox_error', exit_code: null, signal: null, stdout: '', stderr: 'worker died', time_ms: 0, memory_kb: 0 },
};

/** Completion text (trimmed) -> verdict status. */
const JUDGED: Record<string, VerdictStatus> = {
  'def f(x): return x + 1': 'passed',
  'def f(x): return x': 'failed',
  'def f(x) return': 'syntax_error',
  'def f(x): return 1/0': 'runtime_error',
  'def f(x):\n    while True: pass': 'timeout',
  'return x + 1': 'passed',
  'return x': 'failed',
};

export function fakeExecutor(): FakeExecutor {
  const ex: FakeExecutor = {
    judged: [],
    ran: [],
    active: 0,
    async judge(req) {
      ex.judged.push(req);
      ex.active++;
      try {
        if (ex.gate) await ex.gate;
        const key = req.completion.trim();
        const status = JUDGED[key];
        if (!status) throw new Error(`fake executor: no outcome for completion ${JSON.stringify(key)}`);
        const nTests = req.task.tests.kind === 'asserts' ? req.task.tests.asserts.length : 1;
        const tests = Array.from({ length: nTests }, (_, index) => ({
          index,
          status: status === 'failed' && index > 0 ? ('passed' as const) : status,
        }));
        const v: Verdict = { status, tests, timeMs: 5, memoryKb: 1000 };
        if (status !== 'passed') v.failedTest = 0;
        return v;
      } finally {
        ex.active--;
      }
    },
    async run(req) {
      ex.ran.push(req);
      ex.active++;
      try {
        if (ex.gate) await ex.gate;
        const r = RUNS[req.code];
        if (!r) throw new Error(`fake executor: no outcome for program ${JSON.stringify(req.code)}`);
        return { ...r, stdout: req.stdin ? req.stdin.toUpperCase() : r.stdout };
      } finally {
        ex.active--;
      }
    },
    async close() {},
  };
  return ex;
}
