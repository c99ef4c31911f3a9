/**
 * Reading benchmark files: plain or gzip, JSONL or one JSON document, with positions for errors.
 *
 * Every record comes with a `where` string ("file:LINE" for JSONL, "file:LINE (element N)" for a
 * JSON array) so that a loader can say exactly which record and field is wrong.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

/** Malformed benchmark or samples input: the message names the file, the line and the field. */
export class TaskFormatError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TaskFormatError';
  }
}

/** One parsed record and where it came from. */
export interface SourceRecord {
  value: unknown;
  file: string;
  /** 1-based line where the record starts. */
  line: number;
  /** 0-based index among the file's records. */
  index: number;
  /** "file:LINE" (JSONL) or "file:LINE (element N)" (JSON array), for messages. */
  where: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Reads a file as UTF-8 text, gunzipping it when it is gzip (by content, not by name). */
export async function readText(file: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TaskFormatError(`${file}: cannot read (${e.code ?? e.message})`, file);
  }
  if (buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1]) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new TaskFormatError(`${file}: corrupt gzip data (${(err as Error).message})`, file);
    }
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  return text;
}

/** True when the text is one JSON document (array or object) rather than JSON Lines. */
export function looksLikeJsonDocument(text: string): boolean {
  const first = text.trimStart()[0];
  if (first === '[') return true;
  if (first !== '{') return false;
  // A single object spanning several lines is a document; JSONL has one object per line.
  const firstLine = text.trimStart().split('\n', 1)[0]!.trim();
  try {
    JSON.parse(firstLine);
    return false;
  } catch {
    return true;
  }
}

/** Line (1-based) and column (1-based) of a character offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The character offset V8 reports in a JSON.parse error, when it does. */
function jsonErrorOffset(err: Error, text: string): number | undefined {
  const m = /position (\d+)/.exec(err.message);
  if (m) return Number(m[1]);
  const lc = /line (\d+) column (\d+)/.exec(err.message);
  if (lc) {
    let line = 1;
    let i = 0;
    while (line < Number(lc[1]) && i < text.length) if (text.charCodeAt(i++) === 10) line++;
    return i + Number(lc[2]) - 1;
  }
  if (/Unexpected end of JSON input/.test(err.message)) return text.length;
  return undefined;
}

/** Parses JSON Lines; blank lines are skipped. Errors name file and line. */
export function parseJsonLines(text: string, file: string): SourceRecord[] {
  const out: SourceRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const off = jsonErrorOffset(err as Error, raw);
      const col = off === undefined ? '' : `, column ${off + 1}`;
      throw new TaskFormatError(
        `${file}:${i + 1}: invalid JSON${col}: ${(err as Error).message}`,
        file,
        i + 1,
      );
    }
    out.push({ value, file, line: i + 1, index: out.length, where: `${file}:${i + 1}` });
  }
  return out;
}

/**
 * Start offsets of the top-level elements of a JSON array text (already known to parse).
 * A small scanner over strings and nesting depth; used only to put line numbers in messages.
 */
export function arrayElementOffsets(text: string): number[] {
  const starts: number[] = [];
  let depth = 0;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (depth === 1 && expectValue && ch !== ']') {
      starts.push(i);
      expectValue = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectValue = true;
  }
  return starts;
}

/** Parses one JSON document. Arrays give one record per element; an object gives one record. */
export function parseJsonDocument(text: string, file: string): SourceRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const off = jsonErrorOffset(err as Error, text);
    if (off === undefined) throw new TaskFormatError(`${file}: invalid JSON: ${(err as Error).message}`, file);
    const { line, column } = lineColumnAt(text, off);
    throw new TaskFormatError(
      `${file}:${line}: invalid JSON at line ${line}, column ${column} (position ${off}): ${(err as Error).message}`,
      file,
      line,
    );
  }
  if (!Array.isArray(doc)) return [{ value: doc, file, line: 1, index: 0, where: `${file}:1` }];
  let offsets: number[] | undefined;
  const lineOf = (i: number): number => {
    offsets ??= arrayElementOffsets(text);
    const off = offsets[i];
    return off === undefined ? 1 : lineColumnAt(text, off).line;
  };
  return doc.map((value, index) => {
    const rec: SourceRecord = { value, file, line: 0, index, where: '' };
    // Positions are computed only when a message needs them.
    Object.defineProperty(rec, 'line', { get: () => lineOf(index), enumerable: true });
    Object.defineProperty(rec, 'where', { get: () => `${file}:${lineOf(index)} (element ${index})`, enumerable: true });
    return rec;
  });
}

/** Reads a JSONL or JSON file (either possibly gzip) into records. */
export async function readRecords(file: string): Promise<SourceRecord[]> {
  const text = await readText(file);
  return looksLikeJsonDocument(text) ? parseJsonDocument(text, file) : parseJsonLines(text, file);
}
