#!/usr/bin/env node
// Runs every test file under test/ (or those whose path contains one of the given words)
// with node's built-in test runner; TypeScript is loaded through tsx, so no build is needed.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.test\.(ts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
let files = walk('test', []);
if (filters.length) files = files.filter((f) => filters.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error('no test files matched ' + JSON.stringify(filters));
  process.exit(1);
}
console.log(`running ${files.length} test files: ${files.map((f) => relative('test', f)).join(', ')}`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...passThrough, ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
