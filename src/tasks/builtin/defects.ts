/**
 * Realistic defects injected into correct function bodies, the kind people write: off-by-one,
 * wrong comparison or operator, wrong builtin, missing return, swapped arguments, indentation or
 * syntax slips, wrong variable. Each mutator returns the changed body, or undefined when it does
 * not apply to this body (the corpus then tries another). Mutators only rewrite code outside string
 * literals.
 */
import type { Rng } from './prng.js';

export type DefectKind =
  | 'off_by_one'
  | 'wrong_comparison'
  | 'wrong_operator'
  | 'wrong_builtin'
  | 'missing_return'
  | 'swapped_arguments'
  | 'indentation_slip'
  | 'syntax_slip'
  | 'wrong_variable';

export const DEFECT_KINDS: readonly DefectKind[] = [
  'off_by_one',
  'wrong_comparison',
  'wrong_operator',
  'wrong_builtin',
  'missing_return',
  'swapped_arguments',
  'indentation_slip',
  'syntax_slip',
  'wrong_variable',
];

/** Relative weights of the defect kinds among defective programs (documented in docs/builtin.md). */
export const DEFECT_WEIGHTS: Readonly<Record<DefectKind, number>> = {
  off_by_one: 3,
  wrong_comparison: 3,
  wrong_operator: 2,
  wrong_builtin: 2,
  missing_return: 1,
  swapped_arguments: 1,
  indentation_slip: 1,
  syntax_slip: 1,
  wrong_variable: 2,
};

interface Span {
  start: number;
  end: number;
}

/** Ranges of string literals ('...' and "..."), which mutators leave alone. */
function stringSpans(code: string): Span[] {
  const spans: Span[] = [];
  for (let i = 0; i < code.length; i++) {
    const ch = code[i];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < code.length && code[j] !== ch && code[j] !== '\n') j += code[j] === '\\' ? 2 : 1;
      spans.push({ start: i, end: j + 1 });
      i = j;
    }
  }
  return spans;
}

/** Matches of `re` outside string literals. */
function codeMatches(code: string, re: RegExp): RegExpExecArray[] {
  const spans = stringSpans(code);
  const out: RegExpExecArray[] = [];
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  for (let m = g.exec(code); m; m = g.exec(code)) {
    const at = m.index;
    if (!spans.some((s) => at >= s.start && at < s.end)) out.push(m);
    if (m[0].length === 0) g.lastIndex++;
  }
  return out;
}

function replaceAt(code: string, at: number, len: number, text: string): string {
  return code.slice(0, at) + text + code.slice(at + len);
}

/** Replaces one randomly chosen match of one of the pairs (both directions). */
function swapToken(code: string, rng: Rng, pairs: ReadonlyArray<[RegExp, string]>): string | undefined {
  const options: Array<{ m: RegExpExecArray; to: string }> = [];
  for (const [re, to] of pairs) for (const m of codeMatches(code, re)) options.push({ m, to });
  if (options.length === 0) return undefined;
  const { m, to } = rng.pick(options);
  const lead = m[1] ?? '';
  return replaceAt(code, m.index + lead.length, m[0].length - lead.length, to);
}

const lines = (code: string) => code.split('\n');

