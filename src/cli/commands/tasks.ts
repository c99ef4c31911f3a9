import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { intOption } from '../options.js';


/** `verdict tasks builtin`: export a split of the built-in suite as MBPP-style JSONL. */
export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('Task suites');
  tasks
    .command('builtin')
    .description('Export a split of the built-in Python task suite as MBPP-style JSONL (every tool loads it like MBPP)')
    .option('--split <name>', 'train, validation or test', 'test')
    .option('--out <file>', 'output JSONL (.gz to compress); default: stdout')
    .option('--seed <n>', 'suite seed', intOption('--seed', 0))
    .option('--count <n>', 'number of tasks (default: 2400 train, 240 validation, 360 test)', intOption('--count', 1))
    .option('--families <ids>', 'comma-separated family ids (default: all)')
    .action(async (opts: { split: string; out?: string; seed?: number; count?: number; families?: string }) => {
      const { builtinTasks, BUILTIN_SPLITS, FAMILIES } = await import('../../tasks/builtin/index.js');
      const { writeMbppJsonl, mbppRecord } = await import('../../tasks/index.js');
      if (!(BUILTIN_SPLITS as readonly string[]).includes(opts.split)) {
        throw new UserError(`--split: expected one of ${BUILTIN_SPLITS.join(', ')}, got '${opts.split}'`);
      }
      const families = opts.families?.split(',').map((s) => s.trim()).filter(Boolean);
      for (const f of families ?? []) {
        if (!FAMILIES.some((x) => x.id === f)) throw new UserError(`--families: unknown family '${f}' (known: ${FAMILIES.map((x) => x.id).join(', ')})`);
      }
      const list = builtinTasks(opts.split as 'train' | 'validation' | 'test', {
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.count !== undefined ? { count: opts.count } : {}),
        ...(families ? { families } : {}),
      });
      if (opts.out) {
        await writeMbppJsonl(list, opts.out);
        console.error(`wrote ${list.length} ${opts.split} tasks to ${opts.out}`);
      } else {
        for (const t of list) process.stdout.write(JSON.stringify(mbppRecord(t)) + '\n');
      }
    });
}
