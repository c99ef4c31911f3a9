/**
 * Composite rewards from a config (YAML or JSON, zod-validated): a weighted sum of any rewards of
 * this folder, each component logged separately, placed on the final token or on every token.
 *
 * ```yaml
 * placement: final-token        # or per-token: every token gets the sequence reward (CodeRL/RLTF style)
 * components:
 *   - kind: exec-errortype       # any RewardKind below
 *     weight: 1
 *   - kind: syntax-match
 *   - kind: dataflow-match
 *     options: { emptyReference: one }
 *   - kind: kl                   # per token: -beta * k
 *     weight: 0.1                # beta
 *     options: { estimator: k3 }
 *   - kind: fine-grained         # per token: -0.3 on the blamed tokens
 * ```
 */
import { z } from 'zod';
import { programFor, type Sample, type Task } from '../tasks/types.js';
import type { Verdict } from '../exec/types.js';
import {
  adaptiveReward,
  binaryReward,
  compileReward,
  errorTypeReward,
  passFractionReward,
  type RewardResult,
} from './exec.js';
import { fineGrainedMask } from './finegrained.js';
import { klPerToken } from './kl.js';
import { codeBleuSync, dataflowMatchSync, syntaxMatchSync } from './code/metrics.js';
import { initParsers } from './code/parser.js';
import { editSim, xMatch } from './code/text.js';

export const REWARD_KINDS = [
  'exec-binary',
  'exec-fraction',
  'exec-errortype',
  'exec-adaptive',
  'compile',
  'syntax-match',
  'dataflow-match',
  'codebleu',
  'xmatch',
  'edit-sim',
  'kl',
  'fine-grained',
] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

const num = z.number().finite();
const OPTIONS: Record<RewardKind, z.ZodType> = {
  'exec-binary': z.strictObject({ pass: num.optional(), fail: num.optional() }),
  'exec-fraction': z.strictObject({}),
  'exec-errortype': z.strictObject({ syntax: num.optional(), runtime: num.optional(), failed: num.optional(), passed: num.optional() }),
  'exec-adaptive': z.strictObject({
    syntax: num.optional(),
    runtime: num.optional(),
    failed: num.optional(),
    passed: num.optional(),
    failedBase: num.optional(),
    failedScale: num.optional(),
  }),
  compile: z.strictObject({ compiles: num.optional(), fails: num.optional() }),
  'syntax-match': z.strictObject({ stripDocstrings: z.boolean().optional() }),
  'dataflow-match': z.strictObject({ stripDocstrings: z.boolean().optional(), emptyReference: z.enum(['exclude', 'one', 'zero']).optional() }),
  codebleu: z.strictObject({
    stripDocstrings: z.boolean().optional(),
    emptyReference: z.enum(['exclude', 'one', 'zero']).optional(),
    weights: z.tuple([num, num, num, num]).optional(),
  }),
  xmatch: z.strictObject({}),
  'edit-sim': z.strictObject({ unit: z.enum(['token', 'char']).optional() }),
  kl: z.strictObject({ estimator: z.enum(['k1', 'k2', 'k3']).optional() }),
  'fine-grained': z.strictObject({ weight: num.optional() }),
};

const ComponentSchema = z
  .strictObject({
    kind: z.enum(REWARD_KINDS),
    /** Multiplies the component (for kl: beta). */
    weight: num.default(1),
    /** Name in the logged components; default: the kind. */
    name: z.string().min(1).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((c, ctx) => {
    const r = OPTIONS[c.kind].safeParse(c.options);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: ['options', ...issue.path] });
    }
  });

export const CompositeConfigSchema = z.strictObject({
  placement: z.enum(['final-token', 'per-token']).default('final-token'),
  components: z.array(ComponentSchema).min(1),
});
export type CompositeConfig = z.infer<typeof CompositeConfigSchema>;
export type CompositeConfigInput = z.input<typeof CompositeConfigSchema>;

/** Parse a YAML or JSON config text; errors name the source and the field. */
export async function parseCompositeConfig(text: string, source = 'reward config'): Promise<CompositeConfig> {
  const { parse } = await import('yaml');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  const r = CompositeConfigSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${source}: field ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  return r.data;
}

export interface RewardInput {
  task: Task;
  sample: Sample;
  /** The sandbox's verdict; needed by exec-*, compile and fine-grained components. */
  verdict?: Verdict;
  /** Reference completion (same mode as the sample); default task.reference. */
  reference?: string;
  /** Per-token data of the completion, for per-token placement, kl and fine-grained. */
  tokens?: {
    offsets?: ReadonlyArray<readonly [number, number]>;
    logp?: ArrayLike<number>;
    logpRef?: ArrayLike<number>;
  };
}

export interface CompositeResult extends RewardResult {
  /** Per-token rewards aligned with the completion's tokens, when the token count is known. */
  perToken?: Float64Array;
}

function need<T>(v: T | undefined, what: string, kind: string): T {
  if (v === undefined) throw new Error(`reward component ${kind} needs ${what}`);
  return v;
}

