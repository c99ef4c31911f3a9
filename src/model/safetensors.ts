/**
 * safetensors files (https://github.com/huggingface/safetensors, format section):
 *
 *   8 bytes    N, the header length, unsigned little-endian 64-bit
 *   N bytes    JSON object: { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] },
 *              ..., "__metadata__": { "<key>": "<string>" } }, padded with spaces (0x20) so that
 *              8 + N is a multiple of 8
 *   the rest   the data buffer; data_offsets are relative to its start, tensors are contiguous,
 *              little-endian, row-major, in offset order, and cover the buffer exactly
 *
 * Writing orders tensors by element size (largest first) then name, as the reference
 * implementation does, so every tensor starts at a multiple of its element size and can be read
 * without copying. Files are written to a temporary file and renamed into place, so a crash
 * never leaves a half-written file under the final name.
 *
 * Reading validates everything and throws `SafetensorsError` naming the file and the tensor or
 * field. Tensors are views into one buffer holding the file when aligned (zero copy), copies
 * otherwise. F16 and BF16 data are returned as their raw 16-bit patterns (Uint16Array): Node 20
 * has no Float16Array. BOOL is a Uint8Array of 0/1. Requires a little-endian host (every
 * platform Node supports in practice); on a big-endian host reading and writing throw.
 */
import { open, readFile, rename, rm, mkdir } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';

export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export type TensorData =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

export interface Tensor {
  /** Inferred from the array type when omitted (Uint16Array then means U16; say F16/BF16 explicitly). */
  dtype?: Dtype;
  shape: number[];
  data: TensorData;
}

export interface ReadTensor {
  dtype: Dtype;
  shape: number[];
  data: TensorData;
}

export interface SafetensorsContents {
  tensors: Record<string, ReadTensor>;
  metadata: Record<string, string>;
}

