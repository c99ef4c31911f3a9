/**
 * BLEU as CodeBLEU computes it (its copy of NLTK's corpus_bleu): whitespace tokens, n = 1..4 with
 * weights 0.25, clipped counts, brevity penalty against the closest reference length, 0 when no
 * unigram matches, and Chen & Cherry smoothing "method1" (epsilon 0.1 added to zero numerators).
 * The keyword-weighted variant counts unigrams with weight 1 for the language's keywords and 0.2
 * otherwise and divides by the reference's (weighted) counts, as CodeBLEU's weighted n-gram match does.
 */

export const PYTHON_KEYWORDS: readonly string[] = [
  // keyword.kwlist and soft keywords of Python 3.12
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type', '_',
];

export const JAVASCRIPT_KEYWORDS: readonly string[] = [
  // ECMAScript reserved words, strict-mode reserved words and contextual keywords
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new',
  'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with',
  'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'of', 'async',
  'get', 'set', 'undefined', 'NaN', 'Infinity',
];

export function whitespaceTokens(s: string): string[] {
  const t = s.trim();
  return t ? t.split(/\s+/) : [];
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = n === 1 ? tokens[i]! : tokens.slice(i, i + n).join('\u0000');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

export interface BleuStats {
  numerators: number[];
  denominators: number[];
  hypLength: number;
  refLength: number;
}

/** Sufficient statistics of one (hypothesis, references) pair: sum them for the corpus score. */
export function bleuStats(hypothesis: readonly string[], references: readonly (readonly string[])[], maxOrder = 4): BleuStats {
  const numerators: number[] = [];
  const denominators: number[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = ngramCounts(hypothesis, n);
    const maxRef = new Map<string, number>();
    for (const ref of references) {
      const rc = ngramCounts(ref, n);
      for (const k of counts.keys()) maxRef.set(k, Math.max(maxRef.get(k) ?? 0, rc.get(k) ?? 0));
    }
    let num = 0;
    let total = 0;
    for (const [k, c] of counts) {
      num += Math.min(c, maxRef.get(k) ?? 0);
      total += c;
    }
    numerators.push(num);
    denominators.push(Math.max(1, total));
  }
  return { numerators, denominators, hypLength: hypothesis.length, refLength: closestRefLength(hypothesis.length, references) };
}

/** Keyword-weighted statistics: unigram counts weighted (recall against the reference), higher orders plain. */
export function weightedBleuStats(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  keywords: ReadonlySet<string>,
  maxOrder = 4,
  keywordWeight = 1,
  otherWeight = 0.2,
): BleuStats {
  const numerators: number[] = [];
  const denominators: number[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = ngramCounts(hypothesis, n);
    let num = 0;
    let den = 0;
    for (const ref of references) {
      const rc = ngramCounts(ref, n);
      let clipped = 0;
      let total = 0;
      for (const [k, c] of rc) {
        const w = n === 1 ? (keywords.has(k) ? keywordWeight : otherWeight) : 1;
        clipped += Math.min(c, counts.get(k) ?? 0) * w;
        total += c * w;
      }
      num += clipped;
      den += Math.max(1, total);
    }
    numerators.push(num);
    denominators.push(den);
  }
  return { numerators, denominators, hypLength: hypothesis.length, refLength: closestRefLength(hypothesis.length, references) };
}

export function addStats(a: BleuStats, b: BleuStats): BleuStats {
  return {
    numerators: a.numerators.map((x, i) => x + b.numerators[i]!),
    denominators: a.denominators.map((x, i) => x + b.denominators[i]!),
    hypLength: a.hypLength + b.hypLength,
    refLength: a.refLength + b.refLength,
  };
}

/** BLEU from (summed) statistics, weights 0.25 each, smoothing method1 (epsilon 0.1). */
export function bleuFromStats(s: BleuStats, weights: readonly number[] = [0.25, 0.25, 0.25, 0.25], epsilon = 0.1): number {
  if (s.numerators[0] === 0) return 0;
  const bp = s.hypLength > s.refLength ? 1 : s.hypLength === 0 ? 0 : Math.exp(1 - s.refLength / s.hypLength);
  let logSum = 0;
  weights.forEach((w, i) => {
    const num = s.numerators[i]!;
    const p = (num === 0 ? num + epsilon : num) / s.denominators[i]!;
    logSum += w * Math.log(p);
  });
  return bp * Math.exp(logSum);
}

export function sentenceBleu(hypothesis: string, references: string[]): number {
  return bleuFromStats(bleuStats(whitespaceTokens(hypothesis), references.map(whitespaceTokens)));
}

/** BLEU's effective reference length: the reference length closest to the hypothesis, the shorter on a tie. */
function closestRefLength(h: number, references: readonly (readonly string[])[]): number {
  let best = Infinity;
  let refLength = 0;
  for (const r of references) {
    const d = Math.abs(r.length - h);
    if (d < best || (d === best && r.length < refLength)) {
      best = d;
      refLength = r.length;
    }
  }
  return refLength;
}
