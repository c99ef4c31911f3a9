import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PATTERN, Tokenizer, pretokenize, type TokenizerJSON } from '../../src/model/tokenizer.js';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PY = [
  'def add(a, b):\n    """Add two numbers."""\n    return a + b\n',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n        self.items.append(x)\n',
  'for i in range(10):\n    if i % 2 == 0:\n        print(i)\n    else:\n        continue\n',
  'import os\nimport sys\n\n\ndef main():\n    for name in os.listdir("."):\n        print(name)\n',
  'function add(a, b) {\r\n\treturn a + b;\r\n}\r\n',
  '# comment: 日本語のコメント 😀 café naïve\nx = {"key": [1, 2, 3]}\n',
];
function corpus(copies = 20): string[] {
  const out: string[] = [];
  for (let i = 0; i < copies; i++) for (const t of PY) out.push(t.replace(/\bn\b/g, `n${i % 3}`));
  return out;
}

const EDGE = [
  '',
  ' ',
  '\n',
  '\r\n',
  '\t\t',
  'a',
  'hello world',
  '    return x\n',
  '\u00e9', // precomposed
  'e\u0301', // e + combining acute
  '\u0301', // lone combining mark
  '\u0301\u0302abc\u0303',
  '日本語のテキスト',
  '😀😃🙂 emoji 👩‍👩‍👧‍👦 family, flags 🇫🇷',
  'mixed\r\n\ttabs\u00a0nbsp\u2028line sep\u3000ideographic',
  '\u0000\u0001\u007f control',
  '<|eos|> literal specials <|bos|><|pad|>',
  ' '.repeat(300) + 'x',
  'a'.repeat(500),
  '=' .repeat(120) + '\n',
  '\uffff\ufffe\ufffd',
  '\ufeffleading byte order mark is kept',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math',
];

const trained = Tokenizer.train(corpus(), { vocabSize: 400 });

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Checks every offsets invariant; returns nothing, throws on violation. */
function checkOffsets(tok: Tokenizer, text: string, ids: number[], offsets: Array<[number, number]>): void {
  assert.equal(offsets.length, ids.length);
  if (text.length === 0) {
    assert.equal(ids.length, 0);
    return;
  }
  assert.equal(offsets[0]![0], 0, 'first span starts at 0');
  assert.equal(offsets[offsets.length - 1]![1], text.length, 'last span ends at text.length');
  for (let i = 0; i < offsets.length; i++) {
    const [s, e] = offsets[i]!;
    assert.ok(s < e, `span ${i} [${s}, ${e}) not empty`);
    if (i > 0) {
      const [ps, pe] = offsets[i - 1]!;
      assert.ok(s >= ps && e >= pe, `spans in order at ${i}`);
      assert.ok(s <= pe, `no gap before token ${i}`);
    }
  }
  // Group tokens whose spans overlap (they split one character): the group's bytes are exactly
  // the UTF-8 of the group's span; a group of one token is an aligned token.
  let g = 0;
  while (g < ids.length) {
    let h = g;
    while (h + 1 < ids.length && offsets[h + 1]![0] < offsets[h]![1]) h++;
    const bytes = tok.decodeBytes(ids.slice(g, h + 1));
    const span = text.slice(offsets[g]![0], offsets[h]![1]);
    assert.deepEqual(bytes, utf8(span), `tokens ${g}..${h} bytes equal UTF-8 of ${JSON.stringify(span)}`);
    g = h + 1;
  }
}

test('pre-tokenization keeps indentation and newlines as their own pieces and tiles the text', () => {
  assert.deepEqual(pretokenize('def f(a, b):\n    return a+b\r\n\n\tx'), [
    'def', ' f', '(', 'a', ',', ' b', '):', '\n', '    ', 'return', ' a', '+', 'b', '\r\n\n', '\t', 'x',
  ]);
  for (const s of EDGE) assert.equal(pretokenize(s).join(''), s);
});

test('exact round trip on edge cases, with and without allowSpecial', () => {
  for (const s of EDGE) {
    assert.equal(trained.decode(trained.encode(s)), s, JSON.stringify(s));
    assert.equal(trained.decode(trained.encode(s, { allowSpecial: true })), s, JSON.stringify(s));
  }
  // An untrained tokenizer (bytes only) round trips too.
  const bytesOnly = Tokenizer.train([], { vocabSize: 300 });
  assert.equal(bytesOnly.vocabSize, 259);
  for (const s of EDGE) assert.equal(bytesOnly.decode(bytesOnly.encode(s)), s);
});

