/**
 * RLTF fine-grained feedback (Liu et al. 2023): a per-token penalty mask over a failing completion.
 *
 * Categories, after RLTF's released `program_feedback.py`:
 * - `line`: a syntax error located on a line, or a runtime error whose traceback line is in the
 *   completion: the tokens overlapping that line (its text without surrounding whitespace).
 * - `whole`: timeouts, RecursionError, and syntax errors at end of input (unexpected EOF).
 * - `ignore`: failed tests, passes, errors outside the completion, `RuntimeError`, TabError /
 *   inconsistent indentation, and kills without a located line (memory, output limits).
 * The mask aligns with the completion's tokens through their character offsets (JS string indices,
 * as a tokenizer's encodeWithOffsets returns them); no tokenizer is needed here.
 */
import type { Verdict } from '../exec/types.js';

export type FineGrainedKind = 'line' | 'whole' | 'ignore';

export interface FineGrainedConfig {
  /** Penalty per masked token (RLTF's released scripts: 0.3). */
  weight: number;
}
export const FINE_GRAINED_DEFAULTS: FineGrainedConfig = { weight: 0.3 };

export interface FineGrainedResult {
  kind: FineGrainedKind;
  /** 1 for penalized tokens. */
  mask: Uint8Array;
  /** -weight on masked tokens, 0 elsewhere. */
  penalty: Float64Array;
  /** Character span [start, end) of the blamed line in the completion, for `line`. */
  span?: [number, number];
}

/** Which category a verdict falls in, and the 1-based line for `line`. */
export function fineGrainedKind(verdict: Verdict): { kind: FineGrainedKind; line?: number } {
  switch (verdict.status) {
    case 'timeout':
      return { kind: 'whole' };
    case 'syntax_error': {
      if (verdict.errorType === 'TabError' || /unindent does not match|inconsistent use of tabs/.test(verdict.message ?? '')) {
        return { kind: 'ignore' };
      }
      if (verdict.errorAtEnd) return { kind: 'whole' };
      return verdict.errorLine !== undefined ? { kind: 'line', line: verdict.errorLine } : { kind: 'ignore' };
    }
    case 'runtime_error':
    case 'memory_exceeded': {
      if (verdict.errorType === 'RecursionError') return { kind: 'whole' };
      if (verdict.errorType === 'RuntimeError') return { kind: 'ignore' };
      return verdict.errorLine !== undefined ? { kind: 'line', line: verdict.errorLine } : { kind: 'ignore' };
    }
    default:
      return { kind: 'ignore' };
  }
}

/** Character span of a 1-based line of `text`, without its leading and trailing whitespace; null when absent or blank. */
export function lineSpan(text: string, line: number): [number, number] | null {
  if (line < 1) return null;
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return null;
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end > start ? [start, end] : null;
}

/**
 * The penalty mask for one judged completion. `offsets[i] = [start, end)` of token i in
 * `completion`. Tokens overlapping the blamed span are masked (a zero-width token inside it too).
 */
export function fineGrainedMask(
  verdict: Verdict,
  completion: string,
  offsets: ReadonlyArray<readonly [number, number]>,
  config: Partial<FineGrainedConfig> = {},
): FineGrainedResult {
  const { weight } = { ...FINE_GRAINED_DEFAULTS, ...config };
  const n = offsets.length;
  const mask = new Uint8Array(n);
  let { kind, line } = fineGrainedKind(verdict);
  let span: [number, number] | undefined;
  if (kind === 'whole') mask.fill(1);
  else if (kind === 'line') {
    const s = lineSpan(completion, line!);
    if (!s) kind = 'ignore';
    else {
      span = s;
      for (let i = 0; i < n; i++) {
        const [a, b] = offsets[i]!;
        if ((a < s[1] && b > s[0]) || (a === b && a >= s[0] && a < s[1])) mask[i] = 1;
      }
    }
  }
  const penalty = new Float64Array(n);
  for (let i = 0; i < n; i++) if (mask[i]) penalty[i] = -weight;
  return span ? { kind, mask, penalty, span } : { kind, mask, penalty };
}
