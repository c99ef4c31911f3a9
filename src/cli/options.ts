/**
 * Number parsers for commander options, shared by every command: a bad value is a UserError that
 * names the flag, the expectation and what was given.
 */
import { UserError } from './errors.js';

/** A number for `--flag` that satisfies `check`, described as `what` in the error. */
export function numberOption(flag: string, check: (n: number) => boolean, what: string): (v: string) => number {
  const name = flag.startsWith('--') ? flag : `--${flag}`;
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UserError(`${name} must be ${what}, got ${JSON.stringify(v)}`);
    return n;
  };
}

/** An integer >= min for `--flag`. */
export function intOption(flag: string, min: number): (v: string) => number {
  return numberOption(flag, (n) => Number.isInteger(n) && n >= min, `an integer >= ${min}`);
}
