import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { intOption, numberOption } from '../options.js';

const num = numberOption;
const int = intOption;

export interface ExpertIterationCommandOptions {
  checkpoint?: string;
  rounds: number;
  samplesPerTask: number;
  out: string;
  seed: number;
  json?: boolean;
  trainTasks: number;
  testTasks?: number;
  capPerTask: number;
  temperature: number;
  evalN: number;
  evalTemperature: number;
  maxTokens: number;
  epochs: number;
  lr: number;
  batchSize: number;
  workers?: number;
  continueFromLast?: boolean;
}

/** `verdict expert-iteration`: ReST-EM on the built-in suite, evaluated on its test split before and after each round. */
export function registerExpertIteration(program: Command): void {
  program
    .command('expert-iteration')
    .description('Expert iteration (ReST-EM): sample on the built-in train split, keep programs that pass in the sandbox, fine-tune from the base model, evaluate on the test split')
    .option('--checkpoint <dir>', 'base model (default: the shipped models/base)')
    .option('--rounds <n>', 'generate + improve rounds', int('--rounds', 1), 1)
    .option('--samples-per-task <k>', 'programs sampled per training task', int('--samples-per-task', 1), 8)
    .option('--out <dir>', 'run folder: results, kept programs, checkpoints (re-running resumes)', 'runs/expert-iteration')
    .option('--seed <n>', 'seed for task subsets, sampling and training', int('--seed', 0), 0)
    .option('--json', 'print the figures as one JSON object (last line)')
    .option('--train-tasks <n>', 'training tasks sampled per round (0 = whole train split)', int('--train-tasks', 0), 800)
    .option('--test-tasks <n>', 'evaluate on the first n test tasks (default: the whole test split)', int('--test-tasks', 1))
    .option('--cap-per-task <n>', 'distinct passing programs kept per task (ReST-EM: 10)', int('--cap-per-task', 1), 10)
    .option('--temperature <t>', 'sampling temperature for the train split (ReST-EM: 0.7)', num('--temperature', (n) => n >= 0, 'a number >= 0'), 0.7)
    .option('--eval-n <n>', 'samples per test task', int('--eval-n', 1), 20)
    .option('--eval-temperature <t>', 'sampling temperature for evaluation', num('--eval-temperature', (n) => n >= 0, 'a number >= 0'), 0.8)
    .option('--max-tokens <n>', 'longest completion, tokens', int('--max-tokens', 1), 96)
    .option('--epochs <n>', 'fine-tuning epochs over the kept programs', int('--epochs', 1), 2)
    .option('--lr <x>', 'fine-tuning learning rate', num('--lr', (n) => n > 0, 'a number > 0'), 1e-3)
    .option('--batch-size <n>', 'fine-tuning batch size (sequences)', int('--batch-size', 1), 16)
    .option('--workers <n>', 'sandbox workers (default: number of cores)', int('--workers', 1))
    .option('--continue-from-last', 'fine-tune each round from the previous round instead of the base model (ReST-EM uses the base)')
    .action(async (o: ExpertIterationCommandOptions) => {
      await runExpertIterationCommand(o);
    });
}

export interface EvalFigures {
  'pass@1': number;
  'pass@10': number;
  compile_rate: number;
}

interface RoundRecord {
  round: number;
  generate: import('../../learn/expert-iteration.js').GenerateStats;
  train: { steps: number; examples: number; finalLoss: number; seconds: number };
  eval: EvalFigures;
  checkpoint: string;
  seconds: number;
}

interface RunState {
  version: 1;
  settings: Record<string, unknown>;
  before?: EvalFigures;
  rounds: RoundRecord[];
}

const pct = (x: number) => (100 * x).toFixed(1).padStart(6);

/** What the loop is built from; tests swap in fakes (no engine, no sandbox). */
export interface ExpertIterationDeps {
  openPolicy(checkpoint: string): Promise<import('../../policy/types.js').Policy>;
  openExecutor(workers: number, onWarning: (m: string) => void): Promise<import('../../exec/types.js').Executor>;
  fineTune: typeof import('../../learn/sft.js').supervisedFineTune;
  /** Refuses a folder that is not a checkpoint, before any work starts (default: none). */
  checkCheckpoint?(dir: string): Promise<void>;
}

async function defaultDeps(): Promise<ExpertIterationDeps> {
  const { checkpointDir } = await import('./sample.js');
  const { createPolicy } = await import('../../policy/index.js');
  const { createExecutor } = await import('../../exec/index.js');
  const { supervisedFineTune } = await import('../../learn/sft.js');
  return {
    openPolicy: (checkpoint) => createPolicy({ kind: 'local', checkpoint }),
    openExecutor: (workers, onWarning) => createExecutor({ workers, onWarning }),
    fineTune: supervisedFineTune,
    checkCheckpoint: async (dir) => {
      await checkpointDir(dir);
    },
  };
}

