/** Data-flow match: hand-worked edges for Python and JavaScript, renaming, empty data flow, pitfalls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParsers, parseTree } from '../../src/rewards/code/parser.js';
import { dataflowEdges, normalizeDataflow } from '../../src/rewards/code/dataflow.js';
import { corpusDataflowMatch, corpusSyntaxMatch, dataflowMatch, dataflowMatchSync } from '../../src/rewards/code/metrics.js';

function edges(code: string, lang: 'python' | 'javascript') {
  return dataflowEdges(parseTree(code, lang).root, lang).map((e) => `${e.name}@${e.token} ${e.relation} [${e.parents.map((p) => `${p.name}@${p.token}`).join(',')}]`);
}

const PY = 'def f(a, b):\n    c = a // b  # floor\n    return c\n';
// tokens: def0 f1 (2 a3 ,4 b5 )6 :7 c8 =9 a10 //11 b12 return13 c14 (the comment is no token)
const PY_EDGES = [
  'a@3 comesFrom []', // parameter: first definition, kept because it is a parent
  'b@5 comesFrom []',
  'c@8 computedFrom [a@10,b@12]',
  'a@10 comesFrom [a@3]',
  'b@12 comesFrom [b@5]',
  'c@14 comesFrom [c@8]',
  // f@1 has no parents and is nobody's parent: dropped
];
const NORMALIZED = ['var_0 comesFrom []', 'var_1 comesFrom []', 'var_2 computedFrom [var_0,var_1]', 'var_0 comesFrom [var_0]', 'var_1 comesFrom [var_1]', 'var_2 comesFrom [var_2]'];

test('Python: edges and normalized edges of a small function, written out', async () => {
  await initParsers();
  assert.deepEqual(edges(PY, 'python'), PY_EDGES);
  assert.deepEqual(normalizeDataflow(dataflowEdges(parseTree(PY, 'python').root, 'python')), NORMALIZED);
});

test('JavaScript: the same function gives the same normalized edges (declarations are computedFrom)', async () => {
  const js = 'function f(a, b) {\n  let c = a / b; // note\n  return c;\n}\n';
  // tokens: function0 f1 (2 a3 ,4 b5 )6 {7 let8 c9 =10 a11 /12 b13 ;14 return15 c16 ;17 }18
  assert.deepEqual(edges(js, 'javascript'), ['a@3 comesFrom []', 'b@5 comesFrom []', 'c@9 computedFrom [a@11,b@13]', 'a@11 comesFrom [a@3]', 'b@13 comesFrom [b@5]', 'c@16 comesFrom [c@9]']);
  assert.deepEqual(normalizeDataflow(dataflowEdges(parseTree(js, 'javascript').root, 'javascript')), NORMALIZED);
  // plain assignment (assignment_expression in the current grammar) is computedFrom too
  // let0 x1 ;2 x3 =4 y5 +6 1(7) ;8 -- x@1 is nobody's parent (x@3 redefines x), so it is dropped
  assert.deepEqual(edges('let x;\nx = y + 1;\n', 'javascript'), ['x@3 computedFrom [y@5]', 'y@5 comesFrom []']);
});

test('identical and renamed programs give 1.0', async () => {
  assert.deepEqual(await dataflowMatch(PY, PY, 'python'), { score: 1, matched: 6, total: 6 });
  const renamed = 'def g(x, y):\n    z = x // y\n    return z\n';
  assert.deepEqual(await dataflowMatch(renamed, PY, 'python'), { score: 1, matched: 6, total: 6 });
  // swapping operands changes the parents' order -> the computedFrom edge no longer matches
  const swapped = 'def f(a, b):\n    c = b // a\n    return c\n';
  assert.deepEqual(dataflowMatchSync(swapped, PY, 'python'), { score: 5 / 6, matched: 5, total: 6 });
});

test('literals are not variables; Python type annotations are not walked', async () => {
  await initParsers(['python']);
  assert.deepEqual(edges('x = 1\ny = x\n', 'python'), ['x@0 computedFrom []', 'y@3 computedFrom [x@5]', 'x@5 comesFrom [x@0]']);
  // `int` and `str` in annotations never become variables
  // def0 f1 (2 a3 :4 int5 )6 ->7 str8 :9 return10 a11
  assert.deepEqual(edges('def f(a: int) -> str:\n    return a\n', 'python'), ['a@3 comesFrom []', 'a@11 comesFrom [a@3]']);
});

test('loops are walked twice and branches merge definitions; parents in source order', async () => {
  const code = 'def f(n):\n    s = 0\n    for i in range(n):\n        if i:\n            s = s + i\n        else:\n            s = 1\n    return s\n';
  // def0 f1 (2 n3 )4 :5 s6 =7 0(8) for9 i10 in11 range12 (13 n14 )15 :16 if17 i18 :19 s20 =21 s22 +23 i24 else25 :26 s27 =28 1(29) return30 s31
  assert.deepEqual(edges(code, 'python'), [
    'n@3 comesFrom []',
    's@6 computedFrom []',
    'i@10 computedFrom [range@12,n@14]',
    'range@12 comesFrom [range@12]', // first use of an unknown name defines it; the second pass sees itself (as in CodeBLEU)
    'n@14 comesFrom [n@3]',
    'i@18 comesFrom [i@10]',
    's@20 computedFrom [s@22,i@24]',
    's@22 comesFrom [s@6,s@20,s@27]', // second pass: both branch definitions reach it
    'i@24 comesFrom [i@10]',
    's@27 computedFrom []',
    's@31 comesFrom [s@20,s@27]', // the if/else always redefines s
  ]);
});

test('empty reference data flow: explicit policy (exclude -> null, one, zero)', async () => {
  const noFlow = 'def f():\n    return 1\n';
  assert.deepEqual(edges(noFlow, 'python'), []);
  assert.deepEqual(await dataflowMatch(PY, noFlow, 'python'), { score: null, matched: 0, total: 0 });
  assert.equal((await dataflowMatch(PY, noFlow, 'python', { emptyReference: 'one' })).score, 1);
  assert.equal((await dataflowMatch(PY, noFlow, 'python', { emptyReference: 'zero' })).score, 0);
  // a candidate without data flow against a reference with some: 0
  assert.deepEqual(await dataflowMatch(noFlow, PY, 'python'), { score: 0, matched: 0, total: 6 });
});

test('matching is one-to-one: a reference edge is consumed once', async () => {
  await initParsers(['python']);
  const ref = 'def f(a):\n    b = a\n    c = a\n    return b + c\n';
  const cand = 'def f(a):\n    b = a\n    return b\n';
  const r = dataflowMatchSync(cand, ref, 'python');
  assert.equal(r.total, 7);
  assert.ok(r.matched < r.total && r.matched >= 3, JSON.stringify(r));
  const c2 = normalizeDataflow(dataflowEdges(parseTree(cand, 'python').root, 'python'));
  assert.equal(c2.filter((e) => e === 'var_0 comesFrom [var_0]').length, 1);
  assert.equal(r.matched, 4); // a, b<-a, a<-a, b<-b (as var_1 comesFrom [var_1])
});

test('a candidate with a syntax error still yields the edges tree-sitter can recover', async () => {
  const bad = 'def f(a, b):\n    c = a // b\n    return c +\n';
  const r = await dataflowMatch(bad, PY, 'python');
  assert.ok(r.score !== null && r.score > 0 && r.score <= 1, JSON.stringify(r));
});

test('corpus versions sum numerators and denominators; pairs without reference data flow add nothing', async () => {
  const swapped = 'def f(a, b):\n    c = b // a\n    return c\n';
  const noFlow = 'def f():\n    return 1\n';
  // 6/6 + 5/6 + (skipped) = 11/12
  assert.deepEqual(await corpusDataflowMatch([[PY, PY], [swapped, PY], [PY, noFlow]], 'python'), { score: 11 / 12, matched: 11, total: 12 });
  assert.equal((await corpusDataflowMatch([[PY, noFlow]], 'python')).score, null);
  // syntax: 8/8 + 8/8 (swapping operands keeps every subtree's shape)
  const s = await corpusSyntaxMatch([[PY, PY], [swapped, PY]], 'python');
  assert.deepEqual(s, { score: 1, matched: 16, total: 16 });
});
