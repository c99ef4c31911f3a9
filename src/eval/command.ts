/**
 * `verdict eval --problems FILE --samples FILE [--k 1,10,100] [--timeout S] [--workers N]
 * [--out FILE] [--json]`: load the benchmark and the samples, judge every sample in the sandbox,
 * write per-sample results (resuming an interrupted run), print the figures.
 */
import { availableParallelism } from 'node:os';
import { createExecutor, type Executor, type ExecutorOptions, type Limits } from '../exec/index.js';
import { TaskFormatError, loadTasks, type TaskFormat } from '../tasks/index.js';
import { readSamples } from './samples.js';
import { evaluateSamples, type EvaluateResult } from './run.js';
import { reportJson, reportTable } from './report.js';

export interface EvalCommandOptions {
  problems: string;
  samples: string;
  /** "1,10,100" */
  k?: string;
  /** Seconds per sample (wall and CPU). */
  timeout?: number;
  workers?: number;
  out?: string;
  json?: boolean;
  format?: TaskFormat;
  isolation?: 'auto' | 'strict';
  cache?: boolean;
}

/** An error in the user's input (the CLI turns it into a UserError). */
export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}

export function parseKs(text: string): number[] {
  const ks = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new EvalInputError(`--k: expected positive integers separated by commas (e.g. 1,10,100), got '${text}'`);
  }
  return ks;
}

/** The sandbox executor (src/exec), with the options `verdict eval` and the benchmark use. */
export async function createSandboxExecutor(options: ExecutorOptions): Promise<Executor> {
  return createExecutor(options);
}

/**
 * Samples submitted at once for `workers` sandbox workers. Deeper than the pool so that workers
 * never wait for the next program (measured on 2 cores: 8 in flight ~170/s, 32 in flight ~270-490/s).
 */
export function inFlightFor(workers: number): number {
  return 16 * workers;
}

/** Limits for a per-sample timeout in seconds: wall and CPU time both. */
export function timeoutLimits(seconds: number): Partial<Limits> {
  const ms = Math.round(seconds * 1000);
  return { wallMs: ms, cpuMs: ms };
}

export async function runEvalCommand(o: EvalCommandOptions): Promise<EvaluateResult> {
  const ks = parseKs(o.k ?? '1,10,100');
  const timeout = o.timeout ?? 3;
  if (!(timeout > 0)) throw new EvalInputError(`--timeout: expected seconds > 0, got ${o.timeout}`);
  const workers = o.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) throw new EvalInputError(`--workers: expected a positive integer, got ${o.workers}`);
  const out = o.out ?? `${o.samples}_results.jsonl`;
  const say = (m: string) => process.stderr.write(`verdict: ${m}\n`);

  let tasks, samples;
  try {
    tasks = await loadTasks(o.problems, { ...(o.format ? { format: o.format } : {}), onWarning: (m) => say(`warning: ${m}`) });
    samples = await readSamples(o.samples, tasks, o.problems);
  } catch (err) {
    if (err instanceof TaskFormatError) throw new EvalInputError(err.message);
    throw err;
  }
  if (samples.length === 0) throw new EvalInputError(`${o.samples}: no samples`);
  const attempted = new Set(samples.map((s) => s.task.id)).size;
  if (attempted < tasks.length) say(`note: ${attempted} of ${tasks.length} problems have samples; pass@k is over those ${attempted}`);

  const limits = timeoutLimits(timeout);
  const executor = await createSandboxExecutor({
    workers,
    limits,
    ...(o.isolation ? { isolation: o.isolation } : {}),
    ...(o.cache === false ? { cache: false } : {}),
    onWarning: (m) => say(`warning: ${m}`),
  });

  let bar: import('cli-progress').SingleBar | undefined;
  if (process.stderr.isTTY) {
    const { SingleBar, Presets } = await import('cli-progress');
    bar = new SingleBar(
      { format: 'judging {bar} {value}/{total} | {percentage}% | ETA {eta}s', etaBuffer: 200, stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
  }
  let barStarted = false;
  let result: EvaluateResult;
  // Ctrl-C: write every result received so far, then stop (a re-run resumes).
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    result = await evaluateSamples({
      samples,
      executor,
      limits,
      ks,
      inFlight: inFlightFor(workers),
      out,
      signal: stop.signal,
      onProgress: (done, total) => {
        if (!bar) return;
        if (!barStarted) {
          bar.start(total, done);
          barStarted = true;
        } else if (done === total || done % 16 === 0) bar.update(done);
      },
    });
  } catch (err) {
    if (err instanceof TaskFormatError) throw new EvalInputError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    bar?.stop();
    await executor.close();
  }
  for (const d of result.summary.droppedK) say(`pass@${d.k} not reported: ${d.reason}`);
  if (result.summary.sandboxErrors) say(`${result.summary.sandboxErrors} sample(s) ended in sandbox_error (harness fault; excluded; re-run to retry them)`);
  if (o.json) {
    process.stdout.write(JSON.stringify(reportJson(result, { results: out })) + '\n');
  } else {
    process.stdout.write(reportTable(result, `verdict eval: ${o.samples} against ${o.problems}`) + `\n\n  results: ${out}\n`);
  }
  return result;
}
