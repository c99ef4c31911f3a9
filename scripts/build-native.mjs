#!/usr/bin/env node
// Builds the C++ kernel addon with node-gyp. Never fails the install: without a compiler Verdict
// runs on the TypeScript kernels and says so once, on one line, when the engine loads.
import { existsSync } from 'node:fs';
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
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--directory=native', '--jobs=max'], { stdio: 'inherit' });
if (r.status !== 0) {
  console.warn('verdict: building the native kernels failed; Verdict will fall back to the TypeScript kernels');
}
process.exit(0);
