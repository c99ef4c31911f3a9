import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transformer, Trainer, Rng, type ModelConfig } from '../../src/model/index.js';
import { referenceObjective } from './reference.js';
import { kernelSets } from './helpers.js';

const config: ModelConfig = { vocabSize: 11, dModel: 8, layers: 2, heads: 2, context: 7, valueHead: true };

function batchOf(seed: number) {
  const rng = new Rng(seed);
  const lengths = [7, 4, 6];
  const tokens = lengths.map((n) => Array.from({ length: n }, () => rng.int(config.vocabSize)));
  // mixed signs (advantages), a masked prompt, a masked position in the middle
  const weights = tokens.map((r, b) => r.map((_, t) => (b === 1 && t < 2 ? 0 : t === 3 ? 0 : rng.uniform() * 2 - 0.5)));
  const valueTargets = tokens.map((r) => r.map((_, t) => (t === 1 ? NaN : rng.normal())));
  return { tokens, weights, valueTargets };
}

for (const set of kernelSets()) {
  test(`full-model gradient matches float64 finite differences (${set.name} kernels)`, { skip: set.skip }, () => {
    const model = Transformer.create(config, 3);
    // larger-than-init weights so every path carries gradient
    const rng = new Rng(9);
    for (let i = 0; i < model.params.length; i++) model.params[i]! += rng.normal() * 0.3;
    const batch = batchOf(4);
    const coef = 0.5;
    const accum = 1000; // never reaches an update: trainer.grad holds gradient / accum
    const trainer = new Trainer(model, { accumulationSteps: accum, valueLossCoef: coef }, set.kernels!);
    const stats = trainer.step(batch);
    assert.equal(stats.updated, false);
    const analytic = Float64Array.from(trainer.grad, (g) => g * accum);

    const p64 = Float64Array.from(model.params);
    const f0 = referenceObjective(config, p64, batch, coef);
    // the float32 engine's forward agrees with the float64 reference
    assert.ok(Math.abs(stats.loss + coef * stats.valueLoss - f0) < 1e-4 * Math.max(1, Math.abs(f0)), `objective ${stats.loss + coef * stats.valueLoss} vs ${f0}`);

    const h = 1e-5;
    const numeric = new Float64Array(p64.length);
    for (let i = 0; i < p64.length; i++) {
      const orig = p64[i]!;
      p64[i] = orig + h;
      const fp = referenceObjective(config, p64, batch, coef);
      p64[i] = orig - h;
      const fm = referenceObjective(config, p64, batch, coef);
      p64[i] = orig;
      numeric[i] = (fp - fm) / (2 * h);
    }
    let maxAbs = 0, diff2 = 0, norm2 = 0;
    for (let i = 0; i < numeric.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(numeric[i]!));
      diff2 += (analytic[i]! - numeric[i]!) ** 2;
      norm2 += numeric[i]! ** 2;
    }
    assert.ok(maxAbs > 1e-2, 'gradient is not trivially zero');
    let worst = 0, worstName = '';
    for (const s of model.specs) {
      for (let i = s.offset; i < s.offset + s.size; i++) {
        const err = Math.abs(analytic[i]! - numeric[i]!) / (Math.abs(numeric[i]!) + 1e-3 * maxAbs);
        if (err > worst) { worst = err; worstName = `${s.name}[${i - s.offset}] analytic ${analytic[i]} numeric ${numeric[i]}`; }
      }
    }
    const rel = Math.sqrt(diff2 / norm2);
    assert.ok(rel < 1e-3, `relative gradient error ${rel}`);
    assert.ok(worst < 2e-2, `worst element error ${worst} at ${worstName}`);
  });
}
