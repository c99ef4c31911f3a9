/**
 * The built-in task suite: MBPP-style Python tasks generated from parameterised families, with
 * held-out constants and phrasings for the test split, and the pretraining corpus drawn from the
 * train split (correct programs in several styles plus realistic defects).
 */
export { FAMILIES } from './families.js';
export type { Family, FamilyCtx, Category, AnyFamily } from './family.js';
export { Rng, hashString } from './prng.js';
export { pyRepr, pyStr, type PyValue } from './pyvalue.js';
export {
  builtinTasks,
  drawInstance,
  referenceBody,
  renderPrompt,
  heldOutConstants,
  constantsFor,
  phrasingsFor,
  constantKey,
  familyById,
  BUILTIN_SPLITS,
  BUILTIN_STOP,
  DEFAULT_BUILTIN_SEED,
  DEFAULT_SPLIT_SIZES,
  HELD_OUT_SHARE,
  TESTS_PER_TASK,
  type BuiltinSplit,
  type BuiltinOptions,
  type BuiltinInstance,
} from './generate.js';
export { buildCorpus, corpusDocument, DEFAULT_CORPUS_OPTIONS, type CorpusOptions, type CorpusDocument, type CorpusStats } from './corpus.js';
export { DEFECT_KINDS, DEFECT_WEIGHTS, MUTATORS, injectDefect, drawDefectKind, type DefectKind } from './defects.js';
