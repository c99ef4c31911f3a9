/** `verdict run` end to end: --json output, --stdin, limits, and clear errors for bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function verdict(...args: string[]) {
  const script = `import('./src/cli/main.ts').then((m) => m.main(['node', 'verdict', ...${JSON.stringify(args)}]))`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

test('verdict run --json reports status, output, time and memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-run-'));
  try {
    writeFileSync(join(dir, 'sum.py'), 'import sys\nprint(sum(map(int, sys.stdin.read().split())))\n');
    writeFileSync(join(dir, 'in.txt'), '1 2 3\n');
    writeFileSync(join(dir, 'loop.js'), 'for (;;) {}\n');
    const ok = verdict('run', join(dir, 'sum.py'), '--lang', 'python', '--stdin', join(dir, 'in.txt'), '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const r = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    assert.deepEqual(Object.keys(r).sort(), ['exit_code', 'memory_kb', 'signal', 'status', 'stderr', 'stdout', 'time_ms']);
    assert.equal(r.status, 'ok');
    assert.equal(r.stdout, '6\n');
    assert.equal(r.exit_code, 0);
    assert.ok(r.memory_kb > 0);
    const loop = verdict('run', join(dir, 'loop.js'), '--lang', 'javascript', '--timeout', '0.5', '--json');
    assert.equal(loop.status, 1);
    assert.equal(JSON.parse(loop.stdout.trim()).status, 'timeout');
    const bad = verdict('run', join(dir, 'missing.py'), '--lang', 'python');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /cannot read program file .*missing\.py/);
    const lang = verdict('run', join(dir, 'sum.py'), '--lang', 'ruby');
    assert.match(lang.stderr, /--lang must be python or javascript/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
