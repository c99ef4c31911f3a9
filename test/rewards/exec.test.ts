/** Execution rewards, RLTF fine-grained masks, KL estimators/controllers and composite rewards, on hand-made verdicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict, VerdictStatus } from '../../src/exec/types.js';
import type { Task } from '../../src/tasks/types.js';
import {
  adaptiveReward,
  binaryReward,
  compileReward,
  errorTypeReward,
  passFractionReward,
  fineGrainedMask,
  lineSpan,
  klPerToken,
  klPenalty,
  AdaptiveKLController,
  FixedKLController,
  parseCompositeConfig,
  compositeReward,
  CompositeConfigSchema,
} from '../../src/rewards/index.js';

function verdict(status: VerdictStatus, extra: Partial<Verdict> = {}, tests: VerdictStatus[] = []): Verdict {
  return { status, tests: tests.map((s, index) => ({ index, status: s })), timeMs: 1, memoryKb: 1, ...extra };
}
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('binary, pass fraction, error-type (CodeRL values), adaptive (RLTF), compile', () => {
  const pass = verdict('passed', {}, ['passed', 'passed']);
  const fail = verdict('failed', { failedTest: 1 }, ['passed', 'failed', 'passed', 'failed']);
  assert.equal(binaryReward(pass).score, 1);
  assert.equal(binaryReward(fail).score, 0);
  assert.equal(passFractionReward(fail).score, 0.5);
  assert.equal(passFractionReward(pass).score, 1);
  const et = (s: VerdictStatus) => errorTypeReward(verdict(s)).score;
  assert.deepEqual(
    ['passed', 'failed', 'syntax_error', 'runtime_error', 'timeout', 'memory_exceeded', 'output_exceeded'].map((s) => et(s as VerdictStatus)),
    [1, -0.3, -1, -0.6, -0.6, -0.6, -0.6],
  );
  close(adaptiveReward(fail).score!, -0.3 + 1.3 * 0.5);
  assert.equal(adaptiveReward(verdict('failed', {}, ['failed'])).score, -0.3);
  assert.equal(adaptiveReward(verdict('runtime_error', {}, ['passed', 'runtime_error'])).score, -0.6);
  assert.equal(adaptiveReward(pass).score, 1);
  assert.equal(errorTypeReward(fail, { failed: -0.5 }).score, -0.5);
  assert.equal(compileReward(true).score, 1);
  assert.equal(compileReward(false).score, -1);
  assert.equal(compileReward(verdict('syntax_error')).score, -1);
  assert.equal(compileReward(verdict('runtime_error')).score, 1);
});

test('sandbox_error gives no reward and tells learners to skip the sample', () => {
  const v = verdict('sandbox_error');
  for (const r of [binaryReward(v), passFractionReward(v), errorTypeReward(v), adaptiveReward(v), compileReward(v)]) {
    assert.equal(r.score, null);
    assert.equal(r.skip, true);
    assert.equal(r.reason, 'sandbox_error');
  }
});

// completion and its tokens (offsets as a tokenizer would give them)
const COMPLETION = '    x = 1\n    y = x / 0\n    return y\n';
const OFFSETS: Array<[number, number]> = [
  [0, 4], [4, 5], [5, 7], [7, 9], [9, 10], // "    " "x" " =" " 1" "\n"          line 1
  [10, 14], [14, 15], [15, 17], [17, 19], [19, 21], [21, 23], [23, 24], // "    " "y" " =" " x" " /" " 0" "\n" line 2
  [24, 28], [28, 35], [35, 37], [37, 38], // "    " "return" " y" "\n"           line 3
];

test('fine-grained: located runtime error -> the tokens of its line (without its indentation and newline)', () => {
  assert.deepEqual(lineSpan(COMPLETION, 2), [14, 23]);
  const r = fineGrainedMask(verdict('runtime_error', { errorType: 'ZeroDivisionError', errorLine: 2 }), COMPLETION, OFFSETS);
  assert.equal(r.kind, 'line');
  assert.deepEqual([...r.mask], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual([...r.penalty].filter((x) => x !== 0), [-0.3, -0.3, -0.3, -0.3, -0.3]);
  const w = fineGrainedMask(verdict('syntax_error', { errorType: 'SyntaxError', errorLine: 3 }), COMPLETION, OFFSETS, { weight: 0.5 });
  assert.deepEqual([...w.mask], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]);
  assert.equal(w.penalty[13], -0.5);
});

test('fine-grained: timeouts, RecursionError and end-of-input syntax errors blame the whole sequence; others nothing', () => {
  const all = (v: Verdict) => [...fineGrainedMask(v, COMPLETION, OFFSETS).mask].every((m) => m === 1);
  const none = (v: Verdict) => [...fineGrainedMask(v, COMPLETION, OFFSETS).mask].every((m) => m === 0);
  assert.ok(all(verdict('timeout')));
  assert.ok(all(verdict('syntax_error', { errorAtEnd: true, errorLine: 3 })));
  assert.ok(all(verdict('runtime_error', { errorType: 'RecursionError', errorLine: 2 })));
  assert.ok(none(verdict('failed', {}, ['failed'])));
  assert.ok(none(verdict('passed')));
  assert.ok(none(verdict('runtime_error', { errorType: 'IndexError' }))); // raised outside the completion
  assert.ok(none(verdict('runtime_error', { errorType: 'RuntimeError', errorLine: 2 })));
  assert.ok(none(verdict('syntax_error', { errorType: 'TabError', errorLine: 2 })));
  assert.ok(none(verdict('output_exceeded')));
  assert.ok(none(verdict('runtime_error', { errorLine: 9 }))); // no such line
  assert.equal(fineGrainedMask(verdict('timeout'), COMPLETION, []).mask.length, 0);
});

test('KL estimators k1, k2, k3 and the fixed/adaptive controllers', () => {
  const logp = [-1, -2, -0.5];
  const ref = [-1.5, -1, -0.5];
  const r = [0.5, -1, 0];
  assert.deepEqual([...klPerToken(logp, ref, 'k1')], r);
  assert.deepEqual([...klPerToken(logp, ref, 'k2')], r.map((x) => (x * x) / 2));
  [...klPerToken(logp, ref, 'k3')].forEach((k, i) => close(k, Math.exp(-r[i]!) - 1 + r[i]!));
  assert.ok([...klPerToken(logp, ref, 'k3')].every((k) => k >= 0), 'k3 is never negative');
  assert.deepEqual([...klPenalty(logp, ref, 0.1)], r.map((x) => -0.1 * x));
  assert.throws(() => klPerToken([1], [1, 2]), /1 log-probs vs 2/);
  const fixed = new FixedKLController(0.05);
  fixed.update();
  assert.equal(fixed.value, 0.05);
  const c = new AdaptiveKLController(0.1, 1, 10_000);
  c.update(3, 32); // error clipped to +0.2
  close(c.value, 0.1 * (1 + (0.2 * 32) / 10_000));
  const v1 = c.value;
  c.update(0.9, 100); // e = -0.1
  close(c.value, v1 * (1 - (0.1 * 100) / 10_000));
});

const TASK: Task = {
  id: 't/0',
  source: 'test',
  language: 'python',
  prompt: 'def f(a, b):\n',
  completionMode: 'continue',
  reference: '    c = a // b\n    return c\n',
  tests: { kind: 'asserts', asserts: ['assert f(4, 2) == 2'] },
};

test('composite reward from a YAML config: weighted sum, components logged, final-token vs per-token placement', async () => {
  const yaml = `
placement: final-token
components:
  - kind: exec-errortype
  - kind: syntax-match
    weight: 0.5
  - kind: dataflow-match
    weight: 0.5
    options: { emptyReference: one }
  - kind: kl
    weight: 0.1
  - kind: fine-grained
`;
  const config = await parseCompositeConfig(yaml, 'reward.yaml');
  const completion = '    c = a // b\n    return c\n'; // same as the reference
  const offsets: Array<[number, number]> = [[0, 4], [4, 5], [5, 7], [7, 9], [9, 12], [12, 14], [14, 15], [15, 25], [25, 27], [27, 28]];
  const logp = new Array(10).fill(-1);
  const logpRef = new Array(10).fill(-1.5); // r = 0.5 on every token
  const input = { task: TASK, sample: { task_id: 't/0', completion }, verdict: verdict('passed', {}, ['passed']), tokens: { offsets, logp, logpRef } };
  const r = await compositeReward(config, input);
  assert.equal(r.skip, false);
  assert.equal(r.components['exec-errortype'], 1);
  assert.equal(r.components['syntax-match'], 0.5);
  assert.equal(r.components['dataflow-match'], 0.5);
  close(r.components.kl!, -0.5 * 10 * 0.1);
  assert.equal(r.components['fine-grained'], 0);
  close(r.score!, 2 - 0.5);
  assert.equal(r.perToken!.length, 10);
  for (let i = 0; i < 9; i++) close(r.perToken![i]!, -0.05);
  close(r.perToken![9]!, 2 - 0.05);
  // per-token placement: every token carries the sequence reward
  const every = await compositeReward({ ...config, placement: 'per-token' }, input);
  for (let i = 0; i < 10; i++) close(every.perToken![i]!, 2 - 0.05);
  // a failing run: fine-grained penalizes the blamed line's tokens, error type -0.6
  const failing = await compositeReward(config, { ...input, verdict: verdict('runtime_error', { errorType: 'ZeroDivisionError', errorLine: 1 }) });
  assert.equal(failing.components['exec-errortype'], -0.6);
  close(failing.components['fine-grained']!, -0.3 * 5); // "c" " =" " a" " //" " b" overlap "c = a // b" (chars 4..14); "    " does not
  // sandbox_error: skip, no score
  const skip = await compositeReward(config, { ...input, verdict: verdict('sandbox_error') });
  assert.deepEqual([skip.score, skip.skip], [null, true]);
});

test('composite config errors name the field', async () => {
  await assert.rejects(parseCompositeConfig('components: []', 'r.yaml'), /r\.yaml: field components/);
  await assert.rejects(parseCompositeConfig('components:\n  - kind: nope\n', 'r.yaml'), /r\.yaml: field components\.0\.kind/);
  await assert.rejects(parseCompositeConfig('components:\n  - kind: kl\n    options: { estimator: k9 }\n', 'r.yaml'), /field components\.0\.options\.estimator/);
  await assert.rejects(parseCompositeConfig('{"components": [', 'r.json'), /r\.json: not valid YAML\/JSON/);
  const ok = CompositeConfigSchema.parse({ components: [{ kind: 'codebleu' }] });
  assert.equal(ok.placement, 'final-token');
  assert.equal(ok.components[0]!.weight, 1);
  // components that need data say so
  await assert.rejects(compositeReward(ok, { task: { ...TASK, reference: undefined }, sample: { task_id: 't/0', completion: 'x' } }), /needs a reference/);
});
