import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Transformer, Rng, Tokenizer, sample, score, scoreTokens, type TextCodec } from '../../src/model/index.js';
import { kernelSets } from './helpers.js';

/** A character-level codec for tests: ids 0..2 are BOS/EOS/PAD, then 'a'..'z' and space. */
const alphabet = 'abcdefghijklmnopqrstuvwxyz ';
const codec: TextCodec = {
  bos: 0, eos: 1, vocabSize: 3 + alphabet.length,
  encode: (text) => [...text].map((c) => 3 + alphabet.indexOf(c)),
  decode: (ids) => ids.filter((i) => i >= 3).map((i) => alphabet[i - 3]!).join(''),
};

function model(seed: number): Transformer {
  const m = Transformer.create({ vocabSize: codec.vocabSize, dModel: 16, layers: 2, heads: 4, context: 24 }, seed);
  const rng = new Rng(seed + 1);
  for (let i = 0; i < m.params.length; i++) m.params[i]! += rng.normal() * 0.1; // sharper distributions
  return m;
}

for (const set of kernelSets()) {
  test(`KV-cache sampling matches full recomputation (${set.name} kernels)`, { skip: set.skip }, () => {
    const k = set.kernels!;
    const m = model(1);
    const prompts = ['abc', 'hello world', 'z'];
    const seen = new Map<string, Float32Array>();
    const out = sample(m, codec, prompts, { n: 2, temperature: 1, maxTokens: 10, seed: 7 }, k, (seq, step, logits) => {
      seen.set(`${seq}:${step}`, logits.slice());
    });
    let checked = 0;
    out.forEach((completions, i) => completions.forEach((c, j) => {
      const seq = i * 2 + j;
      const ids = [codec.bos, ...codec.encode(prompts[i]!), ...c.tokens];
      const { logits } = m.forward(Int32Array.from(ids), 1, ids.length, k);
      const V = codec.vocabSize;
      const promptLen = ids.length - c.tokens.length;
      for (let s = 0; s < c.tokens.length; s++) {
        const cached = seen.get(`${seq}:${s}`)!;
        const row = logits.subarray((promptLen - 1 + s) * V, (promptLen + s) * V);
        for (let v = 0; v < V; v++) assert.ok(Math.abs(cached[v]! - row[v]!) < 1e-4, `seq ${seq} step ${s} logit ${v}: ${cached[v]} vs ${row[v]}`);
        checked++;
      }
      // logprobs agree with score()
      const scored = scoreTokens(m, [{ tokens: ids, promptLength: promptLen }], k)[0]!;
      assert.equal(scored.length, c.logprobs.length);
      scored.forEach((lp, s) => assert.ok(Math.abs(lp - c.logprobs[s]!) < 1e-4));
    }));
    assert.ok(checked >= 20, `checked ${checked} steps`);
  });
}

