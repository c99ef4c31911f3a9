/**
 * Syntax match, data-flow match and CodeBLEU over programs, with a cache of analysed references
 * (each program is parsed once; a reference is analysed once per process).
 */
import type { Language } from '../../tasks/types.js';
import { initParsers, parseTree, type ParseOptions } from './parser.js';
import { subtreeSexps, syntaxMatchCount } from './syntax.js';
import { dataflowEdges, dataflowMatchCount, normalizeDataflow } from './dataflow.js';
import { bleuFromStats, bleuStats, JAVASCRIPT_KEYWORDS, PYTHON_KEYWORDS, weightedBleuStats, whitespaceTokens } from './bleu.js';

/** What a program contributes to the metrics, computed once. */
export interface ProgramAnalysis {
  lang: Language;
  /** S-expressions of its subtrees (root first), with multiplicity. */
  subtrees: string[];
  subtreeSet: Set<string>;
  /** Normalized data-flow edges, e.g. "var_1 computedFrom [var_0]". */
  dataflow: string[];
  /** Tree-sitter found an error (ERROR or MISSING node). */
  hasError: boolean;
}

/**
 * Empty-reference policy for data-flow match (the original divides by zero):
 * - `exclude` (default): the score is null ("not applicable"); corpus sums skip the pair as the
 *   original corpus function does, and CodeBLEU renormalizes its remaining weights.
 * - `one`: 1.0 (nothing to miss). - `zero`: 0.0.
 */
export type EmptyReferencePolicy = 'exclude' | 'one' | 'zero';

export interface MatchOptions extends ParseOptions {
  emptyReference?: EmptyReferencePolicy;
}

export function analyzeSync(code: string, lang: Language, opts: ParseOptions = {}): ProgramAnalysis {
  const { root, hasError } = parseTree(code, lang, opts);
  const subtrees = subtreeSexps(root);
  return { lang, subtrees, subtreeSet: new Set(subtrees), dataflow: normalizeDataflow(dataflowEdges(root, lang)), hasError };
}

export async function analyze(code: string, lang: Language, opts: ParseOptions = {}): Promise<ProgramAnalysis> {
  await initParsers([lang]);
  return analyzeSync(code, lang, opts);
}

/** Bounded cache of analysed references, keyed by language, options and text. */
export class ReferenceCache {
  private readonly map = new Map<string, ProgramAnalysis>();
  constructor(readonly capacity = 10_000) {}
  get(code: string, lang: Language, opts: ParseOptions = {}): ProgramAnalysis {
    const key = `${lang}\u0000${opts.stripDocstrings === false ? 0 : 1}\u0000${code}`;
    let a = this.map.get(key);
    if (a) {
      this.map.delete(key);
      this.map.set(key, a);
      return a;
    }
    a = analyzeSync(code, lang, opts);
    this.map.set(key, a);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    return a;
  }
}
export const referenceCache = new ReferenceCache();

export interface Ratio {
  score: number | null;
  matched: number;
  total: number;
}

type Prog = string | ProgramAnalysis;
function toAnalysis(p: Prog, lang: Language, opts: ParseOptions, cache: boolean): ProgramAnalysis {
  if (typeof p !== 'string') return p;
  return cache ? referenceCache.get(p, lang, opts) : analyzeSync(p, lang, opts);
}

/** Syntax match of one pair (synchronous; `await initParsers()` first, or use the async forms). */
export function syntaxMatchSync(candidate: Prog, reference: Prog, lang: Language, opts: ParseOptions = {}): Ratio {
  const c = toAnalysis(candidate, lang, opts, false);
  const r = toAnalysis(reference, lang, opts, true);
  const { matched, total } = syntaxMatchCount(c.subtreeSet, r.subtrees);
  return { score: total ? matched / total : null, matched, total };
}

export function dataflowMatchSync(candidate: Prog, reference: Prog, lang: Language, opts: MatchOptions = {}): Ratio {
  const c = toAnalysis(candidate, lang, opts, false);
  const r = toAnalysis(reference, lang, opts, true);
  const { matched, total } = dataflowMatchCount(c.dataflow, r.dataflow);
  if (total === 0) {
    const policy = opts.emptyReference ?? 'exclude';
    return { score: policy === 'exclude' ? null : policy === 'one' ? 1 : 0, matched, total };
  }
  return { score: matched / total, matched, total };
}

export async function syntaxMatch(candidate: Prog, reference: Prog, lang: Language, opts: ParseOptions = {}): Promise<Ratio> {
  await initParsers([lang]);
  return syntaxMatchSync(candidate, reference, lang, opts);
}

