/**
 * The `verdict` command. Each subcommand lives in its own file under ./commands and registers
 * itself on the program; implementations are imported lazily inside the actions so that
 * `verdict --help` and small commands start fast.
 */
import { Command } from 'commander';
import { registerEval } from './commands/eval.js';
import { registerRun } from './commands/run.js';
import { registerTasks } from './commands/tasks.js';
import { registerPretrain } from './commands/pretrain.js';
import { registerSample } from './commands/sample.js';
import { registerExpertIteration } from './commands/expert-iteration.js';
import { registerBench } from './commands/bench.js';
import { registerReward } from './commands/reward.js';
import { registerServe } from './commands/serve.js';
import { registerServeModel } from './commands/serve-model.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('verdict')
    .description('Teach code-generating language models from execution feedback.')
    .version('0.1.0')
    .showHelpAfterError();
  for (const register of [
    registerEval,
    registerRun,
    registerTasks,
    registerPretrain,
    registerSample,
    registerExpertIteration,
    registerBench,
    registerReward,
    registerServe,
    registerServeModel,
  ]) {
    register(program);
  }
  return program;
}

/** Runs the CLI; user errors print one clear line and exit 1, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code?.startsWith('commander.')) process.exit(1);
    if (process.env.VERDICT_DEBUG) console.error(e.stack);
    console.error(`verdict: ${e.message}`);
    process.exit(1);
  }
}
