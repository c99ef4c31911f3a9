/**
 * Byte-level BPE tokenizer: trained from a corpus to an exact vocabulary size, exact round trip
 * for every well-formed string, character offsets for every token, saved as JSON.
 *
 * Token ids
 *   0 .. 255                    one raw byte each (so every byte sequence is encodable)
 *   256 .. 256 + M - 1          merged tokens, in merge order (merge r creates id 256 + r)
 *   256 + M, 257 + M, 258 + M   the special tokens BOS, EOS, PAD (`bos`, `eos`, `pad`)
 * so `vocabSize = 259 + M`. Merges never produce a special token: ordinary text that happens
 * to spell "<|eos|>" encodes as bytes unless `allowSpecial` is set.
 *
 * Pre-tokenization. Text is first cut into pieces by a regular expression (GPT-2 style, adapted
 * for code) and merges never cross a piece boundary:
 *   - runs of newlines ("\n", "\r\n", "\n\n" ...) are pieces of their own;
 *   - runs of two or more non-newline whitespace characters (indentation, alignment) are pieces
 *     of their own, and so is a single tab, so Python indentation becomes a few stable tokens;
 *   - an identifier (letters, marks, digits, underscore; not starting with a digit), a number,
 *     or a run of punctuation, each optionally preceded by ONE space;
 *   - any other single whitespace character.
 * The pattern is stored in the JSON file, so a saved tokenizer keeps cutting text the way it
 * was trained even if the default changes.
 *
 * Strings. Text is encoded as UTF-8. A JavaScript string can hold lone surrogates (not valid
 * Unicode); each one is encoded as U+FFFD (the bytes EF BF BD), exactly as TextEncoder does, so
 * the round trip `decode(encode(s)) === s` holds for every well-formed string (any Unicode text:
 * emoji, CJK, lone combining marks, "\r\n", tabs, a leading byte order mark, the empty string)
 * and lone surrogates come back as U+FFFD.
 *
 * Offsets (`encodeWithOffsets`) are JS string indices (UTF-16 code units) into the given text,
 * half-open [start, end). Token i's span covers exactly the characters whose UTF-8 bytes it
 * holds; a token that starts or ends inside a multi-byte character is widened to that whole
 * character, so two neighbouring tokens that split one character both cover it. Spans are in
 * order, never empty, and together cover the text without gaps: offsets[0][0] === 0, the last
 * end is text.length and start[i+1] <= end[i] (equal whenever the boundary falls between
 * characters, which is always the case for ASCII).
 *
 * Training (`Tokenizer.train`) counts the pieces of the corpus once, then repeatedly merges the
 * most frequent adjacent pair, updating pair counts only in the words that contain the merged
 * pair (priority queue with lazy deletion). Ties go to the smallest (left id, right id), so the
 * same corpus always gives the same tokenizer.
 */
