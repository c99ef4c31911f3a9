/**
 * The evaluation core behind `verdict eval` (and `npm run bench:exec`): judge samples through an
 * Executor with a bounded number in flight, write each result as it arrives, resume from an
 * earlier results file, and summarize.
 */
import type { Executor, Limits, Verdict } from '../exec/types.js';
import { summarize, type EvalSummary, type JudgedSample } from './metrics.js';
import { ResultsWriter, readPriorResults, resultRecord, sortResultsFile } from './results.js';
import type { LoadedSample } from './samples.js';

export interface EvaluateOptions {
  samples: readonly LoadedSample[];
  executor: Executor;
  /** Per-sample limits (e.g. wall and CPU time from --timeout). */
  limits?: Partial<Limits>;
  /** k for pass@k (default 1, 10, 100; a k is reported only when every problem has n >= k). */
  ks?: readonly number[];
  /** Samples submitted at once (default 64; the CLI uses 4 x workers). */
  inFlight?: number;
  /** Results JSONL. When it exists, samples already judged there are skipped (resume). */
  out?: string;
  /**
   * Stops the run (e.g. on Ctrl-C): no new samples are submitted, every result already received is
   * written, and evaluateSamples rejects with an EvalInterrupted. Samples still in flight are
   * judged again on resume.
   */
  signal?: AbortSignal;
  /** Called after each judged sample (and once at the start with the resumed count). */
  onProgress?: (done: number, total: number) => void;
}

export interface EvaluateResult {
  summary: EvalSummary;
  /** Samples judged in this run. */
  judged: number;
  /** Samples taken from the earlier results file. */
  resumed: number;
  /** Wall time of this run's judging. */
  seconds: number;
  /** judged / seconds. */
  programsPerSecond: number;
}

/** The run was stopped through `signal`; `saved` results are in the results file. */
export class EvalInterrupted extends Error {
  constructor(readonly saved: number) {
    super(`interrupted: ${saved} result(s) saved; re-run with the same --out to resume`);
    this.name = 'EvalInterrupted';
  }
}

export async function evaluateSamples(opts: EvaluateOptions): Promise<EvaluateResult> {
  const { samples, executor } = opts;
  const ks = opts.ks ?? [1, 10, 100];
  const inFlight = Math.max(1, Math.floor(opts.inFlight ?? 64));
  const judged: (JudgedSample | undefined)[] = new Array(samples.length);

  // Resume: earlier verdicts count, except sandbox errors (our fault), which are judged again.
  let resumed = 0;
  if (opts.out) {
    for (const p of (await readPriorResults(opts.out, samples)).values()) {
      if (p.status === 'sandbox_error') continue;
      judged[p.index] = { taskId: p.taskId, status: p.status, ...(p.errorType ? { errorType: p.errorType } : {}) };
      resumed++;
    }
  }
  const todo: number[] = [];
  for (let i = 0; i < samples.length; i++) if (!judged[i]) todo.push(i);

  const writer = opts.out ? await ResultsWriter.open(opts.out) : undefined;
  let done = resumed;
  opts.onProgress?.(done, samples.length);
  const started = performance.now();
  let next = 0;
  let aborted: Error | undefined;
  let stopped = false; // interrupted: results arriving later are dropped (judged again on resume)
  const lane = async (): Promise<void> => {
    while (next < todo.length && !aborted && !stopped) {
      const i = todo[next++]!;
      const s = samples[i]!;
      let v: Verdict;
      try {
        v = await executor.judge({ task: s.task, completion: s.completion, ...(opts.limits ? { limits: opts.limits } : {}) });
      } catch (err) {
        // The executor promises never to reject for the model's faults: this is a harness failure.
        aborted ??= err as Error;
        return;
      }
      if (stopped) return;
      judged[i] = { taskId: s.task.id, status: v.status, ...(v.errorType ? { errorType: v.errorType } : {}) };
      writer?.add(resultRecord(s, v));
      opts.onProgress?.(++done, samples.length);
    }
  };
  const signal = opts.signal;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onAbort = () => {
      stopped = true;
      resolve('interrupted');
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  let outcome: 'done' | 'interrupted';
  try {
    const lanes = Promise.all(Array.from({ length: Math.min(inFlight, Math.max(1, todo.length)) }, lane));
    outcome = await Promise.race([lanes.then(() => 'done' as const), interrupted]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await writer?.close();
  }
  if (outcome === 'interrupted') throw new EvalInterrupted(done);
  const seconds = (performance.now() - started) / 1000;
  if (aborted) throw new Error(`the executor failed after ${done - resumed} sample(s) (results so far are saved; re-run to resume): ${aborted.message}`);
  if (opts.out) await sortResultsFile(opts.out);
  const summary = summarize(judged.filter((j): j is JudgedSample => j !== undefined), ks);
  const count = todo.length;
  return { summary, judged: count, resumed, seconds, programsPerSecond: seconds > 0 ? count / seconds : 0 };
}
