/**
 * Tokenizer benchmark: trains a byte-level BPE on a code corpus and measures encoding speed.
 * Prints ONE JSON line:
 *   {"corpus_mb", "documents", "vocab_size", "train_s", "train_mb_per_s", "encode_cold_mb_per_s",
 *    "encode_warm_mb_per_s", "encode_offsets_mb_per_s", "decode_mb_per_s", "bytes_per_token"}
 * The corpus is Python source from the standard library of the python3 found on PATH (falling
 * back to this checkout's TypeScript sources), read up to --mb megabytes (default 10).
 * Usage: node --import tsx bench/tokenizer.ts [--mb 10] [--vocab 8192]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '../src/model/tokenizer.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const limitBytes = arg('mb', 10) * 1e6;
const vocabSize = arg('vocab', 8192);

function collect(root: string, ext: string, out: string[], state: { bytes: number }): void {
  let names: string[];
  try {
    names = readdirSync(root).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (state.bytes >= limitBytes) return;
    const p = join(root, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      if (name !== 'node_modules' && name !== 'site-packages' && !name.startsWith('.')) collect(p, ext, out, state);
    } else if (name.endsWith(ext) && st.size < 2e6) {
      const text = readFileSync(p, 'utf8');
      out.push(text);
      state.bytes += Buffer.byteLength(text);
    }
  }
}

const texts: string[] = [];
const state = { bytes: 0 };
try {
  const stdlib = execFileSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], {
    encoding: 'utf8',
  }).trim();
  collect(stdlib, '.py', texts, state);
} catch {
  // no python3: use this checkout's sources below
}
if (texts.length === 0) {
  const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
  while (state.bytes < limitBytes) {
    const before = state.bytes;
    collect(join(repo, 'src'), '.ts', texts, state);
    if (state.bytes === before) break;
  }
}
const mb = state.bytes / 1e6;

let t0 = performance.now();
const trained = Tokenizer.train(texts, { vocabSize });
const trainS = (performance.now() - t0) / 1000;

const fresh = Tokenizer.fromJSON(trained.toJSON()); // empty piece cache
t0 = performance.now();
let tokens = 0;
const encoded: number[][] = [];
for (const t of texts) {
  const ids = fresh.encode(t);
  tokens += ids.length;
  encoded.push(ids);
}
const coldS = (performance.now() - t0) / 1000;
t0 = performance.now();
for (const t of texts) fresh.encode(t);
const warmS = (performance.now() - t0) / 1000;
t0 = performance.now();
for (const t of texts) fresh.encodeWithOffsets(t);
const offsetsS = (performance.now() - t0) / 1000;
t0 = performance.now();
let mismatches = 0;
for (let i = 0; i < texts.length; i++) if (fresh.decode(encoded[i]!) !== texts[i]) mismatches++;
const decodeS = (performance.now() - t0) / 1000;
if (mismatches > 0) throw new Error(`${mismatches} documents did not round trip`);

const r = (x: number): number => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    corpus_mb: r(mb),
    documents: texts.length,
    vocab_size: trained.vocabSize,
    train_s: r(trainS),
    train_mb_per_s: r(mb / trainS),
    encode_cold_mb_per_s: r(mb / coldS),
    encode_warm_mb_per_s: r(mb / warmS),
    encode_offsets_mb_per_s: r(mb / offsetsS),
    decode_mb_per_s: r(mb / decodeS),
    bytes_per_token: r(state.bytes / tokens),
  }),
);
