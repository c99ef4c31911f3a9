/**
 * `npm run bench:model`: the engine benchmark (src/model/bench.ts) on the configuration
 * (d_model 128, 4 layers, 4 heads, context 128, batch 16, vocabulary 96; sampling at batch 64).
 * Prints ONE JSON line. Env: VERDICT_BENCH_SECONDS (per measurement, default 3),
 * VERDICT_NO_NATIVE=1 (TypeScript kernels).
 */
import { runModelBench } from '../src/model/bench.js';

const seconds = Number(process.env.VERDICT_BENCH_SECONDS ?? 3);
const r = runModelBench({ dModel: 128, layers: 4, heads: 4, context: 128, batch: 16, vocab: 96, seconds });
console.log(JSON.stringify(r));
