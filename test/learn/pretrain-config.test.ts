import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packWindow, pretrainConfigSchema, documentText } from '../../src/learn/pretrain.js';
import { learningRateAt, sftSteps, encodeExample } from '../../src/learn/sft.js';
import { terminateCompletion, type TrainableModel } from '../../src/learn/engine.js';
import { loadPretrainConfig } from '../../src/cli/commands/pretrain.js';

test('pretrain config: defaults, the shipped YAML parses, bad fields are named', async () => {
  const d = pretrainConfigSchema.parse({});
  assert.equal(d.model.layers, 4);
  assert.equal(d.corpus.defectRate, 0.45);
  const shipped = await loadPretrainConfig('configs/pretrain.yaml');
  assert.equal(shipped.tokenizer.vocabSize, 768);
  const dir = mkdtempSync(join(tmpdir(), 'verdict-cfg-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'model:\n  layers: -1\n');
    await assert.rejects(loadPretrainConfig(bad), /bad\.yaml: field 'model\.layers'/);
    writeFileSync(bad, 'train:\n  stepz: 3\n');
    await assert.rejects(loadPretrainConfig(bad), /field 'train'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('packWindow: whole documents from the start index, padding weighted 0', () => {
  const docs = [[1, 2, 3], [4, 5], [6, 7, 8, 9]];
  const w = packWindow(docs, 1, 6, 0);
  assert.deepEqual(w.tokens, [4, 5, 6, 7, 8, 9, 0]);
  assert.deepEqual(w.weights, [0, 1, 1, 1, 1, 1, 0]);
  const long = packWindow([[1, 2, 3, 4, 5, 6, 7, 8, 9]], 0, 4, 0);
  assert.deepEqual(long.tokens, [1, 2, 3, 4, 5]);
  assert.equal(documentText('def f():\n', '    return 1'), 'def f():\n    return 1\n\n');
  assert.equal(terminateCompletion('    return 1\n\n\n'), '    return 1\n\n');
});

test('learning-rate schedule and SFT step count', () => {
  const c = { learningRate: 1, warmupSteps: 10, minLearningRateRatio: 0.1 };
  assert.equal(learningRateAt(5, 100, c), 0.5);
  assert.equal(learningRateAt(10, 100, c), 1);
  assert.ok(Math.abs(learningRateAt(100, 100, c) - 0.1) < 1e-12);
  assert.equal(sftSteps(33, { epochs: 2, batchSize: 16 }), 6);
});

test('encodeExample weights completion tokens only', () => {
  const model = {
    encode: (t: string) => [...t].map((ch) => ch.charCodeAt(0)),
    terminate: terminateCompletion,
    contextLength: 100,
  } as unknown as TrainableModel;
  const e = encodeExample(model, { prompt: 'ab', completion: 'cd' }, 0);
  assert.deepEqual(e.tokens, [97, 98, 99, 100, 10, 10]);
  assert.deepEqual(e.weights, [0, 0, 1, 1, 1, 1]);
});
