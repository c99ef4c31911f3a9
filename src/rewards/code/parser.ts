/**
 * Tree-sitter parsing for the code-similarity rewards (syntax match, data-flow match).
 *
 * web-tree-sitter (wasm) with the grammars' own .wasm files from npm (ABI 15, accepted by
 * web-tree-sitter 0.27). The runtime and each language are loaded once per process and cached.
 * A parse is turned into a plain JS tree in one TreeCursor walk, so everything after the parse
 * runs without crossing into wasm again. Comments (and, for Python, docstrings) are dropped from
 * that tree: they are removed structurally, never by text surgery, so Python's `//` and a `#`
 * inside a string can never be mistaken for comments.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Language as CodeLanguage } from '../../tasks/types.js';

// Types of web-tree-sitter, imported lazily so `verdict --help` never loads wasm.
type TSModule = typeof import('web-tree-sitter');
type TSParser = import('web-tree-sitter').Parser;

export interface SyntaxNode {
  type: string;
  /** Named node (printed in S-expressions); anonymous nodes are punctuation and keywords. */
  named: boolean;
  /** Inserted by error recovery (zero width). */
  missing: boolean;
  /** Field name under the parent, null when none. */
  field: string | null;
  children: SyntaxNode[];
  /** UTF-16 offsets into the source. */
  start: number;
  end: number;
  /** Source text, filled for leaves and for string literals (treated as one token). */
  text: string;
  /** Token ordinal (leaves and whole strings, in source order), -1 for inner nodes. */
  token: number;
}

export interface ParseOptions {
  /** Drop Python docstrings (string-only expression statements) as the CodeBLEU Python cleaner does. Default true. */
  stripDocstrings?: boolean;
}

let runtime: Promise<TSModule> | undefined;
const languages = new Map<CodeLanguage, Promise<TSParser>>();

const WASM: Record<CodeLanguage, [string, string]> = {
  python: ['tree-sitter-python', 'tree-sitter-python.wasm'],
  javascript: ['tree-sitter-javascript', 'tree-sitter-javascript.wasm'],
};

async function loadRuntime(): Promise<TSModule> {
  runtime ??= (async () => {
    const mod = await import('web-tree-sitter');
    await mod.Parser.init();
    return mod;
  })();
  return runtime;
}

/** The cached parser for a language (loads web-tree-sitter and the grammar on first use). */
export async function getParser(lang: CodeLanguage): Promise<TSParser> {
  let p = languages.get(lang);
  if (!p) {
    p = (async () => {
      const mod = await loadRuntime();
      const require = createRequire(import.meta.url);
      const [pkg, file] = WASM[lang];
      const path = join(dirname(require.resolve(`${pkg}/package.json`)), file);
      const language = await mod.Language.load(path);
      if (language.abiVersion < mod.MIN_COMPATIBLE_VERSION || language.abiVersion > mod.LANGUAGE_VERSION) {
        throw new Error(`${pkg} has ABI ${language.abiVersion}; web-tree-sitter accepts ${mod.MIN_COMPATIBLE_VERSION}..${mod.LANGUAGE_VERSION}`);
      }
      const parser = new mod.Parser();
      parser.setLanguage(language);
      return parser;
    })();
    languages.set(lang, p);
  }
  return p;
}

/** Load every parser now, so the synchronous functions can be used afterwards. */
export async function initParsers(langs: CodeLanguage[] = ['python', 'javascript']): Promise<void> {
  await Promise.all(langs.map(async (l) => ready.set(l, await getParser(l))));
}
const ready = new Map<CodeLanguage, TSParser>();

/** Types treated as one token even though tree-sitter gives them children (as CodeBLEU's DFG does). */
const STRING_TOKENS = new Set(['string', 'string_literal', 'character_literal']);
const COMMENT_TYPES = new Set(['comment', 'html_comment']);

