/** Syntax match: hand-worked subtrees, comment stripping per language, errors, and the fast S-expressions checked against tree-sitter's own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getParser, initParsers, parseTree } from '../../src/rewards/code/parser.js';
import { subtreeSexps } from '../../src/rewards/code/syntax.js';
import { syntaxMatch, syntaxMatchSync } from '../../src/rewards/code/metrics.js';

const PY_REF = 'def f(a, b):\n    c = a // b\n    return c\n';
// The 8 subtrees of PY_REF, written out: the root and every node with at least one child.
const BIN = '(binary_operator left: (identifier) right: (identifier))';
const ASSIGN = `(assignment left: (identifier) right: ${BIN})`;
const EXPR = `(expression_statement ${ASSIGN})`;
const RET = '(return_statement (identifier))';
const BLOCK = `(block ${EXPR} ${RET})`;
const PARAMS = '(parameters (identifier) (identifier))';
const FUNC = `(function_definition name: (identifier) parameters: ${PARAMS} body: ${BLOCK})`;
const MODULE = `(module ${FUNC})`;
const PY_SUBTREES = [MODULE, FUNC, PARAMS, BLOCK, EXPR, ASSIGN, BIN, RET];

test('Python: the subtrees of a small function, written out', async () => {
  await initParsers(['python']);
  assert.deepEqual([...subtreeSexps(parseTree(PY_REF, 'python').root)].sort(), [...PY_SUBTREES].sort());
});

test('identical programs and renamed variables give 1.0', async () => {
  assert.deepEqual(await syntaxMatch(PY_REF, PY_REF, 'python'), { score: 1, matched: 8, total: 8 });
  const renamed = 'def g(x, y):\n    z = x // y\n    return z\n';
  assert.deepEqual(await syntaxMatch(renamed, PY_REF, 'python'), { score: 1, matched: 8, total: 8 });
});

test('Python floor division // next to a comment survives comment stripping; # inside a string survives', async () => {
  await initParsers(['python']);
  const withComment = 'def f(a, b):\n    c = a // b  # floor: a // b\n    return c\n';
  const subs = subtreeSexps(parseTree(withComment, 'python').root);
  assert.ok(subs.includes(BIN), 'binary_operator subtree kept');
  assert.deepEqual(syntaxMatchSync(withComment, PY_REF, 'python'), { score: 1, matched: 8, total: 8 });
  // Java-style stripping would have deleted "// b  # floor..." and left `c = a`: assignment of an identifier
  const javaStripped = 'def f(a, b):\n    c = a\n    return c\n';
  // matched: module? no (body differs); parameters yes; return yes -> 2 of 8
  assert.deepEqual(syntaxMatchSync(javaStripped, PY_REF, 'python'), { score: 2 / 8, matched: 2, total: 8 });
  const hashInString = 'def f(a, b):\n    c = "#" + a\n    return c\n';
  const leaves = JSON.stringify(parseTree(hashInString, 'python').root);
  assert.match(leaves, /"text":"\\"#\\""/, 'the string token "#" is still there');
});

test('Python docstrings are dropped by default (as the CodeBLEU Python cleaner does), kept on request', async () => {
  const doc = 'def f(a, b):\n    """Divide."""\n    c = a // b\n    return c\n';
  assert.equal(syntaxMatchSync(doc, PY_REF, 'python').score, 1);
  const kept = syntaxMatchSync(doc, PY_REF, 'python', { stripDocstrings: false });
  // with the docstring, the candidate's module/function/block differ: 5 of 8 remain
  assert.deepEqual(kept, { score: 5 / 8, matched: 5, total: 8 });
});

test('a candidate with a syntax error: only the intact subtrees match', async () => {
  await initParsers(['python']);
  const bad = 'def f(a, b):\n    c = a //\n    return c\n';
  const { hasError, root } = parseTree(bad, 'python');
  assert.ok(hasError);
  const subs = subtreeSexps(root);
  // tree-sitter's recovery: `return` becomes an ERROR node and `c` the right operand
  assert.ok(subs.includes('(binary_operator left: (identifier) (ERROR) right: (identifier))'));
  assert.ok(subs.includes('(ERROR)'));
  assert.deepEqual(syntaxMatchSync(bad, PY_REF, 'python'), { score: 1 / 8, matched: 1, total: 8 }); // only (parameters ...)
});

test('the measure is membership against the reference: extra candidate subtrees do not lower it', async () => {
  const longer = 'def f(a, b):\n    c = a // b\n    d = c\n    return c\n';
  // module, function_definition and block differ; parameters, c = a // b (3 subtrees) and return match
  assert.deepEqual(await syntaxMatch(longer, PY_REF, 'python'), { score: 5 / 8, matched: 5, total: 8 });
  // the other way round: 8 + (expression_statement (assignment ...)) + (assignment ...) = 10 reference subtrees
  assert.equal((await syntaxMatch(PY_REF, longer, 'python')).total, 10);
});

const JS_REF = 'function f(a, b) {\n  let c = a / b;\n  return c;\n}\n';
const JBIN = '(binary_expression left: (identifier) right: (identifier))';
const DECL = `(variable_declarator name: (identifier) value: ${JBIN})`;
const LEX = `(lexical_declaration ${DECL})`;
const JRET = '(return_statement (identifier))';
const SBLOCK = `(statement_block ${LEX} ${JRET})`;
const FPARAMS = '(formal_parameters (identifier) (identifier))';
const JFUNC = `(function_declaration name: (identifier) parameters: ${FPARAMS} body: ${SBLOCK})`;
const JS_SUBTREES = [`(program ${JFUNC})`, JFUNC, FPARAMS, SBLOCK, LEX, DECL, JBIN, JRET];

test('JavaScript: subtrees written out; // and /* */ comments stripped, division and regex/strings kept', async () => {
  await initParsers(['javascript']);
  assert.deepEqual([...subtreeSexps(parseTree(JS_REF, 'javascript').root)].sort(), [...JS_SUBTREES].sort());
  const commented = '/* header */\nfunction g(x, y) {\n  let z = x / y; // note: x // y\n  return z;\n}\n';
  assert.deepEqual(syntaxMatchSync(commented, JS_REF, 'javascript'), { score: 1, matched: 8, total: 8 });
  const url = 'function g(x, y) {\n  let z = "http://a" / y;\n  return z;\n}\n';
  assert.ok(subtreeSexps(parseTree(url, 'javascript').root).some((s) => s.includes('(string (string_fragment))')));
  const bad = 'function f(a, b) {\n  let c = a / ;\n  return c;\n}\n';
  const r = syntaxMatchSync(bad, JS_REF, 'javascript');
  assert.ok(r.score! < 1 && r.score! > 0, `partial match for a broken candidate (${r.score})`);
});