export const MUTATORS: Readonly<Record<DefectKind, (code: string, rng: Rng, args: readonly string[]) => string | undefined>> = {
  off_by_one(code, rng) {
    const choices: Array<() => string | undefined> = [
      // An integer literal one too big or too small (bounds, slices, steps, constants).
      () => {
        const ms = codeMatches(code, /(?<![\w.])\d+(?![\w.])/);
        if (ms.length === 0) return undefined;
        const m = rng.pick(ms);
        const v = Number(m[0]);
        const nv = v === 0 || rng.chance(0.5) ? v + 1 : v - 1;
        return replaceAt(code, m.index, m[0].length, String(nv));
      },
      // Drop the "+ 1" of an inclusive range bound, or add one where there was none.
      () => {
        const ms = codeMatches(code, / \+ 1\)/);
        if (ms.length > 0) return replaceAt(code, rng.pick(ms).index, 4, '');
        const rs = codeMatches(code, /range\(([^()]*?)\)/);
        if (rs.length === 0) return undefined;
        const m = rng.pick(rs);
        return replaceAt(code, m.index, m[0].length, m[0].slice(0, -1) + ' - 1)');
      },
    ];
    return rng.pick(choices)() ?? choices[0]!();
  },
  wrong_comparison(code, rng) {
    return swapToken(code, rng, [
      [/ > /, rng.pick([' >= ', ' < '])],
      [/ >= /, rng.pick([' > ', ' <= '])],
      [/ < /, rng.pick([' <= ', ' > '])],
      [/ <= /, rng.pick([' < ', ' >= '])],
      [/ == /, ' != '],
      [/ != /, ' == '],
      [/(?<=\bif (?:(?!\bfor\b)[^\n])*) in (?=[\w'])/, ' not in '],
    ]);
  },
  wrong_operator(code, rng) {
    return swapToken(code, rng, [
      [/ \+ /, ' - '],
      [/ - /, ' + '],
      [/ \* /, rng.pick([' + ', ' ** '])],
      [/ % /, ' // '],
      [/ \/\/ /, ' % '],
      [/ \+= /, ' -= '],
      [/ -= /, ' += '],
      [/ \*= /, ' += '],
      [/ and /, ' or '],
      [/ or /, ' and '],
      [/ \*\* /, ' * '],
    ]);
  },
  wrong_builtin(code, rng) {
    return swapToken(code, rng, [
      [/(?<![\w.])max\(/, 'min('],
      [/(?<![\w.])min\(/, 'max('],
      [/(?<![\w.])sum\(/, 'len('],
      [/(?<![\w.])len\(/, rng.pick(['sum(', 'max('])],
      [/(?<![\w.])sorted\(/, 'list('],
      [/\.startswith\(/, '.endswith('],
      [/\.count\(/, '.find('],
      [/\.append\(/, '.extend('],
      [/\.get\(/, '.pop('],
      [/\.replace\(/, '.strip('],
      [/\.items\(\)/, '.keys()'],
      [/\.values\(\)/, '.keys()'],
      [/\.split\(\)/, '.split(" ")'],
      [/\.index\(/, '.count('],
      [/(?<![\w.])str\(/, 'int('],
    ]);
  },
  missing_return(code, rng) {
    const ls = lines(code);
    const idx = ls.map((l, i) => (/^\s*return\b/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return undefined;
    const i = idx[idx.length - 1]!;
    const l = ls[i]!;
    const expr = l.replace(/^(\s*)return\s*/, '');
    const indent = /^\s*/.exec(l)![0];
    ls[i] = rng.chance(0.5) || expr === '' ? `${indent}${expr || 'pass'}` : `${indent}print(${expr})`;
    return ls.join('\n');
  },
  swapped_arguments(code, rng) {
    const ms = codeMatches(code, /(\w+|\.\w+)\(([^(),]+), ([^(),]+)\)/);
    const usable = ms.filter((m) => m[2]!.trim() !== m[3]!.trim());
    if (usable.length === 0) return undefined;
    const m = rng.pick(usable);
    return replaceAt(code, m.index, m[0].length, `${m[1]}(${m[3]}, ${m[2]})`);
  },
  indentation_slip(code, rng) {
    const ls = lines(code);
    if (ls.length < 2) {
      // One line: indent it oddly.
      return '  ' + code.trimStart();
    }
    const i = rng.int(1, ls.length - 1);
    const l = ls[i]!;
    const indent = /^\s*/.exec(l)![0].length;
    const options = [indent + 4, indent - 4, indent + 2, indent - 1].filter((n) => n >= 4 && n !== indent);
    ls[i] = ' '.repeat(rng.pick(options)) + l.trimStart();
    return ls.join('\n');
  },
  syntax_slip(code, rng) {
    const choices: Array<() => string | undefined> = [
      () => {
        const ms = codeMatches(code, /:\n/);
        return ms.length ? replaceAt(code, rng.pick(ms).index, 1, '') : undefined;
      },
      () => {
        const ms = codeMatches(code, /\)/);
        return ms.length ? replaceAt(code, rng.pick(ms).index, 1, '') : undefined;
      },
      () => {
        const ms = codeMatches(code, /(?<=if [^\n]*) == /);
        return ms.length ? replaceAt(code, rng.pick(ms).index, 4, ' = ') : undefined;
      },
      () => {
        const ms = codeMatches(code, /\breturn\b/);
        return ms.length ? replaceAt(code, rng.pick(ms).index, 6, rng.pick(['retrun', 'return:'])) : undefined;
      },
    ];
    for (const i of rng.shuffle([0, 1, 2, 3])) {
      const r = choices[i]!();
      if (r !== undefined) return r;
    }
    return undefined;
  },
  wrong_variable(code, rng, args) {
    // Use another name in scope (an argument, a local, a loop variable) where one was meant.
    const assigned = [...code.matchAll(/(?:^|\n)\s*(\w+) (?:=|\+=|-=|\*=)/g)].map((m) => m[1]!);
    const loopVars = [...code.matchAll(/\bfor (\w+)(?:, (\w+))? in\b/g)].flatMap((m) => [m[1]!, m[2]].filter((x): x is string => !!x));
    const names = [...new Set([...args, ...assigned, ...loopVars])].filter((n) => n !== '_');
    if (names.length < 2) {
      const a = args[0];
      if (!a) return undefined;
      const ms = codeMatches(code, new RegExp(`(?<![\\w.])${a}(?!\\w)`));
      if (ms.length === 0) return undefined;
      const m = rng.pick(ms);
      return replaceAt(code, m.index, a.length, rng.pick([a + 's', a[0]!, 'x' === a ? 'n' : 'x']));
    }
    const from = rng.pick(names);
    const ms = codeMatches(code, new RegExp(`(?<![\\w.])${from}(?!\\w)`)).filter((m) => {
      // Not the binding site itself (an assignment target or the loop variable after `for`).
      const before = code.slice(Math.max(0, m.index - 4), m.index);
      const after = code.slice(m.index + from.length, m.index + from.length + 4);
      return !before.endsWith('for ') && !/^ (=|\+=|-=|\*=) /.test(after);
    });
    if (ms.length === 0) return undefined;
    const m = rng.pick(ms);
    const to = rng.pick(names.filter((n) => n !== from));
    return replaceAt(code, m.index, from.length, to);
  },
};

/** Applies one defect of the given kind (trying others when it does not apply). */
export function injectDefect(code: string, rng: Rng, args: readonly string[], preferred: DefectKind): { code: string; kind: DefectKind } | undefined {
  const order = [preferred, ...rng.shuffle(DEFECT_KINDS.filter((k) => k !== preferred))];
  for (const kind of order) {
    const out = MUTATORS[kind](code, rng, args);
    if (out !== undefined && out !== code) return { code: out, kind };
  }
  return undefined;
}

/** Draws a defect kind by DEFECT_WEIGHTS. */
export function drawDefectKind(rng: Rng): DefectKind {
  return DEFECT_KINDS[rng.weighted(DEFECT_KINDS.map((k) => DEFECT_WEIGHTS[k]))]!;
}
