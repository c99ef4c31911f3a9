import type { Command } from 'commander';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import { intOption } from '../options.js';

const int = intOption;

/** `verdict serve-model`: a Verdict checkpoint behind an OpenAI-compatible /v1/completions. */
export function registerServeModel(program: Command): void {
  program
    .command('serve-model')
    .description('Serve a Verdict checkpoint as an OpenAI-compatible completions server (/v1/completions, /v1/models)')
    .option('--checkpoint <dir>', 'checkpoint directory (default: the shipped models/base)')
    .option('--port <port>', 'TCP port (0 = any free port)', int('port', 0), 8000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--name <name>', 'model name reported and required in requests (default: the checkpoint folder name)')
    .option('--batch-window-ms <ms>', 'how long a request waits for others to share its forward pass', int('batch-window-ms', 0), 5)
    .option('--max-batch <n>', 'most sequences (prompts x n) per forward pass', int('max-batch', 1), 64)
    .option('--log', 'log every request (JSON lines on stdout)', false)
    .action(async (o: { checkpoint?: string; port: number; host: string; name?: string; batchWindowMs: number; maxBatch: number; log: boolean }) => {
      const { loadServedModel } = await import('../../policy/local.js');
      const { createModelServer, onShutdown } = await import('../../serve/index.js');
      const { checkpointDir } = await import('./sample.js');
      const dir = await checkpointDir(o.checkpoint);
      const name = o.name ?? basename(dir);
      const model = await loadServedModel(dir, name);
      const server = createModelServer({ model, batchWindowMs: o.batchWindowMs, maxBatchSequences: o.maxBatch, logger: o.log });
      let url: string;
      try {
        url = await server.listen(o.port, o.host);
      } catch (err) {
        await model.policy.close();
        throw new UserError(`cannot listen on ${o.host}:${o.port}: ${(err as Error).message}`);
      }
      console.log(`verdict serve-model listening on ${url}/v1 (model: ${name})`);
      onShutdown('verdict serve-model', async () => {
        await server.close();
        await model.policy.close();
      });
    });
}
