#!/usr/bin/env node
// Builds the C++ kernel addon with node-gyp. Never fails the install: without a compiler Verdict
// runs on the TypeScript kernels and says so once, on one line, when the engine loads.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

if (process.env.VERDICT_SKIP_NATIVE) {
  console.log('verdict: VERDICT_SKIP_NATIVE set, not building the native kernels');
  process.exit(0);
}
if (!existsSync('native/binding.gyp')) process.exit(0);
let gyp;
try {
  gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  console.warn('verdict: node-gyp is not installed; the native kernels were not built (TypeScript kernels will be used)');
  process.exit(0);
}
// Use the headers installed next to this Node (e.g. <prefix>/include/node from a distribution
// package) when present, so node-gyp does not need to download them.
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
// An existing build/ is configured already: `build` is incremental, `rebuild` starts over.
const action = existsSync('native/build/Makefile') || existsSync('native/build/binding.sln') ? 'build' : 'rebuild';
const args = [gyp, action, '--directory=native', '--jobs=2', ...nodedir];
const r = spawnSync(process.execPath, args, { stdio: process.env.VERDICT_NATIVE_VERBOSE ? 'inherit' : ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const why = (r.stderr ?? '').split('\n').find((l) => /error/i.test(l) && !/gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
  console.warn(`verdict: building the native kernels failed${why ? ` (${why.trim().slice(0, 160)})` : ''}; Verdict will fall back to the TypeScript kernels (set VERDICT_NATIVE_VERBOSE=1 to see the build)`);
}
process.exit(0);