test('sampling: deterministic per seed, n completions, stop strings, max tokens, greedy, top-k/top-p', () => {
  const m = model(2);
  const opts = { n: 3, temperature: 1, maxTokens: 12, seed: 11 };
  const a = sample(m, codec, ['ab', 'cd'], opts);
  const b = sample(m, codec, ['ab', 'cd'], opts);
  assert.deepEqual(a, b);
  assert.equal(a.length, 2);
  assert.equal(a[0]!.length, 3);
  assert.notDeepEqual(a[0]![0]!.tokens, a[0]![1]!.tokens, 'different completions get different seeds');
  // the same prompt sampled alone with the matching seed gives the same completion (per-sequence seed)
  const alone = sample(m, codec, ['cd'], { ...opts, n: 1, seed: 11 + 1 * 3 + 2 });
  assert.deepEqual(alone[0]![0], a[1]![2]);
  for (const c of a.flat()) {
    assert.ok(c.tokens.length <= 12);
    assert.equal(c.tokens.length, c.logprobs.length);
    for (const lp of c.logprobs) assert.ok(lp <= 0 && Number.isFinite(lp));
    if (c.finishReason === 'length') assert.equal(c.tokens.length, 12);
  }
  // stop strings cut the text before the stop and end generation
  const long = sample(m, codec, ['ab'], { n: 8, temperature: 1.5, maxTokens: 20, seed: 3 });
  const text = long[0]!.find((c) => c.text.length >= 4)!.text;
  const stop = text.slice(2, 4);
  const stopped = sample(m, codec, ['ab'], { n: 8, temperature: 1.5, maxTokens: 20, seed: 3, stop: [stop] });
  let sawStop = 0;
  stopped[0]!.forEach((c, j) => {
    assert.ok(!c.text.includes(stop));
    if (c.finishReason === 'stop') {
      sawStop++;
      assert.ok(long[0]![j]!.text.startsWith(c.text + stop), 'stopped text is a prefix of the unstopped one');
    }
  });
  assert.ok(sawStop >= 1);
  // greedy is the argmax path, the same for every seed
  const g1 = sample(m, codec, ['ab'], { temperature: 0, maxTokens: 8, seed: 1 });
  const g2 = sample(m, codec, ['ab'], { temperature: 0, maxTokens: 8, seed: 2 });
  assert.deepEqual(g1, g2);
  // top-k 1 equals greedy
  const k1 = sample(m, codec, ['ab'], { temperature: 1, topK: 1, maxTokens: 8, seed: 5 });
  assert.deepEqual(k1[0]![0]!.tokens, g1[0]![0]!.tokens);
  // tiny top-p also keeps only the most likely token
  const p0 = sample(m, codec, ['ab'], { temperature: 1, topP: 1e-6, maxTokens: 8, seed: 5 });
  assert.deepEqual(p0[0]![0]!.tokens, g1[0]![0]!.tokens);
  // context limit
  const edge = sample(m, codec, ['abcdefghijklmnopqrstuv'], { temperature: 1, maxTokens: 50, seed: 1 });
  assert.equal(edge[0]![0]!.finishReason === 'eos' || edge[0]![0]!.tokens.length <= 2, true);
  assert.throws(() => sample(m, codec, ['a'.repeat(30)], { temperature: 1, maxTokens: 5 }), /context/);
});

test('score: batched equals one at a time', () => {
  const m = model(4);
  const items = [{ prompt: 'ab', completion: 'cde' }, { prompt: 'hello', completion: ' w' }, { prompt: 'x', completion: 'yz yz' }];
  const batched = score(m, codec, items);
  items.forEach((it, i) => {
    const one = score(m, codec, [it])[0]!;
    assert.equal(one.length, codec.encode(it.completion).length);
    one.forEach((lp, t) => assert.ok(Math.abs(lp - batched[i]![t]!) < 1e-5));
  });
});

test('stop strings: incremental (streaming decoder) matching gives exactly the full-decode results', () => {
  const corpus = ['def add(a, b):\n    return a + b\n', '# café naïve 日本語 😀\nx = [1, 2]\n', 'for i in range(3):\n    print(i)\n'];
  const tok = Tokenizer.train(Array.from({ length: 10 }, () => corpus).flat(), { vocabSize: 300 });
  // the same tokenizer without its streaming decoder: sampling falls back to decoding everything each step
  const plain: TextCodec = { bos: tok.bos, eos: tok.eos, vocabSize: tok.vocabSize, encode: (t) => tok.encode(t), decode: (ids) => tok.decode(ids) };
  const m = Transformer.create({ vocabSize: tok.vocabSize, dModel: 16, layers: 1, heads: 2, context: 48 }, 5);
  const rng = new Rng(6);
  for (let i = 0; i < m.params.length; i++) m.params[i]! += rng.normal() * 0.3;
  const opts = { n: 6, temperature: 1, maxTokens: 40, seed: 9 };
  const base = sample(m, tok, ['def '], opts)[0]!;
  // random weights emit invalid UTF-8 too (decoded as U+FFFD): take stops from the valid stretches
  const piece = (c: number, len: number, from: number): string => {
    const t = base[c]!.text;
    for (let i = from; i + len <= t.length; i++) if (!t.slice(i, i + len).includes('\uFFFD')) return t.slice(i, i + len);
    throw new Error(`no ${len} valid characters in completion ${c}`);
  };
  const stopSets = [
    [piece(0, 2, 4)],
    [piece(2, 3, 3), piece(0, 1, 7)],
    [piece(5, 4, 2), 'never-occurs-\u00e9'],
    [piece(3, 1, 0)],
  ];
  let stopped = 0;
  for (const stop of stopSets) {
    const streamed = sample(m, tok, ['def '], { ...opts, stop })[0]!;
    const full = sample(m, plain, ['def '], { ...opts, stop })[0]!;
    assert.deepEqual(streamed, full, `stop ${JSON.stringify(stop)}`);
    streamed.forEach((c, j) => {
      for (const s of stop) assert.ok(!c.text.includes(s));
      if (c.finishReason === 'stop') { stopped++; assert.ok(base[j]!.text.startsWith(c.text)); }
      assert.equal(c.tokens.length, c.logprobs.length);
    });
  }
  assert.ok(stopped >= 4, `only ${stopped} completions stopped`);
});

