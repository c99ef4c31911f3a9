/**
 * The per-sample results file: JSONL written as verdicts arrive (batched appends, never one
 * synchronous write per sample), read back to resume after an interruption, and rewritten in
 * sample order at the end.
 *
 * Each line is the sample's own fields plus `sample_index` (its position in the samples file),
 * `passed`, `verdict`, `result` (human-eval's wording), `tests` and details.
 */
import { open, readFile, rename, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { VERDICT_STATUSES, type Verdict, type VerdictStatus } from '../exec/types.js';
import { TaskFormatError } from '../tasks/index.js';
import type { LoadedSample } from './samples.js';

/** human-eval's wording: "passed", "timed out", or "failed: <message>". */
export function humanEvalResult(v: Verdict): string {
  if (v.status === 'passed') return 'passed';
  if (v.status === 'timeout') return 'timed out';
  const reason =
    v.message ??
    (v.status === 'runtime_error' && v.errorType ? v.errorType : v.errorType ? `${v.status.replace('_', ' ')} (${v.errorType})` : v.status.replace('_', ' '));
  return `failed: ${reason}`;
}

/** The results line for one judged sample. */
export function resultRecord(sample: LoadedSample, v: Verdict): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    ...sample.fields,
    sample_index: sample.index,
    passed: v.status === 'passed',
    verdict: v.status,
    result: humanEvalResult(v),
    tests: v.tests,
  };
  if (v.failedTest !== undefined) rec.failed_test = v.failedTest;
  if (v.errorType !== undefined) rec.error_type = v.errorType;
  if (v.errorLine !== undefined) rec.error_line = v.errorLine;
  rec.time_ms = v.timeMs;
  rec.memory_kb = v.memoryKb;
  if (v.cached) rec.cached = true;
  return rec;
}

/** What resuming needs to know of an earlier result. */
export interface PriorResult {
  index: number;
  taskId: string;
  status: VerdictStatus;
  errorType?: string;
}

function mismatch(out: string, line: number, what: string): TaskFormatError {
  return new TaskFormatError(
    `${out}:${line}: ${what}; this results file does not belong to these samples (pass another --out, or remove it)`,
    out,
    line,
  );
}

/**
 * Reads an existing results file for resuming. Later lines win (sandbox errors are re-judged and
 * appended). A torn last line (a crash mid-write) is cut off; any other bad line is an error.
 * Returns an empty map when the file does not exist.
 */
export async function readPriorResults(out: string, samples: readonly LoadedSample[]): Promise<Map<number, PriorResult>> {
  const prior = new Map<number, PriorResult>();
  let buf: Buffer;
  try {
    buf = await readFile(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return prior;
    throw new TaskFormatError(`${out}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, out);
  }
  const lastNewline = buf.lastIndexOf(0x0a);
  const tail = buf.subarray(lastNewline + 1).toString('utf8');
  const lines = buf.subarray(0, lastNewline + 1).toString('utf8').split('\n');
  lines.pop(); // after the final newline
  let tailParsed: unknown;
  if (tail.trim() !== '') {
    try {
      tailParsed = JSON.parse(tail);
    } catch {
      // Torn by a crash: drop the partial line so that appends start on a fresh line.
      await truncate(out, lastNewline + 1);
    }
  }
  const entries: [number, string][] = lines.map((l, i) => [i + 1, l]);
  if (tailParsed !== undefined) {
    // A complete last line without its newline: keep it, and finish the line before appending.
    entries.push([lines.length + 1, tail]);
    await writeFile(out, '\n', { flag: 'a' });
  }
  for (const [lineNo, text] of entries) {
    if (text.trim() === '') continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new TaskFormatError(`${out}:${lineNo}: not valid JSON (a damaged results file; pass another --out)`, out, lineNo);
    }
    const idx = o.sample_index;
    if (typeof idx !== 'number' || !Number.isInteger(idx)) {
      throw mismatch(out, lineNo, "field 'sample_index' missing (not a results file written by verdict eval)");
    }
    const s = samples[idx];
    if (!s) throw mismatch(out, lineNo, `sample_index ${idx} is beyond the ${samples.length} samples`);
    if (String(o.task_id) !== String(s.fields.task_id) || o.completion !== s.completion) {
      throw mismatch(out, lineNo, `sample_index ${idx} has task_id ${JSON.stringify(o.task_id)} and a completion that differ from samples line ${s.line}`);
    }
    if (typeof o.verdict !== 'string' || !(VERDICT_STATUSES as readonly string[]).includes(o.verdict)) {
      throw mismatch(out, lineNo, `field 'verdict': expected one of ${VERDICT_STATUSES.join(', ')}`);
    }
    prior.set(idx, {
      index: idx,
      taskId: s.task.id,
      status: o.verdict as VerdictStatus,
      ...(typeof o.error_type === 'string' ? { errorType: o.error_type } : {}),
    });
  }
  return prior;
}

/** Appends lines in batches: at most one write in flight, flushed by size or after a short delay. */
export class ResultsWriter {
  private pending: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly fh: FileHandle,
    private readonly batchLines: number,
    private readonly delayMs: number,
  ) {}

  static async open(path: string, opts: { batchLines?: number; delayMs?: number } = {}): Promise<ResultsWriter> {
    return new ResultsWriter(await open(path, 'a'), opts.batchLines ?? 512, opts.delayMs ?? 200);
  }

  add(record: Record<string, unknown>): void {
    if (this.failure) throw this.failure;
    this.pending.push(JSON.stringify(record) + '\n');
    if (this.pending.length >= this.batchLines) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Starts writing what is pending; resolves when everything so far is written. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length) {
      const text = this.pending.join('');
      this.pending = [];
      this.chain = this.chain.then(async () => {
        if (this.failure) return;
        try {
          await this.fh.write(text);
        } catch (err) {
          this.failure = err as Error;
        }
      });
    }
    return this.chain.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.fh.close();
    }
  }
}

/**
 * Rewrites the results file in sample order, one line per sample (the last line for a sample
 * wins). Nothing is rewritten when the file is already in order. Atomic: temp file + rename.
 */
export async function sortResultsFile(out: string): Promise<void> {
  const text = await readFile(out, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const byIndex = new Map<number, string>();
  let ordered = true;
  let last = -1;
  for (const l of lines) {
    const idx = (JSON.parse(l) as { sample_index: number }).sample_index;
    if (idx <= last) ordered = false;
    last = idx;
    byIndex.set(idx, l);
  }
  if (ordered) return;
  const sorted = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l + '\n');
  const tmp = `${out}.tmp-${process.pid}`;
  await writeFile(tmp, sorted.join(''));
  await rename(tmp, out);
}
