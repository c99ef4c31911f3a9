/**
 * CodeBLEU data-flow match (Ren et al. 2020; graph extraction as in GraphCodeBERT's DFG),
 * REFERENCE.md section 4, for Python and JavaScript on the current tree-sitter grammars.
 *
 * Edges are variable-level: `computedFrom` for assignments, augmented assignments, declarations with
 * a value and loop targets (left variable <- right variables); `comesFrom` from a use to its last
 * definition(s). Branches merge definitions; loop bodies are walked twice. Fixed pitfalls:
 * only identifiers are variables (literals never), Python type annotations are not walked, parents
 * are a set listed in source order (never an unordered set), and the grammar's current node names
 * are used (plain JS `a = b` is `assignment_expression`).
 */
import type { Language } from '../../tasks/types.js';
import type { SyntaxNode } from './parser.js';

export type Relation = 'computedFrom' | 'comesFrom';

export interface DataflowEdge {
  /** Variable name. */
  name: string;
  /** Token ordinal of this occurrence. */
  token: number;
  relation: Relation;
  /** Parent occurrences: variable name and token ordinal, in source order. */
  parents: Array<{ name: string; token: number }>;
}

type States = Map<string, number[]>;

interface Ctx {
  edges: DataflowEdge[];
  varTypes: ReadonlySet<string>;
  lang: Language;
}

const PY_VARS = new Set(['identifier']);
const JS_VARS = new Set(['identifier', 'property_identifier', 'shorthand_property_identifier', 'shorthand_property_identifier_pattern']);

function clone(s: States): States {
  const out: States = new Map();
  for (const [k, v] of s) out.set(k, v.slice());
  return out;
}

function field(n: SyntaxNode, name: string): SyntaxNode | undefined {
  for (const c of n.children) if (c.field === name) return c;
  return undefined;
}

/** Variable occurrences (identifier leaves) under a node, in source order; type annotations skipped. */
function variables(n: SyntaxNode, ctx: Ctx, out: SyntaxNode[] = []): SyntaxNode[] {
  if (n.type === 'type' && ctx.lang === 'python') return out;
  if (n.token >= 0) {
    if (ctx.varTypes.has(n.type)) out.push(n);
    return out;
  }
  for (const c of n.children) variables(c, ctx, out);
  return out;
}

function use(n: SyntaxNode, s: States, ctx: Ctx): void {
  if (!ctx.varTypes.has(n.type)) return;
  const defs = s.get(n.text);
  if (defs) {
    ctx.edges.push({ name: n.text, token: n.token, relation: 'comesFrom', parents: defs.map((t) => ({ name: n.text, token: t })) });
  } else {
    if (n.type === 'identifier') s.set(n.text, [n.token]);
    ctx.edges.push({ name: n.text, token: n.token, relation: 'comesFrom', parents: [] });
  }
}

function assign(left: SyntaxNode[], right: SyntaxNode[], s: States, ctx: Ctx, rel: Relation = 'computedFrom'): void {
  const parents = right.map((r) => ({ name: r.text, token: r.token }));
  for (const l of left) {
    ctx.edges.push({ name: l.text, token: l.token, relation: rel, parents });
    s.set(l.text, [l.token]);
  }
}

function merge(into: States, branches: States[]): void {
  const merged: States = new Map();
  for (const b of branches) {
    for (const [k, v] of b) {
      const cur = merged.get(k);
      if (cur) cur.push(...v);
      else merged.set(k, v.slice());
    }
  }
  into.clear();
  for (const [k, v] of merged) into.set(k, [...new Set(v)].sort((a, b) => a - b));
}

/** Pair left and right elements of `a, b = b, a`; otherwise the whole sides. */
function pairs(left: SyntaxNode, right: SyntaxNode): Array<[SyntaxNode, SyntaxNode]> {
  const l = left.children.filter((c) => c.type !== ',' && c.named);
  const r = right.children.filter((c) => c.type !== ',' && c.named);
  const tuple = (n: SyntaxNode) => ['pattern_list', 'expression_list', 'tuple_pattern', 'tuple'].includes(n.type);
  if (tuple(left) && tuple(right) && l.length === r.length && l.length > 0) return l.map((x, i) => [x, r[i]!]);
  return [[left, right]];
}

