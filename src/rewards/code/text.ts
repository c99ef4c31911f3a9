/** Report metrics on text: xMatch and Edit Sim (REFERENCE.md section 3). */

/** Exact match after trimming surrounding whitespace and unifying line endings (1 or 0). */
export function xMatch(candidate: string, reference: string): number {
  const norm = (s: string) => s.replace(/\r\n?/g, '\n').trim();
  return norm(candidate) === norm(reference) ? 1 : 0;
}

/** Lexical tokens: identifiers/numbers (word runs) and single punctuation characters. */
export function lexTokens(s: string): string[] {
  return s.match(/[\p{L}\p{N}_$]+|[^\s\p{L}\p{N}_$]/gu) ?? [];
}

export function levenshtein<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length < b.length) [a, b] = [b, a];
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** Edit Sim = 1 - Levenshtein / max length on lexical tokens (1 for two empty texts); x100 in reports. */
export function editSim(candidate: string, reference: string, unit: 'token' | 'char' = 'token'): number {
  const a = unit === 'token' ? lexTokens(candidate) : [...candidate];
  const b = unit === 'token' ? lexTokens(reference) : [...reference];
  const m = Math.max(a.length, b.length);
  return m === 0 ? 1 : 1 - levenshtein(a, b) / m;
}
