/**
 * Inference: batched sampling with a KV cache, and batched scoring of given completions.
 *
 * Sampling runs each distinct prompt once through the full forward pass (prefill), copies its keys
 * and values into the cache slot of every completion of that prompt, then decodes one token per
 * active sequence per step: one `decodeBlock` kernel call per layer (LayerNorm, qkv, cache write,
 * attention, MLP; the native one splits the sequences over threads and keeps the weights packed
 * for the whole call), then one batched log-softmax (logprobs) and softmax at the temperature;
 * only the draw itself runs per sequence in JavaScript. The KV cache and workspaces belong to a
 * decoder kept per model and reused by later calls (they were allocated, and page-faulted, on
 * every call before). Stop strings are matched incrementally when the codec can decode as a
 * stream (the BPE Tokenizer can): each step searches only the new text and the tail a stop could
 * start in, so a sequence costs linear, not quadratic, time.
 */
import type { Completion, SampleOptions, ScoreItem, TextCodec } from './types.js';
import type { Transformer } from './transformer.js';
import type { Kernels } from './kernels/types.js';
import { getKernels } from './kernels/index.js';
import { LN_EPS } from './transformer.js';
import { Rng } from './rng.js';

/** Largest number of sequences decoded together (bounds KV-cache memory). */
const MAX_BATCH = 64;

/** Test hook: receives the logits each sequence sampled from (copy them; the buffer is reused). */
export type LogitsObserver = (sequence: number, step: number, logits: Float32Array) => void;

/** Batched sampling with a KV cache. Result[i][j] is completion j of prompts[i]. */
export function sample(
  model: Transformer, tokenizer: TextCodec, prompts: readonly string[], opts: SampleOptions,
  kernels: Kernels = getKernels(), observe?: LogitsObserver,
): Completion[][] {
  const n = opts.n ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
  if (!(opts.temperature >= 0)) throw new Error(`sample: temperature must be >= 0, got ${opts.temperature}`);
  const encoded = prompts.map((p, i) => {
    const ids = opts.addBos === false ? tokenizer.encode(p) : [tokenizer.bos, ...tokenizer.encode(p)];
    if (ids.length === 0) throw new Error(`sample: prompt ${i} encodes to no tokens (use addBos)`);
    if (ids.length > model.config.context) {
      throw new Error(`sample: prompt ${i} has ${ids.length} tokens, more than the model context ${model.config.context}`);
    }
    return ids;
  });
  const jobs: { prompt: number; index: number }[] = [];
  for (let i = 0; i < prompts.length; i++) for (let j = 0; j < n; j++) jobs.push({ prompt: i, index: j });
  const results: Completion[][] = prompts.map(() => []);
  // cache positions used: prompt plus generated tokens, never beyond the context
  let longest = 1;
  for (const ids of encoded) longest = Math.max(longest, ids.length);
  const maxT = Math.max(1, Math.min(model.config.context, longest + Math.max(0, opts.maxTokens)));
  const decoder = decoderFor(model, kernels, Math.min(MAX_BATCH, Math.max(1, jobs.length)), maxT);
  decoder.busy = true;
  try {
    decoder.begin();
    for (let start = 0; start < jobs.length; start += MAX_BATCH) {
      const chunk = jobs.slice(start, start + MAX_BATCH);
      const out = decoder.run(tokenizer, chunk.map((j) => encoded[j.prompt]!), chunk.map((j) => (opts.seed ?? 0) + j.prompt * n + j.index), opts, observe, start);
      chunk.forEach((j, k) => { results[j.prompt]![j.index] = out[k]!; });
    }
  } finally {
    decoder.busy = false;
  }
  return results;
}

/** Decoders kept for reuse (KV cache and workspaces allocated once per model, not per call). */
const decoders = new WeakMap<Transformer, Decoder>();
/** Decoders with more buffer floats than this are not kept between calls (256 MB). */
const RETAIN_FLOATS = 64 * 1024 * 1024;

