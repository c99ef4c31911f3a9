import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { intOption } from '../options.js';

const positiveInt = (name: string) => intOption(name, 1);

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks');
  bench
    .command('model')
    .description('transformer engine speed: training and sampling tokens/s, GFLOP/s against a matrix-product peak')
    .option('--d-model <n>', 'model width', positiveInt('d-model'), 128)
    .option('--layers <n>', 'transformer blocks', positiveInt('layers'), 4)
    .option('--heads <n>', 'attention heads', positiveInt('heads'), 4)
    .option('--context <n>', 'sequence length', positiveInt('context'), 128)
    .option('--batch <n>', 'training batch (sequences)', positiveInt('batch'), 16)
    .option('--vocab <n>', 'vocabulary size', positiveInt('vocab'), 96)
    .option('--sample-batch <n>', 'sequences sampled together', positiveInt('sample-batch'), 64)
    .option('--seconds <s>', 'time budget per measurement', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new UserError(`--seconds: expected a positive number, got "${v}"`);
      return n;
    }, 3)
    .option('--kernels <which>', 'auto | native | typescript', 'auto')
    .option('--json', 'print the result as one JSON line at the end')
    .action(async (opts: {
      dModel: number; layers: number; heads: number; context: number; batch: number; vocab: number;
      sampleBatch: number; seconds: number; kernels: string; json?: boolean;
    }) => {
      if (!['auto', 'native', 'typescript'].includes(opts.kernels)) {
        throw new UserError(`--kernels: expected auto, native or typescript, got "${opts.kernels}"`);
      }
      if (opts.dModel % opts.heads !== 0) throw new UserError(`--heads: ${opts.heads} does not divide --d-model ${opts.dModel}`);
      const { runModelBench } = await import('../../model/bench.js');
      const r = runModelBench({ ...opts, kernels: opts.kernels as 'auto' | 'native' | 'typescript' });
      const c = r.config;
      console.log(`model d${c.dModel} L${c.layers} H${c.heads} ctx${c.context} batch${c.batch} vocab${c.vocab}, ${r.kernels} kernels`);
      console.log(`training: ${r.train_tokens_per_s} tokens/s (${r.train_step_ms} ms/step), ${r.train_gflops} GFLOP/s`);
      console.log(`sampling: ${r.sample_tokens_per_s} tokens/s at batch ${r.sample_batch} (KV cache)`);
      console.log(`matrix-product peak: ${r.peak_gflops} GFLOP/s; training reaches ${(100 * r.peak_share).toFixed(1)}% of it`);
      if (opts.json) {
        console.log(JSON.stringify({
          train_tokens_per_s: r.train_tokens_per_s, sample_tokens_per_s: r.sample_tokens_per_s,
          train_gflops: r.train_gflops, peak_gflops: r.peak_gflops,
        }));
      }
    });
}
