/**
 * Task descriptions arriving over HTTP: OpenRLHF `labels` (one per sample) and the `task` of
 * POST /v1/execute. Accepted shapes (as a JSON object, or a string holding one):
 *
 * 1. A Verdict Task (anything with `tests: {kind: ...}`) -- used as is, missing fields defaulted.
 * 2. Verdict's short form: `{"tests": ["assert f(1) == 2", ...], "setup"?, "imports"?,
 *    "language"?: "python" | "javascript", "entry_point"?, "prefix"?}`. Python tests are assert
 *    statements judged one by one; JavaScript tests are statements appended to the program.
 * 3. A HumanEval record: `{"prompt", "test", "entry_point", "task_id"?}`.
 * 4. An MBPP record: `{"test_list", "test_setup_code"?, "test_imports"?, "task_id"?}`.
 * 5. APPS-style cases: `{"inputs": [...], "outputs": [...], "fn_name"?}` (stdin/stdout, or calls
 *    when `fn_name` is given); `{"input_output": "<that as JSON>"}` is accepted too.
 *
 * Optional everywhere: `"mode": "whole" | "continue" | "auto"` -- whether the response is the whole
 * program or continues the task's `prompt`/`prefix`. `auto` (the default for HumanEval records):
 * `continue` unless the response itself defines the entry point.
 */
import type { Language, Task, TestSpec } from '../tasks/types.js';

export class LabelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelError';
  }
}