import { readFile, writeFile, rename, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export const TOKENIZER_FORMAT = 'verdict-bpe';
export const TOKENIZER_VERSION = 1;

/** The default pre-tokenization pattern (see the module comment). Used with flags "gu". */
export const DEFAULT_PATTERN =
  '[\\r\\n]+|[^\\S\\r\\n]{2,}|\\t| ?[\\p{L}\\p{M}_][\\p{L}\\p{M}\\p{N}_]*| ?\\p{N}+| ?[^\\s\\p{L}\\p{M}\\p{N}_]+|\\s';

export const DEFAULT_SPECIALS: Readonly<SpecialStrings> = { bos: '<|bos|>', eos: '<|eos|>', pad: '<|pad|>' };

/** Largest vocabulary (ids must fit the pair key a * 2^20 + b). */
export const MAX_VOCAB_SIZE = 1 << 20;
const PAIR_BASE = 1 << 20;

export interface SpecialStrings {
  bos: string;
  eos: string;
  pad: string;
}

/** The JSON form written by `save` / `toJSON`. */
export interface TokenizerJSON {
  format: typeof TOKENIZER_FORMAT;
  version: typeof TOKENIZER_VERSION;
  vocabSize: number;
  pattern: string;
  specials: SpecialStrings;
  /** merges[r] = [left id, right id]; merge r creates token 256 + r. */
  merges: Array<[number, number]>;
}

export interface TrainOptions {
  /** Total vocabulary including the 256 bytes and the 3 specials (so at least 259). */
  vocabSize: number;
  /** A pair must occur at least this often (weighted by piece frequency) to be merged. Default 2. */
  minPairCount?: number;
  pattern?: string;
  specials?: Partial<SpecialStrings>;
  /** Called now and then with (merges done, merges wanted). */
  onProgress?: (done: number, total: number) => void;
}

export interface EncodeOptions {
  /** Turn literal special strings in the text ("<|eos|>" ...) into special tokens. Default false. */
  allowSpecial?: boolean;
  /** Prepend BOS / append EOS. */
  addBos?: boolean;
  addEos?: boolean;
}

export interface EncodedWithOffsets {
  ids: number[];
  /** offsets[i] = [start, end) of token i in UTF-16 code units of the text (see module comment). */
  offsets: Array<[number, number]>;
}

/** Incremental decoder for sampling: feed ids one by one, get the text they complete. */
export interface StreamDecoder {
  /** Text completed by this token (may be '' while a multi-byte character is still partial). */
  push(id: number): string;
  /** The text of any dangling partial character (as U+FFFD), and reset. */
  flush(): string;
}

const encoder = new TextEncoder();
const CACHE_LIMIT = 100_000;
/** Pieces up to this many bytes use the simple quadratic merge loop; longer ones use a heap. */
const NAIVE_LIMIT = 40;

function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

function pairKey(a: number, b: number): number {
  return a * PAIR_BASE + b;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Cuts `text` into pieces with `re` (global); characters the pattern does not match become
 * pieces of their own, so the pieces always tile the text. Calls `piece(start, end)`.
 */
function forEachPiece(re: RegExp, text: string, piece: (start: number, end: number) => void): void {
  re.lastIndex = 0;
  let last = 0;
  for (;;) {
    const m = re.exec(text);
    if (m === null) break;
    const start = m.index;
    const len = m[0].length;
    if (len === 0) {
      re.lastIndex++;
      continue;
    }
    if (start > last) gapPieces(text, last, start, piece);
    piece(start, start + len);
    last = start + len;
  }
  if (last < text.length) gapPieces(text, last, text.length, piece);
}

function gapPieces(text: string, from: number, to: number, piece: (s: number, e: number) => void): void {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    const n = c >= 0xd800 && c <= 0xdbff && i + 1 < to && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    piece(i, i + n);
    i += n;
  }
}

/** Pre-tokenization pieces of `text` (useful for inspection and tests). */
export function pretokenize(text: string, pattern: string = DEFAULT_PATTERN): string[] {
  const out: string[] = [];
  forEachPiece(new RegExp(pattern, 'gu'), text, (s, e) => out.push(text.slice(s, e)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binary heaps used by training (max by count, ties: smaller key) and by long-piece encoding.

class PairQueue {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }
  private swap(i: number, j: number): void {
    const c = this.counts[i]!;
    this.counts[i] = this.counts[j]!;
    this.counts[j] = c;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  /** Removes the top; returns [count, key]. */
  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lastC = this.counts.pop()!;
    const lastK = this.keys.pop()!;
    const n = this.counts.length;
    if (n > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.before(l, m)) m = l;
        if (r < n && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

// ---------------------------------------------------------------------------------------------

export class Tokenizer {
  readonly pattern: string;
  readonly specials: Readonly<SpecialStrings>;
  readonly vocabSize: number;
  /** Id of the beginning-of-sequence token. */
  readonly bos: number;
  /** Id of the end-of-sequence token. */
  readonly eos: number;
  /** Id of the padding token. */
  readonly pad: number;
  /** Number of merges (vocabSize - 259). */
  readonly mergeCount: number;

  private readonly mergePairs: Int32Array; // 2 * mergeCount
  private readonly ranks = new Map<number, number>(); // pairKey -> rank
  private readonly bytesOf: Uint8Array[] = [];
  private readonly re: RegExp;
  private readonly specialRe: RegExp;
  private readonly specialIds = new Map<string, number>();
  /** Piece -> ids. Two generations: when `cache` fills up it becomes `oldCache`, so pieces in use survive. */
  private cache = new Map<string, readonly number[]>();
  private oldCache = new Map<string, readonly number[]>();

  private constructor(merges: ReadonlyArray<readonly [number, number]>, pattern: string, specials: SpecialStrings) {
    this.pattern = pattern;
    this.specials = Object.freeze({ ...specials });
    this.mergeCount = merges.length;
    this.mergePairs = new Int32Array(2 * merges.length);
    for (let b = 0; b < 256; b++) this.bytesOf.push(Uint8Array.of(b));
    merges.forEach(([a, b], r) => {
      this.mergePairs[2 * r] = a;
      this.mergePairs[2 * r + 1] = b;
      this.ranks.set(pairKey(a, b), r);
      const x = this.bytesOf[a]!;
      const y = this.bytesOf[b]!;
      const joined = new Uint8Array(x.length + y.length);
      joined.set(x, 0);
      joined.set(y, x.length);
      this.bytesOf.push(joined);
    });
    this.bos = 256 + merges.length;
    this.eos = this.bos + 1;
    this.pad = this.bos + 2;
    this.vocabSize = this.bos + 3;
    for (const [name, id] of [['bos', this.bos], ['eos', this.eos], ['pad', this.pad]] as const) {
      this.bytesOf.push(utf8(specials[name]));
      this.specialIds.set(specials[name], id);
    }
    this.re = new RegExp(pattern, 'gu');
    // Longest first so that one special string being a prefix of another cannot shadow it.
    const alts = [specials.bos, specials.eos, specials.pad].sort((p, q) => q.length - p.length).map(escapeRegExp);
    this.specialRe = new RegExp(alts.join('|'), 'g');
  }

  // ----------------------------------------------------------------------------- training

  /** Trains a tokenizer on `corpus` to `options.vocabSize` tokens (fewer if the corpus runs out of pairs). */
  static train(corpus: Iterable<string>, options: TrainOptions): Tokenizer {
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 259 || vocabSize > MAX_VOCAB_SIZE) {
      throw new RangeError(`vocabSize must be an integer from 259 (256 bytes + 3 specials) to ${MAX_VOCAB_SIZE}, got ${vocabSize}`);
    }
    const minPairCount = options.minPairCount ?? 2;
    if (!(minPairCount >= 1)) throw new RangeError(`minPairCount must be at least 1, got ${minPairCount}`);
    const pattern = options.pattern ?? DEFAULT_PATTERN;
    const specials: SpecialStrings = { ...DEFAULT_SPECIALS, ...options.specials };
    checkSpecials(specials, 'specials');
    const re = new RegExp(pattern, 'gu');
    const wanted = vocabSize - 259;

    // 1. Unique pieces with their frequencies.
    const pieceCounts = new Map<string, number>();
    for (const text of corpus) {
      forEachPiece(re, text, (s, e) => {
        const p = text.slice(s, e);
        pieceCounts.set(p, (pieceCounts.get(p) ?? 0) + 1);
      });
    }

    // 2. Words as mutable byte-id arrays; pair counts and where each pair occurs.
    const nWords = pieceCounts.size;
    const words: Int32Array[] = new Array(nWords);
    const wlen = new Int32Array(nWords);
    const freq = new Float64Array(nWords);
    const counts = new Map<number, number>();
    const where = new Map<number, number[]>();
    const addWhere = (k: number, w: number): void => {
      const list = where.get(k);
      if (list === undefined) where.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    };
    let w = 0;
    for (const [piece, f] of pieceCounts) {
      const bytes = utf8(piece);
      const word = new Int32Array(bytes);
      words[w] = word;
      wlen[w] = word.length;
      freq[w] = f;
      for (let i = 0; i + 1 < word.length; i++) {
        const k = pairKey(word[i]!, word[i + 1]!);
        counts.set(k, (counts.get(k) ?? 0) + f);
        addWhere(k, w);
      }
      w++;
    }
    pieceCounts.clear();

    const queue = new PairQueue();
    for (const [k, c] of counts) queue.push(c, k);

    // 3. Merge loop.
    const merges: Array<[number, number]> = [];
    const stamp = new Int32Array(nWords).fill(-1);
    const changed = new Map<number, number>();
    const touch = (k: number, delta: number): void => {
      const cur = counts.get(k) ?? 0;
      if (!changed.has(k)) changed.set(k, cur);
      counts.set(k, cur + delta);
    };
    while (merges.length < wanted && queue.size > 0) {
      const [c, key] = queue.pop();
      if (counts.get(key) !== c) continue; // stale entry
      if (c < minPairCount) break;
      const a = Math.floor(key / PAIR_BASE);
      const b = key - a * PAIR_BASE;
      const newId = 256 + merges.length;
      const iter = merges.length;
      merges.push([a, b]);
      const list = where.get(key) ?? [];
      where.delete(key);
      changed.clear();
      for (const wi of list) {
        if (stamp[wi] === iter) continue;
        stamp[wi] = iter;
        const word = words[wi]!;
        const n = wlen[wi]!;
        let found = false;
        for (let i = 0; i + 1 < n; i++) {
          if (word[i] === a && word[i + 1] === b) {
            found = true;
            break;
          }
        }
        if (!found) continue;
        const f = freq[wi]!;
        for (let i = 0; i + 1 < n; i++) touch(pairKey(word[i]!, word[i + 1]!), -f);
        let j = 0;
        for (let i = 0; i < n; ) {
          if (i + 1 < n && word[i] === a && word[i + 1] === b) {
            word[j++] = newId;
            i += 2;
          } else {
            word[j++] = word[i++]!;
          }
        }
        wlen[wi] = j;
        for (let i = 0; i + 1 < j; i++) {
          const x = word[i]!;
          const y = word[i + 1]!;
          const k = pairKey(x, y);
          touch(k, f);
          if (x === newId || y === newId) addWhere(k, wi);
        }
      }
      for (const [k, before] of changed) {
        const cur = counts.get(k) ?? 0;
        if (cur <= 0) {
          counts.delete(k);
          where.delete(k);
        } else if (cur !== before) {
          queue.push(cur, k);
        }
      }
      if (options.onProgress && (merges.length % 256 === 0 || merges.length === wanted)) {
        options.onProgress(merges.length, wanted);
      }
    }
    return new Tokenizer(merges, pattern, specials);
  }

  // ----------------------------------------------------------------------------- encoding

  /** Token ids of `text`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (options.addBos) ids.push(this.bos);
    this.encodeInto(text, options.allowSpecial === true, ids, null);
    if (options.addEos) ids.push(this.eos);
    return ids;
  }

  /**
   * Token ids of `text` with the [start, end) span of each in UTF-16 code units (see the module
   * comment for tokens that split a character). BOS/EOS added by options get the empty spans
   * [0, 0] and [len, len].
   */
  encodeWithOffsets(text: string, options: EncodeOptions = {}): EncodedWithOffsets {
    const ids: number[] = [];
    const offsets: Array<[number, number]> = [];
    if (options.addBos) {
      ids.push(this.bos);
      offsets.push([0, 0]);
    }
    this.encodeInto(text, options.allowSpecial === true, ids, offsets);
    if (options.addEos) {
      ids.push(this.eos);
      offsets.push([text.length, text.length]);
    }
    return { ids, offsets };
  }

  private encodeInto(text: string, allowSpecial: boolean, ids: number[], offsets: Array<[number, number]> | null): void {
    if (!allowSpecial) {
      this.encodeOrdinary(text, 0, text.length, ids, offsets);
      return;
    }
    const re = this.specialRe;
    re.lastIndex = 0;
    let last = 0;
    for (;;) {
      const m = re.exec(text);
      if (m === null) break;
      this.encodeOrdinary(text, last, m.index, ids, offsets);
      ids.push(this.specialIds.get(m[0])!);
      offsets?.push([m.index, m.index + m[0].length]);
      last = m.index + m[0].length;
    }
    this.encodeOrdinary(text, last, text.length, ids, offsets);
  }

  private encodeOrdinary(text: string, from: number, to: number, ids: number[], offsets: Array<[number, number]> | null): void {
    if (from >= to) return;
    const seg = from === 0 && to === text.length ? text : text.slice(from, to);
    forEachPiece(this.re, seg, (s, e) => {
      const piece = seg.slice(s, e);
      const pieceIds = this.pieceIds(piece);
      for (let i = 0; i < pieceIds.length; i++) ids.push(pieceIds[i]!);
      if (offsets !== null) this.pieceOffsets(piece, from + s, pieceIds, offsets);
    });
  }

  private pieceOffsets(piece: string, base: number, pieceIds: readonly number[], offsets: Array<[number, number]>): void {
    if (pieceIds.length === 1) {
      offsets.push([base, base + piece.length]);
      return;
    }
    let total = 0;
    for (const id of pieceIds) total += this.bytesOf[id]!.length;
    if (total === piece.length) {
      // ASCII: one byte per code unit.
      let p = base;
      for (const id of pieceIds) {
        const n = this.bytesOf[id]!.length;
        offsets.push([p, p + n]);
        p += n;
      }
      return;
    }
    // Map every byte to the code-unit span of the character it belongs to.
    const charStart = new Int32Array(total);
    const charEnd = new Int32Array(total);
    let bytePos = 0;
    for (let u = 0; u < piece.length; ) {
      const c = piece.charCodeAt(u);
      let units = 1;
      let nb: number;
      if (c < 0x80) nb = 1;
      else if (c < 0x800) nb = 2;
      else if (c >= 0xd800 && c <= 0xdbff && u + 1 < piece.length && (piece.charCodeAt(u + 1) & 0xfc00) === 0xdc00) {
        nb = 4;
        units = 2;
      } else nb = 3; // BMP, or a lone surrogate encoded as U+FFFD
      for (let k = 0; k < nb; k++) {
        charStart[bytePos + k] = u;
        charEnd[bytePos + k] = u + units;
      }
      bytePos += nb;
      u += units;
    }
    let p = 0;
    for (const id of pieceIds) {
      const n = this.bytesOf[id]!.length;
      offsets.push([base + charStart[p]!, base + charEnd[p + n - 1]!]);
      p += n;
    }
  }

  /** BPE of one piece, cached. */
  private pieceIds(piece: string): readonly number[] {
    const hit = this.cache.get(piece);
    if (hit !== undefined) return hit;
    let ids = this.oldCache.get(piece);
    if (ids === undefined) {
      const bytes = utf8(piece);
      ids = bytes.length <= NAIVE_LIMIT ? this.bpeNaive(bytes) : this.bpeHeap(bytes);
    }
    if (this.cache.size >= CACHE_LIMIT) {
      this.oldCache = this.cache;
      this.cache = new Map();
    }
    this.cache.set(piece, ids);
    return ids;
  }

  /** Repeatedly merge every occurrence of the lowest-rank pair, left to right. */
  private bpeNaive(bytes: Uint8Array): number[] {
    let syms: number[] = Array.from(bytes);
    const ranks = this.ranks;
    while (syms.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = ranks.get(pairKey(syms[i]!, syms[i + 1]!));
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      const a = this.mergePairs[2 * best]!;
      const b = this.mergePairs[2 * best + 1]!;
      const out: number[] = [];
      for (let i = 0; i < syms.length; ) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          out.push(256 + best);
          i += 2;
        } else out.push(syms[i++]!);
      }
      syms = out;
    }
    return syms;
  }

  /**
   * Same result as bpeNaive in O(n log n): a merge of rank r only creates pairs of higher rank,
   * so merging one leftmost lowest-rank pair at a time equals merging all of them in one pass.
   */
  private bpeHeap(bytes: Uint8Array): number[] {
    const n = bytes.length;
    const sym = Int32Array.from(bytes);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Min-heap on (rank, position), lazy deletion.
    const hr: number[] = [];
    const hp: number[] = [];
    const less = (i: number, j: number): boolean => hr[i]! < hr[j]! || (hr[i] === hr[j] && hp[i]! < hp[j]!);
    const swap = (i: number, j: number): void => {
      const r = hr[i]!;
      hr[i] = hr[j]!;
      hr[j] = r;
      const p = hp[i]!;
      hp[i] = hp[j]!;
      hp[j] = p;
    };
    const push = (r: number, p: number): void => {
      hr.push(r);
      hp.push(p);
      let i = hr.length - 1;
      while (i > 0) {
        const q = (i - 1) >> 1;
        if (!less(i, q)) break;
        swap(i, q);
        i = q;
      }
    };
    const pop = (): void => {
      const lr = hr.pop()!;
      const lp = hp.pop()!;
      const m = hr.length;
      if (m === 0) return;
      hr[0] = lr;
      hp[0] = lp;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        let s = i;
        if (l < m && less(l, s)) s = l;
        if (l + 1 < m && less(l + 1, s)) s = l + 1;
        if (s === i) break;
        swap(i, s);
        i = s;
      }
    };
    const consider = (p: number): void => {
      if (p < 0) return;
      const q = next[p]!;
      if (q < 0) return;
      const r = this.ranks.get(pairKey(sym[p]!, sym[q]!));
      if (r !== undefined) push(r, p);
    };
    for (let i = 0; i + 1 < n; i++) consider(i);
    while (hr.length > 0) {
      const r = hr[0]!;
      const p = hp[0]!;
      pop();
      if (!alive[p]) continue;
      const q = next[p]!;
      if (q < 0 || this.ranks.get(pairKey(sym[p]!, sym[q]!)) !== r) continue; // stale
      sym[p] = 256 + r;
      alive[q] = 0;
      const qq = next[q]!;
      next[p] = qq;
      if (qq >= 0) prev[qq] = p;
      if (prev[p]! >= 0) consider(prev[p]!);
      consider(p);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0 && i < n; i = next[i]!) out.push(sym[i]!);
    return out;
  }

  // ----------------------------------------------------------------------------- decoding

  private checkId(id: number, where: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`${where}: token id ${id} is not in 0..${this.vocabSize - 1}`);
    }
  }

  /** Bytes of one token (UTF-8 of the literal string for specials). A fresh copy. */
  tokenBytes(id: number): Uint8Array {
    this.checkId(id, 'tokenBytes');
    return this.bytesOf[id]!.slice();
  }

  /** True for BOS, EOS and PAD. */
  isSpecial(id: number): boolean {
    return id >= this.bos && id < this.vocabSize;
  }

  /** Concatenated bytes of `ids` (specials as their literal strings unless skipSpecial). */
  decodeBytes(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      this.checkId(id, `decode: ids[${i}]`);
      if (options.skipSpecial && id >= this.bos) continue;
      total += this.bytesOf[id]!.length;
    }
    const out = new Uint8Array(total);
    let p = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (options.skipSpecial && id >= this.bos) continue;
      const b = this.bytesOf[id]!;
      out.set(b, p);
      p += b.length;
    }
    return out;
  }

  /**
   * Text of `ids`. Specials decode to their literal strings ("<|eos|>") unless skipSpecial.
   * Byte sequences that are not valid UTF-8 (possible only for id sequences encode never
   * produces) decode with U+FFFD.
   */
  decode(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): string {
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.decodeBytes(ids, options));
  }

  /** A decoder that turns ids into text incrementally (stop strings while sampling). */
  streamDecoder(options: { skipSpecial?: boolean } = {}): StreamDecoder {
    let td = new TextDecoder('utf-8', { ignoreBOM: true });
    return {
      push: (id: number): string => {
        this.checkId(id, 'streamDecoder.push');
        if (options.skipSpecial && id >= this.bos) return '';
        return td.decode(this.bytesOf[id]!, { stream: true });
      },
      flush: (): string => {
        const rest = td.decode();
        td = new TextDecoder('utf-8', { ignoreBOM: true });
        return rest;
      },
    };
  }

  // ----------------------------------------------------------------------------- persistence

  toJSON(): TokenizerJSON {
    const merges: Array<[number, number]> = [];
    for (let r = 0; r < this.mergeCount; r++) merges.push([this.mergePairs[2 * r]!, this.mergePairs[2 * r + 1]!]);
    return {
      format: TOKENIZER_FORMAT,
      version: TOKENIZER_VERSION,
      vocabSize: this.vocabSize,
      pattern: this.pattern,
      specials: { ...this.specials },
      merges,
    };
  }

  /** Rebuilds a tokenizer from `toJSON()` output; `source` names the file in error messages. */
  static fromJSON(json: unknown, source = 'tokenizer JSON'): Tokenizer {
    const fail = (field: string, msg: string): never => {
      throw new Error(`${source}: field "${field}" ${msg}`);
    };
    if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(root)', 'must be an object');
    const o = json as Record<string, unknown>;
    if (o.format !== TOKENIZER_FORMAT) fail('format', `must be "${TOKENIZER_FORMAT}", got ${JSON.stringify(o.format)}`);
    if (o.version !== TOKENIZER_VERSION) {
      fail('version', `is ${JSON.stringify(o.version)}; this Verdict reads version ${TOKENIZER_VERSION}`);
    }
    if (typeof o.pattern !== 'string') fail('pattern', 'must be a string');
    const pattern = o.pattern as string;
    try {
      new RegExp(pattern, 'gu');
    } catch (e) {
      fail('pattern', `is not a valid regular expression (${(e as Error).message})`);
    }
    if (typeof o.specials !== 'object' || o.specials === null) fail('specials', 'must be an object {bos, eos, pad}');
    const sp = o.specials as Record<string, unknown>;
    for (const name of ['bos', 'eos', 'pad'] as const) {
      if (typeof sp[name] !== 'string') fail(`specials.${name}`, 'must be a string');
    }
    const specials: SpecialStrings = { bos: sp.bos as string, eos: sp.eos as string, pad: sp.pad as string };
    try {
      checkSpecials(specials, 'specials');
    } catch (e) {
      fail('specials', (e as Error).message.replace(/^specials: /, ''));
    }
    if (!Array.isArray(o.merges)) fail('merges', 'must be an array of [left, right] id pairs');
    const raw = o.merges as unknown[];
    const merges: Array<[number, number]> = [];
    const seen = new Set<number>();
    for (let r = 0; r < raw.length; r++) {
      const m = raw[r];
      const limit = 256 + r;
      if (!Array.isArray(m) || m.length !== 2) fail(`merges[${r}]`, 'must be a [left, right] pair');
      const [a, b] = m as unknown[];
      for (const x of [a, b]) {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= limit) {
          fail(`merges[${r}]`, `holds ${JSON.stringify(x)}; ids must be integers below ${limit} (tokens that exist before this merge)`);
        }
      }
      const k = pairKey(a as number, b as number);
      if (seen.has(k)) fail(`merges[${r}]`, `repeats the pair [${String(a)}, ${String(b)}]`);
      seen.add(k);
      merges.push([a as number, b as number]);
    }
    if (259 + merges.length > MAX_VOCAB_SIZE) fail('merges', `has ${merges.length} entries; at most ${MAX_VOCAB_SIZE - 259}`);
    if (o.vocabSize !== 259 + merges.length) {
      fail('vocabSize', `is ${JSON.stringify(o.vocabSize)} but 256 bytes + ${merges.length} merges + 3 specials = ${259 + merges.length}`);
    }
    return new Tokenizer(merges, pattern, specials);
  }

  /** Writes the JSON file atomically (temporary file, then rename). */
  async save(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await writeFile(tmp, JSON.stringify(this.toJSON()) + '\n');
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  static async load(path: string): Promise<Tokenizer> {
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: not a valid tokenizer JSON file (${(e as Error).message})`);
    }
    return Tokenizer.fromJSON(json, path);
  }
}

function checkSpecials(s: SpecialStrings, field: string): void {
  const list = [s.bos, s.eos, s.pad];
  if (list.some((x) => x.length === 0)) throw new Error(`${field}: special strings must not be empty`);
  if (new Set(list).size !== 3) throw new Error(`${field}: bos, eos and pad must be different strings`);
}
