/**
 * Execution rewards: pure functions of a Verdict (REFERENCE.md section 1a).
 *
 * Every function returns a RewardResult; `skip: true` (score null) means the sample must not be
 * learned from: a `sandbox_error` is our fault, not the model's.
 */
import type { Verdict, VerdictStatus } from '../exec/types.js';

export interface RewardResult {
  /** Scalar reward; null when the sample must be skipped. */
  score: number | null;
  /** Learners must leave the sample out (sandbox_error). */
  skip: boolean;
  /** Named parts, logged separately. */
  components: Record<string, number | null>;
  reason?: string;
}

function skipped(reason: string): RewardResult {
  return { score: null, skip: true, components: {}, reason };
}

export interface BinaryConfig {
  pass: number;
  fail: number;
}
export const BINARY_DEFAULTS: BinaryConfig = { pass: 1, fail: 0 };

/** 1 when every test passes, else 0 (the objective R of REFERENCE 1a). */
export function binaryReward(verdict: Verdict, config: Partial<BinaryConfig> = {}): RewardResult {
  const c = { ...BINARY_DEFAULTS, ...config };
  if (verdict.status === 'sandbox_error') return skipped('sandbox_error');
  const score = verdict.status === 'passed' ? c.pass : c.fail;
  return { score, skip: false, components: { binary: score } };
}

/** Share of the verdict's tests that passed (a `passed` verdict is 1 even with no per-test entries). */
export function passRatio(verdict: Verdict): number {
  if (verdict.status === 'passed') return 1;
  if (!verdict.tests.length) return 0;
  return verdict.tests.filter((t) => t.status === 'passed').length / verdict.tests.length;
}

export function passFractionReward(verdict: Verdict): RewardResult {
  if (verdict.status === 'sandbox_error') return skipped('sandbox_error');
  const score = passRatio(verdict);
  return { score, skip: false, components: { passFraction: score } };
}

/** Outcome classes of CodeRL/RLTF. */
export type ErrorClass = 'syntax' | 'runtime' | 'failed' | 'passed';

/**
 * How each verdict status is classed. CodeRL and RLTF judge with the APPS harness, where a timeout
 * (its TimeoutException) and every exception a program raises, MemoryError included, give result -1,
 * "runtime error"; only a SyntaxError at compile time gives -2. So timeout, memory_exceeded and
 * output_exceeded (the program was killed while running) are `runtime`.
 */
export const STATUS_CLASS: Record<Exclude<VerdictStatus, 'sandbox_error'>, ErrorClass> = {
  passed: 'passed',
  failed: 'failed',
  syntax_error: 'syntax',
  runtime_error: 'runtime',
  timeout: 'runtime',
  memory_exceeded: 'runtime',
  output_exceeded: 'runtime',
};

export interface ErrorTypeConfig {
  syntax: number;
  runtime: number;
  failed: number;
  passed: number;
}
/** CodeRL / RLTF values. */
export const ERROR_TYPE_DEFAULTS: ErrorTypeConfig = { syntax: -1, runtime: -0.6, failed: -0.3, passed: 1 };

export function errorTypeReward(verdict: Verdict, config: Partial<ErrorTypeConfig> = {}): RewardResult {
  if (verdict.status === 'sandbox_error') return skipped('sandbox_error');
  const c = { ...ERROR_TYPE_DEFAULTS, ...config };
  const cls = STATUS_CLASS[verdict.status];
  const score = c[cls];
  return { score, skip: false, components: { errorType: score } };
}

export interface AdaptiveConfig extends ErrorTypeConfig {
  /** For failing tests: base + scale * pass ratio (RLTF: -0.3 + 1.3 x). */
  failedBase: number;
  failedScale: number;
}
export const ADAPTIVE_DEFAULTS: AdaptiveConfig = { ...ERROR_TYPE_DEFAULTS, failedBase: -0.3, failedScale: 1.3 };

/** RLTF adaptive feedback: error-type reward, with failing tests scored by their pass ratio. */
export function adaptiveReward(verdict: Verdict, config: Partial<AdaptiveConfig> = {}): RewardResult {
  if (verdict.status === 'sandbox_error') return skipped('sandbox_error');
  const c = { ...ADAPTIVE_DEFAULTS, ...config };
  const cls = STATUS_CLASS[verdict.status];
  const ratio = passRatio(verdict);
  const score = cls === 'failed' ? c.failedBase + c.failedScale * ratio : c[cls];
  return { score, skip: false, components: { adaptive: score, passRatio: ratio } };
}

export interface CompileConfig {
  compiles: number;
  fails: number;
}
export const COMPILE_DEFAULTS: CompileConfig = { compiles: 1, fails: -1 };

/**
 * PPOCoder's compile reward: +1 when the program compiles, -1 when not. `compiled` comes from the
 * real compiler in the sandbox (`compile()` / `node --check`); a Verdict also answers it: anything
 * but syntax_error got past the compiler.
 */
export function compileReward(compiled: boolean | Verdict, config: Partial<CompileConfig> = {}): RewardResult {
  const c = { ...COMPILE_DEFAULTS, ...config };
  if (typeof compiled !== 'boolean') {
    if (compiled.status === 'sandbox_error') return skipped('sandbox_error');
    compiled = compiled.status !== 'syntax_error';
  }
  const score = compiled ? c.compiles : c.fails;
  return { score, skip: false, components: { compile: score } };
}
