/**
 * Helpers behind `verdict reward`: reading a --tests file into a Task, and the sandboxed compile
 * check (the real compiler: Python's compile(), V8's parser through vm.Script), both testable
 * without the CLI.
 */
import type { Language, Task, TestSpec } from '../tasks/types.js';
import type { Executor } from '../exec/types.js';

/**
 * The --tests file:
 * - `.json`: a TestSpec object (`{"kind": "asserts", "asserts": [...]}`, `{"kind": "check", ...}`,
 *   `{"kind": "script", "code": ...}`, `{"kind": "stdio", "cases": [...]}`, `{"kind": "call", ...}`)
 *   or a task-like object with a `tests` field holding one (then its `entryPoint` is used too).
 * - otherwise, Python: one assert statement per line (blank lines and `#` lines skipped), judged
 *   one by one (MBPP style, so pass fractions are meaningful); JavaScript: test code appended to
 *   the program, failing by throwing (e.g. `node:assert`).
 */
export function testsFromFile(text: string, path: string, lang: Language): { tests: TestSpec; entryPoint?: string } {
  if (path.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
    }
    const obj = raw as { kind?: unknown; tests?: unknown; entryPoint?: unknown; entry_point?: unknown };
    const spec = (obj && typeof obj === 'object' && 'tests' in obj ? obj.tests : obj) as TestSpec | undefined;
    const kinds = ['check', 'asserts', 'script', 'stdio', 'call'];
    if (!spec || typeof spec !== 'object' || !kinds.includes((spec as { kind?: string }).kind ?? '')) {
      throw new Error(`${path}: field kind: expected one of ${kinds.join(', ')} (a TestSpec, or an object whose "tests" is one)`);
    }
    const ep = obj.entryPoint ?? obj.entry_point;
    return typeof ep === 'string' ? { tests: spec, entryPoint: ep } : { tests: spec };
  }
  if (lang === 'python') {
    const asserts: string[] = [];
    text.split('\n').forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      if (!/^assert\b/.test(t)) throw new Error(`${path}: line ${i + 1}: expected an assert statement (got ${JSON.stringify(t.slice(0, 60))})`);
      asserts.push(t);
    });
    if (!asserts.length) throw new Error(`${path}: no assert lines`);
    return { tests: { kind: 'asserts', asserts } };
  }
  return { tests: { kind: 'script', code: text } };
}

export function cliTask(lang: Language, reference: string, tests: TestSpec, entryPoint?: string): Task {
  const t: Task = { id: 'cli/0', source: 'cli', language: lang, prompt: '', completionMode: 'whole', reference, tests };
  if (entryPoint) t.entryPoint = entryPoint;
  return t;
}

/** Does `code` compile? Decided by the real compiler inside the sandbox; nothing of `code` runs. */
export async function compilesInSandbox(executor: Executor, code: string, lang: Language): Promise<{ compiled: boolean | null; detail: string }> {
  const literal = JSON.stringify(code);
  const checker =
    lang === 'python'
      ? `import sys\ntry:\n    compile(${literal}, "<candidate>", "exec")\nexcept (SyntaxError, ValueError, RecursionError, OverflowError) as e:\n    print("VERDICT-COMPILE-FAIL", type(e).__name__, getattr(e, "lineno", None), e)\n    sys.exit(0)\nprint("VERDICT-COMPILE-OK")\n`
      : `let vm;\ntry { vm = require('node:vm'); } catch { vm = process.getBuiltinModule('node:vm'); }\ntry { new vm.Script(${literal}, { filename: 'candidate.js' }); console.log('VERDICT-COMPILE-OK'); }\ncatch (e) { if (e instanceof SyntaxError) console.log('VERDICT-COMPILE-FAIL', String(e.message)); else throw e; }\n`;
  const r = await executor.run({ language: lang, code: checker });
  if (r.stdout.includes('VERDICT-COMPILE-OK')) return { compiled: true, detail: 'compiles' };
  const m = /VERDICT-COMPILE-FAIL (.*)/.exec(r.stdout);
  if (m) return { compiled: false, detail: m[1]! };
  return { compiled: null, detail: `compile check did not finish: ${r.status} ${r.stderr.slice(0, 200)}` };
}