/** A decoder for at least `capacity` sequences of `maxT` positions: the model's kept one when it fits. */
function decoderFor(model: Transformer, kernels: Kernels, capacity: number, maxT: number): Decoder {
  const kept = decoders.get(model);
  if (kept && !kept.busy && kept.kernels === kernels && kept.capacity >= capacity && kept.maxT >= maxT) return kept;
  const fresh = new Decoder(model, kernels, capacity, maxT);
  // a busy one belongs to a sample() call further up the stack (an observer sampling again): keep it
  if (!kept?.busy && fresh.floats <= RETAIN_FLOATS) decoders.set(model, fresh);
  return fresh;
}

/** Per-token log p of each completion's tokens given its prompt (BOS + prompt tokens, then completion tokens). */
export function score(
  model: Transformer, tokenizer: TextCodec, items: readonly ScoreItem[], kernels: Kernels = getKernels(),
  opts: { addBos?: boolean; batchSize?: number } = {},
): number[][] {
  const seqs = items.map((it, i) => {
    const prompt = opts.addBos === false ? tokenizer.encode(it.prompt) : [tokenizer.bos, ...tokenizer.encode(it.prompt)];
    const completion = tokenizer.encode(it.completion);
    if (prompt.length === 0) throw new Error(`score: item ${i} has an empty prompt (use addBos)`);
    if (prompt.length + completion.length > model.config.context) {
      throw new Error(`score: item ${i} has ${prompt.length + completion.length} tokens, more than the model context ${model.config.context}`);
    }
    return { tokens: [...prompt, ...completion], promptLength: prompt.length };
  });
  return scoreTokens(model, seqs, kernels, opts.batchSize);
}

/** score() on token ids: log p of tokens[promptLength..] of each sequence. */
export function scoreTokens(
  model: Transformer, seqs: readonly { tokens: readonly number[]; promptLength: number }[],
  kernels: Kernels = getKernels(), batchSize = 16,
): number[][] {
  const V = model.config.vocabSize;
  const out: number[][] = [];
  for (let start = 0; start < seqs.length; start += batchSize) {
    const chunk = seqs.slice(start, start + batchSize);
    let T = 1;
    for (const s of chunk) T = Math.max(T, s.tokens.length);
    const B = chunk.length;
    const ids = new Int32Array(B * T);
    chunk.forEach((s, b) => s.tokens.forEach((t, i) => { ids[b * T + i] = t; }));
    const { logits } = model.forward(ids, B, T, kernels);
    chunk.forEach((s, b) => {
      const lps: number[] = [];
      for (let t = Math.max(1, s.promptLength); t < s.tokens.length; t++) {
        lps.push(logProbAt(logits, (b * T + t - 1) * V, V, s.tokens[t]!));
      }
      out.push(lps);
    });
  }
  return out;
}

function logProbAt(logits: Float32Array, o: number, V: number, token: number): number {
  let max = -Infinity;
  for (let j = 0; j < V; j++) if (logits[o + j]! > max) max = logits[o + j]!;
  let sum = 0;
  for (let j = 0; j < V; j++) sum += Math.exp(logits[o + j]! - max);
  return logits[o + token]! - max - Math.log(sum);
}

/** A codec that can also decode incrementally (the BPE `Tokenizer` can); used for stop strings. */
interface StreamingCodec extends TextCodec {
  streamDecoder?(): { push(id: number): string; flush(): string };
}

/** Bits of the token index in a top-k/top-p sort key (vocabularies up to 2^21 ids). */
export const INDEX_BITS = 2 ** 21;

/** Candidate sets up to this size are ranked by insertion sort. */
const SMALL_SORT = 32;

