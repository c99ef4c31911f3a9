/**
 * Python values as the generator computes them in TypeScript, and their Python source literals.
 * JS numbers must be integers (rendered as Python ints); tuples and dicts are explicit wrappers.
 */

export type PyValue =
  | number
  | string
  | boolean
  | null
  | PyValue[]
  | { tuple: PyValue[] }
  | { dict: Array<[PyValue, PyValue]> };

export const tuple = (...items: PyValue[]): PyValue => ({ tuple: items });
export const dict = (entries: Array<[PyValue, PyValue]>): PyValue => ({ dict: entries });

/** Python's repr() of a str (single quotes unless the text holds one and no double quote). */
export function pyStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return out + q;
}

/** The Python literal of a value (what repr() prints for it). */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`pyRepr: ${v} is not a safe integer`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (typeof v === 'string') return pyStr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if ('tuple' in v) return v.tuple.length === 1 ? `(${pyRepr(v.tuple[0]!)},)` : `(${v.tuple.map(pyRepr).join(', ')})`;
  return `{${v.dict.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

/** Python's floor division and modulo for ints (JS `%` truncates toward zero). */
export function pyFloorDiv(a: number, b: number): number {
  if (b === 0) throw new Error('division by zero');
  return Math.floor(a / b);
}
export function pyMod(a: number, b: number): number {
  if (b === 0) throw new Error('modulo by zero');
  return a - b * Math.floor(a / b);
}

/** str.split() with no argument: runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  return s.split(/\s+/).filter((w) => w.length > 0);
}