function walkPython(n: SyntaxNode, s: States, ctx: Ctx): void {
  if (n.token >= 0) return use(n, s, ctx);
  switch (n.type) {
    case 'type':
      return;
    case 'default_parameter':
    case 'typed_default_parameter': {
      const name = field(n, 'name');
      const value = field(n, 'value');
      if (value) walkPython(value, s, ctx);
      if (name) {
        if (value) assign(variables(name, ctx), variables(value, ctx), s, ctx, 'comesFrom');
        else for (const v of variables(name, ctx)) use(v, s, ctx);
      }
      return;
    }
    case 'assignment':
    case 'augmented_assignment': {
      const left = field(n, 'left');
      const right = field(n, 'right');
      if (!left || !right) return; // annotation only: `x: int`
      const ps = pairs(left, right);
      for (const [, r] of ps) walkPython(r, s, ctx);
      for (const [l, r] of ps) assign(variables(l, ctx), variables(r, ctx), s, ctx);
      return;
    }
    case 'for_in_clause': {
      const left = field(n, 'left');
      const right = field(n, 'right');
      if (right) walkPython(right, s, ctx);
      if (left && right) assign(variables(left, ctx), variables(right, ctx), s, ctx);
      return;
    }
    case 'if_statement':
      return branches(n, s, ctx, walkPython, ['elif_clause', 'else_clause']);
    case 'for_statement': {
      const left = field(n, 'left');
      const right = field(n, 'right');
      const body = field(n, 'body');
      for (let i = 0; i < 2; i++) {
        if (right) walkPython(right, s, ctx);
        if (left && right) for (const [l, r] of pairs(left, right)) assign(variables(l, ctx), variables(r, ctx), s, ctx);
        if (body) walkPython(body, s, ctx);
      }
      const alt = field(n, 'alternative');
      if (alt) walkPython(alt, s, ctx);
      return;
    }
    case 'while_statement':
      for (let i = 0; i < 2; i++) for (const c of n.children) walkPython(c, s, ctx);
      return;
    default: {
      // comprehension clauses bind before the element expression uses them
      for (const c of n.children) if (c.type === 'for_in_clause') walkPython(c, s, ctx);
      for (const c of n.children) if (c.type !== 'for_in_clause') walkPython(c, s, ctx);
    }
  }
}

/** if/elif/else: the consequence and every alternative start from the state after the condition; definitions merge. */
function branches(n: SyntaxNode, s: States, ctx: Ctx, walk: (n: SyntaxNode, s: States, ctx: Ctx) => void, altTypes: string[]): void {
  const alts: SyntaxNode[] = [];
  let hasElse = false;
  const main: SyntaxNode[] = [];
  for (const c of n.children) {
    if (altTypes.includes(c.type) || c.field === 'alternative') {
      alts.push(c);
      if (c.type === 'else_clause') hasElse = true;
    } else main.push(c);
  }
  const cond = field(n, 'condition');
  if (cond) walk(cond, s, ctx);
  const outcomes: States[] = [];
  const cur = clone(s);
  for (const c of main) if (c !== cond) walk(c, cur, ctx);
  outcomes.push(cur);
  for (const a of alts) {
    const st = clone(s);
    walk(a, st, ctx);
    outcomes.push(st);
  }
  if (!hasElse) outcomes.push(clone(s));
  merge(s, outcomes);
}

