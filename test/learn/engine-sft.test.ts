import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainable } from '../../src/learn/engine.js';
import { supervisedFineTune, DEFAULT_SFT, encodeExample } from '../../src/learn/sft.js';
import { builtinTasks } from '../../src/tasks/builtin/index.js';
import { loadCheckpoint, sample } from '../../src/model/index.js';

// Small enough for the TypeScript kernels (a few seconds).
process.env.VERDICT_NO_NATIVE ??= '1';

test('with the real engine: SFT lowers the completion loss, and the checkpoint loads and samples', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-engine-sft-'));
  try {
    const tasks = builtinTasks('train', { count: 8 });
    const examples = tasks.map((t) => ({ prompt: t.prompt, completion: t.reference! }));
    const model = await createTrainable({
      vocabSize: 300, tokenizerTexts: examples.map((e) => e.prompt + e.completion),
      dModel: 16, layers: 1, heads: 2, contextLength: 128,
      train: { learningRate: 1e-2, weightDecay: 0, gradClip: 1, seed: 1 },
    });
    const enc = examples.map((e) => encodeExample(model, e, 0));
    assert.equal(enc[0]!.tokens[0], model.bos);
    assert.equal(enc[0]!.tokens[enc[0]!.tokens.length - 1], model.eos);
    const before = await model.evalLoss(enc);
    await model.save(join(dir, 'base'));
    const r = await supervisedFineTune({
      from: join(dir, 'base'), examples, out: join(dir, 'sft'),
      config: { ...DEFAULT_SFT, epochs: 15, batchSize: 4, learningRate: 1e-2, warmupSteps: 2 },
    });
    assert.equal(r.steps, 30);
    const ck = await loadCheckpoint(join(dir, 'sft'));
    assert.deepEqual((ck.meta as { finetune?: { steps: number } }).finetune?.steps, 30);
    const { openCheckpoint } = await import('../../src/learn/engine.js');
    const tuned = await openCheckpoint(join(dir, 'sft'), { learningRate: 1e-3, weightDecay: 0, gradClip: 1, seed: 1 });
    const after = await tuned.evalLoss(enc);
    assert.ok(after < before - 0.5, `completion loss ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    const out = sample(ck.model, ck.tokenizer, [tasks[0]!.prompt], { n: 2, temperature: 0.8, maxTokens: 16, seed: 1, stop: tasks[0]!.stop! });
    assert.equal(out[0]!.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
