import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transformer, Trainer, Tokenizer, Rng, saveCheckpoint, loadCheckpoint, CheckpointError } from '../../src/model/index.js';
import { kernelSets } from './helpers.js';

const corpus = ['def add(a, b):\n    return a + b\n', 'def sub(a, b):\n    return a - b\n', 'print(add(1, 2))\n'];

function batches(tok: Tokenizer, rng: Rng) {
  const rows = corpus.map((t) => [tok.bos, ...tok.encode(t)].slice(0, 32));
  return { tokens: rows.map((r) => r.slice(0, 8 + rng.int(r.length - 8))) };
}

for (const set of kernelSets()) test(`checkpoint round trip is bit-exact and resuming training gives the same model (${set.name} kernels)`, { skip: set.skip }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verdict-ckpt-'));
  try {
    const k = set.kernels!;
    const tok = Tokenizer.train(corpus, { vocabSize: 300 });
    const config = { vocabSize: tok.vocabSize, dModel: 16, layers: 2, heads: 2, context: 32, valueHead: true };
    const model = Transformer.create(config, 1);
    const trainer = new Trainer(model, { lr: 1e-2, accumulationSteps: 2, warmupSteps: 2, totalSteps: 10 }, k);
    const rng = new Rng(3);
    for (let i = 0; i < 3; i++) trainer.step(batches(tok, rng)); // ends mid-accumulation
    await saveCheckpoint(dir, { model, tokenizer: tok, trainer, meta: { run: 'x' } });
    const loaded = await loadCheckpoint(dir);
    assert.deepEqual(loaded.model.config, model.config);
    assert.deepEqual(Buffer.from(loaded.model.params.buffer, loaded.model.params.byteOffset, loaded.model.params.byteLength),
      Buffer.from(model.params.buffer, model.params.byteOffset, model.params.byteLength));
    assert.deepEqual(loaded.meta, { run: 'x' });
    assert.deepEqual(loaded.tokenizer.toJSON(), tok.toJSON());
    assert.ok(loaded.trainerState);

    // continue both: the original and the resumed trainer take identical steps
    const resumed = new Trainer(loaded.model, { lr: 1e-2, accumulationSteps: 2, warmupSteps: 2, totalSteps: 10 }, k);
    resumed.loadState(loaded.trainerState);
    const rngA = new Rng(99), rngB = new Rng(99);
    for (let i = 0; i < 3; i++) {
      const a = trainer.step(batches(tok, rngA));
      const b = resumed.step(batches(loaded.tokenizer, rngB));
      assert.equal(a.loss, b.loss);
      assert.equal(a.lr, b.lr) ;
    }
    assert.deepEqual(Array.from(resumed.model.params), Array.from(model.params));
    assert.deepEqual(resumed.rng.state(), trainer.rng.state());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('corrupt or mismatched checkpoints fail with the file and field named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verdict-ckpt-'));
  try {
    const tok = Tokenizer.train(corpus, { vocabSize: 280 });
    const model = Transformer.create({ vocabSize: tok.vocabSize, dModel: 8, layers: 1, heads: 2, context: 16 }, 2);
    await saveCheckpoint(dir, { model, tokenizer: tok });
    const loaded = await loadCheckpoint(dir);
    assert.equal(loaded.trainerState, undefined);

    const cfgPath = join(dir, 'config.json');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
    // mismatched shape: config says more layers than the weights hold
    await writeFile(cfgPath, JSON.stringify({ ...cfg, model: { ...cfg.model, layers: 2 } }));
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && /model\.safetensors: h\.1\.ln_1\.weight: tensor missing/.test((e as Error).message));
    await writeFile(cfgPath, JSON.stringify({ ...cfg, model: { ...cfg.model, dModel: 10 } }));
    await assert.rejects(loadCheckpoint(dir), /model\.safetensors: wte: shape \[\d+, 8\], expected \[\d+, 10\]/);
    await writeFile(cfgPath, JSON.stringify({ ...cfg, model: { ...cfg.model, heads: 0 } }));
    await assert.rejects(loadCheckpoint(dir), /config\.json: model\.heads: must be a positive integer/);
    await writeFile(cfgPath, '{"format": "verdict-checkpoint", ');
    await assert.rejects(loadCheckpoint(dir), /config\.json: \(file\): not valid JSON/);
    await writeFile(cfgPath, JSON.stringify(cfg));
    // truncated weights
    const wPath = join(dir, 'model.safetensors');
    const bytes = await readFile(wPath);
    await writeFile(wPath, bytes.subarray(0, bytes.length - 100));
    await assert.rejects(loadCheckpoint(dir), /model\.safetensors/);
    await rm(wPath);
    await assert.rejects(loadCheckpoint(dir), /model\.safetensors: \(file\): missing/);
    await assert.rejects(loadCheckpoint(join(dir, 'nope')), /config\.json: \(file\): cannot read: ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