function walkJavascript(n: SyntaxNode, s: States, ctx: Ctx): void {
  if (n.token >= 0) return use(n, s, ctx);
  switch (n.type) {
    case 'variable_declarator': {
      const name = field(n, 'name');
      const value = field(n, 'value');
      if (!name) return;
      if (value) {
        walkJavascript(value, s, ctx);
        assign(variables(name, ctx), variables(value, ctx), s, ctx);
      } else {
        for (const v of variables(name, ctx)) {
          s.set(v.text, [v.token]);
          ctx.edges.push({ name: v.text, token: v.token, relation: 'comesFrom', parents: [] });
        }
      }
      return;
    }
    case 'assignment_expression':
    case 'augmented_assignment_expression':
    case 'assignment_pattern': {
      const left = field(n, 'left');
      const right = field(n, 'right');
      if (!left || !right) return;
      walkJavascript(right, s, ctx);
      assign(variables(left, ctx), variables(right, ctx), s, ctx);
      return;
    }
    case 'update_expression': {
      const vs = variables(n, ctx);
      assign(vs, vs, s, ctx);
      return;
    }
    case 'if_statement':
      return branches(n, s, ctx, walkJavascript, ['else_clause']);
    case 'for_statement': {
      const init = field(n, 'initializer');
      if (init) walkJavascript(init, s, ctx);
      for (let i = 0; i < 2; i++) {
        for (const c of n.children) if (c !== init) walkJavascript(c, s, ctx);
      }
      return;
    }
    case 'for_in_statement': {
      const left = field(n, 'left');
      const right = field(n, 'right');
      const body = field(n, 'body');
      for (let i = 0; i < 2; i++) {
        if (right) walkJavascript(right, s, ctx);
        if (left && right) assign(variables(left, ctx), variables(right, ctx), s, ctx);
        if (body) walkJavascript(body, s, ctx);
      }
      return;
    }
    case 'while_statement':
    case 'do_statement':
      for (let i = 0; i < 2; i++) for (const c of n.children) walkJavascript(c, s, ctx);
      return;
    default:
      for (const c of n.children) walkJavascript(c, s, ctx);
  }
}

/**
 * The program's data-flow edges after CodeBLEU's clean-up: sorted by token, only edges whose
 * variable has parents or is somebody's parent, and one edge per token (parents united).
 */
export function dataflowEdges(root: SyntaxNode, lang: Language): DataflowEdge[] {
  const ctx: Ctx = { edges: [], varTypes: lang === 'python' ? PY_VARS : JS_VARS, lang };
  (lang === 'python' ? walkPython : walkJavascript)(root, new Map(), ctx);
  const edges = ctx.edges.map((e, i) => ({ e, i })).sort((a, b) => a.e.token - b.e.token || a.i - b.i).map((x) => x.e);
  const keep = new Set<number>();
  for (const e of edges) {
    if (e.parents.length) keep.add(e.token);
    for (const p of e.parents) keep.add(p.token);
  }
  const byToken = new Map<number, DataflowEdge>();
  for (const e of edges) {
    if (!keep.has(e.token)) continue;
    const cur = byToken.get(e.token);
    if (!cur) byToken.set(e.token, { ...e, parents: e.parents.slice() });
    else cur.parents.push(...e.parents);
  }
  const out = [...byToken.values()];
  for (const e of out) {
    // parents are a set (by occurrence); list them in source order
    const seen = new Map<number, { name: string; token: number }>();
    for (const p of e.parents) if (!seen.has(p.token)) seen.set(p.token, p);
    e.parents = [...seen.values()].sort((a, b) => a.token - b.token);
  }
  return out;
}

/**
 * Rename variables in order of first appearance (an edge's parents before the edge's own variable,
 * as CodeBLEU does) and write each edge as `var_k computedFrom [var_i,var_j]`. Parent names are a
 * set, listed in order of their first occurrence.
 */
export function normalizeDataflow(edges: readonly DataflowEdge[]): string[] {
  const names = new Map<string, string>();
  const id = (n: string) => {
    let v = names.get(n);
    if (v === undefined) {
      v = `var_${names.size}`;
      names.set(n, v);
    }
    return v;
  };
  const out: string[] = [];
  for (const e of edges) {
    const parentNames: string[] = [];
    for (const p of e.parents) if (!parentNames.includes(p.name)) parentNames.push(p.name);
    const ps = parentNames.map(id);
    out.push(`${id(e.name)} ${e.relation} [${ps.join(',')}]`);
  }
  return out;
}

/** One-to-one matches of reference edges among the candidate's. */
export function dataflowMatchCount(candidate: readonly string[], reference: readonly string[]): { matched: number; total: number } {
  const pool = new Map<string, number>();
  for (const c of candidate) pool.set(c, (pool.get(c) ?? 0) + 1);
  let matched = 0;
  for (const r of reference) {
    const n = pool.get(r) ?? 0;
    if (n > 0) {
      matched++;
      pool.set(r, n - 1);
    }
  }
  return { matched, total: reference.length };
}
