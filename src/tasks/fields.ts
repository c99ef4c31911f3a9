/**
 * Record validation for loaders: a zod schema per format, and zod's issues turned into one message
 * that names the file, the line and the field.
 */
import { z } from 'zod';
import { TaskFormatError, type SourceRecord } from './read.js';

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Validates `rec.value` against `schema`; on failure throws a TaskFormatError for the first issue. */
export function parseRecord<S extends z.ZodType>(schema: S, rec: SourceRecord, format: string): z.output<S> {
  if (rec.value === null || typeof rec.value !== 'object' || Array.isArray(rec.value)) {
    throw new TaskFormatError(
      `${rec.where}: expected a ${format} record (a JSON object), found ${describe(rec.value)}`,
      rec.file,
      rec.line,
    );
  }
  const r = schema.safeParse(rec.value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = fieldPath(issue.path);
  const found = valueAt(rec.value, issue.path);
  const problem =
    found === undefined && issue.code === 'invalid_type'
      ? 'missing'
      : issue.code === 'invalid_type'
        ? `expected ${String((issue as { expected?: unknown }).expected)}, found ${describe(found)}`
        : issue.message;
  throw new TaskFormatError(`${rec.where}: field '${field}': ${problem} (${format} record)`, rec.file, rec.line, field);
}

/** A field error found after schema validation (e.g. a JSON-string column that does not parse). */
export function fieldError(rec: SourceRecord, field: string, problem: string, format: string): TaskFormatError {
  return new TaskFormatError(`${rec.where}: field '${field}': ${problem} (${format} record)`, rec.file, rec.line, field);
}

/** Throws on a repeated task id, naming both places. */
export function checkUniqueIds(items: { id: string; rec: Pick<SourceRecord, 'file' | 'line' | 'where'> }[]): void {
  const seen = new Map<string, string>();
  for (const { id, rec } of items) {
    const first = seen.get(id);
    if (first !== undefined) {
      throw new TaskFormatError(`${rec.where}: duplicate task id '${id}' (first at ${first})`, rec.file, rec.line, 'task_id');
    }
    seen.set(id, rec.where);
  }
}
