/**
 * HumanEval (Python) and HumanEval-X (JavaScript) records.
 *
 * HumanEval: program = prompt + completion + test + `check(entry_point)`; the completion continues
 * the prompt, as the canonical solution does. HumanEval-X JavaScript: program = prompt +
 * completion + test; its tests call console.assert, which prints instead of throwing, so a run
 * passes only when it prints nothing (`silentPass`).
 */
import { z } from 'zod';
import type { Task } from '../types.js';
import type { SourceRecord } from '../read.js';
import { checkUniqueIds, fieldError, parseRecord } from '../fields.js';

/** Stop sequences the Codex paper used for HumanEval. */
export const HUMANEVAL_STOP = ['\nclass', '\ndef', '\n#', '\nif', '\nprint'];
/** Stop sequences for JavaScript function completions (as MultiPL-E uses). */
export const JAVASCRIPT_STOP = ['\nfunction ', '\n/*', '\n//', '\nconsole.log'];

const humanEvalSchema = z.looseObject({
  task_id: z.string().min(1),
  prompt: z.string(),
  entry_point: z.string().min(1),
  canonical_solution: z.string().optional(),
  test: z.string().min(1),
});

export function humanEvalTasks(records: SourceRecord[]): Task[] {
  const tasks = records.map((rec): Task => {
    const r = parseRecord(humanEvalSchema, rec, 'HumanEval');
    if (!/\bdef\s+check\s*\(/.test(r.test)) throw fieldError(rec, 'test', 'does not define check(candidate)', 'HumanEval');
    return {
      id: r.task_id,
      source: 'humaneval',
      language: 'python',
      prompt: r.prompt,
      completionMode: 'continue',
      entryPoint: r.entry_point,
      ...(r.canonical_solution !== undefined ? { reference: r.canonical_solution } : {}),
      tests: { kind: 'check', code: r.test, entryPoint: r.entry_point },
      stop: HUMANEVAL_STOP,
    };
  });
  checkUniqueIds(tasks.map((t, i) => ({ id: t.id, rec: records[i]! })));
  return tasks;
}

const humanEvalXSchema = z.looseObject({
  task_id: z.string().regex(/^[A-Za-z+#]+\/\d+$/, 'expected "<Language>/<number>", e.g. "JavaScript/0"'),
  prompt: z.string(),
  canonical_solution: z.string().optional(),
  test: z.string().min(1),
  declaration: z.string().optional(),
  example_test: z.string().optional(),
});

/** Name of the function a JavaScript prompt declares last (`const f = (` or `function f(`). */
export function javascriptEntryPoint(prompt: string): string | undefined {
  let name: string | undefined;
  for (const m of prompt.matchAll(/(?:\bconst\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:\(|function\b|[A-Za-z_$][\w$]*\s*=>))|(?:\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\()/g)) {
    name = m[1] ?? m[2];
  }
  return name;
}

export function humanEvalXTasks(records: SourceRecord[]): Task[] {
  const tasks = records.map((rec): Task => {
    const r = parseRecord(humanEvalXSchema, rec, 'HumanEval-X');
    const language = r.task_id.split('/')[0]!;
    if (language !== 'JavaScript') {
      throw fieldError(rec, 'task_id', `HumanEval-X language '${language}' is not supported (JavaScript only; load Python as HumanEval)`, 'HumanEval-X');
    }
    const entryPoint = javascriptEntryPoint(r.prompt);
    const meta: Record<string, unknown> = {};
    if (r.declaration !== undefined) meta.declaration = r.declaration;
    if (r.example_test !== undefined) meta.exampleTest = r.example_test;
    return {
      id: r.task_id,
      source: 'humaneval-x',
      language: 'javascript',
      prompt: r.prompt,
      completionMode: 'continue',
      ...(entryPoint ? { entryPoint } : {}),
      ...(r.canonical_solution !== undefined ? { reference: r.canonical_solution } : {}),
      tests: { kind: 'script', code: '\n' + r.test, silentPass: true },
      stop: JAVASCRIPT_STOP,
      meta,
    };
  });
  checkUniqueIds(tasks.map((t, i) => ({ id: t.id, rec: records[i]! })));
  return tasks;
}