function isDocstring(node: SyntaxNode): boolean {
  if (node.type !== 'expression_statement') return false;
  const kids = node.children.filter((c) => c.named);
  return kids.length === 1 && (kids[0]!.type === 'string' || kids[0]!.type === 'concatenated_string') && node.children.length === 1;
}

/**
 * Parse `code` and return the root of the JS tree (comments removed; docstrings removed for Python
 * unless `stripDocstrings` is false). Synchronous: call `initParsers()` (or any async metric) first.
 */
export function parseTree(code: string, lang: CodeLanguage, opts: ParseOptions = {}): { root: SyntaxNode; hasError: boolean } {
  const parser = ready.get(lang);
  if (!parser) throw new Error(`tree-sitter parser for ${lang} not loaded: await initParsers() first`);
  const tree = parser.parse(code);
  if (!tree) throw new Error(`tree-sitter returned no tree for a ${lang} program`);
  const stripDoc = lang === 'python' && opts.stripDocstrings !== false;
  const cursor = tree.walk();
  let token = 0;
  const hasError = tree.rootNode.hasError; // ERROR or MISSING anywhere, strings included
  // Iterative pre-order walk; each frame is the node being filled.
  const make = (): SyntaxNode => {
    const type = cursor.nodeType;
    const node: SyntaxNode = {
      type,
      named: cursor.nodeIsNamed,
      missing: cursor.nodeIsMissing,
      field: cursor.currentFieldName,
      children: [],
      start: cursor.startIndex,
      end: cursor.endIndex,
      text: '',
      token: -1,
    };
    return node;
  };
  const root = make();
  const stack: SyntaxNode[] = [root];
  let opaque = STRING_TOKENS.has(root.type);
  if (!opaque && cursor.gotoFirstChild()) {
    for (;;) {
      const parent = stack[stack.length - 1]!;
      const node = make();
      let descend = false;
      if (COMMENT_TYPES.has(node.type)) {
        // dropped
      } else {
        parent.children.push(node);
        opaque = STRING_TOKENS.has(node.type);
        if (!opaque) descend = true;
        else {
          node.text = code.slice(node.start, node.end);
          node.token = token++;
          // still record the string's children for the S-expressions (not tokens)
          if (cursor.gotoFirstChild()) {
            stack.push(node);
            collectOpaque(cursor, node, code);
            cursor.gotoParent();
            stack.pop();
          }
        }
      }
      if (descend && cursor.gotoFirstChild()) {
        stack.push(node);
        continue;
      }
      if (descend && node.children.length === 0) {
        node.text = code.slice(node.start, node.end);
        node.token = token++;
      }
      // next sibling, or climb
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || stack.length === 1) {
          stack.length = 0;
          break;
        }
        const done = stack.pop()!;
        finish(done, stripDoc);
      }
      if (stack.length === 0) break;
    }
  }
  finish(root, stripDoc);
  cursor.delete();
  tree.delete();
  return { root, hasError };
}

/** Children of a string token: kept for S-expressions (string_start, string_content, interpolation ...). */
function collectOpaque(cursor: import('web-tree-sitter').TreeCursor, parent: SyntaxNode, code: string): void {
  for (;;) {
    const node: SyntaxNode = {
      type: cursor.nodeType,
      named: cursor.nodeIsNamed,
      missing: cursor.nodeIsMissing,
      field: cursor.currentFieldName,
      children: [],
      start: cursor.startIndex,
      end: cursor.endIndex,
      text: '',
      token: -1,
    };
    if (!COMMENT_TYPES.has(node.type)) {
      parent.children.push(node);
      if (cursor.gotoFirstChild()) {
        collectOpaque(cursor, node, code);
        cursor.gotoParent();
      } else node.text = code.slice(node.start, node.end);
    }
    if (!cursor.gotoNextSibling()) return;
  }
}

function finish(node: SyntaxNode, stripDoc: boolean): void {
  if (stripDoc && node.children.length) {
    const kept = node.children.filter((c) => !isDocstring(c));
    if (kept.length !== node.children.length) node.children = kept;
  }
}
