/** BLEU (CodeBLEU's copy of NLTK), keyword-weighted BLEU, CodeBLEU, xMatch and Edit Sim, by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bleuFromStats, bleuStats, addStats, weightedBleuStats, sentenceBleu, PYTHON_KEYWORDS } from '../../src/rewards/code/bleu.js';
import { codeBleu } from '../../src/rewards/code/metrics.js';
import { editSim, xMatch, lexTokens } from '../../src/rewards/code/text.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('BLEU: hand-worked precisions, brevity penalty and method1 smoothing', () => {
  // p1 = 4/5, p2 = 3/4, p3 = 2/3, p4 = 1/2, equal lengths -> bp = 1
  close(sentenceBleu('if x : return z', ['if x : return y']), Math.exp(0.25 * (Math.log(0.8) + Math.log(0.75) + Math.log(2 / 3) + Math.log(0.5))));
  // no 3-gram or 4-gram match: zero numerators become 0.1 (epsilon), denominators stay (1 = max(1, 0) for 4-grams)
  close(sentenceBleu('a b c', ['a b d']), Math.exp(0.25 * (Math.log(2 / 3) + Math.log(1 / 2) + Math.log(0.1 / 1) + Math.log(0.1 / 1))));
  // shorter hypothesis: bp = exp(1 - 6/4)
  close(sentenceBleu('a b c d', ['a b c d e f']), Math.exp(1 - 6 / 4));
  assert.equal(sentenceBleu('x y', ['a b']), 0); // no unigram match
  assert.equal(sentenceBleu('', ['a b']), 0);
});

test('BLEU reproduces NLTK documentation values (sentence and corpus)', () => {
  // the documentation shows the leading digits (doctest ELLIPSIS): compare truncated to 4 places
  const trunc = (x: number) => (Math.floor(x * 1e4) / 1e4).toFixed(4);
  const h1 = 'It is a guide to action which ensures that the military always obeys the commands of the party'.split(' ');
  const r1 = 'It is a guide to action that ensures that the military will forever heed Party commands'.split(' ');
  const r2 = 'It is the guiding principle which guarantees the military forces always being under the command of the Party'.split(' ');
  const r3 = 'It is the practical guide for the army always to heed the directions of the party'.split(' ');
  assert.equal(trunc(bleuFromStats(bleuStats(h1, [r1]))), '0.4118');
  assert.equal(trunc(bleuFromStats(bleuStats(h1, [r1, r2, r3]))), '0.5045');
  const h2 = 'he read the book because he was interested in world history'.split(' ');
  const r2a = 'he was interested in world history because he read the book'.split(' ');
  assert.equal(trunc(bleuFromStats(addStats(bleuStats(h1, [r1, r2, r3]), bleuStats(h2, [r2a])))), '0.5920');
});

test('keyword-weighted BLEU: keywords weigh 1, other unigrams 0.2, divided by the reference counts', () => {
  const kw = new Set(PYTHON_KEYWORDS);
  const s = weightedBleuStats('if x : return z'.split(' '), ['if x : return y'.split(' ')], kw);
  // reference unigrams: if(1) x(.2) :(.2) return(1) y(.2) = 2.6; matched: if, x, :, return = 2.4
  close(s.numerators[0]!, 2.4);
  close(s.denominators[0]!, 2.6);
  assert.deepEqual([s.numerators.slice(1), s.denominators.slice(1)], [[3, 2, 1], [4, 3, 2]]);
  close(bleuFromStats(s), Math.exp(0.25 * (Math.log(2.4 / 2.6) + Math.log(3 / 4) + Math.log(2 / 3) + Math.log(1 / 2))));
});

test('CodeBLEU: identical programs give 1.0; components and default weights', async () => {
  const ref = 'def f(a, b):\n    c = a // b\n    return c\n';
  const same = await codeBleu(ref, ref, 'python');
  assert.deepEqual(same, { codebleu: 1, bleu: 1, weightedBleu: 1, syntaxMatch: 1, dataflowMatch: 1 });
  const renamed = await codeBleu('def g(x, y):\n    z = x // y\n    return z\n', ref, 'python');
  assert.equal(renamed.syntaxMatch, 1);
  assert.equal(renamed.dataflowMatch, 1);
  close(renamed.codebleu, 0.25 * renamed.bleu + 0.25 * renamed.weightedBleu + 0.5);
  // empty reference data flow (policy exclude): the other three weights are renormalized
  const noFlow = 'def f():\n    return 1\n';
  const e = await codeBleu(noFlow, noFlow, 'python');
  assert.equal(e.dataflowMatch, null);
  assert.equal(e.codebleu, 1);
  const one = await codeBleu(noFlow, noFlow, 'python', { emptyReference: 'one' });
  assert.equal(one.dataflowMatch, 1);
  const js = await codeBleu('function f(a) { return a; }', 'function f(a) { return a; }', 'javascript');
  assert.equal(js.codebleu, 1);
});

test('xMatch and Edit Sim (tokens)', () => {
  assert.equal(xMatch('return a\n', 'return a'), 1);
  assert.equal(xMatch('return a', 'return b'), 0);
  assert.deepEqual(lexTokens('a = b // c'), ['a', '=', 'b', '/', '/', 'c']);
  close(editSim('a = b + c', 'a = b - c'), 1 - 1 / 5);
  close(editSim('x', 'x y z'), 1 - 2 / 3);
  assert.equal(editSim('', ''), 1);
  close(editSim('abc', 'abd', 'char'), 2 / 3);
});
