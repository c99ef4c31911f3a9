/**
 * Evaluation figures from judged samples: pass@k, the verdict breakdown with runtime-error types
 * (the RLTF error-type figure), compile rate, throughput.
 *
 * `sandbox_error` is the harness's fault, never the model's: such samples are counted and shown,
 * but left out of every denominator (pass@k's n, compile rate, shares).
 */
import { VERDICT_STATUSES, type VerdictStatus } from '../exec/types.js';
import { estimatePassAtK, type ProblemCounts } from './passk.js';

/** What the figures need from one judged sample. */
export interface JudgedSample {
  taskId: string;
  status: VerdictStatus;
  /** Exception type for runtime errors. */
  errorType?: string;
}

export interface BreakdownRow {
  /** "passed", "failed", "timeout", "syntax_error", "runtime_error:IndexError", ... */
  label: string;
  count: number;
  /** Share of judged samples (sandbox errors excluded). */
  share: number;
}

export interface EvalSummary {
  /** "pass@1" -> value, only for the k every problem supports. */
  passAtK: Record<string, number>;
  /** Requested k that could not be reported, with the reason. */
  droppedK: { k: number; reason: string }[];
  /** Count per verdict status (every status present, zeros included). */
  verdicts: Record<VerdictStatus, number>;
  /** Count per runtime exception type (runtime_error samples only). */
  runtimeErrors: Record<string, number>;
  /** RLTF-style breakdown: each status, runtime errors split by exception type; largest first. */
  breakdown: BreakdownRow[];
  /** Samples that parse (everything but syntax_error) over judged samples. */
  compileRate: number;
  /** Samples in the results (judged plus sandbox errors). */
  programs: number;
  /** Samples excluded as sandbox errors. */
  sandboxErrors: number;
  /** Problems with at least one judged sample. */
  problems: number;
}

export function summarize(samples: Iterable<JudgedSample>, ks: readonly number[]): EvalSummary {
  const verdicts = Object.fromEntries(VERDICT_STATUSES.map((s) => [s, 0])) as Record<VerdictStatus, number>;
  const runtimeErrors: Record<string, number> = {};
  const perProblem = new Map<string, ProblemCounts>();
  let programs = 0;
  for (const s of samples) {
    programs++;
    verdicts[s.status] = (verdicts[s.status] ?? 0) + 1;
    if (s.status === 'sandbox_error') continue;
    if (s.status === 'runtime_error') {
      const t = s.errorType || 'unknown';
      runtimeErrors[t] = (runtimeErrors[t] ?? 0) + 1;
    }
    let p = perProblem.get(s.taskId);
    if (!p) perProblem.set(s.taskId, (p = { n: 0, c: 0 }));
    p.n++;
    if (s.status === 'passed') p.c++;
  }
  const judged = programs - verdicts.sandbox_error;
  const share = (count: number) => (judged > 0 ? count / judged : 0);
  const breakdown: BreakdownRow[] = [];
  for (const status of VERDICT_STATUSES) {
    if (status === 'sandbox_error' || status === 'runtime_error') continue;
    if (verdicts[status] > 0) breakdown.push({ label: status, count: verdicts[status], share: share(verdicts[status]) });
  }
  for (const [type, count] of Object.entries(runtimeErrors)) breakdown.push({ label: `runtime_error:${type}`, count, share: share(count) });
  breakdown.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  const { values, dropped } = estimatePassAtK([...perProblem.values()], ks);
  return {
    passAtK: values,
    droppedK: dropped,
    verdicts,
    runtimeErrors,
    breakdown,
    compileRate: judged > 0 ? (judged - verdicts.syntax_error) / judged : 0,
    programs,
    sandboxErrors: verdicts.sandbox_error,
    problems: perProblem.size,
  };
}