/** A 200-token codec (ids 3.. map to Unicode letters): flat top-p nuclei larger than the insertion-sort size. */
const wide: TextCodec = {
  bos: 0, eos: 1, vocabSize: 200,
  encode: (text) => [...text].map((c) => c.codePointAt(0)! - 0x100 + 3),
  decode: (ids) => ids.filter((i) => i >= 3).map((i) => String.fromCodePoint(0x100 + i - 3)).join(''),
};

test('top-k and top-p: every sampled token lies in the set the options allow', () => {
  const wideModel = Transformer.create({ vocabSize: wide.vocabSize, dModel: 16, layers: 1, heads: 2, context: 24 }, 9);
  const cases = [
    { m: model(3), c: codec, opts: { topK: 3 } }, { m: model(3), c: codec, opts: { topP: 0.6 } },
    { m: model(3), c: codec, opts: { topP: 0.9, topK: 5 } }, { m: model(3), c: codec, opts: { topP: 0.3, temperature: 0.7 } },
    // wide vocabulary, nearly flat: weighted selection of the nucleus, quickselect of the top k
    { m: wideModel, c: wide, opts: { topP: 0.9 } }, { m: wideModel, c: wide, opts: { topP: 0.5, temperature: 3 } },
    { m: wideModel, c: wide, opts: { topK: 60 } }, { m: wideModel, c: wide, opts: { topK: 120, topP: 0.7 } },
  ];
  for (const { m, c: cod, opts } of cases) {
    const V = cod.vocabSize;
    const temperature = (opts as { temperature?: number }).temperature ?? 1.3;
    const rows = new Map<string, Float32Array>();
    const prompt = cod === codec ? ['ab', 'hello'] : [wide.decode([5, 6]), wide.decode([7, 8, 9])];
    const out = sample(m, cod, prompt, { n: 6, maxTokens: 10, seed: 21, ...opts, temperature }, undefined, (seq, step, logits) => {
      rows.set(`${seq}:${step}`, logits.slice());
    });
    let checked = 0;
    out.forEach((comps, i) => comps.forEach((c, j) => c.tokens.forEach((tok, step) => {
      const logits = rows.get(`${i * 6 + j}:${step}`)!;
      // float64 reference: tempered probabilities, ordered; the allowed set with a little slack at the boundary
      const mx = Math.max(...logits);
      const e = Array.from(logits, (l) => Math.exp((l - mx) / temperature));
      const z = e.reduce((a, b) => a + b, 0);
      const ranked = e.map((v, id) => ({ p: v / z, id })).sort((a, b) => b.p - a.p || a.id - b.id);
      const { topK, topP } = opts as { topK?: number; topP?: number };
      const k = topK ?? V;
      let allowed = k;
      if (topP !== undefined) {
        let acc = 0;
        for (let r = 0; r < k; r++) { acc += ranked[r]!.p; if (acc >= topP - 1e-6) { allowed = r + 1; break; } }
      }
      const rank = ranked.findIndex((x) => x.id === tok);
      assert.ok(rank < allowed || Math.abs(ranked[rank]!.p - ranked[allowed - 1]!.p) < 1e-6,
        `${JSON.stringify(opts)}: token of rank ${rank} sampled, only ${allowed} allowed`);
      checked++;
    })));
    assert.ok(checked >= 40, `checked ${checked}`);
  }
});

