/**
 * The built-in suite: MBPP-style Python tasks drawn from the families in ./families.ts.
 *
 * Held-out design (checked by test/builtin): every family's constants are partitioned once, by a
 * hash of the family id and the constant, into test-only values (about 30%) and train/validation
 * values; the family's last phrasing is test-only. So the test split asks for parameter values
 * and wordings that never occur in train (nor in the pretraining corpus, which draws from train).
 * The partition does not depend on the seed; everything else is deterministic for a seed.
 */
import type { Task } from '../types.js';
import type { AnyFamily, FamilyCtx } from './family.js';
import { FAMILIES } from './families.js';
import { hashString, Rng } from './prng.js';
import { pyRepr, type PyValue } from './pyvalue.js';

export type BuiltinSplit = 'train' | 'validation' | 'test';
export const BUILTIN_SPLITS: readonly BuiltinSplit[] = ['train', 'validation', 'test'];

export const DEFAULT_BUILTIN_SEED = 2024;
export const DEFAULT_SPLIT_SIZES: Readonly<Record<BuiltinSplit, number>> = { train: 2400, validation: 240, test: 360 };

/**
 * Stop strings for sampling a function body: the body ends at a blank line or at anything that
 * starts again at column 0.
 */
export const BUILTIN_STOP = ['\n\n', '\ndef ', '\nclass ', '\nif __name__', '\nprint(', '\nassert ', '\n#'];

/** Share of each family's constants reserved for the test split. */
export const HELD_OUT_SHARE = 0.3;
/** Number of asserts per task. */
export const TESTS_PER_TASK = 6;

export interface BuiltinOptions {
  seed?: number;
  /** Tasks in the split (defaults: DEFAULT_SPLIT_SIZES). */
  count?: number;
  /** Restrict to these family ids. */
  families?: readonly string[];
}

/** A concrete instance of a family: everything needed to render prompt, tests and solutions. */
export interface BuiltinInstance {
  family: AnyFamily;
  ctx: FamilyCtx<unknown>;
  phrasing: number;
  description: string;
  prompt: string;
  tests: string[];
}

export function constantKey(c: unknown): string {
  return JSON.stringify(c);
}

const partitionCache = new Map<string, Set<string>>();

/** The constants (by key) of a family that only the test split may use. */
export function heldOutConstants(family: AnyFamily): Set<string> {
  let held = partitionCache.get(family.id);
  if (!held) {
    const keys = family.constants.map(constantKey);
    const ranked = [...keys].sort((a, b) => hashString(`${family.id}#${a}`) - hashString(`${family.id}#${b}`) || (a < b ? -1 : 1));
    const n = Math.min(keys.length - 2, Math.max(1, Math.ceil(keys.length * HELD_OUT_SHARE)));
    held = new Set(ranked.slice(0, n));
    partitionCache.set(family.id, held);
  }
  return held;
}

/** Constants a split may use: test draws only held-out ones, train and validation only the rest. */
export function constantsFor(family: AnyFamily, split: BuiltinSplit): unknown[] {
  const held = heldOutConstants(family);
  return family.constants.filter((c) => (split === 'test') === held.has(constantKey(c)));
}

/** Phrasing indices a split may use: the last phrasing is test-only. */
export function phrasingsFor(family: AnyFamily, split: BuiltinSplit): number[] {
  const all = family.phrasings.map((_, i) => i);
  return split === 'test' ? all : all.slice(0, -1);
}

export function familyById(id: string): AnyFamily {
  const f = FAMILIES.find((x) => x.id === id);
  if (!f) throw new Error(`unknown built-in task family ${JSON.stringify(id)} (known: ${FAMILIES.map((x) => x.id).join(', ')})`);
  return f;
}

/** The prompt the policy sees: the signature and a one-line docstring; the body follows. */
export function renderPrompt(fn: string, args: readonly string[], description: string): string {
  return `def ${fn}(${args.join(', ')}):\n    """${description}"""\n`;
}

