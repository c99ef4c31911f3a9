import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { intOption } from '../options.js';

const int = intOption;

/** `verdict serve`: the execution and reward server (SandboxFusion /run_code, OpenRLHF /get_reward, /v1/execute). */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve sandboxed execution and rewards over HTTP: SandboxFusion /run_code (veRL), OpenRLHF /get_reward, /v1/execute, /health, /metrics')
    .option('--port <port>', 'TCP port (0 = any free port)', int('port', 0), 8080)
    .option('--host <host>', 'address to listen on (0.0.0.0 to accept other machines)', '127.0.0.1')
    .option('--workers <n>', 'sandbox workers (default: one per core)', int('workers', 1))
    .option('--token <secret>', 'require "Authorization: Bearer <secret>" (or set VERDICT_SERVE_TOKEN)')
    .option('--reward <kind>', 'reward reported by /get_reward: binary, error-type or composite', 'binary')
    .option('--reward-config <file>', 'composite reward config, YAML or JSON (see docs/rewards.md); required with --reward composite')
    .option('--max-batch <n>', 'most programs in one request', int('max-batch', 1), 256)
    .option('--max-queue <n>', 'most programs admitted at once before answering 429', int('max-queue', 1), 1024)
    .option('--retry-after <s>', 'Retry-After seconds sent with 429', int('retry-after', 0), 1)
    .option('--body-limit <mb>', 'largest request body, MiB', int('body-limit', 1), 16)
    .option('--isolation <mode>', 'sandbox isolation: auto or strict', 'auto')
    .option('--no-cache', 'judge every program even when the same one was judged before')
    .option('--log', 'log every request (JSON lines on stdout)', false)
    .action(async (o: {
      port: number; host: string; workers?: number; token?: string; reward: string; rewardConfig?: string; maxBatch: number; maxQueue: number;
      retryAfter: number; bodyLimit: number; isolation: string; cache: boolean; log: boolean;
    }) => {
      const { createExecServer, REWARD_KINDS, onShutdown, compositeRewardFor } = await import('../../serve/index.js');
      if (!(REWARD_KINDS as readonly string[]).includes(o.reward)) throw new UserError(`--reward must be one of ${REWARD_KINDS.join(', ')}, got ${JSON.stringify(o.reward)}`);
      if (o.isolation !== 'auto' && o.isolation !== 'strict') throw new UserError(`--isolation must be auto or strict, got ${JSON.stringify(o.isolation)}`);
      const reward = o.reward as 'binary' | 'error-type' | 'composite';
      if ((reward === 'composite') !== (o.rewardConfig !== undefined)) throw new UserError('--reward composite and --reward-config <file> go together');
      let compositeReward;
      if (o.rewardConfig) {
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(o.rewardConfig, 'utf8').catch((e: Error) => Promise.reject(new UserError(`--reward-config ${o.rewardConfig}: ${e.message}`)));
        compositeReward = await compositeRewardFor(text, o.rewardConfig).catch((e: Error) => Promise.reject(new UserError(e.message)));
      }
      const { createExecutor } = await import('../../exec/index.js');
      const executor = await createExecutor({
        workers: o.workers,
        isolation: o.isolation as 'auto' | 'strict',
        cache: o.cache,
        onWarning: (m: string) => console.error(`verdict serve: ${m}`),
      });
      const server = await createExecServer({
        executor,
        token: o.token ?? (process.env.VERDICT_SERVE_TOKEN || undefined),
        reward,
        compositeReward,
        maxBatch: o.maxBatch,
        maxQueue: o.maxQueue,
        retryAfterSeconds: o.retryAfter,
        bodyLimitBytes: o.bodyLimit << 20,
        executorStats: () => {
          const st = executor.stats();
          return { queued: st.queued, running: st.running, workers: st.workers, cacheHits: st.cacheHits, cacheMisses: st.cacheMisses, sandboxErrors: st.sandboxError };
        },
        logger: o.log,
      });
      let url: string;
      try {
        url = await server.listen(o.port, o.host);
      } catch (err) {
        await executor.close();
        throw new UserError(`cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`);
      }
      console.log(`verdict serve listening on ${url} (reward: ${reward}${o.token || process.env.VERDICT_SERVE_TOKEN ? ', bearer token required' : ''})`);
      onShutdown('verdict serve', async () => {
        await server.close();
        await executor.close();
      });
    });
}
