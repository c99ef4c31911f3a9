#!/usr/bin/env node
// Builds the sandbox launcher (src/exec/launcher/launcher.c) into node_modules/.cache/verdict/
// (or the temp folder). Never fails the install: without a C compiler it prints one warning and the
// executor builds it lazily at first use (or, if it still cannot, warns that isolation is missing).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
try {
  if (process.platform !== 'linux') throw new Error(`namespaces need Linux (this is ${process.platform})`);
  const src = join(root, 'src', 'exec', 'launcher', 'launcher.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const name = `verdict-sandbox-${hash}`;
  const candidates = [join(root, 'node_modules', '.cache', 'verdict', name), join(tmpdir(), `verdict-${process.getuid()}`, name)];
  let built;
  let lastError;
  for (const out of candidates) {
    if (existsSync(out)) { built = out; break; }
    try {
      mkdirSync(dirname(out), { recursive: true, mode: 0o755 });
      execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', out + '.tmp', src], { stdio: 'pipe' });
      renameSync(out + '.tmp', out);
      built = out;
      break;
    } catch (e) {
      lastError = e;
    }
  }
  if (!built) throw lastError;
} catch (e) {
  console.warn(`verdict: warning: sandbox launcher not built (${String(e.message ?? e).split('\n')[0]}); it is retried at first use`);
}
process.exit(0);
