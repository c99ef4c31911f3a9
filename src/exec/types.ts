/**
 * Execution contracts: limits, raw run results and verdicts.
 * (Implementation lives beside this file; everything downstream -- rewards, learn, eval, serve --
 * programs against these types only.)
 */
import type { Language, Task } from '../tasks/types.js';

/** Resource limits for one program run. All optional in requests; defaults in DEFAULT_LIMITS. */
export interface Limits {
  /** CPU time, milliseconds (RLIMIT_CPU granularity is 1 s; enforced more finely by the supervisor). */
  cpuMs: number;
  /** Wall-clock time, milliseconds. */
  wallMs: number;
  /** Address space / memory, MiB. */
  memoryMb: number;
  /** Processes (threads included) the program may have at once. */
  processes: number;
  /** Bytes kept of stdout and of stderr each; more is `output_exceeded`. */
  outputBytes: number;
  /** Largest file the program may write, bytes. */
  fileSizeBytes: number;
  /** Open file descriptors. */
  openFiles: number;
}

export const DEFAULT_LIMITS: Limits = {
  cpuMs: 5_000,
  wallMs: 10_000,
  memoryMb: 512,
  processes: 32,
  outputBytes: 1 << 20,
  fileSizeBytes: 1 << 20,
  openFiles: 64,
};

/** Outcome of running one program once (`verdict run`, SandboxFusion /run_code). */
export type RunStatus =
  | 'ok'
  | 'syntax_error'
  | 'runtime_error'
  | 'timeout'
  | 'memory_exceeded'
  | 'output_exceeded'
  | 'sandbox_error';

export interface RunResult {
  status: RunStatus;
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  time_ms: number;
  memory_kb: number;
}

export interface RunRequest {
  language: Language;
  code: string;
  /** Given stdin; absent = empty (immediate EOF). */
  stdin?: string;
  limits?: Partial<Limits>;
}

/** The judged outcome of a sample against its task's tests. */
export type VerdictStatus =
  | 'passed'
  | 'failed'
  | 'syntax_error'
  | 'runtime_error'
  | 'timeout'
  | 'memory_exceeded'
  | 'output_exceeded'
  | 'sandbox_error';

export const VERDICT_STATUSES: readonly VerdictStatus[] = [
  'passed',
  'failed',
  'syntax_error',
  'runtime_error',
  'timeout',
  'memory_exceeded',
  'output_exceeded',
  'sandbox_error',
];

/** A value returned by the call under test, for verifiers (LEVER writes `# return: (int)=5`). */
export interface ReturnedValue {
  type: string;
  /** repr() / util.inspect, truncated. */
  repr: string;
}

export interface TestOutcome {
  /** Index into the task's tests (asserts, cases). */
  index: number;
  status: VerdictStatus;
  /** Failure or error message, truncated. */
  message?: string;
  /** Exception type for runtime errors ("IndexError", "TypeError", ...). */
  errorType?: string;
  /** What the call under test returned (MBPP asserts, call-based tests), when it returned. */
  returned?: ReturnedValue;
  timeMs?: number;
}

export interface Verdict {
  status: VerdictStatus;
  /** Index of the first failing test, for `failed` and errors raised inside a test. */
  failedTest?: number;
  /** Exception type for runtime_error (e.g. "ZeroDivisionError"), "SyntaxError"/"IndentationError" for syntax_error. */
  errorType?: string;
  /**
   * 1-based line in the *completion* text (the sample) where the error was raised or the syntax
   * error located; absent when the error is not inside the completion.
   */
  errorLine?: number;
  /** True when a syntax error is at end of input (unexpected EOF): the whole sequence is to blame. */
  errorAtEnd?: boolean;
  /** Human-readable reason, truncated (human-eval's "failed: <message>"). */
  message?: string;
  /** Per-test outcomes where tests are separate (MBPP asserts, APPS cases); otherwise one entry. */
  tests: TestOutcome[];
  timeMs: number;
  memoryKb: number;
  /** Served from the content-addressed cache. */
  cached?: boolean;
}

/** One judging request. */
export interface ExecRequest {
  task: Task;
  completion: string;
  limits?: Partial<Limits>;
}

/** What every executor offers (the sandbox pool, and fakes in tests). */
export interface Executor {
  /** Judge one sample. Never rejects for the model's faults; our faults become `sandbox_error` after retries. */
  judge(req: ExecRequest): Promise<Verdict>;
  /** Run one program once, with stdin. */
  run(req: RunRequest): Promise<RunResult>;
  /** Stop every worker; pending requests settle as sandbox_error. */
  close(): Promise<void>;
}