/** The token id a top-k/top-p key stands for. (Exported with the selections for the tests.) */
export function tokenOf(key: number, V: number): number {
  // not key % INDEX_BITS: a float modulo is a slow library call; these steps are exact integers
  return V - 1 - (key - Math.floor(key / INDEX_BITS) * INDEX_BITS);
}

/** Sorts keys[0..n) in decreasing order. */
function sortDescending(keys: Float64Array, n: number): void {
  if (n <= SMALL_SORT) {
    for (let i = 1; i < n; i++) {
      const key = keys[i]!;
      let j = i - 1;
      while (j >= 0 && keys[j]! < key) { keys[j + 1] = keys[j]!; j--; }
      keys[j + 1] = key;
    }
    return;
  }
  keys.subarray(0, n).sort().reverse();
}

function swap(keys: Float64Array, i: number, j: number): void {
  const t = keys[i]!;
  keys[i] = keys[j]!;
  keys[j] = t;
}

/** Median of three distinct keys: neither the largest nor the smallest of a range of 3 or more. */
function medianOf3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
}

/** Moves everything >= pivot in keys[lo..hi) to its front; returns the end of that part. */
function partitionAtLeast(keys: Float64Array, lo: number, hi: number, pivot: number): number {
  let i = lo;
  for (let j = lo; j < hi; j++) if (keys[j]! >= pivot) swap(keys, i++, j);
  return i;
}

/** Rearranges keys[0..n) (distinct) so that keys[0..k) are the k largest, in no particular order. */
export function selectLargest(keys: Float64Array, n: number, k: number): void {
  let lo = 0, hi = n;
  while (hi - lo > 2) {
    const mid = partitionAtLeast(keys, lo, hi, medianOf3(keys[lo]!, keys[(lo + hi) >> 1]!, keys[hi - 1]!));
    if (mid === k) return;
    if (mid > k) hi = mid;
    else lo = mid;
  }
  if (hi - lo === 2 && keys[lo]! < keys[lo + 1]!) swap(keys, lo, lo + 1);
}

/**
 * Weighted selection: rearranges keys[0..n) (distinct) so that keys[0..c) are the highest-ranked
 * tokens whose probabilities first add up to `target` (the top-p nucleus, in no particular order);
 * returns c, or 0 when all n together stay below target (rounding). Expected O(n).
 */
export function selectNucleus(keys: Float64Array, n: number, target: number, p: Float32Array, o: number, V: number): number {
  let lo = 0, hi = n; // keys[0..lo) are in the nucleus; it ends inside keys[lo..hi)
  let need = target;
  while (hi - lo > SMALL_SORT) {
    const mid = partitionAtLeast(keys, lo, hi, medianOf3(keys[lo]!, keys[(lo + hi) >> 1]!, keys[hi - 1]!));
    let mass = 0;
    for (let i = lo; i < mid; i++) mass += p[o + tokenOf(keys[i]!, V)]!;
    if (mass >= need) hi = mid;
    else { need -= mass; lo = mid; }
  }
  sortDescending(keys.subarray(lo, hi), hi - lo);
  for (let i = lo; i < hi; i++) {
    need -= p[o + tokenOf(keys[i]!, V)]!;
    if (need <= 0) return i + 1;
  }
  return 0;
}

/** What one sequence has produced so far. */
interface SequenceState {
  readonly rng: Rng;
  readonly tokens: number[];
  readonly logprobs: number[];
  finish: Completion['finishReason'] | null;
  text: string;
  /** Incremental decoder (stop strings with a streaming codec), else null. */
  readonly stream: { push(id: number): string; flush(): string } | null;
  /** Text pieces decoded so far (stream path); joined once at the end. */
  readonly pieces: string[];
  /** Length of the text decoded so far (stream path). */
  textLength: number;
  /** The last (longest stop - 1) characters of that text: a new match can only start there. */
  tail: string;
}

