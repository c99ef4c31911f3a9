/**
 * CodeBLEU syntax match (Ren et al. 2020), REFERENCE.md section 4.
 *
 * Subtrees: the root plus every node that has at least one child (named or anonymous); leaves are
 * not subtrees. Each subtree is written as tree-sitter's S-expression (`ts_node_string`): named
 * node types and field names only, so identifier names and literal values never appear; nodes
 * inserted by error recovery print as `(MISSING x)`, unexpected characters as `(UNEXPECTED 'c')`.
 * Score = reference subtrees whose S-expression occurs among the candidate's / reference subtrees
 * (membership, not consuming).
 */
import type { SyntaxNode } from './parser.js';

function printed(n: SyntaxNode): boolean {
  return n.named || n.missing;
}

function charName(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code === 0) return "'\\0'";
  if (code === 10) return "'\\n'";
  if (code === 9) return "'\\t'";
  if (code === 13) return "'\\r'";
  if (code > 0 && code < 128 && c >= ' ' && c <= '~') return `'${c}'`;
  return String(code);
}

/**
 * S-expression of every node, computed bottom-up in one pass (each node's string is built from its
 * children's). Returned in pre-order; the caller picks the subtrees.
 */
export function sexpOf(node: SyntaxNode, memo: Map<SyntaxNode, string>): string {
  const hit = memo.get(node);
  if (hit !== undefined) return hit;
  let s: string;
  if (node.missing) {
    s = node.named ? `(MISSING ${node.type})` : `(MISSING "${node.type}")`;
  } else if (node.type === 'ERROR' && node.children.length === 0 && node.end > node.start) {
    s = `(UNEXPECTED ${charName(node.text || '?')})`;
  } else if (!node.named) {
    // An anonymous node with children (Python's `not in`, `is not`) as a subtree root: tree-sitter's
    // ts_node_string opens it and never closes it ("(not in"), and labels a printed child with the
    // field name "__ROOT__"; both quirks are kept so results equal tree-sitter's S-expressions.
    s = '(' + node.type + inner(node, memo, '__ROOT__');
  } else {
    s = '(' + node.type + inner(node, memo) + ')';
  }
  memo.set(node, s);
  return s;
}

function inner(node: SyntaxNode, memo: Map<SyntaxNode, string>, inherited: string | null = null): string {
  let out = '';
  for (const c of node.children) {
    const f = c.field ?? inherited;
    if (printed(c)) out += ' ' + (f ? f + ': ' : '') + sexpOf(c, memo);
    // an anonymous node with children is transparent; its children take its field name
    else if (c.children.length) out += inner(c, memo, f);
  }
  return out;
}

/** S-expressions of the program's subtrees: the root, then every node with at least one child. */
export function subtreeSexps(root: SyntaxNode): string[] {
  const memo = new Map<SyntaxNode, string>();
  const out: string[] = [sexpOf(root, memo)];
  const stack: SyntaxNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    for (const c of n.children) {
      if (c.children.length) {
        out.push(sexpOf(c, memo));
        stack.push(c);
      }
    }
  }
  return out;
}

export interface MatchCount {
  matched: number;
  total: number;
}

/** Reference subtrees found (membership) among the candidate's. */
export function syntaxMatchCount(candidate: ReadonlySet<string>, reference: readonly string[]): MatchCount {
  let matched = 0;
  for (const s of reference) if (candidate.has(s)) matched++;
  return { matched, total: reference.length };
}