/** A task plus how to turn a raw model response into the completion to judge. */
export interface LabelledTask {
  task: Task;
  mode: 'whole' | 'continue' | 'auto';
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function str(o: Json, key: string, where: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new LabelError(`${where}: field "${key}" is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new LabelError(`${where}: field "${key}" must be a string, got ${typeof v}`);
  return v;
}

function language(o: Json, where: string): Language {
  const v = o.language ?? 'python';
  if (v === 'python' || v === 'python3') return 'python';
  if (v === 'javascript' || v === 'nodejs' || v === 'js') return 'javascript';
  throw new LabelError(`${where}: field "language" must be "python" or "javascript", got ${JSON.stringify(v)}`);
}

function modeOf(o: Json, where: string, fallback: LabelledTask['mode']): LabelledTask['mode'] {
  const m = o.mode ?? fallback;
  if (m === 'whole' || m === 'continue' || m === 'auto') return m;
  throw new LabelError(`${where}: field "mode" must be "whole", "continue" or "auto", got ${JSON.stringify(m)}`);
}

function parseMaybeJson(v: unknown, where: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new LabelError(`${where}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Parses one label / task description; `where` names it in errors (e.g. "labels[3]"). A reference
 * solution, for similarity rewards, is read from `reference`, HumanEval's `canonical_solution` or
 * MBPP's `code`.
 */
export function parseLabel(raw: unknown, where: string): LabelledTask {
  const v = parseMaybeJson(raw, where);
  const l = parseObject(v, where);
  if (isObject(v)) {
    const ref = v.reference ?? v.canonical_solution ?? v.code;
    if (typeof ref === 'string') l.task.reference = ref;
  }
  return l;
}

function parseObject(v: unknown, where: string): LabelledTask {
  if (!isObject(v)) throw new LabelError(`${where}: expected a JSON object describing the task's tests, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  const id = String(v.task_id ?? v.id ?? 'task');
  const lang = language(v, where);

  // 1. A full Verdict Task.
  if (isObject(v.tests) && typeof v.tests.kind === 'string') {
    const tests = checkSpec(v.tests, `${where}.tests`);
    const completionMode = v.completionMode === 'continue' ? 'continue' : 'whole';
    const task: Task = {
      id,
      source: typeof v.source === 'string' ? v.source : 'label',
      language: lang,
      prompt: str(v, 'prompt', where) ?? '',
      completionMode,
      entryPoint: str(v, 'entryPoint', where),
      tests,
    };
    return { task, mode: modeOf(v, where, completionMode) };
  }

  // 2. Short form.
  if (Array.isArray(v.tests)) {
    if (!isStringArray(v.tests) || v.tests.length === 0) throw new LabelError(`${where}: field "tests" must be a non-empty array of strings`);
    const prefix = str(v, 'prefix', where) ?? '';
    const setup = str(v, 'setup', where);
    let tests: TestSpec;
    if (lang === 'python') {
      const imports = v.imports === undefined ? undefined : v.imports;
      if (imports !== undefined && !isStringArray(imports)) throw new LabelError(`${where}: field "imports" must be an array of strings`);
      tests = { kind: 'asserts', asserts: v.tests, setup, imports };
    } else {
      tests = { kind: 'script', code: [setup ?? '', ...v.tests].join('\n') };
    }
    const mode = modeOf(v, where, prefix ? 'continue' : 'whole');
    return {
      task: { id, source: 'label', language: lang, prompt: prefix, completionMode: mode === 'continue' ? 'continue' : 'whole', entryPoint: str(v, 'entry_point', where), tests },
      mode,
    };
  }

  // 3. HumanEval.
  if (typeof v.test === 'string') {
    const entryPoint = str(v, 'entry_point', where, true)!;
    const prompt = str(v, 'prompt', where) ?? '';
    const mode = modeOf(v, where, prompt ? 'auto' : 'whole');
    const tests: TestSpec = lang === 'python' ? { kind: 'check', code: v.test, entryPoint } : { kind: 'script', code: v.test };
    return {
      task: { id, source: 'humaneval', language: lang, prompt, completionMode: mode === 'whole' ? 'whole' : 'continue', entryPoint, tests },
      mode,
    };
  }

  // 4. MBPP.
  if (Array.isArray(v.test_list)) {
    if (!isStringArray(v.test_list) || v.test_list.length === 0) throw new LabelError(`${where}: field "test_list" must be a non-empty array of strings`);
    const imports = v.test_imports;
    if (imports !== undefined && !isStringArray(imports)) throw new LabelError(`${where}: field "test_imports" must be an array of strings`);
    const setup = str(v, 'test_setup_code', where) || undefined;
    return {
      task: { id, source: 'mbpp', language: 'python', prompt: '', completionMode: 'whole', tests: { kind: 'asserts', asserts: v.test_list, setup, imports } },
      mode: 'whole',
    };
  }

  // 5. APPS cases.
  const io = v.input_output !== undefined ? parseMaybeJson(v.input_output, `${where}.input_output`) : v;
  if (isObject(io) && Array.isArray(io.inputs) && Array.isArray(io.outputs)) {
    if (io.inputs.length !== io.outputs.length || io.inputs.length === 0) {
      throw new LabelError(`${where}: "inputs" and "outputs" must be non-empty and of equal length (got ${io.inputs.length} and ${io.outputs.length})`);
    }
    let tests: TestSpec;
    if (typeof io.fn_name === 'string') {
      const fnName = io.fn_name;
      tests = { kind: 'call', fnName, cases: io.inputs.map((args, i) => ({ args: Array.isArray(args) ? args : [args], expected: (io.outputs as unknown[])[i] })) };
    } else {
      const asText = (x: unknown, f: string, i: number): string => {
        if (typeof x === 'string') return x;
        if (isStringArray(x)) return x.join('\n');
        throw new LabelError(`${where}: ${f}[${i}] must be a string`);
      };
      tests = { kind: 'stdio', cases: io.inputs.map((inp, i) => ({ input: asText(inp, 'inputs', i), output: asText((io.outputs as unknown[])[i], 'outputs', i) })) };
    }
    return { task: { id, source: 'apps', language: 'python', prompt: '', completionMode: 'whole', tests }, mode: 'whole' };
  }

  throw new LabelError(
    `${where}: cannot tell which tests this describes; expected one of: {"tests": [asserts]}, a Verdict Task, ` +
      `a HumanEval record {"prompt","test","entry_point"}, an MBPP record {"test_list"}, or {"inputs","outputs"}`,
  );
}

function checkSpec(t: Json, where: string): TestSpec {
  switch (t.kind) {
    case 'check':
      if (typeof t.code !== 'string' || typeof t.entryPoint !== 'string') throw new LabelError(`${where}: kind "check" needs string "code" and "entryPoint"`);
      return { kind: 'check', code: t.code, entryPoint: t.entryPoint };
    case 'asserts':
      if (!isStringArray(t.asserts)) throw new LabelError(`${where}: kind "asserts" needs "asserts": string[]`);
      if (t.imports !== undefined && !isStringArray(t.imports)) throw new LabelError(`${where}: "imports" must be string[]`);
      if (t.setup !== undefined && typeof t.setup !== 'string') throw new LabelError(`${where}: "setup" must be a string`);
      return { kind: 'asserts', asserts: t.asserts, setup: t.setup, imports: t.imports };
    case 'script':
      if (typeof t.code !== 'string') throw new LabelError(`${where}: kind "script" needs string "code"`);
      return { kind: 'script', code: t.code, silentPass: t.silentPass === true };
    case 'stdio':
      if (!Array.isArray(t.cases) || !t.cases.every((c) => isObject(c) && typeof c.input === 'string' && typeof c.output === 'string')) {
        throw new LabelError(`${where}: kind "stdio" needs "cases": [{input: string, output: string}]`);
      }
      return { kind: 'stdio', cases: t.cases as Array<{ input: string; output: string }> };
    case 'call':
      if (typeof t.fnName !== 'string' || !Array.isArray(t.cases) || !t.cases.every((c) => isObject(c) && Array.isArray(c.args))) {
        throw new LabelError(`${where}: kind "call" needs "fnName" and "cases": [{args: [...], expected}]`);
      }
      return { kind: 'call', fnName: t.fnName, cases: t.cases as Array<{ args: unknown[]; expected: unknown }> };
    default:
      throw new LabelError(`${where}: unknown tests kind ${JSON.stringify(t.kind)} (expected check, asserts, script, stdio or call)`);
  }
}

const FENCE = /```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)```/g;

/**
 * The code in a model's response: the first fenced block tagged with the task's language (or
 * untagged), else the first fenced block, else the response itself.
 */
export function extractCode(response: string, lang: Language): string {
  const blocks = [...response.matchAll(FENCE)].map((m) => ({ tag: m[1]!.toLowerCase(), code: m[2]! }));
  if (blocks.length === 0) return response;
  const names = lang === 'python' ? ['python', 'py', 'python3', ''] : ['javascript', 'js', 'node', 'nodejs', ''];
  return (blocks.find((b) => names.includes(b.tag)) ?? blocks[0]!).code;
}

/** The completion to judge for a response (code extracted from fences unless `extract` is false), and the task to judge it against. */
export function completionFor(l: LabelledTask, response: string, extract = true): { task: Task; completion: string } {
  const code = extract ? extractCode(response, l.task.language) : response;
  if (l.mode === 'auto') {
    const ep = l.task.entryPoint;
    const definesEntry = ep !== undefined && new RegExp(`(def|function|const|let|var)\\s+${ep.replace(/[^\w$]/g, '')}\\b`).test(code);
    return definesEntry ? { task: { ...l.task, completionMode: 'whole' }, completion: code } : { task: { ...l.task, completionMode: 'continue' }, completion: code };
  }
  return { task: l.task, completion: code };
}

/**
 * The response part of an OpenRLHF query (query = prompt + response). When the prompt is not a
 * prefix (tokenizer round trips can change whitespace), the text after the prompt's first
 * occurrence is used; failing that, the whole query. Trailing end-of-sequence markers are dropped.
 */
export function responseOf(query: string, prompt: string | undefined): string {
  return stripEndTokens(afterPrompt(query, prompt));
}

function afterPrompt(query: string, prompt: string | undefined): string {
  if (!prompt) return query;
  if (query.startsWith(prompt)) return query.slice(prompt.length);
  const at = query.indexOf(prompt);
  if (at >= 0) return query.slice(at + prompt.length);
  const trimmed = prompt.trimEnd();
  if (trimmed && query.startsWith(trimmed)) return query.slice(trimmed.length);
  return query;
}

/** Drops end-of-sequence markers a trainer may leave decoded at the end (<|im_end|>, </s>, ...). */
function stripEndTokens(response: string): string {
  return response.replace(/(?:\s*(?:<\|[A-Za-z0-9_]+\|>|<\/s>))+\s*$/, '\n');
}
