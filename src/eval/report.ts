/** The printed forms of an evaluation: a table for people, one JSON object for programs. */
import type { EvaluateResult } from './run.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The `--json` object: pass@k keys first, then verdicts, compile rate, programs, seconds. */
export function reportJson(r: EvaluateResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const s = r.summary;
  return {
    ...s.passAtK,
    verdicts: s.verdicts,
    runtime_errors: s.runtimeErrors,
    compile_rate: s.compileRate,
    programs: s.programs,
    seconds: Number(r.seconds.toFixed(3)),
    programs_per_second: Number(r.programsPerSecond.toFixed(1)),
    judged: r.judged,
    resumed: r.resumed,
    problems: s.problems,
    sandbox_errors: s.sandboxErrors,
    dropped_k: s.droppedK.map((d) => d.k),
    ...extra,
  };
}

/** A plain-text table: pass@k, verdict breakdown (runtime errors by type), compile rate, programs/s. */
export function reportTable(r: EvaluateResult, header?: string): string {
  const s = r.summary;
  const out: string[] = [];
  if (header) out.push(header);
  const judged = s.programs - s.sandboxErrors;
  out.push(`samples ${s.programs} (${judged} judged${s.sandboxErrors ? `, ${s.sandboxErrors} sandbox errors excluded` : ''}) over ${s.problems} problems`);
  out.push('');
  for (const [k, v] of Object.entries(s.passAtK)) out.push(`  ${k.padEnd(22)}${(100 * v).toFixed(2).padStart(7)}%`);
  for (const d of s.droppedK) out.push(`  ${`pass@${d.k}`.padEnd(22)}  not reported: ${d.reason}`);
  out.push('');
  out.push('  verdict                 count   share');
  for (const row of s.breakdown) {
    out.push(`  ${row.label.padEnd(22)}${String(row.count).padStart(7)}  ${pct(row.share).padStart(6)}`);
  }
  if (s.sandboxErrors) out.push(`  ${'sandbox_error'.padEnd(22)}${String(s.sandboxErrors).padStart(7)}  (harness fault, not counted)`);
  out.push('');
  out.push(`  ${'compile rate'.padEnd(22)}${pct(s.compileRate).padStart(7)}`);
  const resumed = r.resumed ? `; ${r.resumed} resumed from the results file` : '';
  out.push(`  ${'programs/s'.padEnd(22)}${r.programsPerSecond.toFixed(1).padStart(7)}  (${r.judged} judged in ${r.seconds.toFixed(2)} s${resumed})`);
  return out.join('\n');
}
