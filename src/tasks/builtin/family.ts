/**
 * What a task family is: a parameterised MBPP-style problem. A family fixes the semantics up to one
 * constant `c` (the held-out dimension: test-split constants never occur in train), and offers
 * several function names, argument names, English phrasings (the last one is held out for the
 * test split), edge-case and random inputs, the expected output computed here in TypeScript, and
 * correct solutions in several styles (the first is the reference).
 */
import type { Rng } from './prng.js';
import type { PyValue } from './pyvalue.js';

export type Category = 'strings' | 'lists' | 'numbers' | 'dicts' | 'loops' | 'conditionals';

/** The concrete choices a phrasing or a solution is rendered with. */
export interface FamilyCtx<C> {
  c: C;
  /** Function name. */
  fn: string;
  /** Argument names, in signature order. */
  args: string[];
}

export interface Family<C> {
  id: string;
  category: Category;
  names: readonly string[];
  argNames: ReadonlyArray<readonly string[]>;
  /** The held-out dimension's values. */
  constants: readonly C[];
  /** English descriptions; the LAST one is never used in train or validation. */
  phrasings: ReadonlyArray<(x: FamilyCtx<C>) => string>;
  /** Edge-case argument lists, always tested. */
  edges(c: C): PyValue[][];
  /** One random argument list. */
  random(rng: Rng, c: C): PyValue[];
  /** The value the function must return. */
  expected(c: C, args: PyValue[]): PyValue;
  /** Function bodies (indented by 4, no blank lines, no trailing newline); [0] is the reference. */
  solutions: ReadonlyArray<(x: FamilyCtx<C>) => string>;
}

/** A family with its constant type erased (the generator only passes a family's own constants back to it). */
export type AnyFamily = Family<unknown>;

export function defineFamily<C>(f: Family<C>): AnyFamily {
  if (f.phrasings.length < 3) throw new Error(`family ${f.id}: needs at least 3 phrasings`);
  if (f.solutions.length < 1) throw new Error(`family ${f.id}: needs a solution`);
  if (f.constants.length < 4) throw new Error(`family ${f.id}: needs at least 4 constants`);
  return f as unknown as AnyFamily;
}

/** Indents each line of a body by four spaces. */
export function body(...lines: string[]): string {
  return lines.map((l) => '    ' + l).join('\n');
}
