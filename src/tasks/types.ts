/**
 * The task model shared by every part of Verdict.
 *
 * A Task is one programming problem: what the model is shown (`prompt`), how a completion becomes
 * a program (`completionMode`), and how the program is judged (`tests`). Loaders for every
 * benchmark format produce Tasks; the sandbox turns (Task, completion) into a Verdict.
 */

export type Language = 'python' | 'javascript';

/** One stdin/stdout case (APPS standard-input problems). */
export interface StdioCase {
  input: string;
  output: string;
}

/** One call-based case (APPS `fn_name` problems): call with `args`, compare the return value. */
export interface CallCase {
  args: unknown[];
  expected: unknown;
}

/**
 * How a program is judged.
 * - `check`:   HumanEval. `code` defines `check(candidate)`; the harness calls `check(<entryPoint>)`.
 * - `asserts`: MBPP. `setup` runs first, then each assert statement separately (per-test outcomes);
 *              `imports` (sanitized MBPP `test_imports`) run before the program.
 * - `script`:  JavaScript test code appended to the program (HumanEval-X, MultiPL-E).
 *              `silentPass`: HumanEval-X uses console.assert, which does not throw, so a run
 *              passes only when it writes nothing to stdout or stderr.
 * - `stdio`:   APPS standard-input problems: run the program once per case, compare stdout.
 * - `call`:    APPS call-based problems: call `fnName` with the arguments, compare type-strictly.
 */
export type TestSpec =
  | { kind: 'check'; code: string; entryPoint: string }
  | { kind: 'asserts'; asserts: string[]; setup?: string; imports?: string[] }
  | { kind: 'script'; code: string; silentPass?: boolean }
  | { kind: 'stdio'; cases: StdioCase[] }
  | { kind: 'call'; fnName: string; cases: CallCase[] };

export interface Task {
  /** Benchmark id, e.g. "HumanEval/0", "mbpp/11", "apps/0042", "JavaScript/3". */
  id: string;
  /** Which loader produced it: "humaneval", "mbpp", "mbpp-sanitized", "apps", "humaneval-x", "multipl-e", "builtin". */
  source: string;
  language: Language;
  /** Natural-language description, when the format has one apart from the prompt. */
  description?: string;
  /** What the policy is shown. */
  prompt: string;
  /**
   * `continue`: the completion continues `prompt` (HumanEval, HumanEval-X, MultiPL-E, builtin): program = prompt + completion.
   * `whole`:    the completion is the whole program (MBPP, APPS).
   */
  completionMode: 'continue' | 'whole';
  /** Function under test, when there is one. */
  entryPoint?: string;
  /** A known-correct completion in the same mode as samples (canonical solution / reference code). */
  reference?: string;
  tests: TestSpec;
  /** Stop strings for sampling (MultiPL-E stop_tokens, HumanEval's usual ones). */
  stop?: string[];
  /** Anything else the source carries (difficulty, url, split, family ...). */
  meta?: Record<string, unknown>;
}

/** A sample to be judged: JSONL `{task_id, completion}` as in human-eval. */
export interface Sample {
  task_id: string;
  completion: string;
  [extra: string]: unknown;
}

/** The full program text for a task and completion (before any harness is added). */
export function programFor(task: Task, completion: string): string {
  return task.completionMode === 'continue' ? task.prompt + completion : completion;
}
