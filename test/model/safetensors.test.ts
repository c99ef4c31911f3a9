import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SafetensorsError,
  decodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type Tensor,
} from '../../src/model/safetensors.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'verdict-st-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function bytesOf(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A float32 NaN with a non-default payload, and other special values, as raw bits. */
function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

test('round trip is bit-exact for every dtype, NaN payloads, -0, denormals, empty and scalar tensors', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'model.safetensors');
    const tensors: Record<string, Tensor> = {
      'wte.weight': {
        shape: [2, 4],
        data: f32FromBits([0x7fc00001, 0xffc12345, 0x80000000, 0x00000001, 0x007fffff, 0x7f800000, 0xff800000, 0x3f800000]),
      },
      f64: { dtype: 'F64', shape: [5], data: new Float64Array([-0, Number.MIN_VALUE, NaN, 1e308, -Math.PI]) },
      half: { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0x8000, 0x7e01]) },
      brain: { dtype: 'BF16', shape: [1, 2], data: new Uint16Array([0x3f80, 0xffff]) },
      step: { dtype: 'I64', shape: [], data: new BigInt64Array([-9007199254740993n]) },
      ids: { shape: [3], data: new Int32Array([-1, 0, 2147483647]) },
      bytes: { dtype: 'U8', shape: [3], data: new Uint8Array([0, 128, 255]) },
      flags: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
      empty: { dtype: 'F32', shape: [0, 7], data: new Float32Array(0) },
      i8: { shape: [2], data: new Int8Array([-128, 127]) },
      u64: { shape: [1], data: new BigUint64Array([18446744073709551615n]) },
    };
    // A subarray view must be written as its own elements only.
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    tensors['view'] = { shape: [3], data: backing.subarray(1, 4) };
    const metadata = { format: 'pt', note: 'ünïcode ✓' };
    await writeSafetensors(path, tensors, metadata);
    assert.deepEqual(await readdir(dir), ['model.safetensors'], 'no temporary file left');
    const back = await readSafetensors(path);
    assert.deepEqual(back.metadata, metadata);
    assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const r = back.tensors[name]!;
      assert.deepEqual(r.shape, t.shape, name);
      assert.equal(r.data.constructor, t.data.constructor, name);
      assert.ok(bytesOf(r.data).equals(bytesOf(t.data)), `${name} bit-exact`);
    }
    assert.equal(back.tensors['wte.weight']!.dtype, 'F32');
    assert.equal(back.tensors['half']!.dtype, 'F16');
    assert.equal(back.tensors['ids']!.dtype, 'I32');
    // The header is padded so data starts 8-byte aligned; tensors are views (zero copy).
    const file = await readFile(path);
    const n = Number(file.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const decoded = decodeSafetensors(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
    for (const t of Object.values(decoded.tensors)) assert.equal(t.data.buffer, file.buffer, 'zero copy');
  });
});

