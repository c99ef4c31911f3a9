/**
 * The launcher's mounts: a bind under /tmp (a checkout or an interpreter installed there) is visible
 * inside the sandbox, read-only, above the sandbox's own writable /tmp; and -P (--no-proc) leaves
 * /proc out (the Python workers use it) while Python programs still run. The executor's own small
 * files under /tmp are still staged elsewhere (sandboxVisible), so programs' /tmp stays empty.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverPython, extraBinds, probeIsolation, sandboxVisible } from '../../src/exec/sandbox.js';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';

const iso = process.platform === 'linux' ? probeIsolation() : { missing: ['Linux only'] };
const skip = iso.missing.length ? `sandbox unavailable here: ${iso.missing.join('; ')}` : false;
const launcher = 'launcher' in iso ? iso.launcher : undefined;

let dir = '';
let interp = '';
before(() => {
  if (skip) return;
  // An interpreter-like folder under /tmp: a module and a script, readable by everyone.
  dir = mkdtempSync('/tmp/verdict-stage-');
  interp = join(dir, 'checkout', 'interp');
  mkdirSync(join(interp, 'lib'), { recursive: true });
  writeFileSync(join(interp, 'lib', 'greet.py'), 'WORD = "hello from /tmp"\n');
  writeFileSync(join(interp, 'run.sh'), '#!/bin/sh\necho "script ran"\n', { mode: 0o755 });
  for (const d of [dir, join(dir, 'checkout'), interp, join(interp, 'lib')]) chmodSync(d, 0o755);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sandboxed(args: string[], timeout = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(launcher!, args, { encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a folder under /tmp bound into the sandbox is readable, runnable and not writable; /tmp stays writable', { skip }, () => {
  const script = [
    `cat ${interp}/lib/greet.py`,
    `${interp}/run.sh`,
    `echo x > ${interp}/new.txt && echo WROTE-IN-BIND`,
    `echo x > ${interp}/lib/greet.py && echo OVERWROTE-BIND`,
    `mv ${dir} /tmp/moved && echo MOVED-TOP`,
    `mkdir ${dir}/other && echo WROTE-ABOVE-BIND`,
    `ls ${dir}`,
    'echo scratch > /tmp/own.txt && cat /tmp/own.txt',
  ].join('; ');
  const r = sandboxed(['-r', interp, '--', '/bin/sh', '-c', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WORD = "hello from \/tmp"/);
  assert.match(r.stdout, /script ran/);
  assert.match(r.stdout, /^checkout$/m, 'only the folders leading to the bind are above it');
  assert.match(r.stdout, /^scratch$/m, '/tmp is writable');
  for (const bad of ['WROTE-IN-BIND', 'OVERWROTE-BIND', 'MOVED-TOP', 'WROTE-ABOVE-BIND']) assert.doesNotMatch(r.stdout, new RegExp(bad));
  assert.equal(readFileSync(join(interp, 'lib', 'greet.py'), 'utf8'), 'WORD = "hello from /tmp"\n');
});

test('Python imports from a folder under /tmp inside the sandbox', { skip }, () => {
  const py = discoverPython();
  const binds = [...extraBinds([py.prefix, py.executable]), interp];
  const code = `import sys; sys.path.insert(0, ${JSON.stringify(join(interp, 'lib'))}); import greet; print(greet.WORD)`;
  const r = sandboxed([...binds.flatMap((b) => ['-r', b]), '--', py.executable, '-I', '-S', '-c', code]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'hello from /tmp');
});

test('the launcher refuses bind paths that would cover /tmp or are not normalized', { skip }, () => {
  for (const p of ['/tmp', '/', '/usr/../etc', 'usr', '/proc/1']) {
    const r = sandboxed(['-r', p, '--', '/bin/true']);
    assert.equal(r.status, 125, `-r ${p}`);
    assert.match(r.stderr, /not a bindable path/);
  }
});

const PROBE = `
import multiprocessing, os, shutil, subprocess, sys
def child(conn):
    conn.send(sum(range(10)))
    conn.close()
if __name__ == '__main__':
    print('sub', subprocess.run([sys.executable, '-c', 'print(1)'], capture_output=True, text=True).stdout.strip())
    if shutil.which('python3'):
        print('path-python3', subprocess.run(['python3', '-c', 'print(1)'], capture_output=True, text=True).stdout.strip())
    print('cpus', os.cpu_count())
    ctx = multiprocessing.get_context('fork')
    a, b = ctx.Pipe()
    p = ctx.Process(target=child, args=(b,))
    p.start()
    print('mp', a.recv())
    p.join()
    print('mp-exit', p.exitcode)
    print('proc-exists', os.path.exists('/proc'), os.path.exists('/dev/fd'))
    try:
        open('/proc/self/mem', 'rb').close()
        print('mem', 'opened')
    except OSError as e:
        print('mem', 'refused', e.errno)
`;

function probe(extra: string[]): Record<string, string> {
  const py = discoverPython();
  const binds = extraBinds([py.prefix, py.executable]);
  const r = sandboxed([...binds.flatMap((b) => ['-r', b]), '-n', '64', ...extra, '--', py.executable, '-I', '-S', '-c', PROBE]);
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]));
}

test('--no-proc / -P: no /proc and no /dev/fd; subprocesses, cpu_count and multiprocessing still work', { skip }, () => {
  for (const flag of ['--no-proc', '-P']) {
    const out = probe([flag]);
    assert.equal(out.sub, '1');
    if ('path-python3' in out) assert.equal(out['path-python3'], '1');
    assert.ok(Number(out.cpus) >= 1, `cpu_count ${out.cpus}`);
    assert.equal(out.mp, '45');
    assert.equal(out['mp-exit'], '0');
    assert.equal(out['proc-exists'], 'False False');
    assert.match(out.mem!, /^refused /);
  }
  // Without the flag /proc is there (Node workers keep it): the check above can fail.
  const withProc = probe([]);
  assert.equal(withProc['proc-exists'], 'True True');
  assert.equal(withProc.mem, 'opened');
});

test('started unprivileged (nested user namespace), --no-proc still works', { skip: skip || (process.getuid?.() !== 0 && 'needs root to switch to an unprivileged uid') }, (t) => {
  const r = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', launcher!, '--no-proc', '-r', interp, '--', '/bin/sh', '-c', `id -u; cat ${interp}/lib/greet.py; test -e /proc || echo no-proc`], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return t.skip(`setpriv unavailable: ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['65534', 'WORD = "hello from /tmp"', 'no-proc']);
});

test('the Python workers run without /proc; JavaScript keeps it', { skip }, async () => {
  const ex: SandboxExecutor = await createExecutor({ workers: 1, cache: false, isolation: 'strict' });
  try {
    const code = "import os\ntry:\n    open('/proc/self/mem', 'rb')\n    print('opened')\nexcept OSError as e:\n    print('refused', os.path.exists('/proc'))\n";
    const r = await ex.run({ language: 'python', code });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout.trim(), 'refused False');
    const j = await ex.run({ language: 'javascript', code: "console.log(require('fs').existsSync('/proc/self'))" });
    assert.equal(j.status, 'ok', j.stderr);
    assert.equal(j.stdout.trim(), 'true');
  } finally {
    await ex.close();
  }
});

test('files under /tmp are staged outside /tmp by content; other paths are unchanged', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const dir = mkdtempSync('/tmp/verdict-stage-');
  try {
    writeFileSync(join(dir, 'a.py'), 'print(1)\n');
    writeFileSync(join(dir, 'b.js'), 'console.log(2)\n');
    const staged = sandboxVisible(dir, ['a.py', 'b.js']);
    assert.ok(!staged.startsWith('/tmp/'), staged);
    assert.equal(readFileSync(join(staged, 'a.py'), 'utf8'), 'print(1)\n');
    assert.equal(readFileSync(join(staged, 'b.js'), 'utf8'), 'console.log(2)\n');
    assert.equal(sandboxVisible(dir, ['a.py', 'b.js']), staged, 'same content, same place');
    writeFileSync(join(dir, 'a.py'), 'print(3)\n');
    const again = sandboxVisible(dir, ['a.py', 'b.js']);
    assert.notEqual(again, staged, 'changed content is staged afresh');
    const file = sandboxVisible(join(dir, 'b.js'));
    assert.ok(!file.startsWith('/tmp/') && file.endsWith('/b.js'));
    assert.equal(sandboxVisible(process.cwd().startsWith('/tmp/') ? '/usr' : process.cwd()), process.cwd().startsWith('/tmp/') ? '/usr' : process.cwd());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
