/**
 * The pretraining corpus: code as it is written, not code that passes tests.
 *
 * Every document is a prompt exactly as the policy sees it (signature + docstring, from the train
 * partition of the families: test-only constants and phrasings never appear) followed by a function
 * body. Bodies are correct solutions in the family's styles, with local names varied; a documented
 * share carries one or two realistic defects (./defects.ts). Deterministic for a seed.
 */
import type { FamilyCtx } from './family.js';
import { FAMILIES } from './families.js';
import { drawDefectKind, injectDefect, DEFECT_KINDS, type DefectKind } from './defects.js';
import { constantKey, drawInstance, type BuiltinInstance } from './generate.js';
import { Rng } from './prng.js';

export interface CorpusOptions {
  seed?: number;
  /** Number of documents. */
  documents?: number;
  /** Share of documents with at least one defect. */
  defectRate?: number;
  /** Share of defective documents with a second defect. */
  secondDefectRate?: number;
  /** Share of documents whose local variable names are renamed. */
  renameRate?: number;
}

export const DEFAULT_CORPUS_OPTIONS: Required<CorpusOptions> = {
  seed: 1,
  documents: 40_000,
  defectRate: 0.45,
  secondDefectRate: 0.15,
  renameRate: 0.35,
};

export interface CorpusDocument {
  /** Signature + docstring, as the policy sees it. */
  prompt: string;
  /** The function body that follows (ends with a newline). */
  completion: string;
  family: string;
  /** The family constant (JSON), always from the train partition. */
  constant: string;
  /** Phrasing index (never the family's held-out last one). */
  phrasing: number;
  /** Solution style index (into the family's solutions). */
  style: number;
  /** Injected defects, in order (empty: the body is a correct solution). */
  defects: DefectKind[];
  /** Local variable names were renamed. */
  renamed: boolean;
}

export interface CorpusStats {
  documents: number;
  defective: number;
  defectRate: number;
  /** Defects injected, by kind (a document with two defects counts twice). */
  defectsByKind: Record<DefectKind, number>;
  renamed: number;
  families: number;
  characters: number;
  meanCharacters: number;
}

/** Local names and the names a writer might use instead. */
const RENAMES: Readonly<Record<string, readonly string[]>> = {
  result: ['res', 'out', 'output', 'ans', 'acc'],
  count: ['cnt', 'n_found', 'counter', 'c'],
  total: ['s', 'acc', 'running', 'tot'],
  ch: ['c', 'char', 'letter'],
  word: ['w', 'token'],
  x: ['v', 'item', 'num', 'e'],
  i: ['j', 'idx', 'k'],
  key: ['k', 'name'],
  value: ['v', 'val'],
  best: ['top', 'biggest', 'm'],
  low: ['lowest', 'm', 'smallest'],
  counts: ['freq', 'table', 'tally'],
};

function renameLocals(code: string, ctx: FamilyCtx<unknown>, rng: Rng): string {
  let out = code;
  for (const [from, tos] of Object.entries(RENAMES)) {
    const re = new RegExp(`(?<![\\w.'"])${from}(?![\\w'"])`, 'g');
    if (!re.test(out) || ctx.args.includes(from)) continue;
    const to = rng.pick(tos);
    if (ctx.args.includes(to) || new RegExp(`(?<![\\w.])${to}(?!\\w)`).test(out)) continue;
    if (!rng.chance(0.7)) continue;
    // Only outside string literals: split on literals and rename in the code parts.
    out = out
      .split(/('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")/)
      .map((part, i) => (i % 2 === 1 ? part : part.replace(new RegExp(`(?<![\\w.])${from}(?!\\w)`, 'g'), to)))
      .join('');
  }
  return out;
}

/** One document from an instance. */
export function corpusDocument(inst: BuiltinInstance, rng: Rng, o: Required<CorpusOptions>): CorpusDocument {
  const style = rng.int(0, inst.family.solutions.length - 1);
  let code = inst.family.solutions[style]!(inst.ctx);
  let renamed = false;
  if (rng.chance(o.renameRate)) {
    const r = renameLocals(code, inst.ctx, rng);
    renamed = r !== code;
    code = r;
  }
  const defects: DefectKind[] = [];
  if (rng.chance(o.defectRate)) {
    const n = rng.chance(o.secondDefectRate) ? 2 : 1;
    for (let k = 0; k < n; k++) {
      const d = injectDefect(code, rng, inst.ctx.args, drawDefectKind(rng));
      if (d) {
        code = d.code;
        defects.push(d.kind);
      }
    }
  }
  return { prompt: inst.prompt, completion: code + '\n', family: inst.family.id, constant: constantKey(inst.ctx.c), phrasing: inst.phrasing, style, defects, renamed };
}

/** Builds the corpus (deterministic for the options; families drawn uniformly, train partition only) and its statistics. */
export function buildCorpus(options: CorpusOptions = {}): { documents: CorpusDocument[]; stats: CorpusStats } {
  const o = { ...DEFAULT_CORPUS_OPTIONS, ...options };
  const rng = Rng.derive(o.seed, 'corpus');
  const documents: CorpusDocument[] = [];
  const defectsByKind = Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>;
  let renamedCount = 0;
  let characters = 0;
  const families = new Set<string>();
  for (let i = 0; i < o.documents; i++) {
    const family = FAMILIES[rng.int(0, FAMILIES.length - 1)]!;
    const inst = drawInstance(family, 'train', rng);
    const doc = corpusDocument(inst, rng, o);
    documents.push(doc);
    if (doc.renamed) renamedCount++;
    for (const d of doc.defects) defectsByKind[d]++;
    characters += doc.prompt.length + doc.completion.length;
    families.add(doc.family);
  }
  const defective = documents.filter((d) => d.defects.length > 0).length;
  return {
    documents,
    stats: {
      documents: documents.length,
      defective,
      defectRate: documents.length ? defective / documents.length : 0,
      defectsByKind,
      renamed: renamedCount,
      families: families.size,
      characters,
      meanCharacters: documents.length ? characters / documents.length : 0,
    },
  };
}
