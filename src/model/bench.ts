/**
 * The engine benchmark behind `verdict bench model` and `npm run bench:model`: training tokens/s
 * (forward, backward and AdamW on random tokens), sampling tokens/s (KV cache), achieved GFLOP/s,
 * and the GFLOP/s of a large matrix product through the same kernels measured in the same run.
 */
import type { KernelChoice, TextCodec } from './types.js';
import { getKernels } from './kernels/index.js';
import { Transformer } from './transformer.js';
import { Trainer } from './trainer.js';
import { sample } from './sampling.js';
import { Rng } from './rng.js';

export interface ModelBenchOptions {
  dModel: number; layers: number; heads: number; context: number; batch: number; vocab: number;
  /** Sequences sampled together (default 64). */
  sampleBatch?: number;
  /** Rough time budget per measurement, seconds (default 3). */
  seconds?: number;
  kernels?: KernelChoice;
  /** Side length of the square matrix product that measures the peak (default 512). */
  peakSize?: number;
}

export interface ModelBenchResult {
  kernels: string;
  config: { dModel: number; layers: number; heads: number; context: number; batch: number; vocab: number };
  train_tokens_per_s: number;
  train_step_ms: number;
  train_gflops: number;
  /** Floating-point operations per training token (forward + backward, matmuls and attention). */
  train_flops_per_token: number;
  sample_tokens_per_s: number;
  sample_batch: number;
  peak_gflops: number;
  /** train_gflops / peak_gflops. */
  peak_share: number;
}

/** Forward FLOPs per token (matrix products + attention at average causal length), x3 for training. */
export function trainFlopsPerToken(o: { dModel: number; layers: number; context: number; vocab: number }): number {
  const C = o.dModel;
  const perLayer = 2 * (3 * C * C + C * C + 4 * C * C + 4 * C * C) + 4 * C * ((o.context + 1) / 2);
  const forward = o.layers * perLayer + 2 * C * o.vocab;
  return 3 * forward;
}

export function runModelBench(o: ModelBenchOptions): ModelBenchResult {
  const k = getKernels(o.kernels ?? 'auto');
  const seconds = o.seconds ?? 3;
  const config = { vocabSize: o.vocab, dModel: o.dModel, layers: o.layers, heads: o.heads, context: o.context };
  const rng = new Rng(1);

  // peak: large square matrix product through the active kernels
  const n = o.peakSize ?? 512;
  const a = new Float32Array(n * n).map(() => rng.uniform() - 0.5);
  const b = new Float32Array(n * n).map(() => rng.uniform() - 0.5);
  const c = new Float32Array(n * n);
  k.matmul(c, a, b, n, n, n, false, false, false);
  let reps = 0;
  let t0 = performance.now();
  do { k.matmul(c, a, b, n, n, n, false, false, false); reps++; } while (performance.now() - t0 < Math.min(1000, seconds * 300));
  const peak = (2 * n * n * n * reps) / ((performance.now() - t0) / 1000) / 1e9;

  // training on random tokens
  const model = Transformer.create(config, 1);
  const trainer = new Trainer(model, { lr: 1e-4 }, k);
  const tokens = Array.from({ length: o.batch }, () => Array.from({ length: o.context }, () => rng.int(o.vocab)));
  trainer.step({ tokens }); // warm-up (allocates the workspace)
  let steps = 0;
  t0 = performance.now();
  do { trainer.step({ tokens }); steps++; } while (performance.now() - t0 < seconds * 1000 && steps < 1000);
  const stepMs = (performance.now() - t0) / steps;
  const trainTokensPerS = (o.batch * o.context * 1000) / stepMs;
  const flopsPerToken = trainFlopsPerToken(o);
  const trainGflops = (trainTokensPerS * flopsPerToken) / 1e9;

  // sampling: batch of sequences from BOS to the full context, no EOS (every sequence runs to length)
  const sampleBatch = o.sampleBatch ?? 64;
  const codec: TextCodec = { bos: 0, eos: -1, vocabSize: o.vocab, encode: () => [], decode: () => '' };
  const maxTokens = o.context - 1;
  sample(model, codec, [''], { n: Math.min(4, sampleBatch), temperature: 1, maxTokens: 4, seed: 1 }, k); // warm-up
  let generated = 0;
  let rounds = 0;
  t0 = performance.now();
  do {
    const out = sample(model, codec, [''], { n: sampleBatch, temperature: 1, maxTokens, seed: rounds }, k);
    for (const comp of out[0]!) generated += comp.tokens.length;
    rounds++;
  } while (performance.now() - t0 < seconds * 1000 && rounds < 100);
  const sampleTokensPerS = generated / ((performance.now() - t0) / 1000);

  return {
    kernels: k.name,
    config: { dModel: o.dModel, layers: o.layers, heads: o.heads, context: o.context, batch: o.batch, vocab: o.vocab },
    train_tokens_per_s: Math.round(trainTokensPerS),
    train_step_ms: Number(stepMs.toFixed(2)),
    train_gflops: Number(trainGflops.toFixed(2)),
    train_flops_per_token: flopsPerToken,
    sample_tokens_per_s: Math.round(sampleTokensPerS),
    sample_batch: sampleBatch,
    peak_gflops: Number(peak.toFixed(2)),
    peak_share: Number((trainGflops / peak).toFixed(3)),
  };
}
