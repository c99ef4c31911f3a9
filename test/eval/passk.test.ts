import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passAtK, estimatePassAtK, summarize, type JudgedSample } from '../../src/eval/index.js';

/** C(n, k) in float64 by the multiplicative formula: the textbook estimator, for comparison. */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
const bruteForce = (n: number, c: number, k: number) => 1 - choose(n - c, k) / choose(n, k);

test('hand-computed values', () => {
  // n=5, c=2: pass@1 = 2/5; pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10.
  assert.ok(Math.abs(passAtK(5, 2, 1) - 0.4) < 1e-15);
  assert.ok(Math.abs(passAtK(5, 2, 2) - 0.7) < 1e-15);
  // n=10, c=3, k=5: 1 - C(7,5)/C(10,5) = 1 - 21/252.
  assert.ok(Math.abs(passAtK(10, 3, 5) - (1 - 21 / 252)) < 1e-15);
  assert.equal(passAtK(5, 0, 1), 0);
  assert.equal(passAtK(5, 5, 1), 1);
});

test('exactly 1 when n - c < k', () => {
  assert.equal(passAtK(5, 4, 2), 1);
  assert.equal(passAtK(10, 1, 10), 1);
  assert.equal(passAtK(100, 91, 10), 1);
  assert.notEqual(passAtK(100, 90, 10), 1);
});

test('agrees with the float64 combination formula where that is exact enough', () => {
  for (const n of [1, 2, 5, 10, 20, 50]) {
    for (let c = 0; c <= n; c++) {
      for (const k of [1, 2, 5, 10, 20].filter((k) => k <= n)) {
        const a = passAtK(n, c, k);
        const b = bruteForce(n, c, k);
        assert.ok(Math.abs(a - b) < 1e-12, `n=${n} c=${c} k=${k}: ${a} vs ${b}`);
      }
    }
  }
});

test('stable where the combination formula overflows', () => {
  // C(1000, 500) is about 2.7e299; C(2000, 1000) overflows float64 to Infinity.
  assert.ok(!Number.isFinite(choose(2000, 1000)));
  const v = passAtK(2000, 1, 1000);
  assert.ok(Math.abs(v - 0.5) < 1e-12, String(v)); // one passing sample: P(it is among the k) = k/n
  const w = passAtK(2000, 3, 100);
  const exact = 1 - ((1900 / 2000) * (1899 / 1999) * (1898 / 1998));
  assert.ok(Math.abs(w - exact) < 1e-12);
});

test('rejects impossible arguments', () => {
  assert.throws(() => passAtK(5, 6, 1), RangeError);
  assert.throws(() => passAtK(5, 2, 6), RangeError);
  assert.throws(() => passAtK(5, 2, 0), RangeError);
  assert.throws(() => passAtK(5, 2.5, 1), RangeError);
});

test('mean over problems; a k is reported only when every problem has n >= k', () => {
  const r = estimatePassAtK(
    [
      { n: 5, c: 2 },
      { n: 10, c: 0 },
    ],
    [1, 2, 10],
  );
  assert.ok(Math.abs(r.values['pass@1']! - (0.4 + 0) / 2) < 1e-15);
  assert.ok(Math.abs(r.values['pass@2']! - (0.7 + 0) / 2) < 1e-15);
  assert.equal(r.values['pass@10'], undefined);
  assert.equal(r.dropped.length, 1);
  assert.equal(r.dropped[0]!.k, 10);
  assert.match(r.dropped[0]!.reason, /1 of 2 problem\(s\) have fewer \(smallest n = 5\)/);
});

test('summary: breakdown with runtime error types, compile rate, sandbox errors out of denominators', () => {
  const s = (taskId: string, status: JudgedSample['status'], errorType?: string): JudgedSample => ({ taskId, status, ...(errorType ? { errorType } : {}) });
  const samples = [
    s('a', 'passed'),
    s('a', 'failed'),
    s('a', 'runtime_error', 'IndexError'),
    s('a', 'sandbox_error'),
    s('b', 'syntax_error', 'SyntaxError'),
    s('b', 'runtime_error', 'IndexError'),
    s('b', 'runtime_error', 'NameError'),
    s('b', 'timeout'),
  ];
  const r = summarize(samples, [1, 4]);
  assert.equal(r.programs, 8);
  assert.equal(r.sandboxErrors, 1);
  assert.equal(r.problems, 2);
  // 7 judged, one syntax error.
  assert.ok(Math.abs(r.compileRate - 6 / 7) < 1e-15);
  assert.deepEqual(r.runtimeErrors, { IndexError: 2, NameError: 1 });
  assert.equal(r.verdicts.passed, 1);
  assert.equal(r.verdicts.sandbox_error, 1);
  assert.equal(r.verdicts.memory_exceeded, 0);
  assert.deepEqual(
    r.breakdown.map((b) => [b.label, b.count]),
    [['runtime_error:IndexError', 2], ['failed', 1], ['passed', 1], ['runtime_error:NameError', 1], ['syntax_error', 1], ['timeout', 1]],
  );
  assert.ok(Math.abs(r.breakdown[0]!.share - 2 / 7) < 1e-15);
  // Problem a has n = 3 (sandbox error excluded), c = 1; b has n = 4, c = 0.
  assert.ok(Math.abs(r.passAtK['pass@1']! - (1 / 3 + 0) / 2) < 1e-15);
  assert.equal(r.passAtK['pass@4'], undefined);
  assert.deepEqual(r.droppedK.map((d) => d.k), [4]);
});
