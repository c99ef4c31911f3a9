import type { Command } from 'commander';
import { UserError } from '../errors.js';

/** `verdict eval`: pass@k and the verdict breakdown of a samples file against a benchmark. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Judge samples (JSONL {task_id, completion}) against a benchmark in the sandbox: pass@k, verdicts, compile rate')
    .requiredOption('--problems <file>', 'benchmark: HumanEval/HumanEval-X JSONL(.gz), MBPP JSONL, sanitized MBPP JSON, APPS folder or JSONL, MultiPL-E JSON')
    .requiredOption('--samples <file>', 'samples JSONL {task_id, completion}')
    .option('--k <list>', 'k values for pass@k, comma-separated', '1,10,100')
    .option('--timeout <seconds>', 'time limit per sample (wall and CPU)', parseFloat, 3)
    .option('--workers <n>', 'sandbox workers (default: number of cores)', (v) => parseInt(v, 10))
    .option('--out <file>', 'per-sample results JSONL (default: <samples>_results.jsonl); re-running resumes')
    .option('--json', 'print the figures as one JSON object (last line)')
    .option('--format <name>', 'benchmark format instead of detection (humaneval, humaneval-x, mbpp, mbpp-sanitized, apps, multipl-e)')
    .option('--isolation <mode>', "'auto' (warn about what the OS cannot enforce) or 'strict' (refuse instead)", 'auto')
    .option('--no-cache', 'do not use the verdict cache')
    .action(async (opts) => {
      const { runEvalCommand, EvalInputError } = await import('../../eval/command.js');
      const { EvalInterrupted } = await import('../../eval/run.js');
      if (opts.isolation !== 'auto' && opts.isolation !== 'strict') throw new UserError(`--isolation: expected auto or strict, got '${opts.isolation}'`);
      try {
        await runEvalCommand(opts);
      } catch (err) {
        if (err instanceof EvalInputError) throw new UserError(err.message);
        if (err instanceof EvalInterrupted) {
          process.stderr.write(`verdict: ${err.message}\n`);
          process.exit(130);
        }
        throw err;
      }
    });
}
