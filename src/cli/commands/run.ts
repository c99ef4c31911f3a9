import type { Command } from 'commander';
import { UserError } from '../errors.js';

interface RunOptions {
  lang: string;
  stdin?: string;
  timeout?: string;
  memoryMb?: string;
  json?: boolean;
  isolation?: string;
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag} must be a positive number (got ${JSON.stringify(value)})`);
  return n;
}

/** `verdict run FILE --lang python|javascript`: run one program in the sandbox. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one program in the sandbox and report its status, output, time and memory.')
    .argument('<file>', 'program file')
    .requiredOption('--lang <language>', 'python or javascript')
    .option('--stdin <file>', 'file given as standard input (default: empty, immediate EOF)')
    .option('--timeout <seconds>', 'wall-clock limit in seconds (CPU limit is the same)', '10')
    .option('--memory-mb <n>', 'memory limit in MiB', '512')
    .option('--isolation <mode>', 'auto (warn about what the OS cannot enforce) or strict (refuse)', 'auto')
    .option('--json', 'print {status, exit_code, signal, stdout, stderr, time_ms, memory_kb}')
    .action(async (file: string, opts: RunOptions) => {
      const { readFile } = await import('node:fs/promises');
      if (opts.lang !== 'python' && opts.lang !== 'javascript') {
        throw new UserError(`--lang must be python or javascript (got ${JSON.stringify(opts.lang)})`);
      }
      if (opts.isolation !== 'auto' && opts.isolation !== 'strict') {
        throw new UserError(`--isolation must be auto or strict (got ${JSON.stringify(opts.isolation)})`);
      }
      const read = async (path: string, what: string) => {
        try {
          return await readFile(path, 'utf8');
        } catch (e) {
          throw new UserError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      };
      const code = await read(file, 'program file');
      const stdin = opts.stdin !== undefined ? await read(opts.stdin, '--stdin file') : undefined;
      const seconds = positive(opts.timeout, '--timeout')!;
      const memoryMb = Math.round(positive(opts.memoryMb, '--memory-mb')!);
      const { createExecutor } = await import('../../exec/index.js');
      const ex = await createExecutor({ workers: 1, cache: false, isolation: opts.isolation });
      try {
        const r = await ex.run({
          language: opts.lang,
          code,
          stdin,
          limits: { wallMs: Math.round(seconds * 1000), cpuMs: Math.round(seconds * 1000), memoryMb },
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(r) + '\n');
        } else {
          process.stdout.write(r.stdout);
          process.stderr.write(r.stderr);
          const how = r.signal ? `signal ${r.signal}` : `exit ${r.exit_code}`;
          process.stderr.write(`[${r.status}] ${how}, ${r.time_ms.toFixed(1)} ms, ${Math.round(r.memory_kb / 1024)} MiB\n`);
        }
        process.exitCode = r.status === 'ok' ? 0 : r.status === 'sandbox_error' ? 2 : 1;
      } finally {
        await ex.close();
      }
    });
}