const POOLS = [
  'abcdefxyz_ABC0123456789',
  ' ',
  '    ',
  '\t\n\r',
  '()[]{}:;.,=+-*/%<>!"\'#@\\',
  '\u00e9\u00fc\u00df\u00f1\u0107',
  '\u0300\u0301\u0308\u0327', // combining marks
  '日本語中文한국어',
  '\u{1F600}\u{1F680}\u{1F9D1}\u200d\u{1F4BB}\u{1F1EF}\u{1F1F5}',
  '\u00a0\u2028\u2029\u3000\u200b\ufeff',
  '<|eos|>',
];

function randomString(r: () => number): string {
  const len = Math.floor(r() * 40);
  let s = '';
  for (let i = 0; i < len; i++) {
    if (r() < 0.15) {
      // Any code point outside the surrogate range.
      let cp = Math.floor(r() * 0x110000);
      if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
      s += String.fromCodePoint(cp);
    } else {
      const pool = Array.from(POOLS[Math.floor(r() * POOLS.length)]!);
      s += pool[Math.floor(r() * pool.length)]!;
    }
  }
  return s;
}

test('seeded fuzz: round trip and offsets invariants on random Unicode strings', () => {
  const r = rng(12345);
  for (let i = 0; i < 2000; i++) {
    const s = randomString(r);
    const allowSpecial = i % 2 === 0;
    const ids = trained.encode(s, { allowSpecial });
    assert.equal(trained.decode(ids), s, `round trip of ${JSON.stringify(s)}`);
    const withOffsets = trained.encodeWithOffsets(s, { allowSpecial });
    assert.deepEqual(withOffsets.ids, ids);
    checkOffsets(trained, s, withOffsets.ids, withOffsets.offsets);
  }
});

test('offsets invariants on edge cases; split characters map to the whole character', () => {
  for (const s of EDGE) {
    const { ids, offsets } = trained.encodeWithOffsets(s);
    checkOffsets(trained, s, ids, offsets);
  }
  // A bytes-only tokenizer splits every multi-byte character into one token per byte.
  const bytesOnly = Tokenizer.train([], { vocabSize: 259 });
  const { ids, offsets } = bytesOnly.encodeWithOffsets('a😀é');
  assert.deepEqual(ids, [0x61, 0xf0, 0x9f, 0x98, 0x80, 0xc3, 0xa9]);
  assert.deepEqual(offsets, [[0, 1], [1, 3], [1, 3], [1, 3], [1, 3], [3, 4], [3, 4]]);
  const withMarkers = bytesOnly.encodeWithOffsets('x', { addBos: true, addEos: true });
  assert.deepEqual(withMarkers.ids, [bytesOnly.bos, 0x78, bytesOnly.eos]);
  assert.deepEqual(withMarkers.offsets, [[0, 0], [0, 1], [1, 1]]);
});

test('offsets map a line of a program to its tokens', () => {
  const program = 'def f(x):\n    y = x + 1\n    return y\n';
  const { ids, offsets } = trained.encodeWithOffsets(program);
  const lineStart = program.indexOf('    y');
  const lineEnd = program.indexOf('\n', lineStart);
  const inLine = ids.filter((_, i) => offsets[i]![0] < lineEnd && offsets[i]![1] > lineStart);
  assert.equal(trained.decode(inLine), '    y = x + 1');
});

test('lone surrogates become U+FFFD (documented); offsets still tile the text', () => {
  for (const s of ['a\ud800b', '\udc00', 'x\ud83d', '\ud83d\ud83d\ude00']) {
    const expected = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    assert.equal(trained.decode(trained.encode(s)), expected);
    const { ids, offsets } = trained.encodeWithOffsets(s);
    assert.equal(offsets[0]![0], 0);
    assert.equal(offsets[offsets.length - 1]![1], s.length);
    checkOffsets(trained, expected, ids, offsets);
  }
});

test('training reaches exactly the target vocabulary; indentation becomes single tokens', () => {
  const big = Tokenizer.train(corpus(), { vocabSize: 320 });
  assert.equal(big.vocabSize, 320);
  assert.equal(big.mergeCount, 61);
  assert.deepEqual([big.bos, big.eos, big.pad], [317, 318, 319]);
  assert.equal(trained.vocabSize, 400);
  assert.equal(trained.encode('    ').length, 1);
  assert.equal(trained.encode('        ').length, 1);
  assert.ok(trained.encode(PY[1]!).length < utf8(PY[1]!).length / 2, 'compresses the training text');
  // A corpus too small for the target stops when no pair occurs twice.
  const tiny = Tokenizer.train(['abab'], { vocabSize: 1000 });
  assert.equal(tiny.vocabSize, 260); // one merge: "ab"
  assert.deepEqual(tiny.encode('abab'), [256, 256]); // (ab, ab) occurs once: below minPairCount
});

/**
 * Reference trainer: full recount of pair frequencies before every merge, same rule (highest
 * count, ties to the smallest (left, right)), same pieces. Slow, obviously correct.
 */
