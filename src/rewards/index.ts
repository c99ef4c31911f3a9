/** Rewards: the public surface of src/rewards. See docs/rewards.md. */
export * from './exec.js';
export * from './finegrained.js';
export * from './kl.js';
export * from './composite.js';
export { initParsers, getParser, parseTree } from './code/parser.js';
export type { SyntaxNode, ParseOptions } from './code/parser.js';
export { subtreeSexps, sexpOf } from './code/syntax.js';
export { dataflowEdges, normalizeDataflow } from './code/dataflow.js';
export type { DataflowEdge, Relation } from './code/dataflow.js';
export {
  analyze,
  analyzeSync,
  syntaxMatch,
  syntaxMatchSync,
  dataflowMatch,
  dataflowMatchSync,
  codeBleu,
  codeBleuSync,
  corpusSyntaxMatch,
  corpusDataflowMatch,
  ReferenceCache,
  referenceCache,
} from './code/metrics.js';
export type { ProgramAnalysis, EmptyReferencePolicy, MatchOptions, CodeBleuOptions, CodeBleuResult, Ratio } from './code/metrics.js';
export { bleuStats, weightedBleuStats, bleuFromStats, sentenceBleu, whitespaceTokens, PYTHON_KEYWORDS, JAVASCRIPT_KEYWORDS } from './code/bleu.js';
export { xMatch, editSim, lexTokens, levenshtein } from './code/text.js';