/** KV-cache decoder for up to `capacity` sequences. */
class Decoder {
  private readonly C: number;
  private readonly kCache: Float32Array[];
  private readonly vCache: Float32Array[];
  private readonly x: Float32Array; private readonly ln: Float32Array;
  private readonly mean: Float32Array; private readonly rstd: Float32Array;
  /** Workspace of decodeBlock, and each layer's weights in the kernels' packed layout. */
  private readonly scratch: Float32Array;
  private readonly packed: Float32Array[];
  private packedReady = false;
  private readonly logits: Float32Array;
  /** Cache slot and position of each row of a step. */
  private readonly slots: Int32Array; private readonly positions: Int32Array;
  /** Per-row log-softmax (logprobs) and tempered probabilities of the rows being sampled. */
  private readonly logp: Float32Array; private readonly probs: Float32Array;
  /** Top-k / top-p sort keys (probability bits, then index) and the bits view of `probs`. */
  private readonly keys: Float64Array; private readonly probBits: Uint32Array;
  private order: Uint32Array | null = null;

  /** Set while a sample() call uses this decoder. */
  busy = false;
  /** Floats held by the buffers (for the retention limit). */
  readonly floats: number;

  /** Buffers for `capacity` sequences of up to `maxT` positions (maxT <= context). */
  constructor(private readonly model: Transformer, private readonly k: Kernels, readonly capacity: number, readonly maxT: number) {
    const { dModel: C, layers, vocabSize: V } = model.config;
    this.C = C;
    this.kCache = [];
    this.vCache = [];
    for (let l = 0; l < layers; l++) {
      this.kCache.push(new Float32Array(capacity * maxT * C));
      this.vCache.push(new Float32Array(capacity * maxT * C));
    }
    this.x = new Float32Array(capacity * C);
    this.ln = new Float32Array(capacity * C);
    this.mean = new Float32Array(capacity);
    this.rstd = new Float32Array(capacity);
    this.scratch = new Float32Array(capacity * (10 * C + 2));
    this.packed = Array.from({ length: layers }, () => new Float32Array(12 * C * C + 128 * C));
    this.floats = 2 * layers * capacity * maxT * C + capacity * (16 * C + 3 * V + 4) + layers * (12 * C * C + 128 * C);
    this.logits = new Float32Array(capacity * V);
    this.slots = new Int32Array(capacity);
    this.positions = new Int32Array(capacity);
    this.logp = new Float32Array(capacity * V);
    this.probs = new Float32Array(capacity * V);
    this.probBits = new Uint32Array(this.probs.buffer);
    this.keys = new Float64Array(V);
  }

  get kernels(): Kernels { return this.k; }

  /** Starts a sample() call: the weights may have changed since the last one (training). */
  begin(): void {
    this.packedReady = false;
  }