/**
 * One component's sequence-level value (null: not applicable / skipped) or per-token values.
 * Pure over the input (code metrics cache analysed references; the result is the same).
 */
export function componentValue(
  kind: RewardKind,
  options: Record<string, unknown>,
  input: RewardInput,
): { seq: RewardResult } | { tokens: Float64Array } {
  const v = () => need(input.verdict, 'a verdict', kind);
  const ref = () => need(input.reference ?? input.task.reference, 'a reference (task.reference)', kind);
  const lang = input.task.language;
  const cand = () => programFor(input.task, input.sample.completion);
  const refProg = () => programFor(input.task, ref());
  const ratio = (score: number | null): RewardResult => ({ score, skip: false, components: { [kind]: score } });
  switch (kind) {
    case 'exec-binary':
      return { seq: binaryReward(v(), options) };
    case 'exec-fraction':
      return { seq: passFractionReward(v()) };
    case 'exec-errortype':
      return { seq: errorTypeReward(v(), options) };
    case 'exec-adaptive':
      return { seq: adaptiveReward(v(), options) };
    case 'compile':
      return { seq: compileReward(v(), options) };
    case 'syntax-match':
      return { seq: ratio(syntaxMatchSync(cand(), refProg(), lang, options).score) };
    case 'dataflow-match':
      return { seq: ratio(dataflowMatchSync(cand(), refProg(), lang, options).score) };
    case 'codebleu': {
      const r = codeBleuSync(cand(), refProg(), lang, options);
      return {
        seq: {
          score: r.codebleu,
          skip: false,
          components: { codebleu: r.codebleu, bleu: r.bleu, weightedBleu: r.weightedBleu, syntaxMatch: r.syntaxMatch, dataflowMatch: r.dataflowMatch },
        },
      };
    }
    case 'xmatch':
      return { seq: ratio(xMatch(input.sample.completion, ref())) };
    case 'edit-sim':
      return { seq: ratio(editSim(input.sample.completion, ref(), (options.unit as 'token' | 'char' | undefined) ?? 'token')) };
    case 'kl': {
      const t = need(input.tokens, 'tokens.logp and tokens.logpRef', kind);
      const k = klPerToken(need(t.logp, 'tokens.logp', kind), need(t.logpRef, 'tokens.logpRef', kind), (options.estimator as 'k1' | 'k2' | 'k3' | undefined) ?? 'k1');
      for (let i = 0; i < k.length; i++) k[i] = -k[i]!;
      return { tokens: k };
    }
    case 'fine-grained': {
      const offsets = need(input.tokens?.offsets, 'tokens.offsets', kind);
      // weight 1 inside: the component's weight scales it
      return { tokens: fineGrainedMask(v(), input.sample.completion, offsets, { weight: (options.weight as number | undefined) ?? 0.3 }).penalty };
    }
  }
}

/** Evaluate a composite reward. Async only to load the tree-sitter parsers once. */
export async function compositeReward(config: CompositeConfig, input: RewardInput): Promise<CompositeResult> {
  if (config.components.some((c) => ['syntax-match', 'dataflow-match', 'codebleu'].includes(c.kind))) {
    await initParsers([input.task.language]);
  }
  return compositeRewardSync(config, input);
}

export function compositeRewardSync(config: CompositeConfig, input: RewardInput): CompositeResult {
  const components: Record<string, number | null> = {};
  let seqTotal = 0;
  let skip = false;
  let reason: string | undefined;
  const perTokenParts: Array<[number, Float64Array]> = [];
  for (const c of config.components) {
    const name = c.name ?? c.kind;
    const r = componentValue(c.kind, c.options, input);
    if ('tokens' in r) {
      let sum = 0;
      for (const x of r.tokens) sum += x;
      components[name] = sum * c.weight;
      perTokenParts.push([c.weight, r.tokens]);
      continue;
    }
    if (r.seq.skip) {
      skip = true;
      reason = r.seq.reason;
    }
    components[name] = r.seq.score === null ? null : r.seq.score * c.weight;
    for (const [k, val] of Object.entries(r.seq.components)) if (k !== c.kind && k !== name) components[`${name}.${k}`] = val;
    if (r.seq.score !== null) seqTotal += r.seq.score * c.weight;
  }
  if (skip) return { score: null, skip: true, components, reason };
  const n =
    input.tokens?.offsets?.length ?? input.tokens?.logp?.length ?? (perTokenParts.length ? perTokenParts[0]![1].length : undefined);
  let score = seqTotal;
  for (const [w, t] of perTokenParts) for (const x of t) score += w * x;
  if (n === undefined) return { score, skip: false, components };
  const perToken = new Float64Array(n);
  if (n > 0) {
    if (config.placement === 'final-token') perToken[n - 1] = seqTotal;
    else perToken.fill(seqTotal);
  }
  for (const [w, t] of perTokenParts) {
    if (t.length !== n) throw new Error(`per-token component has ${t.length} values for ${n} tokens`);
    for (let i = 0; i < n; i++) perToken[i] = perToken[i]! + w * t[i]!;
  }
  return { score, skip: false, components, perToken };
}
