/**
 * `loadTasks(path)`: every supported benchmark format, detected from the content (gzip by its magic
 * bytes, JSON Lines vs one JSON document, and the fields of the first record), or forced with
 * `format`.
 */
import { stat } from 'node:fs/promises';
import type { Task } from './types.js';
import { TaskFormatError, readRecords, type SourceRecord } from './read.js';
import { humanEvalTasks, humanEvalXTasks } from './formats/humaneval.js';
import { mbppSanitizedTasks, mbppTasks } from './formats/mbpp.js';
import { appsJsonlTasks, appsTreeTasks, isAppsTree } from './formats/apps.js';
import { multiplETasks } from './formats/multipl-e.js';

export const TASK_FORMATS = ['humaneval', 'humaneval-x', 'mbpp', 'mbpp-sanitized', 'apps', 'multipl-e'] as const;
export type TaskFormat = (typeof TASK_FORMATS)[number];

export interface LoadTasksOptions {
  /** Skip detection. */
  format?: TaskFormat;
  /** Non-fatal notes (e.g. APPS problems without tests, skipped). Default: printed to stderr. */
  onWarning?: (message: string) => void;
}

function has(o: Record<string, unknown>, ...keys: string[]): boolean {
  return keys.every((k) => k in o);
}

/** The format of one record, from its fields; undefined when it matches none. */
export function formatOfRecord(value: unknown): TaskFormat | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (has(o, 'name', 'language', 'tests')) return 'multipl-e';
  if (has(o, 'problem_id') || has(o, 'question', 'input_output')) return 'apps';
  if (has(o, 'test_list')) return has(o, 'text') || has(o, 'verdict_task') ? 'mbpp' : 'mbpp-sanitized';
  if (has(o, 'task_id', 'test')) {
    const id = typeof o.task_id === 'string' ? o.task_id : '';
    if (id.startsWith('HumanEval/') || (has(o, 'entry_point') && !has(o, 'declaration'))) return 'humaneval';
    return 'humaneval-x';
  }
  return undefined;
}

const EXPECTED =
  'HumanEval {task_id, prompt, test, entry_point}, HumanEval-X {task_id "JavaScript/N", prompt, test}, ' +
  'MBPP {task_id, text, code, test_list}, sanitized MBPP {task_id, prompt, code, test_list}, ' +
  'APPS {problem_id, question, input_output}, MultiPL-E {name, language, prompt, tests}';

function detectFromRecords(records: SourceRecord[], file: string): TaskFormat {
  const first = records[0];
  if (!first) throw new TaskFormatError(`${file}: no records (empty file)`, file);
  const format = formatOfRecord(first.value);
  if (format) return format;
  const fields =
    first.value && typeof first.value === 'object' && !Array.isArray(first.value)
      ? `fields ${Object.keys(first.value).join(', ') || '(none)'}`
      : 'not a JSON object';
  throw new TaskFormatError(
    `${first.where}: cannot tell the benchmark format (first record has ${fields}); expected one of ${EXPECTED}, or pass a format explicitly`,
    file,
    first.line,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    throw new TaskFormatError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
}

/** Detects the benchmark format of a file or folder. */
export async function detectFormat(path: string): Promise<TaskFormat> {
  if (await isDirectory(path)) {
    if (await isAppsTree(path)) return 'apps';
    throw new TaskFormatError(`${path}: a folder, but not an APPS tree (no problem folders with question.txt)`, path);
  }
  return detectFromRecords(await readRecords(path), path);
}

/** Loads every task of a benchmark file or folder (HumanEval, HumanEval-X, MBPP, sanitized MBPP, APPS, MultiPL-E). */
export async function loadTasks(path: string, opts: LoadTasksOptions = {}): Promise<Task[]> {
  const onWarning = opts.onWarning ?? ((m: string) => process.stderr.write(`verdict: warning: ${m}\n`));
  if (opts.format !== undefined && !(TASK_FORMATS as readonly string[]).includes(opts.format)) {
    throw new TaskFormatError(`unknown format '${opts.format}' (one of ${TASK_FORMATS.join(', ')})`, path);
  }
  if (await isDirectory(path)) {
    if (opts.format !== undefined && opts.format !== 'apps') {
      throw new TaskFormatError(`${path}: a folder; only the APPS format is a folder tree`, path);
    }
    if (!(await isAppsTree(path))) {
      throw new TaskFormatError(`${path}: a folder, but not an APPS tree (no problem folders with question.txt)`, path);
    }
    return appsTreeTasks(path, onWarning);
  }
  const records = await readRecords(path);
  const format = opts.format ?? detectFromRecords(records, path);
  switch (format) {
    case 'humaneval':
      return humanEvalTasks(records);
    case 'humaneval-x':
      return humanEvalXTasks(records);
    case 'mbpp':
      return mbppTasks(records);
    case 'mbpp-sanitized':
      return mbppSanitizedTasks(records);
    case 'apps':
      return appsJsonlTasks(records, onWarning);
    case 'multipl-e':
      return multiplETasks(records);
  }
}
