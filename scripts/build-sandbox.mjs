#!/usr/bin/env node
// Builds the sandbox launcher (src/exec/launcher/launcher.c) and the fork server's C supervisor
// (src/exec/launcher/forkjob.c, a shared library) into node_modules/.cache/verdict/ (or the temp
// folder). Never fails the install: without a C compiler it prints one warning and the executor
// builds them lazily at first use (if it still cannot: no launcher = a loud warning that isolation is
// missing; no supervisor library = the fork server supervises in Python, slower, same results).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
function build(source, prefix, suffix, flags) {
  const src = join(root, 'src', 'exec', 'launcher', source);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const name = `${prefix}-${hash}${suffix}`;
  const candidates = [join(root, 'node_modules', '.cache', 'verdict', name), join(tmpdir(), `verdict-${process.getuid()}`, name)];
  let lastError;
  for (const out of candidates) {
    if (existsSync(out)) return out;
    try {
      mkdirSync(dirname(out), { recursive: true, mode: 0o755 });
      execFileSync(process.env.CC ?? 'cc', [...flags, '-o', out + '.tmp', src], { stdio: 'pipe' });
      renameSync(out + '.tmp', out);
      return out;
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

for (const [what, source, prefix, suffix, flags] of [
  ['sandbox launcher', 'launcher.c', 'verdict-sandbox', '', ['-O2', '-Wall']],
  ['fork server supervisor', 'forkjob.c', 'verdict-forkjob', '.so', ['-O2', '-Wall', '-shared', '-fPIC']],
]) {
  try {
    if (process.platform !== 'linux') throw new Error(`namespaces need Linux (this is ${process.platform})`);
    build(source, prefix, suffix, flags);
  } catch (e) {
    console.warn(`verdict: warning: ${what} not built (${String(e.message ?? e).split('\n')[0]}); it is retried at first use`);
  }
}
process.exit(0);
