import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pretrain, pretrainConfigSchema } from '../../src/learn/pretrain.js';
import { supervisedFineTune, DEFAULT_SFT } from '../../src/learn/sft.js';
import { bigramEngine } from './bigram.js';

const config = pretrainConfigSchema.parse({
  corpus: { documents: 300, validationDocuments: 20 },
  model: { contextLength: 200 },
  train: { steps: 12, batchSize: 4, checkpointEvery: 5, logEvery: 2, evalEvery: 4 },
});

test('pretrain: loss falls, checkpoints and loss report written, an interrupted run resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-pretrain-'));
  try {
    const out = join(dir, 'run');
    // Full run.
    const full = await pretrain({ config, out: join(dir, 'full'), engine: bigramEngine });
    assert.equal(full.steps, 12);
    const points = JSON.parse(readFileSync(join(dir, 'full', 'loss.json'), 'utf8')) as Array<{ step: number; loss: number; validationLoss?: number }>;
    assert.deepEqual(points.map((p) => p.step), [2, 4, 6, 8, 10, 12]);
    assert.ok(points[points.length - 1]!.loss < points[0]!.loss, 'loss falls');
    assert.ok(points.filter((p) => p.validationLoss !== undefined).length >= 3);
    assert.match(readFileSync(join(dir, 'full', 'loss.txt'), 'utf8'), /^step +loss +val_loss/);
    const stats = JSON.parse(readFileSync(join(dir, 'full', 'corpus-stats.json'), 'utf8')) as { documents: number };
    assert.equal(stats.documents, 320);

    // Interrupted after step 7 (checkpoint at 5), then resumed: same final model as the full run.
    let calls = 0;
    await assert.rejects(
      pretrain({ config, out, engine: bigramEngine, onProgress: () => { if (++calls === 7) throw new Error('interrupted'); } }),
      /interrupted/,
    );
    const openedBefore = bigramEngine.opened;
    const resumed = await pretrain({ config, out, engine: bigramEngine });
    assert.equal(resumed.resumedFrom, 5);
    assert.equal(bigramEngine.opened, openedBefore + 1);
    const a = JSON.parse(readFileSync(join(dir, 'full', 'checkpoint', 'bigram.json'), 'utf8')) as { counts: unknown };
    const b = JSON.parse(readFileSync(join(out, 'checkpoint', 'bigram.json'), 'utf8')) as { counts: unknown };
    assert.deepEqual(b.counts, a.counts, 'resumed run saw the same batches');
    // A different config in the same folder is refused.
    await assert.rejects(pretrain({ config: { ...config, seed: 9 }, out, engine: bigramEngine }), /different config/);

    // SFT from the pretrained checkpoint learns the completions only.
    assert.ok(existsSync(join(out, 'checkpoint')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('supervisedFineTune runs epochs x batches steps and saves', async (t) => {
  void t;
  const dir = mkdtempSync(join(tmpdir(), 'verdict-sft-'));
  try {
    await pretrain({ config: { ...config, train: { ...config.train, steps: 2 } }, out: dir, engine: bigramEngine });
    // supervisedFineTune uses the real engine adapter; with the stand-in we check the step count via a wrapper.
    const examples = Array.from({ length: 10 }, (_, i) => ({ prompt: `def f${i}():\n`, completion: `    return ${i}` }));
    const steps: number[] = [];
    const r = await supervisedFineTune({
      from: join(dir, 'checkpoint'),
      examples,
      config: { ...DEFAULT_SFT, epochs: 2, batchSize: 4 },
      out: join(dir, 'sft'),
      onStep: (m) => void steps.push(m.step),
      engine: bigramEngine,
    });
    assert.equal(r.steps, 6);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
    assert.ok(existsSync(join(dir, 'sft', 'bigram.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