function referenceMerges(texts: string[], vocabSize: number, minPairCount = 2): Array<[number, number]> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const p of pretokenize(t)) counts.set(p, (counts.get(p) ?? 0) + 1);
  let words = [...counts].map(([p, f]) => ({ syms: Array.from(utf8(p)), f }));
  const merges: Array<[number, number]> = [];
  while (256 + merges.length + 3 < vocabSize) {
    const pc = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const k = `${w.syms[i]},${w.syms[i + 1]}`;
        pc.set(k, (pc.get(k) ?? 0) + w.f);
      }
    }
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [k, c] of pc) {
      const [a, b] = k.split(',').map(Number) as [number, number];
      if (c > bestCount || (c === bestCount && best !== null && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (best === null || bestCount < minPairCount) break;
    const id = 256 + merges.length;
    merges.push(best);
    words = words.map((w) => {
      const out: number[] = [];
      for (let i = 0; i < w.syms.length; ) {
        if (i + 1 < w.syms.length && w.syms[i] === best![0] && w.syms[i + 1] === best![1]) {
          out.push(id);
          i += 2;
        } else out.push(w.syms[i++]!);
      }
      return { syms: out, f: w.f };
    });
  }
  return merges;
}

test('incremental training gives the same merges as a full recount per merge', () => {
  const texts = corpus(5);
  assert.deepEqual(Tokenizer.train(texts, { vocabSize: 420 }).toJSON().merges, referenceMerges(texts, 420));
  const r = rng(7);
  const random = Array.from({ length: 60 }, () => randomString(r));
  assert.deepEqual(Tokenizer.train(random, { vocabSize: 330 }).toJSON().merges, referenceMerges(random, 330));
  assert.deepEqual(
    Tokenizer.train(random, { vocabSize: 500, minPairCount: 1 }).toJSON().merges,
    referenceMerges(random, 500, 1),
  );
});

test('training is deterministic and independent of document order', () => {
  const a = JSON.stringify(Tokenizer.train(corpus(), { vocabSize: 380 }).toJSON());
  const b = JSON.stringify(Tokenizer.train(corpus(), { vocabSize: 380 }).toJSON());
  const c = JSON.stringify(Tokenizer.train(corpus().reverse(), { vocabSize: 380 }).toJSON());
  assert.equal(a, b);
  assert.equal(a, c);
});

test('long pieces (heap merge path) encode exactly like the simple merge loop', () => {
  // Access the two private algorithms directly: both are internal, the test compares them.
  const internals = trained as unknown as { bpeNaive(b: Uint8Array): number[]; bpeHeap(b: Uint8Array): number[] };
  const r = rng(99);
  const samples = [' '.repeat(200), 'a'.repeat(300), 'self'.repeat(50), '='.repeat(77), 'ab'.repeat(101)];
  for (let i = 0; i < 200; i++) samples.push(randomString(r).repeat(3));
  for (const s of samples) {
    const b = utf8(s);
    assert.deepEqual(internals.bpeHeap(b), internals.bpeNaive(b), JSON.stringify(s));
  }
});

test('special tokens: ids, literal text is not special unless allowed, decode options', () => {
  const t = trained;
  assert.deepEqual([t.bos, t.eos, t.pad], [t.vocabSize - 3, t.vocabSize - 2, t.vocabSize - 1]);
  const text = 'x<|eos|>y<|pad|>';
  const plain = t.encode(text);
  assert.ok(!plain.some((id) => t.isSpecial(id)), 'merging raw text never produces a special');
  const special = t.encode(text, { allowSpecial: true });
  assert.ok(special.includes(t.eos) && special.includes(t.pad));
  assert.equal(t.decode(special), text);
  assert.equal(t.decode(special, { skipSpecial: true }), 'xy');
  const wrapped = t.encode('hi', { addBos: true, addEos: true });
  assert.equal(wrapped[0], t.bos);
  assert.equal(wrapped[wrapped.length - 1], t.eos);
  assert.equal(t.decode(wrapped), '<|bos|>hi<|eos|>');
  assert.deepEqual(t.tokenBytes(t.eos), utf8('<|eos|>'));
  const offs = t.encodeWithOffsets(text, { allowSpecial: true });
  assert.deepEqual(offs.offsets[offs.ids.indexOf(t.eos)], [1, 8]);
  // Custom special strings.
  const custom = Tokenizer.train(corpus(2), { vocabSize: 270, specials: { eos: '<EOS>' } });
  assert.equal(custom.decode(custom.encode('a<EOS>', { allowSpecial: true })), 'a<EOS>');
  assert.equal(custom.encode('a<EOS>', { allowSpecial: true }).at(-1), custom.eos);
});

test('tokenBytes, decodeBytes and the stream decoder agree', () => {
  const s = 'print("héllo 😀 世界")\n';
  const ids = trained.encode(s);
  const parts = ids.map((id) => trained.tokenBytes(id));
  assert.deepEqual(Buffer.concat(parts), Buffer.from(trained.decodeBytes(ids)));
  const sd = trained.streamDecoder();
  let out = '';
  for (const id of ids) out += sd.push(id);
  out += sd.flush();
  assert.equal(out, s);
  // A partial character is held back until complete.
  const bytesOnly = Tokenizer.train([], { vocabSize: 259 });
  const d = bytesOnly.streamDecoder();
  assert.deepEqual([0xf0, 0x9f, 0x98, 0x80].map((b) => d.push(b)), ['', '', '', '😀']);
  d.push(0xf0);
  assert.equal(d.flush(), '\ufffd');
  assert.throws(() => trained.decode([trained.vocabSize]), /ids\[0\].*not in 0\.\./);
  assert.throws(() => trained.decode([1.5]), /not in/);
  assert.throws(() => trained.tokenBytes(-1), /not in/);
});

test('save / load / toJSON / fromJSON give an identical tokenizer', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verdict-tok-'));
  try {
    const path = join(dir, 'sub', 'tokenizer.json');
    await trained.save(path);
    assert.deepEqual(await readdir(join(dir, 'sub')), ['tokenizer.json'], 'no temporary file left');
    const loaded = await Tokenizer.load(path);
    assert.deepEqual(loaded.toJSON(), trained.toJSON());
    assert.equal(loaded.pattern, DEFAULT_PATTERN);
    for (const s of [...EDGE, ...PY]) assert.deepEqual(loaded.encodeWithOffsets(s), trained.encodeWithOffsets(s));
    const again = Tokenizer.fromJSON(JSON.parse(JSON.stringify(trained)));
    assert.deepEqual(again.toJSON(), trained.toJSON());
    assert.equal(JSON.parse(await readFile(path, 'utf8')).format, 'verdict-bpe');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('corrupt or wrong-version files get an error naming the file and the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verdict-tok-'));
  try {
    const good = trained.toJSON();
    const cases: Array<[string, unknown, RegExp]> = [
      ['version', { ...good, version: 2 }, /field "version" is 2; this Verdict reads version 1/],
      ['format', { ...good, format: 'gpt2' }, /field "format"/],
      ['vocab', { ...good, vocabSize: good.vocabSize + 1 }, /field "vocabSize"/],
      ['future id', { ...good, merges: [[0, 256], ...good.merges.slice(1)] }, /field "merges\[0\]".*below 256/],
      ['not pair', { ...good, merges: [[1, 2, 3]] }, /field "merges\[0\]" must be a \[left, right\] pair/],
      ['repeat', { ...good, merges: [[1, 2], [1, 2]], vocabSize: 261 }, /field "merges\[1\]" repeats/],
      ['pattern', { ...good, pattern: '(' }, /field "pattern" is not a valid regular expression/],
      ['specials', { ...good, specials: { bos: 'a', eos: 'a', pad: 'b' } }, /field "specials".*different/],
      ['specials missing', { ...good, specials: { bos: 'a', eos: 'b' } }, /field "specials\.pad" must be a string/],
      ['array', [], /field "\(root\)" must be an object/],
    ];
    for (const [name, json, re] of cases) {
      const path = join(dir, `${name}.json`);
      await writeFile(path, JSON.stringify(json));
      await assert.rejects(Tokenizer.load(path), (e: Error) => {
        assert.ok(e.message.startsWith(path + ':'), `${name}: message names the file: ${e.message}`);
        assert.match(e.message, re, name);
        return true;
      });
    }
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"format": "verdict-bpe", "merg');
    await assert.rejects(Tokenizer.load(broken), new RegExp(`^Error: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid tokenizer JSON`));
    await assert.rejects(Tokenizer.load(join(dir, 'missing.json')), /ENOENT/);
    const partial: Partial<TokenizerJSON> = { ...good };
    delete partial.merges;
    assert.throws(() => Tokenizer.fromJSON(partial, 'mem'), /^Error: mem: field "merges"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('invalid training options are refused', () => {
  assert.throws(() => Tokenizer.train(['x'], { vocabSize: 100 }), /vocabSize must be an integer from 259/);
  assert.throws(() => Tokenizer.train(['x'], { vocabSize: 300.5 }), /vocabSize/);
  assert.throws(() => Tokenizer.train(['x'], { vocabSize: 300, minPairCount: 0 }), /minPairCount/);
  assert.throws(() => Tokenizer.train(['x'], { vocabSize: 300, specials: { bos: '' } }), /must not be empty/);
});