/** Simple reference: the web-tree-sitter Node API and tree-sitter's own S-expressions (ts_node_string). */
async function referenceSubtrees(code: string, lang: 'python' | 'javascript'): Promise<string[] | null> {
  const parser = await getParser(lang);
  const tree = parser.parse(code)!;
  try {
    if (tree.rootNode.descendantsOfType('comment').length) return null;
    // Hidden tokens inserted by error recovery (Python's _newline/_indent) are printed by
    // ts_node_string though they are not named node types; our S-expressions leave them out.
    const clean = (x: string) => x.replace(/ \(MISSING _[a-z_]+\)/g, '');
    const out = [clean(tree.rootNode.toString())];
    const stack = [tree.rootNode];
    while (stack.length) {
      const n = stack.pop()!;
      for (const c of n.children) {
        if (c && c.childCount > 0) {
          out.push(clean(c.toString()));
          stack.push(c);
        }
      }
    }
    return out.sort();
  } finally {
    tree.delete();
  }
}

test('fast S-expressions equal tree-sitter ts_node_string on HumanEval programs and broken variants', async (t) => {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  const file = join(process.env.VERDICT_DATA ?? join(root, '..', 'shared', 'data'), 'humaneval', 'HumanEval.jsonl.gz');
  let programs: string[] = [PY_REF, 'def f(:\n  return', 'x = (1 +', 'x = 1 $ 2\n', 'class A:\n    def m(self):\n        return [i for i in range(3) if i]\n'];
  if (existsSync(file)) {
    const tasks = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { prompt: string; canonical_solution: string });
    for (const x of tasks) {
      const p = x.prompt + x.canonical_solution;
      programs.push(p, p.slice(0, Math.floor(p.length * 0.7))); // the whole program and a truncated (broken) one
    }
  } else t.diagnostic(`HumanEval data not found at ${file}: checked built-in programs only`);
  await initParsers(['python']);
  let compared = 0;
  for (const p of programs) {
    const ref = await referenceSubtrees(p, 'python');
    if (!ref) continue;
    const mine = subtreeSexps(parseTree(p, 'python', { stripDocstrings: false }).root).sort();
    assert.deepEqual(mine, ref, `program:\n${p}`);
    compared++;
  }
  programs = [JS_REF, 'let x = ;', 'function (a { return', 'const o = {a, b: [1, `t${x}`]}; for (const k of o) { k++ }'];
  await initParsers(['javascript']);
  for (const p of programs) {
    const ref = await referenceSubtrees(p, 'javascript');
    assert.ok(ref);
    assert.deepEqual(subtreeSexps(parseTree(p, 'javascript').root).sort(), ref, `program:\n${p}`);
    compared++;
  }
  t.diagnostic(`${compared} programs compared`);
  assert.ok(compared >= 8);
});
