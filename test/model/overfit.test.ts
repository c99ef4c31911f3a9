import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transformer, Trainer, Rng } from '../../src/model/index.js';
import { kernelSets } from './helpers.js';

/**
 * 64 short random sequences; each starts with a distinct two-token key whose own prediction is
 * masked (weight 0, like a prompt), so the rest is learnable by memorisation. Lengths differ
 * (right padding). Loss must fall below 0.05.
 */
for (const set of kernelSets()) {
  test(`overfits 64 short sequences to loss < 0.05 (${set.name} kernels)`, { skip: set.skip }, () => {
    const V = 24;
    const rng = new Rng(1);
    const tokens: number[][] = [];
    const weights: number[][] = [];
    for (let i = 0; i < 64; i++) {
      const len = 6 + rng.int(5);
      const seq = [Math.floor(i / 8), 8 + (i % 8)];
      while (seq.length < len) seq.push(rng.int(V));
      tokens.push(seq);
      weights.push(seq.map((_, t) => (t < 2 ? 0 : 1)));
    }
    const model = Transformer.create({ vocabSize: V, dModel: 32, layers: 2, heads: 2, context: 10 }, 7);
    const trainer = new Trainer(model, { lr: 1e-2, weightDecay: 0, warmupSteps: 10, totalSteps: 300, minLrRatio: 0.1, seed: 1 }, set.kernels!);
    let loss = Infinity;
    let steps = 0;
    for (; steps < 300 && loss >= 0.05; steps++) loss = trainer.step({ tokens, weights }).loss;
    // the final figure on the whole set, no update
    const final = trainer.evaluate({ tokens, weights }).loss;
    assert.ok(final < 0.05, `loss ${final} after ${steps} steps`);
  });
}