export async function dataflowMatch(candidate: Prog, reference: Prog, lang: Language, opts: MatchOptions = {}): Promise<Ratio> {
  await initParsers([lang]);
  return dataflowMatchSync(candidate, reference, lang, opts);
}

export interface CodeBleuOptions extends MatchOptions {
  /** BLEU, keyword-weighted BLEU, syntax match, data-flow match. Default 0.25 each. */
  weights?: [number, number, number, number];
  keywords?: readonly string[];
}

export interface CodeBleuResult {
  codebleu: number;
  bleu: number;
  weightedBleu: number;
  syntaxMatch: number;
  dataflowMatch: number | null;
}

/**
 * CodeBLEU of one candidate against one or more references (the component scores are corpus
 * scores over the references, as the original computes them with one hypothesis).
 */
export async function codeBleu(candidate: string, references: string | string[], lang: Language, opts: CodeBleuOptions = {}): Promise<CodeBleuResult> {
  await initParsers([lang]);
  return codeBleuSync(candidate, references, lang, opts);
}

export function codeBleuSync(candidate: string, references: string | string[], lang: Language, opts: CodeBleuOptions = {}): CodeBleuResult {
  const refs = Array.isArray(references) ? references : [references];
  const [a, b, g, d] = opts.weights ?? [0.25, 0.25, 0.25, 0.25];
  const hyp = whitespaceTokens(candidate);
  const refToks = refs.map(whitespaceTokens);
  const bleu = bleuFromStats(bleuStats(hyp, refToks));
  const kw = new Set(opts.keywords ?? (lang === 'python' ? PYTHON_KEYWORDS : JAVASCRIPT_KEYWORDS));
  const weightedBleu = bleuFromStats(weightedBleuStats(hyp, refToks, kw));
  const cand = analyzeSync(candidate, lang, opts);
  let sm = 0;
  let st = 0;
  let dm = 0;
  let dt = 0;
  for (const r of refs) {
    const ra = referenceCache.get(r, lang, opts);
    const s = syntaxMatchCount(cand.subtreeSet, ra.subtrees);
    sm += s.matched;
    st += s.total;
    const f = dataflowMatchCount(cand.dataflow, ra.dataflow);
    dm += f.matched;
    dt += f.total;
  }
  const syntax = st ? sm / st : 0;
  let dataflow: number | null;
  if (dt) dataflow = dm / dt;
  else {
    const policy = opts.emptyReference ?? 'exclude';
    dataflow = policy === 'exclude' ? null : policy === 'one' ? 1 : 0;
  }
  const codebleu =
    dataflow === null ? (a * bleu + b * weightedBleu + g * syntax) / (a + b + g || 1) : a * bleu + b * weightedBleu + g * syntax + d * dataflow;
  return { codebleu, bleu, weightedBleu, syntaxMatch: syntax, dataflowMatch: dataflow };
}

/**
 * Corpus versions (REFERENCE 4): numerators and denominators summed over (candidate, references)
 * pairs. Data-flow pairs whose references have no data flow add nothing (as the original corpus
 * function skips them); a corpus with no reference data flow at all follows `emptyReference`.
 */
export async function corpusSyntaxMatch(pairs: Array<[string, string | string[]]>, lang: Language, opts: ParseOptions = {}): Promise<Ratio> {
  const { matched, total } = await corpusCounts(pairs, lang, opts, (c, r) => syntaxMatchCount(c.subtreeSet, r.subtrees));
  return { score: total ? matched / total : null, matched, total };
}

export async function corpusDataflowMatch(pairs: Array<[string, string | string[]]>, lang: Language, opts: MatchOptions = {}): Promise<Ratio> {
  const { matched, total } = await corpusCounts(pairs, lang, opts, (c, r) => dataflowMatchCount(c.dataflow, r.dataflow));
  if (total === 0) {
    const policy = opts.emptyReference ?? 'exclude';
    return { score: policy === 'exclude' ? null : policy === 'one' ? 1 : 0, matched, total };
  }
  return { score: matched / total, matched, total };
}

/** Matched and total counts summed over every (candidate, reference) pair of a corpus. */
async function corpusCounts(
  pairs: Array<[string, string | string[]]>, lang: Language, opts: ParseOptions,
  count: (candidate: ProgramAnalysis, reference: ProgramAnalysis) => { matched: number; total: number },
): Promise<{ matched: number; total: number }> {
  await initParsers([lang]);
  let matched = 0;
  let total = 0;
  for (const [cand, refs] of pairs) {
    const c = analyzeSync(cand, lang, opts);
    for (const r of Array.isArray(refs) ? refs : [refs]) {
      const m = count(c, referenceCache.get(r, lang, opts));
      matched += m.matched;
      total += m.total;
    }
  }
  return { matched, total };
}