test('reading from a misaligned buffer copies and stays correct', () => {
  const chunks: Buffer[] = [];
  const data = new Float64Array([1.5, -0, NaN]);
  const header = Buffer.from(JSON.stringify({ x: { dtype: 'F64', shape: [3], data_offsets: [0, 24] } }));
  const padded = Buffer.concat([header, Buffer.alloc((8 - ((8 + header.length) % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  chunks.push(Buffer.alloc(1), len, padded, bytesOf(data));
  const whole = Buffer.concat(chunks);
  const shifted = new Uint8Array(whole.buffer, whole.byteOffset + 1, whole.byteLength - 1);
  const r = decodeSafetensors(shifted).tensors['x']!;
  assert.ok(bytesOf(r.data).equals(bytesOf(data)));
});

test('a hand-built file with known bytes is written and read exactly', async () => {
  await withDir(async (dir) => {
    // Header written out by hand: tensors ordered by element size (8 then 4 bytes) then name,
    // padded with spaces to make 8 + length a multiple of 8.
    const json =
      '{"__metadata__":{"k":"v"},' +
      '"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}';
    const pad = (8 - ((8 + json.length) % 8)) % 8;
    const headerText = json + ' '.repeat(pad);
    const expected = Buffer.concat([
      Buffer.from([headerText.length, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from(headerText, 'ascii'),
      Buffer.from([0x2a, 0, 0, 0, 0, 0, 0, 0]), // b = 42 (int64 little-endian)
      Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]), // a = [1.0, -2.0]
    ]);
    assert.ok(headerText.length < 256);
    const hand = join(dir, 'hand.safetensors');
    await writeFile(hand, expected);
    const r = await readSafetensors(hand);
    assert.deepEqual(r.metadata, { k: 'v' });
    assert.deepEqual(Array.from(r.tensors['a']!.data as Float32Array), [1, -2]);
    assert.deepEqual(r.tensors['a']!.shape, [2]);
    assert.deepEqual(Array.from(r.tensors['b']!.data as BigInt64Array), [42n]);
    const written = join(dir, 'written.safetensors');
    await writeSafetensors(
      written,
      { a: { shape: [2], data: new Float32Array([1, -2]) }, b: { dtype: 'I64', shape: [1], data: new BigInt64Array([42n]) } },
      { k: 'v' },
    );
    assert.ok((await readFile(written)).equals(expected), 'writer produces the same bytes');
  });
});

test('overwriting is atomic: a failed write leaves the old file intact', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'w.safetensors');
    await writeSafetensors(path, { x: { shape: [1], data: new Float32Array([1]) } });
    const before = await readFile(path);
    await assert.rejects(
      writeSafetensors(path, { x: { shape: [2], data: new Float32Array([1]) } }),
      (e: Error) => e instanceof SafetensorsError && e.message.includes(path) && /tensor "x": shape \[2\] has 2 elements but data has 1/.test(e.message),
    );
    assert.ok((await readFile(path)).equals(before));
    assert.deepEqual(await readdir(dir), ['w.safetensors']);
    await writeSafetensors(path, { y: { shape: [2], data: new Float32Array([3, 4]) } });
    assert.deepEqual(Object.keys((await readSafetensors(path)).tensors), ['y']);
  });
});

test('bad input to the writer is refused with the tensor named', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'bad.safetensors');
    const cases: Array<[Record<string, Tensor>, RegExp]> = [
      [{ h: { dtype: 'F16', shape: [1], data: new Float32Array(1) } }, /tensor "h": dtype F16 needs a different array type than Float32Array/],
      [{ s: { shape: [-1], data: new Float32Array(0) } }, /tensor "s": shape must be a list of non-negative integers/],
      [{ __metadata__: { shape: [0], data: new Float32Array(0) } }, /"__metadata__" cannot be a tensor name/],
      [{ d: { dtype: 'Q4' as 'F32', shape: [1], data: new Float32Array(1) } }, /tensor "d": unknown dtype Q4/],
    ];
    for (const [t, re] of cases) await assert.rejects(writeSafetensors(path, t), re);
    await assert.rejects(writeSafetensors(path, {}, { n: 1 as unknown as string }), /metadata "n" must be a string/);
    assert.deepEqual(await readdir(dir), []);
  });
});

/** Builds a file from a header object (or raw header text) and a data buffer. */
function build(header: unknown, data: Uint8Array | number, opts: { pad?: boolean; lengthOverride?: bigint } = {}): Buffer {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  if (opts.pad !== false) text += ' '.repeat((8 - ((8 + Buffer.byteLength(text)) % 8)) % 8);
  const h = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.lengthOverride ?? BigInt(h.length));
  const d = typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data);
  return Buffer.concat([len, h, d]);
}