  run(
    tokenizer: TextCodec, prompts: number[][], seeds: number[], opts: SampleOptions,
    observe: LogitsObserver | undefined, firstIndex: number,
  ): Completion[] {
    const S = prompts.length;
    const { context, vocabSize: V } = this.model.config;
    const C = this.C;
    const pos = new Int32Array(S); // position of the next token to feed
    const stops = (opts.stop ?? []).filter((s) => s.length > 0);
    const codec = tokenizer as StreamingCodec;
    const streaming = stops.length > 0 && typeof codec.streamDecoder === 'function';
    const seqs: SequenceState[] = seeds.map((seed) => ({
      rng: new Rng(seed), tokens: [], logprobs: [], finish: null, text: '',
      stream: streaming ? codec.streamDecoder!() : null, pieces: [], textLength: 0, tail: '',
    }));
    // prefill: each distinct prompt once, its K/V copied to every slot that shares it
    const firstLogits = new Float32Array(S * V);
    const seen = new Map<number[], number[]>();
    prompts.forEach((p, s) => {
      const slots = seen.get(p);
      if (slots) slots.push(s);
      else seen.set(p, [s]);
    });
    for (const [ids, slots] of seen) {
      const T = ids.length;
      const acts = this.model.workspace(1, T);
      for (let t = 0; t < T; t++) acts.tokens[t] = ids[t]!;
      this.model.forwardActs(acts, this.k);
      for (const s of slots) {
        for (let l = 0; l < this.kCache.length; l++) {
          const qkv = acts.layers[l]!.qkv;
          for (let t = 0; t < T; t++) this.writeCache(l, s, t, qkv, t * 3 * C);
        }
        firstLogits.set(acts.logits.subarray((T - 1) * V, T * V), s * V);
        pos[s] = T;
      }
    }
    // active[r] is the sequence decoded in row r of this step
    let active = new Int32Array(S);
    let next = new Int32Array(S);
    const nextTok = new Int32Array(S);
    for (let s = 0; s < S; s++) active[s] = s;
    let m = S;
    let logits: Float32Array = firstLogits;
    for (let step = 0; m > 0; step++) {
      if (step > 0) {
        this.decodeStep(active, m, nextTok, pos);
        logits = this.logits;
        for (let r = 0; r < m; r++) pos[active[r]!]!++;
      }
      if (opts.maxTokens > 0) {
        this.k.logSoftmax(this.logp, logits, m, V);
        if (opts.temperature > 0) this.k.softmax(this.probs, logits, m, V, 1 / opts.temperature);
      }
      let still = 0;
      for (let r = 0; r < m; r++) {
        const s = active[r]!;
        observe?.(firstIndex + s, step, logits.subarray(r * V, (r + 1) * V));
        const seq = seqs[s]!;
        this.choose(seq, logits, r, opts, tokenizer, stops, pos[s]! >= context);
        if (seq.finish === null) { next[still++] = s; nextTok[s] = seq.tokens[seq.tokens.length - 1]!; }
      }
      [active, next] = [next, active];
      m = still;
    }
    return seqs.map((q) => ({ text: q.text, tokens: q.tokens, logprobs: q.logprobs, finishReason: q.finish! }));
  }

  /** Samples the next token of `seq` from logits row r, records it and decides whether it is done. */
  private choose(
    seq: SequenceState, logits: Float32Array, r: number, opts: SampleOptions, tokenizer: TextCodec,
    stops: readonly string[], atContext: boolean,
  ): void {
    if (opts.maxTokens <= 0) { seq.finish = 'length'; return; }
    const V = this.model.config.vocabSize;
    const tok = this.pick(logits, r, V, seq.rng, opts);
    seq.tokens.push(tok);
    seq.logprobs.push(this.logp[r * V + tok]!);
    if (tok === tokenizer.eos) {
      seq.tokens.pop();
      seq.text = seq.stream ? seq.pieces.join('') + seq.stream.flush() : tokenizer.decode(seq.tokens);
      seq.tokens.push(tok);
      seq.finish = 'eos';
      return;
    }
    const finished = seq.tokens.length >= opts.maxTokens || atContext;
    if (stops.length === 0) {
      // no stop strings: decode once, at the end
      if (finished) { seq.text = tokenizer.decode(seq.tokens); seq.finish = 'length'; }
      return;
    }
    if (seq.stream) {
      // Incremental: only the new piece (plus the tail that a stop could start in) is searched,
      // so a sequence costs O(length) in total instead of a full decode per token.
      let piece = seq.stream.push(tok);
      if (finished) piece += seq.stream.flush(); // as decode(tokens): a dangling partial character
      if (piece.length === 0) {
        if (finished) { seq.text = seq.pieces.join(''); seq.finish = 'length'; }
        return;
      }
      const window = seq.tail + piece;
      const windowStart = seq.textLength - seq.tail.length;
      let cut = -1;
      let longest = 0;
      for (const stop of stops) {
        if (stop.length > longest) longest = stop.length;
        // a match that ended before the new piece would have stopped an earlier step
        const at = window.indexOf(stop, Math.max(0, seq.tail.length - stop.length + 1));
        if (at >= 0 && (cut < 0 || at < cut)) cut = at;
      }
      seq.pieces.push(piece);
      seq.textLength += piece.length;
      if (cut >= 0) {
        seq.text = seq.pieces.join('').slice(0, windowStart + cut);
        seq.finish = 'stop';
        return;
      }
      seq.tail = window.length >= longest ? window.slice(window.length - (longest - 1)) : window;
      if (finished) { seq.text = seq.pieces.join(''); seq.finish = 'length'; }
      return;
    }
    // a codec without a streaming decoder: decode the whole completion at every step
    const text = tokenizer.decode(seq.tokens);
    let cut = -1;
    for (const stop of stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) { seq.text = text.slice(0, cut); seq.finish = 'stop'; return; }
    seq.text = text;
    if (finished) seq.finish = 'length';
  }

