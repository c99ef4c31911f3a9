/**
 * MBPP (JSONL: text, code, task_id, test_setup_code, test_list, challenge_test_list), sanitized MBPP
 * (JSON array: source_file, task_id, prompt, code, test_imports, test_list), and the MBPP-style
 * JSONL Verdict writes (`writeMbppJsonl`, e.g. `verdict tasks builtin --out`), which carries the
 * full task in an extra `verdict_task` field so that nothing is lost on the way back.
 *
 * The completion is the whole program (as the reference `code` is). The prompt is the description
 * and the first test in a docstring, so that the model sees the function name and signature.
 */
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { Task, TestSpec } from '../types.js';
import type { SourceRecord } from '../read.js';
import { checkUniqueIds, fieldError, parseRecord } from '../fields.js';

/** MBPP's split by task_id (Austin et al. 2021). */
export function mbppSplit(taskId: number): 'prompt' | 'test' | 'validation' | 'train' | undefined {
  if (taskId >= 1 && taskId <= 10) return 'prompt';
  if (taskId >= 11 && taskId <= 510) return 'test';
  if (taskId >= 511 && taskId <= 600) return 'validation';
  if (taskId >= 601 && taskId <= 974) return 'train';
  return undefined;
}

/** The prompt shown to the policy: description plus one example test, as a docstring. */
export function mbppPrompt(description: string, firstTest: string | undefined): string {
  return `"""\n${description.trim()}\n${firstTest ? firstTest.trim() + '\n' : ''}"""\n`;
}