export function renderAssert(fn: string, args: PyValue[], expected: PyValue): string {
  return `assert ${fn}(${args.map(pyRepr).join(', ')}) == ${pyRepr(expected)}`;
}

/** Draws one instance of `family` for `split` from `rng`. */
export function drawInstance(family: AnyFamily, split: BuiltinSplit, rng: Rng, heldOutPhrasing?: boolean): BuiltinInstance {
  const c = rng.pick(constantsFor(family, split));
  const phrasings = phrasingsFor(family, split);
  // The test split uses its held-out phrasing half of the time (random unless the caller decides).
  const useHeldOut = split === 'test' && (heldOutPhrasing ?? rng.chance(0.5));
  const phrasing = useHeldOut ? phrasings[phrasings.length - 1]! : rng.pick(split === 'test' ? phrasings.slice(0, -1) : phrasings);
  const fn = rng.pick(family.names);
  const args = [...rng.pick(family.argNames)];
  const ctx: FamilyCtx<unknown> = { c, fn, args };
  const description = family.phrasings[phrasing]!(ctx);
  const seen = new Set<string>();
  const tests: string[] = [];
  const add = (argv: PyValue[]) => {
    const line = renderAssert(fn, argv, family.expected(c, argv));
    if (!seen.has(line)) {
      seen.add(line);
      tests.push(line);
    }
  };
  // Random cases first (the typical input), then every edge case, then more random ones until
  // there are TESTS_PER_TASK distinct asserts.
  const edges = family.edges(c);
  for (let k = 0; k < Math.max(1, TESTS_PER_TASK - edges.length - 1); k++) add(family.random(rng, c));
  for (const argv of edges) add(argv);
  for (let attempt = 0; attempt < 50 && tests.length < TESTS_PER_TASK; attempt++) add(family.random(rng, c));
  return { family, ctx, phrasing, description, prompt: renderPrompt(fn, args, description), tests };
}

/** A reference body (solution `style`, default the family's first) for an instance, ending in a newline. */
export function referenceBody(inst: BuiltinInstance, style = 0): string {
  return inst.family.solutions[style]!(inst.ctx) + '\n';
}

function toTask(inst: BuiltinInstance, split: BuiltinSplit, index: number, seed: number): Task {
  return {
    id: `builtin/${split}/${index}`,
    source: 'builtin',
    language: 'python',
    description: inst.description,
    prompt: inst.prompt,
    completionMode: 'continue',
    entryPoint: inst.ctx.fn,
    reference: referenceBody(inst),
    tests: { kind: 'asserts', asserts: inst.tests },
    stop: BUILTIN_STOP,
    meta: {
      split,
      family: inst.family.id,
      category: inst.family.category,
      constant: constantKey(inst.ctx.c),
      phrasing: inst.phrasing,
      seed,
    },
  };
}

/** The tasks of one split, deterministic for (split, seed, count, families). Families take turns. */
export function builtinTasks(split: BuiltinSplit, options: BuiltinOptions = {}): Task[] {
  if (!BUILTIN_SPLITS.includes(split)) throw new Error(`unknown built-in split ${JSON.stringify(split)} (expected train, validation or test)`);
  const seed = options.seed ?? DEFAULT_BUILTIN_SEED;
  const count = options.count ?? DEFAULT_SPLIT_SIZES[split];
  const families = options.families ? options.families.map(familyById) : FAMILIES;
  const rng = Rng.derive(seed, 'builtin', split);
  const prompts = new Set<string>();
  const tasks: Task[] = [];
  for (let i = 0; i < count; i++) {
    const family = families[i % families.length]!;
    // In the test split, a family's tasks alternate between the held-out phrasing and the others.
    const heldOut = Math.floor(i / families.length) % 2 === 0;
    let inst = drawInstance(family, split, rng, heldOut);
    // Prefer prompts not yet in the split; after a few tries accept a repeat (its tests differ).
    for (let t = 0; t < 8 && prompts.has(inst.prompt); t++) inst = drawInstance(family, split, rng, heldOut);
    prompts.add(inst.prompt);
    tasks.push(toTask(inst, split, i, seed));
  }
  return tasks;
}
