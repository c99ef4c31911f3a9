/**
 * MultiPL-E JavaScript records (HumanEval/MBPP translated): name, language, prompt, tests,
 * stop_tokens. Program = prompt + completion + tests; the tests use node:assert and throw.
 * MultiPL-E has no reference solutions.
 */
import { z } from 'zod';
import type { Task } from '../types.js';
import type { SourceRecord } from '../read.js';
import { checkUniqueIds, fieldError, parseRecord } from '../fields.js';
import { JAVASCRIPT_STOP, javascriptEntryPoint } from './humaneval.js';

const schema = z.looseObject({
  name: z.string().min(1),
  language: z.string(),
  prompt: z.string(),
  tests: z.string().min(1),
  stop_tokens: z.array(z.string()).optional(),
  doctests: z.string().optional(),
  original: z.string().optional(),
});

export function multiplETasks(records: SourceRecord[]): Task[] {
  const tasks = records.map((rec): Task => {
    const r = parseRecord(schema, rec, 'MultiPL-E');
    if (r.language !== 'js' && r.language !== 'javascript') {
      throw fieldError(rec, 'language', `'${r.language}' is not supported (only "js")`, 'MultiPL-E');
    }
    const entryPoint = javascriptEntryPoint(r.prompt);
    const meta: Record<string, unknown> = {};
    // "HumanEval_0_has_close_elements" is HumanEval/0; samples may use either name.
    const m = /^(HumanEval|mbpp)_(\d+)_/i.exec(r.name);
    if (m) meta.aliases = [`${m[1]}/${m[2]}`];
    if (r.doctests !== undefined) meta.doctests = r.doctests;
    if (r.original !== undefined) meta.original = r.original;
    return {
      id: r.name,
      source: 'multipl-e',
      language: 'javascript',
      prompt: r.prompt,
      completionMode: 'continue',
      ...(entryPoint ? { entryPoint } : {}),
      tests: { kind: 'script', code: r.tests.startsWith('\n') ? r.tests : '\n' + r.tests },
      stop: r.stop_tokens ?? JAVASCRIPT_STOP,
      meta,
    };
  });
  checkUniqueIds(tasks.map((t, i) => ({ id: t.id, rec: records[i]! })));
  return tasks;
}