/** The function under test: the defined function the first test calls, else the first defined one. */
export function mbppEntryPoint(code: string, tests: string[]): string | undefined {
  const defined = [...code.matchAll(/^\s*def\s+([A-Za-z_]\w*)\s*\(/gm)].map((m) => m[1]!);
  const firstTest = tests[0] ?? '';
  const called = defined.find((name) => new RegExp(`\\b${name}\\s*\\(`).test(firstTest));
  if (called) return called;
  // No definition in the code (or no code): the first call in the test that is not a builtin.
  const builtins = new Set(['assert', 'set', 'sorted', 'list', 'tuple', 'abs', 'round', 'len', 'str', 'int', 'float', 'isclose', 'math', 'dict', 'frozenset', 'all', 'any', 'type', 'isinstance']);
  for (const m of firstTest.matchAll(/([A-Za-z_]\w*)\s*\(/g)) if (!builtins.has(m[1]!)) return m[1]!;
  return defined[0];
}

const assertList = z.array(z.string());

const verdictTaskSchema = z.looseObject({
  id: z.string().min(1),
  source: z.string().min(1),
  language: z.enum(['python', 'javascript']),
  prompt: z.string(),
  completion_mode: z.enum(['continue', 'whole']),
  description: z.string().optional(),
  entry_point: z.string().optional(),
  stop: z.array(z.string()).optional(),
  test_imports: z.array(z.string()).optional(),
  /** The whole TestSpec, for tasks whose tests are not assert statements. */
  tests: z.looseObject({ kind: z.enum(['check', 'asserts', 'script', 'stdio', 'call']) }).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

const mbppSchema = z.looseObject({
  task_id: z.union([z.number().int(), z.string().min(1)]),
  text: z.string(),
  code: z.string(),
  test_setup_code: z.string().optional(),
  test_list: assertList,
  challenge_test_list: assertList.optional(),
  verdict_task: verdictTaskSchema.optional(),
});

export function mbppTasks(records: SourceRecord[]): Task[] {
  const tasks = records.map((rec): Task => {
    const r = parseRecord(mbppSchema, rec, 'MBPP');
    const v = r.verdict_task;
    const setup = r.test_setup_code?.trim() ? r.test_setup_code : undefined;
    const imports = v?.test_imports?.length ? v.test_imports : undefined;
    const tests: TestSpec = v?.tests
      ? (v.tests as TestSpec)
      : { kind: 'asserts', asserts: r.test_list, ...(setup ? { setup } : {}), ...(imports ? { imports } : {}) };
    if (tests.kind === 'asserts' && tests.asserts.length === 0) throw fieldError(rec, 'test_list', 'is empty', 'MBPP');
    const numericId = typeof r.task_id === 'number' ? r.task_id : /^\d+$/.test(r.task_id) ? Number(r.task_id) : undefined;
    const entryPoint = v ? v.entry_point : mbppEntryPoint(r.code, r.test_list);
    const reference = r.code !== '' ? { reference: r.code } : {};
    if (v) {
      // Written by writeMbppJsonl: the task exactly as it was.
      return {
        id: v.id,
        source: v.source,
        language: v.language,
        ...(v.description !== undefined ? { description: v.description } : {}),
        prompt: v.prompt,
        completionMode: v.completion_mode,
        ...(entryPoint ? { entryPoint } : {}),
        ...reference,
        tests,
        ...(v.stop ? { stop: v.stop } : {}),
        ...(v.meta ? { meta: v.meta } : {}),
      };
    }
    const meta: Record<string, unknown> = {};
    if (numericId !== undefined) {
      meta.taskId = numericId;
      const split = mbppSplit(numericId);
      if (split) meta.split = split;
    }
    meta.challengeTests = r.challenge_test_list ?? [];
    return {
      id: numericId !== undefined ? `mbpp/${numericId}` : String(r.task_id),
      source: 'mbpp',
      language: 'python',
      description: r.text,
      prompt: mbppPrompt(r.text, r.test_list[0]),
      completionMode: 'whole',
      ...(entryPoint ? { entryPoint } : {}),
      ...reference,
      tests,
      meta,
    };
  });
  checkUniqueIds(tasks.map((t, i) => ({ id: t.id, rec: records[i]! })));
  return tasks;
}

const sanitizedSchema = z.looseObject({
  task_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  prompt: z.string(),
  code: z.string(),
  test_imports: z.array(z.string()).optional(),
  test_list: assertList.min(1),
  source_file: z.string().optional(),
});

export function mbppSanitizedTasks(records: SourceRecord[]): Task[] {
  const tasks = records.map((rec): Task => {
    const r = parseRecord(sanitizedSchema, rec, 'sanitized MBPP');
    const taskId = Number(r.task_id);
    const imports = r.test_imports?.length ? r.test_imports : undefined;
    const meta: Record<string, unknown> = { taskId };
    const split = mbppSplit(taskId);
    if (split) meta.split = split;
    if (r.source_file !== undefined) meta.sourceFile = r.source_file;
    const entryPoint = mbppEntryPoint(r.code, r.test_list);
    return {
      id: `mbpp/${taskId}`,
      source: 'mbpp-sanitized',
      language: 'python',
      description: r.prompt,
      prompt: mbppPrompt(r.prompt, r.test_list[0]),
      completionMode: 'whole',
      ...(entryPoint ? { entryPoint } : {}),
      reference: r.code,
      tests: { kind: 'asserts', asserts: r.test_list, ...(imports ? { imports } : {}) },
      meta,
    };
  });
  checkUniqueIds(tasks.map((t, i) => ({ id: t.id, rec: records[i]! })));
  return tasks;
}

/** One task as an MBPP-style record (what `writeMbppJsonl` writes per line). */
export function mbppRecord(task: Task): Record<string, unknown> {
  const numeric = /^mbpp\/(\d+)$/.exec(task.id);
  const asserts = task.tests.kind === 'asserts' ? task.tests : undefined;
  const meta = task.meta ?? {};
  const verdictTask: Record<string, unknown> = {
    id: task.id,
    source: task.source,
    language: task.language,
    prompt: task.prompt,
    completion_mode: task.completionMode,
  };
  if (task.description !== undefined) verdictTask.description = task.description;
  if (task.entryPoint !== undefined) verdictTask.entry_point = task.entryPoint;
  if (task.stop !== undefined) verdictTask.stop = task.stop;
  if (asserts?.imports?.length) verdictTask.test_imports = asserts.imports;
  if (!asserts) verdictTask.tests = task.tests;
  if (task.meta !== undefined) verdictTask.meta = task.meta;
  const challengeTests = meta.challengeTests;
  return {
    task_id: numeric ? Number(numeric[1]) : task.id,
    text: task.description ?? task.prompt,
    code: task.reference ?? '',
    test_setup_code: asserts?.setup ?? '',
    test_list: asserts?.asserts ?? [],
    challenge_test_list: Array.isArray(challengeTests) ? challengeTests : [],
    verdict_task: verdictTask,
  };
}

/**
 * Writes tasks as MBPP-style JSONL (gzip when the path ends in .gz). MBPP tools read the usual
 * fields; `loadTasks` reads it back to the same tasks (the `verdict_task` field carries the rest).
 */
export async function writeMbppJsonl(tasks: readonly Task[], path: string): Promise<void> {
  const text = tasks.map((t) => JSON.stringify(mbppRecord(t)) + '\n').join('');
  await writeFile(path, path.endsWith('.gz') ? gzipSync(text) : text);
}