export async function runExpertIterationCommand(o: ExpertIterationCommandOptions, injected?: ExpertIterationDeps): Promise<{ before: EvalFigures; after: EvalFigures }> {
  const deps = injected ?? (await defaultDeps());
  const { mkdir, readFile, writeFile, rename } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const { availableParallelism } = await import('node:os');
  const { builtinTasks } = await import('../../tasks/builtin/index.js');
  const learn = await import('../../learn/index.js');
  const { readSamples, evaluateSamples } = await import('../../eval/index.js');
  const { defaultCheckpoint } = await import('./sample.js');

  const say = (m: string) => {
    if (!o.json) console.log(m);
    else console.error(m);
  };
  const base = resolve(o.checkpoint ?? (await defaultCheckpoint()));
  if (!existsSync(base)) throw new UserError(`--checkpoint: no such directory: ${base}`);
  await deps.checkCheckpoint?.(base);
  const outDir = resolve(o.out);
  await mkdir(outDir, { recursive: true });

  const settings = {
    checkpoint: base,
    samplesPerTask: o.samplesPerTask,
    seed: o.seed,
    trainTasks: o.trainTasks,
    testTasks: o.testTasks ?? null,
    capPerTask: o.capPerTask,
    temperature: o.temperature,
    evalN: o.evalN,
    evalTemperature: o.evalTemperature,
    maxTokens: o.maxTokens,
    epochs: o.epochs,
    lr: o.lr,
    batchSize: o.batchSize,
    fromBase: !o.continueFromLast,
  };
  const statePath = join(outDir, 'state.json');
  let state: RunState = { version: 1, settings, rounds: [] };
  if (existsSync(statePath)) {
    const prior = JSON.parse(await readFile(statePath, 'utf8')) as RunState;
    const changed = Object.keys(settings).filter((k) => JSON.stringify(prior.settings[k]) !== JSON.stringify((settings as Record<string, unknown>)[k]));
    if (changed.length) {
      throw new UserError(`${statePath}: this run folder was started with different settings (${changed.join(', ')}); use another --out or the same options`);
    }
    state = prior;
    say(`resuming ${outDir}: ${state.before ? 'baseline done, ' : ''}${state.rounds.length} round(s) done`);
  }
  const saveState = async () => {
    await writeFile(statePath + '.tmp', JSON.stringify(state, null, 2) + '\n');
    await rename(statePath + '.tmp', statePath);
  };

  const train = builtinTasks('train');
  const testAll = builtinTasks('test');
  const test = o.testTasks ? testAll.slice(0, o.testTasks) : testAll;
  const workers = o.workers ?? availableParallelism();
  const executor = await deps.openExecutor(workers, (m) => say(`warning: ${m}`));
  const config: import('../../learn/expert-iteration.js').ExpertIterationConfig = {
    ...learn.DEFAULT_EXPERT_ITERATION,
    rounds: o.rounds,
    samplesPerTask: o.samplesPerTask,
    temperature: o.temperature,
    maxTokens: o.maxTokens,
    capPerTask: o.capPerTask,
    fromBase: !o.continueFromLast,
    trainTasks: o.trainTasks,
    inFlight: 4 * workers,
    seed: o.seed,
  };

  const tty = process.stderr.isTTY;
  const progressBar = async (label: string, total: number) => {
    if (!tty) return undefined;
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar({ format: `${label.padEnd(22)} [{bar}] {value}/{total} | {eta_formatted} left`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0);
    return bar;
  };

  /** Test-split figures of a checkpoint: sample n per task, judge in the sandbox, pass@1/10 and compile rate. */
  const evaluate = async (checkpoint: string, dir: string, label: string): Promise<EvalFigures> => {
    await mkdir(dir, { recursive: true });
    const samplesFile = join(dir, 'test-samples.jsonl');
    const policy = await deps.openPolicy(checkpoint);
    let bar = await progressBar(`${label}: sample`, test.length);
    try {
      await learn.sampleToFile({
        policy,
        tasks: test,
        n: o.evalN,
        temperature: o.evalTemperature,
        maxTokens: o.maxTokens,
        seed: o.seed + 1_000_003,
        out: samplesFile,
        onProgress: (d) => bar?.update(d),
      });
    } finally {
      bar?.stop();
      await policy.close();
    }
    const samples = await readSamples(samplesFile, test, 'the built-in test split');
    bar = await progressBar(`${label}: judge`, samples.length);
    let result;
    try {
      result = await evaluateSamples({
        samples,
        executor,
        ks: [1, 10],
        inFlight: 4 * workers,
        out: join(dir, 'test-results.jsonl'),
        onProgress: (d) => {
          if (d % 32 === 0 || d === samples.length) bar?.update(d);
        },
      });
    } finally {
      bar?.stop();
    }
    const p = result.summary.passAtK;
    return { 'pass@1': p['pass@1'] ?? 0, 'pass@10': p['pass@10'] ?? Number.NaN, compile_rate: result.summary.compileRate };
  };

  try {
    if (!state.before) {
      say(`evaluating the base model on ${test.length} test tasks (n=${o.evalN}, T=${o.evalTemperature}) ...`);
      state.before = await evaluate(base, join(outDir, 'before'), 'base model');
      await saveState();
      say(`base: pass@1 ${pct(state.before['pass@1'])}%  pass@10 ${pct(state.before['pass@10'])}%  compile ${pct(state.before.compile_rate)}%`);
    }
    for (let r = state.rounds.length + 1; r <= o.rounds; r++) {
      const started = performance.now();
      const roundDir = join(outDir, `round-${r}`);
      await mkdir(roundDir, { recursive: true });
      const previous = state.rounds[r - 2]?.checkpoint;
      // Generate from the current policy (the last round's model); improve from the base (ReST-EM).
      const genCheckpoint = previous ?? base;
      const tasks = learn.roundTasks(train, config, r);
      say(`round ${r}: sampling ${config.samplesPerTask} programs for each of ${tasks.length} train tasks ...`);
      const policy = await deps.openPolicy(genCheckpoint);
      let bar = await progressBar(`round ${r}: generate`, tasks.length);
      let gen;
      try {
        gen = await learn.generateRound({
          policy,
          executor,
          tasks,
          config,
          round: r,
          onProgress: (p) => {
            if (p.phase === 'sample') bar?.update(p.done);
          },
        });
      } finally {
        bar?.stop();
        await policy.close();
      }
      await writeFile(join(roundDir, 'kept.jsonl'), gen.examples.map((e) => JSON.stringify(e) + '\n').join(''));
      await appendMetrics(join(roundDir, 'metrics.jsonl'), {
        step: 0,
        'generate/pass_rate': gen.stats.passRate,
        'generate/solved_rate': gen.stats.solvedRate,
        'generate/kept': gen.stats.kept,
        'generate/samples': gen.stats.samples,
        'generate/seconds': gen.stats.seconds,
      });
      say(`round ${r}: ${gen.stats.passed}/${gen.stats.samples} programs passed (${pct(gen.stats.passRate)}%), ${pct(gen.stats.solvedRate)}% of tasks solved, kept ${gen.stats.kept}`);
      if (gen.examples.length === 0) throw new Error(`round ${r}: no program passed, nothing to fine-tune on (try more --samples-per-task or a stronger checkpoint)`);
      const from = config.fromBase ? base : genCheckpoint;
      const ckpt = join(roundDir, 'checkpoint');
      const sftConfig = { ...learn.DEFAULT_SFT, epochs: o.epochs, learningRate: o.lr, batchSize: o.batchSize, seed: o.seed + r };
      const steps = learn.sftSteps(gen.examples.length, sftConfig);
      bar = await progressBar(`round ${r}: fine-tune`, steps);
      let trained;
      try {
        trained = await deps.fineTune({
          from,
          examples: gen.examples,
          config: sftConfig,
          out: ckpt,
          onStep: async (m) => {
            bar?.update(m.step);
            await appendMetrics(join(roundDir, 'metrics.jsonl'), m);
          },
        });
      } finally {
        bar?.stop();
      }
      say(`round ${r}: fine-tuned ${trained.steps} steps on ${gen.examples.length} programs (loss ${trained.finalLoss.toFixed(3)}) in ${trained.seconds.toFixed(0)} s`);
      const figures = await evaluate(ckpt, join(roundDir, 'eval'), `round ${r}`);
      state.rounds.push({
        round: r,
        generate: gen.stats,
        train: { steps: trained.steps, examples: gen.examples.length, finalLoss: trained.finalLoss, seconds: trained.seconds },
        eval: figures,
        checkpoint: ckpt,
        seconds: (performance.now() - started) / 1000,
      });
      await saveState();
      say(`round ${r}: pass@1 ${pct(figures['pass@1'])}%  pass@10 ${pct(figures['pass@10'])}%  compile ${pct(figures.compile_rate)}%  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await executor.close();
  }

  const before = state.before!;
  const after = state.rounds[Math.min(o.rounds, state.rounds.length) - 1]?.eval ?? before;
  const rows: Array<[string, EvalFigures, string]> = [['base', before, '']];
  for (const r of state.rounds.slice(0, o.rounds)) rows.push([`round ${r.round}`, r.eval, `${r.generate.kept} kept, ${r.seconds.toFixed(0)} s`]);
  const table = [
    `expert iteration (ReST-EM) on the built-in test split (${test.length} tasks, n=${o.evalN}, T=${o.evalTemperature})`,
    '',
    '  model      pass@1  pass@10  compile  notes',
    ...rows.map(([name, f, note]) => `  ${name.padEnd(9)} ${pct(f['pass@1'])}% ${pct(f['pass@10'])}%  ${pct(f.compile_rate)}%  ${note}`),
    '',
    `  change in pass@1: ${((after['pass@1'] - before['pass@1']) * 100 >= 0 ? '+' : '')}${((after['pass@1'] - before['pass@1']) * 100).toFixed(1)} points`,
    `  run folder: ${outDir}`,
  ].join('\n');
  if (o.json) {
    console.error(table);
    process.stdout.write(JSON.stringify({ before, after }) + '\n');
  } else {
    console.log('\n' + table);
  }
  return { before, after };
}

async function appendMetrics(file: string, record: Record<string, unknown>): Promise<void> {
  const { appendFile } = await import('node:fs/promises');
  await appendFile(file, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
}
