/**
 * APPS (Hendrycks et al. 2021): a folder tree (one folder per problem with question.txt,
 * input_output.json, solutions.json, metadata.json, optional starter_code.py) or the dataset-hub
 * JSONL export (problem_id, question, solutions, input_output, difficulty, url, starter_code; the
 * solutions and input_output columns are JSON strings).
 *
 * input_output is {"inputs": [stdin], "outputs": [stdout]} for standard-input problems and
 * {"fn_name": name, "inputs": [[args...]], "outputs": [value]} for call-based ones. The completion
 * is the whole program; the prompt follows APPS's own generation prompt.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CallCase, StdioCase, Task, TestSpec } from '../types.js';
import { TaskFormatError, lineColumnAt, type SourceRecord } from '../read.js';
import { checkUniqueIds, fieldError, parseRecord } from '../fields.js';

/** APPS's generation prompt (question, starter code, which format to use). */
export function appsPrompt(question: string, starterCode: string, callBased: boolean): string {
  return (
    '\nQUESTION:\n' +
    question +
    '\n' +
    starterCode +
    '\n' +
    (callBased ? '\nUse Call-Based format' : '\nUse Standard Input format') +
    '\nANSWER:\n'
  );
}

type Problem = {
  id: string;
  question: string;
  inputOutput: unknown;
  solutions: unknown;
  starterCode: string;
  meta: Record<string, unknown>;
  rec: SourceRecord;
};

/** A stdin/stdout value: APPS sometimes stores a list of lines instead of one string. */
function ioText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return undefined;
}

/**
 * The TestSpec of an input_output object. `prefix` is how its fields are named in messages:
 * "" for input_output.json (fields inputs, outputs, fn_name), "input_output." for the JSONL column.
 */
function testsFrom(p: Problem, prefix: string, format: string): TestSpec {
  const io = p.inputOutput;
  const err = (field: string, problem: string) => fieldError(p.rec, prefix + field, problem, format);
  if (io === null || typeof io !== 'object' || Array.isArray(io)) {
    throw fieldError(p.rec, prefix ? prefix.slice(0, -1) : 'input_output', 'expected a JSON object {"inputs": [...], "outputs": [...]}', format);
  }
  const { fn_name, inputs, outputs } = io as Record<string, unknown>;
  if (!Array.isArray(inputs)) throw err('inputs', inputs === undefined ? 'missing' : 'expected an array');
  if (!Array.isArray(outputs)) throw err('outputs', outputs === undefined ? 'missing' : 'expected an array');
  if (inputs.length !== outputs.length) throw err('outputs', `${outputs.length} outputs for ${inputs.length} inputs`);
  if (inputs.length === 0) throw err('inputs', 'has no test cases');
  if (fn_name !== undefined && fn_name !== null) {
    if (typeof fn_name !== 'string' || fn_name === '') throw err('fn_name', 'expected a function name');
    const cases: CallCase[] = inputs.map((args, i) => {
      if (!Array.isArray(args)) throw err(`inputs[${i}]`, 'expected an argument list (array) for a call-based problem');
      return { args, expected: outputs[i] };
    });
    return { kind: 'call', fnName: fn_name, cases };
  }
  const cases: StdioCase[] = inputs.map((raw, i) => {
    const input = ioText(raw);
    if (input === undefined) throw err(`inputs[${i}]`, 'expected stdin text (a string or a list of lines)');
    const output = ioText(outputs[i]);
    if (output === undefined) throw err(`outputs[${i}]`, 'expected stdout text (a string or a list of lines)');
    return { input, output };
  });
  return { kind: 'stdio', cases };
}

function taskFrom(p: Problem, ioPrefix: string, solutionsField: string, format: string): Task {
  const tests = testsFrom(p, ioPrefix, format);
  let solutions: string[] = [];
  if (p.solutions !== undefined && p.solutions !== null && p.solutions !== '') {
    const s = z.array(z.string()).safeParse(p.solutions);
    if (!s.success) throw fieldError(p.rec, solutionsField, 'expected an array of program strings', format);
    solutions = s.data;
  }
  const callBased = tests.kind === 'call';
  const meta: Record<string, unknown> = { ...p.meta, solutions };
  if (p.starterCode) meta.starterCode = p.starterCode;
  return {
    id: p.id,
    source: 'apps',
    language: 'python',
    description: p.question,
    prompt: appsPrompt(p.question, p.starterCode, callBased),
    completionMode: 'whole',
    ...(tests.kind === 'call' ? { entryPoint: tests.fnName } : {}),
    ...(solutions[0] !== undefined ? { reference: solutions[0] } : {}),
    tests,
    meta,
  };
}

/** Parses a JSON file of a problem folder; errors name the file and line. */
async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? lineColumnAt(text, Number(m[1])).line : undefined;
    throw new TaskFormatError(`${file}${line ? `:${line}` : ''}: invalid JSON: ${(err as Error).message}`, file, line);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

const byName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** True when `dir` is an APPS problem folder or holds some (directly or one level down, e.g. train/, test/). */
export async function isAppsTree(dir: string): Promise<boolean> {
  if (await exists(join(dir, 'question.txt'))) return true;
  for (const name of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)) {
    if (await exists(join(dir, name, 'question.txt'))) return true;
    const inner = await readdir(join(dir, name), { withFileTypes: true }).catch(() => []);
    for (const d of inner) if (d.isDirectory() && (await exists(join(dir, name, d.name, 'question.txt')))) return true;
  }
  return false;
}

