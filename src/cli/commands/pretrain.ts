import type { Command } from 'commander';
import { UserError } from '../errors.js';

export interface PretrainCommandOptions {
  config?: string;
  out: string;
  export?: string;
  json?: boolean;
}

/** `verdict pretrain`: tokenizer + base model on the built-in corpus, resumable, with a loss report. */
export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description('Train the tokenizer and the base model on the built-in corpus (code as written, defects included); resumable')
    .option('--config <file>', 'YAML or JSON pretraining config (default: built-in defaults, as configs/pretrain.yaml)')
    .option('--out <dir>', 'run folder: checkpoint (latest, resumable), loss.json, loss.txt, corpus-stats.json', 'runs/pretrain')
    .option('--export <dir>', 'when done, copy the checkpoint here with record.json (how it was made), e.g. models/base')
    .option('--json', 'print the result as one JSON object (last line)')
    .action(async (o: PretrainCommandOptions) => {
      await runPretrainCommand(o);
    });
}

export async function loadPretrainConfig(file: string | undefined): Promise<import('../../learn/pretrain.js').PretrainConfig> {
  const { pretrainConfigSchema } = await import('../../learn/pretrain.js');
  if (!file) return pretrainConfigSchema.parse({});
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`--config: cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    const YAML = await import('yaml');
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  const parsed = pretrainConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file}: field '${issue.path.join('.')}': ${issue.message}`);
  }
  return parsed.data;
}

export async function runPretrainCommand(o: PretrainCommandOptions): Promise<void> {
  const { pretrain } = await import('../../learn/pretrain.js');
  const { resolve, join } = await import('node:path');
  const config = await loadPretrainConfig(o.config);
  const out = resolve(o.out);
  const say = (m: string) => (o.json ? console.error(m) : console.log(m));
  let bar: import('cli-progress').SingleBar | undefined;
  if (process.stderr.isTTY) {
    const { SingleBar, Presets } = await import('cli-progress');
    bar = new SingleBar({ format: 'pretrain [{bar}] {value}/{total} steps | loss {loss} | {eta_formatted} left', stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  }
  let started = false;
  const result = await pretrain({
    config,
    out,
    log: (m) => (bar && started ? undefined : say(m)),
    onProgress: (p) => {
      if (!bar) return;
      if (!started) {
        bar.start(p.total, p.step - 1, { loss: '-' });
        started = true;
      }
      bar.update(p.step, { loss: p.loss.toFixed(3) });
    },
  });
  bar?.stop();
  const { readFile, cp, rm, writeFile } = await import('node:fs/promises');
  say((await readFile(join(out, 'loss.txt'), 'utf8')).trimEnd());
  say(`pretrained ${result.steps} steps${result.resumedFrom ? ` (resumed at ${result.resumedFrom})` : ''} in ${(result.seconds / 60).toFixed(1)} min; loss ${result.finalLoss.toFixed(3)}, validation loss ${result.validationLoss.toFixed(3)}; checkpoint ${result.checkpoint}`);
  const record = {
    command: ['verdict', 'pretrain', ...(o.config ? ['--config', o.config] : []), ...(o.export ? ['--export', o.export] : [])].join(' '),
    config,
    seed: config.seed,
    corpus: result.corpus,
    trainingTokens: result.tokens,
    trainingSeconds: Math.round(result.seconds),
    finalLoss: result.finalLoss,
    validationLoss: result.validationLoss,
    commit: await gitCommit(),
    node: process.version,
    createdAt: new Date().toISOString(),
  };
  if (o.export) {
    const dest = resolve(o.export);
    await rm(dest, { recursive: true, force: true });
    await cp(result.checkpoint, dest, { recursive: true });
    // The shipped copy needs no optimizer state.
    for (const f of ['optimizer.safetensors', 'trainer.json']) await rm(join(dest, f), { force: true });
    await cp(join(out, 'loss.txt'), join(dest, 'loss.txt'));
    await writeFile(join(dest, 'record.json'), JSON.stringify(record, null, 2) + '\n');
    say(`exported to ${dest}`);
  }
  if (o.json) process.stdout.write(JSON.stringify({ checkpoint: o.export ? resolve(o.export) : result.checkpoint, ...record }) + '\n');
}

async function gitCommit(): Promise<string | null> {
  const { execFile } = await import('node:child_process');
  return new Promise((res) => {
    execFile('git', ['rev-parse', 'HEAD'], { timeout: 5000 }, (err, stdout) => res(err ? null : stdout.trim()));
  });
}