test('every kind of corrupt file gets a clear error naming the file and the tensor or field', async () => {
  await withDir(async (dir) => {
    const t = (begin: number, end: number, shape = [(end - begin) / 4], dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });
    const cases: Array<[string, Buffer, RegExp]> = [
      ['empty', Buffer.alloc(0), /file is 0 bytes, too short/],
      ['short', Buffer.alloc(5), /file is 5 bytes, too short/],
      ['huge header', build({}, 0, { lengthOverride: 1n << 60n }), /header length: \d+ bytes exceeds the 100000000-byte limit/],
      ['header past end', build({ a: t(0, 4) }, 4, { lengthOverride: 1000n }), /header length: 1000 bytes runs past the end/],
      ['tiny header', build({}, 0, { lengthOverride: 1n }), /header length: 1 bytes is too short/],
      ['not json', build('{"a": ', 0), /header: is not valid JSON/],
      ['not object', build('[1, 2, 3]', 0), /header: does not start with "\{"/],
      ['null', build('{"a": null}', 0), /tensor "a": entry must be an object/],
      ['bad utf8', Buffer.concat([build('{}', 0).subarray(0, 8), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x20, 0x20, 0x20, 0x20])]), /header: is not valid UTF-8/],
      ['dtype', build({ w: t(0, 4, [1], 'F8') }, 4), /tensor "w" dtype: "F8" is not one of/],
      ['shape', build({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4), /tensor "w" shape: \[1.5\] is not a list/],
      ['shape string', build({ w: { dtype: 'F32', shape: '4', data_offsets: [0, 4] } }, 4), /tensor "w" shape/],
      ['offsets shape', build({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4), /tensor "w" data_offsets: \[0\] is not a pair/],
      ['negative offset', build({ w: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, 4), /tensor "w" data_offsets/],
      ['reversed', build({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, 4), /tensor "w" data_offsets: end 0 is before begin 4/],
      ['past end', build({ w: t(0, 8) }, 4), /tensor "w" data_offsets: end 8 is past the end of the 4-byte data buffer/],
      ['size mismatch', build({ w: t(0, 8, [3]) }, 8), /tensor "w": shape \[3\] x F32 \(4 bytes\) needs 12 bytes but data_offsets span 8/],
      ['gap', build({ a: t(0, 4), b: t(8, 12) }, 12), /tensor "b" data_offsets: \[8, 12\] leaves a gap of 4 bytes after offset 4/],
      ['overlap', build({ a: t(0, 8), b: t(4, 12) }, 12), /tensor "b" data_offsets: \[4, 12\] overlaps the previous tensor/],
      ['gap at start', build({ a: t(4, 8) }, 8), /tensor "a" data_offsets: \[4, 8\] leaves a gap of 4 bytes after offset 0/],
      ['trailing bytes', build({ a: t(0, 4) }, 12), /data: tensors cover 4 bytes but the file holds 12 bytes/],
      ['truncated data', build({ a: t(0, 4), b: t(4, 8) }, 6), /tensor "b" data_offsets: end 8 is past the end of the 6-byte data buffer/],
      ['metadata type', build({ __metadata__: { n: 1 } }, 0), /__metadata__\.n: must be a string, got 1/],
      ['metadata array', build({ __metadata__: ['x'] }, 0), /__metadata__: must be an object of strings/],
      ['unknown field', build({ w: { ...t(0, 4), extra: 1 } }, 4), /tensor "w": unknown field "extra"/],
    ];
    for (const [name, bytes, re] of cases) {
      const path = join(dir, `${name.replace(/ /g, '-')}.safetensors`);
      await writeFile(path, bytes);
      await assert.rejects(readSafetensors(path), (e: Error) => {
        assert.ok(e instanceof SafetensorsError, `${name}: SafetensorsError`);
        assert.ok(e.message.startsWith(path + ': '), `${name}: names the file: ${e.message}`);
        assert.match(e.message, re, `${name}: ${e.message}`);
        return true;
      });
    }
    // Sanity: the builder makes valid files when nothing is wrong, and an unpadded header is accepted.
    const ok = join(dir, 'ok.safetensors');
    await writeFile(ok, build({ a: t(0, 4), b: t(4, 8) }, 8));
    assert.deepEqual(Object.keys((await readSafetensors(ok)).tensors).sort(), ['a', 'b']);
    await writeFile(ok, build({ a: t(0, 4) }, 4, { pad: false }));
    assert.deepEqual((await readSafetensors(ok)).tensors['a']!.shape, [1]);
    await assert.rejects(readSafetensors(join(dir, 'missing.safetensors')), /ENOENT/);
  });
});