/** Problem folders under `dir`, with the split name when they sit one level down (train/0000). */
async function problemFolders(dir: string): Promise<{ path: string; name: string; split?: string }[]> {
  if (await exists(join(dir, 'question.txt'))) return [{ path: dir, name: dir.split(/[\\/]/).filter(Boolean).pop() ?? dir }];
  const out: { path: string; name: string; split?: string }[] = [];
  const subdirs = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort(byName);
  for (const name of subdirs) {
    if (await exists(join(dir, name, 'question.txt'))) out.push({ path: join(dir, name), name });
    else {
      const inner = (await readdir(join(dir, name), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort(byName);
      for (const n of inner) if (await exists(join(dir, name, n, 'question.txt'))) out.push({ path: join(dir, name, n), name: n, split: name });
    }
  }
  return out;
}

/**
 * Loads an APPS folder tree. Problems without input_output.json (a few in APPS train) cannot be
 * judged: they are skipped and reported through `onWarning`.
 */
export async function appsTreeTasks(dir: string, onWarning: (m: string) => void): Promise<Task[]> {
  const folders = await problemFolders(dir);
  if (folders.length === 0) throw new TaskFormatError(`${dir}: no APPS problem folders (folders with question.txt)`, dir);
  const problems: Problem[] = [];
  const skipped: string[] = [];
  for (const f of folders) {
    const ioFile = join(f.path, 'input_output.json');
    if (!(await exists(ioFile))) {
      skipped.push(f.split ? `${f.split}/${f.name}` : f.name);
      continue;
    }
    const question = await readFile(join(f.path, 'question.txt'), 'utf8');
    const solutionsFile = join(f.path, 'solutions.json');
    const metadataFile = join(f.path, 'metadata.json');
    const starterFile = join(f.path, 'starter_code.py');
    const meta: Record<string, unknown> = {};
    if (f.split) meta.split = f.split;
    if (await exists(metadataFile)) {
      const md = await readJsonFile(metadataFile);
      if (md && typeof md === 'object' && !Array.isArray(md)) Object.assign(meta, md);
      else throw new TaskFormatError(`${metadataFile}:1: expected a JSON object`, metadataFile, 1);
    }
    const rec: SourceRecord = { value: null, file: ioFile, line: 1, index: problems.length, where: `${ioFile}:1` };
    problems.push({
      id: `apps/${f.split ? f.split + '/' : ''}${f.name}`,
      question,
      inputOutput: await readJsonFile(ioFile),
      solutions: (await exists(solutionsFile)) ? await readJsonFile(solutionsFile) : undefined,
      starterCode: (await exists(starterFile)) ? await readFile(starterFile, 'utf8') : '',
      meta,
      rec,
    });
  }
  if (skipped.length) {
    onWarning(`${dir}: skipped ${skipped.length} APPS problem(s) without input_output.json (cannot be judged): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`);
  }
  return problems.map((p) => {
    // A bad solutions.json is named as its own file.
    if (p.solutions !== undefined && !(Array.isArray(p.solutions) && p.solutions.every((x: unknown) => typeof x === 'string'))) {
      const file = join(p.rec.file, '..', 'solutions.json');
      throw new TaskFormatError(`${file}:1: expected a JSON array of program strings (APPS solutions.json)`, file, 1, 'solutions');
    }
    return taskFrom(p, '', 'solutions', 'APPS');
  });
}

const appsRowSchema = z.looseObject({
  problem_id: z.union([z.number().int(), z.string().min(1)]),
  question: z.string(),
  solutions: z.string().optional(),
  input_output: z.string(),
  difficulty: z.string().optional(),
  url: z.string().optional(),
  starter_code: z.string().optional(),
});

function parseJsonColumn(rec: SourceRecord, field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fieldError(rec, field, `is not valid JSON text (${(err as Error).message})`, 'APPS');
  }
}

/** Loads the APPS JSONL export (JSON-string columns). Rows with an empty input_output are skipped. */
export function appsJsonlTasks(records: SourceRecord[], onWarning: (m: string) => void): Task[] {
  const tasks: Task[] = [];
  const recs: SourceRecord[] = [];
  const skipped: string[] = [];
  for (const rec of records) {
    const r = parseRecord(appsRowSchema, rec, 'APPS');
    const id = `apps/${typeof r.problem_id === 'number' ? String(r.problem_id).padStart(4, '0') : r.problem_id}`;
    if (r.input_output.trim() === '') {
      skipped.push(id);
      continue;
    }
    const meta: Record<string, unknown> = { problemId: r.problem_id };
    if (r.difficulty !== undefined) meta.difficulty = r.difficulty;
    if (r.url !== undefined) meta.url = r.url;
    const p: Problem = {
      id,
      question: r.question,
      inputOutput: parseJsonColumn(rec, 'input_output', r.input_output),
      solutions: r.solutions && r.solutions.trim() !== '' ? parseJsonColumn(rec, 'solutions', r.solutions) : undefined,
      starterCode: r.starter_code ?? '',
      meta,
      rec,
    };
    tasks.push(taskFrom(p, 'input_output.', 'solutions', 'APPS'));
    recs.push(rec);
  }
  if (skipped.length) {
    onWarning(`${records[0]?.file ?? 'APPS'}: skipped ${skipped.length} row(s) with an empty input_output (cannot be judged): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`);
  }
  checkUniqueIds(tasks.map((t, i) => ({ id: t.id, rec: recs[i]! })));
  return tasks;
}