for (const set of kernelSets()) {
  test(`sampling reuses its KV cache across calls: changed weights, nested calls (${set.name} kernels)`, { skip: set.skip }, () => {
    const k = set.kernels!;
    const m = model(7);
    const opts = { n: 3, temperature: 1, maxTokens: 9, seed: 4, topP: 0.9 };
    const first = sample(m, codec, ['ab', 'xyz'], opts, k);
    // train-like update in place: the next call must see the new weights (packed copies refreshed)
    const rng = new Rng(8);
    for (let i = 0; i < m.params.length; i++) m.params[i]! += rng.normal() * 0.05;
    const again = sample(m, codec, ['ab', 'xyz'], opts, k);
    const fresh = sample(Transformer.fromParams(m.config, m.params.slice()), codec, ['ab', 'xyz'], opts, k);
    assert.deepEqual(again, fresh);
    assert.notDeepEqual(again, first);
    // an observer that samples from the same model while a call is running gets its own buffers
    let nested: ReturnType<typeof sample> | undefined;
    const outer = sample(m, codec, ['ab', 'xyz'], opts, k, (seq, step) => {
      if (seq === 1 && step === 2) nested = sample(m, codec, ['hello'], { ...opts, maxTokens: 20 }, k);
    });
    assert.deepEqual(outer, fresh);
    assert.deepEqual(nested, sample(m, codec, ['hello'], { ...opts, maxTokens: 20 }, k));
  });
}

test('top-k / top-p selections equal ranking by sort (ties, flat and peaked distributions)', async () => {
  const { selectLargest, selectNucleus, tokenOf, INDEX_BITS } = await import('../../src/model/sampling.js');
  const rng = new Rng(31);
  for (let trial = 0; trial < 60; trial++) {
    const V = 40 + rng.int(400);
    const p = new Float32Array(V);
    const peaked = trial % 3 === 0;
    for (let j = 0; j < V; j++) p[j] = trial % 4 === 1 && j % 3 === 0 ? 0.25 : peaked ? Math.exp(rng.normal() * 4) : rng.uniform();
    let sum = 0;
    for (let j = 0; j < V; j++) sum += p[j]!;
    const bits = new Uint32Array(p.buffer);
    const keys = Float64Array.from({ length: V }, (_, j) => bits[j]! * INDEX_BITS + (V - 1 - j));
    const ranked = [...keys].sort((a, b) => b - a).map((key) => tokenOf(key, V));
    // reference ranking: probability down, then id up
    assert.deepEqual(ranked, Array.from({ length: V }, (_, j) => j).sort((a, b) => p[b]! - p[a]! || a - b));
    const k = 1 + rng.int(V - 1);
    const a = keys.slice();
    selectLargest(a, V, k);
    assert.deepEqual(Array.from(a.subarray(0, k), (key) => tokenOf(key, V)).sort((x, y) => x - y), ranked.slice(0, k).sort((x, y) => x - y));
    const topP = [0.05, 0.5, 0.9, 0.999][trial % 4]!;
    let need = topP * sum, c = 0;
    while (need > 0) need -= p[ranked[c++]!]!;
    const b = keys.slice();
    const got = selectNucleus(b, V, topP * sum, p, 0, V);
    assert.equal(got, c, `trial ${trial}: nucleus of ${got} tokens, want ${c}`);
    assert.deepEqual(Array.from(b.subarray(0, got), (key) => tokenOf(key, V)).sort((x, y) => x - y), ranked.slice(0, c).sort((x, y) => x - y));
  }
});
