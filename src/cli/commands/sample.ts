import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { intOption, numberOption } from '../options.js';

const num = numberOption;
const int = intOption;

/** The checkpoint commands use when --checkpoint is omitted: the shipped base model. */
export async function defaultCheckpoint(): Promise<string> {
  const { fileURLToPath } = await import('node:url');
  const { join, dirname } = await import('node:path');
  const { existsSync } = await import('node:fs');
  // src/cli/commands (tsx) or dist/src/cli/commands (compiled): walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'models', 'base');
    dir = dirname(dir);
  }
  throw new UserError('cannot find the package root to locate models/base; pass --checkpoint');
}

/** The checkpoint a command uses (`--checkpoint`, else the shipped model), checked before any work starts. */
export async function checkpointDir(given: string | undefined): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const dir = resolve(given ?? (await defaultCheckpoint()));
  if (!existsSync(dir)) throw new UserError(`--checkpoint: no such directory: ${dir}`);
  if (!existsSync(join(dir, 'config.json'))) throw new UserError(`--checkpoint: ${dir} is not a Verdict checkpoint (no config.json)`);
  return dir;
}

export interface SampleCommandOptions {
  checkpoint?: string;
  policy: string;
  baseUrl?: string;
  model?: string;
  problems: string;
  n: number;
  temperature: number;
  maxTokens: number;
  topP?: number;
  seed: number;
  out: string;
  batch: number;
}

/** `verdict sample`: completions for every task of a problems file, as a samples JSONL `verdict eval` reads. */
export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('Sample completions for every task of a problems file into a samples JSONL {task_id, completion} (resumable)')
    .requiredOption('--problems <file>', 'tasks: built-in export, MBPP, HumanEval, ... (any format verdict eval reads)')
    .requiredOption('--out <file>', 'samples JSONL to write (re-running resumes)')
    .option('--checkpoint <dir>', 'local checkpoint (default: the shipped models/base)')
    .option('--policy <kind>', "'local' (a Verdict checkpoint) or 'openai' (an OpenAI-compatible /v1/completions server)", 'local')
    .option('--base-url <url>', 'server root for --policy openai, e.g. http://127.0.0.1:8000/v1')
    .option('--model <name>', 'model name for --policy openai')
    .option('--n <n>', 'samples per task', int('--n', 1), 20)
    .option('--temperature <t>', 'sampling temperature', num('--temperature', (n) => n >= 0, 'a number >= 0'), 0.8)
    .option('--top-p <p>', 'nucleus sampling mass', num('--top-p', (n) => n > 0 && n <= 1, 'a number in (0, 1]'))
    .option('--max-tokens <n>', 'longest completion, tokens', int('--max-tokens', 1), 128)
    .option('--seed <n>', 'sampling seed', int('--seed', 0), 0)
    .option('--batch <n>', 'prompts per policy call', int('--batch', 1), 16)
    .action(async (o: SampleCommandOptions) => {
      await runSampleCommand(o);
    });
}

export async function runSampleCommand(o: SampleCommandOptions): Promise<void> {
  const { loadTasks } = await import('../../tasks/index.js');
  const { createPolicy } = await import('../../policy/index.js');
  const { sampleToFile } = await import('../../learn/sampling.js');
  let tasks;
  try {
    tasks = await loadTasks(o.problems);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  if (o.policy !== 'local' && o.policy !== 'openai') throw new UserError(`--policy: expected local or openai, got '${o.policy}'`);
  let policy;
  if (o.policy === 'openai') {
    if (!o.baseUrl) throw new UserError('--policy openai needs --base-url (e.g. http://127.0.0.1:8000/v1)');
    if (!o.model) throw new UserError('--policy openai needs --model');
    policy = await createPolicy({ kind: 'openai', baseUrl: o.baseUrl, model: o.model });
  } else {
    const checkpoint = await checkpointDir(o.checkpoint);
    policy = await createPolicy({ kind: 'local', checkpoint });
  }
  let bar: import('cli-progress').SingleBar | undefined;
  if (process.stderr.isTTY) {
    const { SingleBar, Presets } = await import('cli-progress');
    bar = new SingleBar({ format: 'sample [{bar}] {value}/{total} tasks | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
    bar.start(tasks.length, 0);
  }
  try {
    const r = await sampleToFile({
      policy,
      tasks,
      n: o.n,
      temperature: o.temperature,
      maxTokens: o.maxTokens,
      seed: o.seed,
      out: o.out,
      batch: o.batch,
      ...(o.topP !== undefined ? { topP: o.topP } : {}),
      onProgress: (done) => bar?.update(done),
    });
    bar?.stop();
    console.error(`wrote ${r.samples} samples for ${r.tasks} tasks to ${o.out}${r.resumed ? ` (${r.resumed} tasks resumed)` : ''} in ${r.seconds.toFixed(1)} s`);
  } finally {
    bar?.stop();
    await policy.close();
  }
}