  /** Writes the k and v of one position (from a fused qkv row at `src`) into cache slot s. */
  private writeCache(l: number, s: number, t: number, qkv: Float32Array, src: number): void {
    const { heads: H } = this.model.config;
    const C = this.C;
    const hd = C / H;
    const maxT = this.maxT;
    const kc = this.kCache[l]!;
    const vc = this.vCache[l]!;
    for (let h = 0; h < H; h++) {
      const dst = ((s * H + h) * maxT + t) * hd;
      const ko = src + C + h * hd;
      const vo = src + 2 * C + h * hd;
      for (let i = 0; i < hd; i++) {
        kc[dst + i] = qkv[ko + i]!;
        vc[dst + i] = qkv[vo + i]!;
      }
    }
  }

  /**
   * Temperature / top-k / top-p sampling from logits row r (greedy at temperature 0), using the
   * tempered probabilities the caller computed into `probs` row r. Top-k / top-p rank tokens by
   * probability, ties by smaller id, through numeric keys (probability bits, id): no comparator
   * sort, and no sort at all over a large flat nucleus (weighted selection instead), so a token
   * costs O(V) expected, not O(V log V).
   */
  private pick(logits: Float32Array, r: number, V: number, rng: Rng, opts: SampleOptions): number {
    const o = r * V;
    if (opts.temperature === 0) {
      let best = 0;
      for (let j = 1; j < V; j++) if (logits[o + j]! > logits[o + best]!) best = j;
      return best;
    }
    const p = this.probs;
    let sum = 0;
    for (let j = 0; j < V; j++) sum += p[o + j]!;
    const topK = opts.topK && opts.topK > 0 && opts.topK < V ? opts.topK : V;
    const topP = opts.topP !== undefined && opts.topP > 0 && opts.topP < 1 ? opts.topP : 1;
    if (topK === V && topP === 1) {
      let u = rng.uniform() * sum;
      for (let j = 0; j < V; j++) { u -= p[o + j]!; if (u < 0) return j; }
      return V - 1;
    }
    if (V > INDEX_BITS) return this.pickByComparator(o, V, topK, topP, sum, rng);
    // Top-p alone only needs the tokens above a floor: those below (1 - topP) / (2V) of the mass
    // hold less than (1 - topP) / 2 together, so the nucleus lies among the others.
    const floor = topK === V ? ((1 - topP) / (2 * V)) * sum : 0;
    let n = this.fillKeys(o, V, floor);
    const keys = this.keys;
    if (topK < n) { selectLargest(keys, n, topK); n = topK; }
    if (topK === V && n > SMALL_SORT) {
      const c = selectNucleus(keys, n, topP * sum, p, o, V);
      if (c > 0) return this.sampleKeys(c, o, V, rng);
    }
    sortDescending(keys, n);
    let keep = n;
    let reached = topP === 1;
    if (topP < 1) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        acc += p[o + tokenOf(keys[i]!, V)]! / sum;
        if (acc >= topP) { keep = i + 1; reached = true; break; }
      }
    }
    if (!reached && n < topK) {
      // rounding kept the nucleus from closing inside the candidates: rank every token
      n = this.fillKeys(o, V, 0);
      sortDescending(keys, n);
      keep = topK;
      let acc = 0;
      for (let i = 0; i < topK; i++) {
        acc += p[o + tokenOf(keys[i]!, V)]! / sum;
        if (acc >= topP) { keep = i + 1; break; }
      }
    }
    return this.sampleKeys(keep, o, V, rng);
  }

  /** Keys of the tokens of probs row o with probability >= floor; returns their number. */
  private fillKeys(o: number, V: number, floor: number): number {
    const p = this.probs, bits = this.probBits, keys = this.keys;
    let n = 0;
    // probabilities are >= 0, so their float32 bit patterns order like their values
    for (let j = 0; j < V; j++) if (p[o + j]! >= floor) keys[n++] = bits[o + j]! * INDEX_BITS + (V - 1 - j);
    return n;
  }

  /** Draws one of the tokens of keys[0..count) in proportion to its probability. */
  private sampleKeys(count: number, o: number, V: number, rng: Rng): number {
    const p = this.probs, keys = this.keys;
    let kept = 0;
    for (let i = 0; i < count; i++) kept += p[o + tokenOf(keys[i]!, V)]!;
    let u = rng.uniform() * kept;
    for (let i = 0; i < count; i++) {
      const tok = tokenOf(keys[i]!, V);
      u -= p[o + tok]!;
      if (u < 0) return tok;
    }
    return tokenOf(keys[count - 1]!, V);
  }

  /** Vocabularies too large for the numeric keys: rank with a comparator. */
  private pickByComparator(o: number, V: number, topK: number, topP: number, sum: number, rng: Rng): number {
    const order = (this.order ??= new Uint32Array(V));
    const p = this.probs;
    for (let j = 0; j < V; j++) order[j] = j;
    order.sort((a, b) => p[o + b]! - p[o + a]! || a - b);
    let keep = topK;
    if (topP < 1) {
      let acc = 0;
      for (let i = 0; i < topK; i++) {
        acc += p[o + order[i]!]! / sum;
        if (acc >= topP) { keep = i + 1; break; }
      }
    }
    let kept = 0;
    for (let i = 0; i < keep; i++) kept += p[o + order[i]!]!;
    let u = rng.uniform() * kept;
    for (let i = 0; i < keep; i++) { u -= p[o + order[i]!]!; if (u < 0) return order[i]!; }
    return order[keep - 1]!;
  }

  /** One decoding step for rows 0..m-1 (row r <-> sequence active[r]); fills logits rows. */
  private decodeStep(active: Int32Array, m: number, tokens: Int32Array, pos: Int32Array): void {
    const { heads: H, vocabSize: V } = this.model.config;
    const C = this.C;
    const p = this.model.views;
    const k = this.k;
    const x = this.x;
    for (let r = 0; r < m; r++) {
      const s = active[r]!;
      const to = tokens[s]! * C;
      const po = pos[s]! * C;
      for (let i = 0; i < C; i++) x[r * C + i] = p.wte[to + i]! + p.wpe[po + i]!;
      this.slots[r] = s;
      this.positions[r] = pos[s]!;
    }
    for (let l = 0; l < p.layers.length; l++) {
      k.decodeBlock(
        x, p.layers[l]!, this.kCache[l]!, this.vCache[l]!, this.slots, this.positions, m, C, H, this.maxT, LN_EPS,
        this.scratch, this.packed[l]!, !this.packedReady,
      );
    }
    this.packedReady = true; // the weights do not change during one sample() call (begin() resets)
    k.layerNormForward(this.ln, this.mean, this.rstd, x, p.lnfg, p.lnfb, m, C, LN_EPS);
    k.linearForward(this.logits, this.ln, p.wte, null, m, C, V);
  }
}