/** A malformed file or bad input; the message names the file and the tensor or field. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

interface DtypeInfo {
  size: number;
  make: (buf: ArrayBuffer, byteOffset: number, length: number) => TensorData;
  accepts: (d: TensorData) => boolean;
}

const DTYPES: Record<Dtype, DtypeInfo> = {
  F64: { size: 8, make: (b, o, n) => new Float64Array(b, o, n), accepts: (d) => d instanceof Float64Array },
  F32: { size: 4, make: (b, o, n) => new Float32Array(b, o, n), accepts: (d) => d instanceof Float32Array },
  F16: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n), accepts: (d) => d instanceof Uint16Array },
  BF16: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n), accepts: (d) => d instanceof Uint16Array },
  I64: { size: 8, make: (b, o, n) => new BigInt64Array(b, o, n), accepts: (d) => d instanceof BigInt64Array },
  I32: { size: 4, make: (b, o, n) => new Int32Array(b, o, n), accepts: (d) => d instanceof Int32Array },
  I16: { size: 2, make: (b, o, n) => new Int16Array(b, o, n), accepts: (d) => d instanceof Int16Array },
  I8: { size: 1, make: (b, o, n) => new Int8Array(b, o, n), accepts: (d) => d instanceof Int8Array },
  U64: { size: 8, make: (b, o, n) => new BigUint64Array(b, o, n), accepts: (d) => d instanceof BigUint64Array },
  U32: { size: 4, make: (b, o, n) => new Uint32Array(b, o, n), accepts: (d) => d instanceof Uint32Array },
  U16: { size: 2, make: (b, o, n) => new Uint16Array(b, o, n), accepts: (d) => d instanceof Uint16Array },
  U8: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n), accepts: (d) => d instanceof Uint8Array },
  BOOL: { size: 1, make: (b, o, n) => new Uint8Array(b, o, n), accepts: (d) => d instanceof Uint8Array },
};

export const DTYPE_NAMES = Object.keys(DTYPES) as Dtype[];

/** Header size limit (the reference implementation refuses headers above 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function inferDtype(d: TensorData): Dtype | undefined {
  if (d instanceof Float64Array) return 'F64';
  if (d instanceof Float32Array) return 'F32';
  if (d instanceof BigInt64Array) return 'I64';
  if (d instanceof Int32Array) return 'I32';
  if (d instanceof Int16Array) return 'I16';
  if (d instanceof Int8Array) return 'I8';
  if (d instanceof BigUint64Array) return 'U64';
  if (d instanceof Uint32Array) return 'U32';
  if (d instanceof Uint16Array) return 'U16';
  if (d instanceof Uint8Array) return 'U8';
  return undefined;
}

function checkHost(): void {
  if (endianness() !== 'LE') throw new SafetensorsError('safetensors: this host is big-endian; only little-endian hosts are supported');
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** The file's bytes: header + data, as a list of chunks (no copy of tensor data). */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
  label = 'safetensors',
): Uint8Array[] {
  checkHost();
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${label}: ${msg}`);
  };
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`metadata "${k}" must be a string, got ${typeof v}`);
  }
  const entries = Object.entries(tensors).map(([name, t]) => {
    if (name === METADATA_KEY) fail(`"${METADATA_KEY}" cannot be a tensor name`);
    const dtype = t.dtype ?? inferDtype(t.data);
    if (dtype === undefined || !(dtype in DTYPES)) fail(`tensor "${name}": unknown dtype ${String(t.dtype)}`);
    const info = DTYPES[dtype!];
    if (!info.accepts(t.data)) fail(`tensor "${name}": dtype ${dtype} needs a different array type than ${t.data.constructor.name}`);
    if (!Array.isArray(t.shape) || t.shape.some((s) => !Number.isSafeInteger(s) || s < 0)) {
      fail(`tensor "${name}": shape must be a list of non-negative integers, got ${JSON.stringify(t.shape)}`);
    }
    if (numel(t.shape) !== t.data.length) {
      fail(`tensor "${name}": shape [${t.shape.join(', ')}] has ${numel(t.shape)} elements but data has ${t.data.length}`);
    }
    return { name, dtype: dtype!, size: info.size, shape: t.shape, data: t.data };
  });
  entries.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const e of entries) {
    const n = e.data.byteLength;
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length), 0);
  const chunks: Uint8Array[] = [prefix, json];
  for (const e of entries) chunks.push(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength));
  return chunks;
}

/** Writes a safetensors file atomically (temporary file in the same folder, fsync, rename). */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const chunks = encodeSafetensors(tensors, metadata, path);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      // writev in batches (IOV_MAX is typically 1024).
      for (let i = 0; i < chunks.length; i += 512) {
        const batch = chunks.slice(i, i + 512).filter((c) => c.byteLength > 0);
        let want = 0;
        for (const c of batch) want += c.byteLength;
        let { bytesWritten } = await fh.writev(batch);
        // Short writes: fall back to writing the remainder chunk by chunk.
        if (bytesWritten < want) {
          let skip = bytesWritten;
          for (const c of batch) {
            if (skip >= c.byteLength) {
              skip -= c.byteLength;
              continue;
            }
            let pos = skip;
            skip = 0;
            while (pos < c.byteLength) {
              const r = await fh.write(c, pos, c.byteLength - pos);
              pos += r.bytesWritten;
            }
          }
          bytesWritten = want;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Parses a whole safetensors file held in `bytes`. Tensors view `bytes`' memory when aligned.
 * `label` names the file in error messages.
 */
export function decodeSafetensors(bytes: Uint8Array, label = 'safetensors'): SafetensorsContents {
  checkHost();
  const fail = (where: string, msg: string): never => {
    throw new SafetensorsError(`${label}: ${where}${where ? ': ' : ''}${msg}`);
  };
  if (bytes.byteLength < 8) fail('', `file is ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail('header length', `${n64} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (n < 2) fail('header length', `${n} bytes is too short for a JSON object`);
  if (8 + n > bytes.byteLength) fail('header length', `${n} bytes runs past the end of the ${bytes.byteLength}-byte file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header', 'is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('header', 'does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail('header', `is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header', 'is not a JSON object');
  const h = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  if (METADATA_KEY in h) {
    const m = h[METADATA_KEY];
    if (typeof m !== 'object' || m === null || Array.isArray(m)) fail(METADATA_KEY, 'must be an object of strings');
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`${METADATA_KEY}.${k}`, `must be a string, got ${JSON.stringify(v)}`);
      metadata[k] = v as string;
    }
  }

  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  const parsed: Array<{ name: string; dtype: Dtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, v] of Object.entries(h)) {
    if (name === METADATA_KEY) continue;
    const where = `tensor "${name}"`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'entry must be an object {dtype, shape, data_offsets}');
    const e = v as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(where, `unknown field "${k}"`);
    }
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPES)) {
      fail(`${where} dtype`, `${JSON.stringify(e.dtype)} is not one of ${DTYPE_NAMES.join(', ')}`);
    }
    const dtype = e.dtype as Dtype;
    if (!Array.isArray(e.shape) || e.shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
      fail(`${where} shape`, `${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    }
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0)) {
      fail(`${where} data_offsets`, `${JSON.stringify(off)} is not a pair of non-negative integers`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`${where} data_offsets`, `end ${end} is before begin ${begin}`);
    if (end > dataLen) fail(`${where} data_offsets`, `end ${end} is past the end of the ${dataLen}-byte data buffer`);
    const want = numel(shape) * DTYPES[dtype].size;
    if (end - begin !== want) {
      fail(where, `shape [${shape.join(', ')}] x ${dtype} (${DTYPES[dtype].size} bytes) needs ${want} bytes but data_offsets span ${end - begin}`);
    }
    parsed.push({ name, dtype, shape, begin, end });
  }
  parsed.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const p of parsed) {
    if (p.begin < pos) fail(`tensor "${p.name}" data_offsets`, `[${p.begin}, ${p.end}] overlaps the previous tensor (which ends at ${pos})`);
    if (p.begin > pos) fail(`tensor "${p.name}" data_offsets`, `[${p.begin}, ${p.end}] leaves a gap of ${p.begin - pos} bytes after offset ${pos}`);
    pos = p.end;
  }
  if (pos !== dataLen) {
    fail('data', `tensors cover ${pos} bytes but the file holds ${dataLen} bytes of data after the header`);
  }

  const tensors: Record<string, ReadTensor> = {};
  for (const p of parsed) {
    const info = DTYPES[p.dtype];
    const abs = bytes.byteOffset + dataStart + p.begin;
    const count = (p.end - p.begin) / info.size;
    let data: TensorData;
    if (abs % info.size === 0) {
      data = info.make(bytes.buffer as ArrayBuffer, abs, count);
    } else {
      const copy = new ArrayBuffer(p.end - p.begin);
      new Uint8Array(copy).set(bytes.subarray(dataStart + p.begin, dataStart + p.end));
      data = info.make(copy, 0, count);
    }
    tensors[p.name] = { dtype: p.dtype, shape: p.shape, data };
  }
  return { tensors, metadata };
}

/** Reads and validates a safetensors file; errors name `path` and the tensor or field. */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
  const buf = await readFile(path);
  return decodeSafetensors(buf, path);
}
