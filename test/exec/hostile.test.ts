/**
 * Hostile programs: every attack in REFERENCE.md section 7, each checked for its verdict and for an
 * intact host (no surviving process, files unchanged, nothing reached over the network, no secret
 * printed). When run as root, the whole file runs again as an unprivileged user (uid 65534).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';
import type { Task } from '../../src/tasks/types.js';
import type { RunResult, Verdict } from '../../src/exec/types.js';

const MARKER = `verdict-hostile-${randomBytes(6).toString('hex')}`;
const SECRET = `s3cret-${randomBytes(8).toString('hex')}`;
process.env.VERDICT_HOSTILE_SECRET = SECRET;
const LIMITS = { wallMs: 1500, cpuMs: 1000, memoryMb: 256, outputBytes: 1 << 20 };
const whoami = process.getuid?.() === 0 ? 'root' : `uid ${process.getuid?.()}`;

let ex: SandboxExecutor;
let server: Server;
let port = 0;
let connections = 0;
let dir: string;
let victim: string;
let sentinel: ChildProcess;
const warnings: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verdict-hostile-'));
  chmodSync(dir, 0o755);
  victim = join(dir, 'victim.txt');
  writeFileSync(victim, `victim ${SECRET}\n`, { mode: 0o644 });
  server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
  sentinel = spawn('sleep', ['60'], { stdio: 'ignore' });
  ex = await createExecutor({ workers: 2, cache: false, limits: LIMITS, isolation: 'strict', onWarning: (m) => warnings.push(m) });
});

after(async () => {
  await ex?.close();
  sentinel?.kill();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Host processes whose command line carries this run's marker. */
function survivors(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(MARKER) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

const py = (code: string, stdin?: string): Promise<RunResult> => ex.run({ language: 'python', code, stdin });
const js = (code: string, stdin?: string): Promise<RunResult> => ex.run({ language: 'javascript', code, stdin });

function assertHostIntact(r: RunResult | Verdict): void {
  const text = JSON.stringify(r);
  assert.ok(!text.includes(SECRET), `secret leaked: ${text.slice(0, 300)}`);
  assert.equal(readFileSync(victim, 'utf8'), `victim ${SECRET}\n`);
  assert.equal(connections, 0, 'a sandboxed program reached the host over loopback');
  assert.equal(sentinel.exitCode, null, 'the host sentinel process was killed');
  assert.equal(sentinel.signalCode, null, 'the host sentinel process was killed');
}

async function assertNoSurvivors(): Promise<void> {
  // The sandbox kills leftovers when each program ends; allow the kernel a moment to reap them.
  for (let i = 0; i < 50 && survivors().length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(survivors(), []);
}

const checkTask: Task = {
  id: 'hostile/check',
  source: 'builtin',
  language: 'python',
  prompt: 'def answer():\n',
  completionMode: 'continue',
  entryPoint: 'answer',
  tests: { kind: 'check', code: 'def check(f):\n    assert f() == 42\n    assert abs(f() - 42) < 1e-9\n', entryPoint: 'answer' },
};
const callTask: Task = {
  id: 'hostile/call',
  source: 'builtin',
  language: 'python',
  prompt: '',
  completionMode: 'whole',
  tests: { kind: 'call', fnName: 'answer', cases: [{ args: [], expected: 42 }] },
};
const mbppTask: Task = {
  id: 'hostile/asserts',
  source: 'builtin',
  language: 'python',
  prompt: '',
  completionMode: 'whole',
  tests: { kind: 'asserts', asserts: ['assert answer() == 42'] },
};
const jsTask: Task = {
  id: 'hostile/js',
  source: 'builtin',
  language: 'javascript',
  prompt: 'function answer() {\n',
  completionMode: 'continue',
  tests: { kind: 'script', code: "const assert = require('node:assert');\nassert.strictEqual(answer(), 42);\n" },
};

test(`[${whoami}] isolation is fully enforced here (strict mode accepted)`, () => {
  assert.deepEqual([...ex.notEnforced], []);
  assert.deepEqual(warnings, []);
});

test(`[${whoami}] fork bomb: stopped, nothing survives`, async () => {
  const r = await py(`import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass  # ${MARKER}\n`);
  assert.ok(['timeout', 'runtime_error'].includes(r.status), r.status);
  const j = await js(`const { spawn } = require('child_process');\nfor (;;) { try { spawn('/bin/sh', ['-c', 'sleep 100; # ${MARKER}'], { detached: true }); } catch {} }`);
  assert.ok(['timeout', 'runtime_error', 'memory_exceeded'].includes(j.status), j.status);
  await assertNoSurvivors();
  assertHostIntact(r);
});

test(`[${whoami}] a child left running after the parent exits (even after setsid) is killed`, async () => {
  const r = await py(
    `import os, subprocess, sys\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 100 # ${MARKER}'], start_new_session=True)\n` +
      `if os.fork() == 0:\n    os.setsid()\n    os.execv('/bin/sh', ['/bin/sh', '-c', 'sleep 100 # ${MARKER}'])\nprint('bye')\n`,
  );
  assert.equal(r.status, 'ok');
  assert.equal(r.stdout, 'bye\n');
  const j = await js(`require('child_process').spawn('/bin/sh', ['-c', 'sleep 100 # ${MARKER}'], { detached: true, stdio: 'ignore' }).unref(); console.log('bye')`);
  assert.equal(j.status, 'ok');
  await assertNoSurvivors();
  // The worker is still healthy for the next program.
  assert.equal((await py('print(1)')).stdout, '1\n');
});

test(`[${whoami}] sleeping forever, catching the timeout in a loop, signal.alarm(0): timeout`, async () => {
  const [sleep, catcher, alarm, jsSleep] = await Promise.all([
    py('import time\ntime.sleep(1000)\n'),
    py('import time\nwhile True:\n    try:\n        time.sleep(10)\n    except BaseException:\n        pass\n'),
    ex.judge({ task: checkTask, completion: '    import signal\n    signal.alarm(0)\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n' }),
    js('setInterval(() => {}, 1000); process.on("SIGTERM", () => {});'),
  ]);
  assert.equal(sleep.status, 'timeout', JSON.stringify(sleep));
  assert.equal(catcher.status, 'timeout', JSON.stringify(catcher));
  assert.equal(alarm.status, 'timeout', JSON.stringify(alarm));
  assert.equal(jsSleep.status, 'timeout', JSON.stringify(jsSleep));
});

test(`[${whoami}] unbounded output is output_exceeded; a correct answer printing ~1 MB passes`, async () => {
  const [flood, jsFlood, big] = await Promise.all([
    py('while True:\n    print("x" * 10000)\n'),
    js('const s = "y".repeat(10000); for (;;) require("fs").writeSync(1, s);'),
    ex.judge({ task: checkTask, completion: '    return 42\nprint("z" * 1000000)\n' }),
  ]);
  assert.equal(flood.status, 'output_exceeded');
  assert.ok(flood.stdout.length <= LIMITS.outputBytes);
  assert.equal(jsFlood.status, 'output_exceeded');
  assert.equal(big.status, 'passed', big.message);
});

test(`[${whoami}] closing stdout then spinning: timeout`, async () => {
  const r = await py('import os\nos.close(1)\nos.close(2)\nwhile True:\n    pass\n');
  assert.equal(r.status, 'timeout', JSON.stringify(r));
});

test(`[${whoami}] reading stdin forever sees EOF`, async () => {
  const r = await py('import sys\nn = 0\nwhile True:\n    chunk = sys.stdin.read(4096)\n    if not chunk:\n        break\n    n += len(chunk)\nprint("eof", n)\n');
  assert.deepEqual([r.status, r.stdout], ['ok', 'eof 0\n']);
  const given = await py('import sys\nprint(len(sys.stdin.read()))\n', 'abc\n');
  assert.equal(given.stdout, '4\n');
  const j = await js('let n = 0; process.stdin.on("data", (d) => (n += d.length)).on("end", () => console.log("eof", n));');
  assert.deepEqual([j.status, j.stdout], ['ok', 'eof 0\n']);
});

test(`[${whoami}] memory bombs: memory_exceeded`, async () => {
  const [a, b, c] = await Promise.all([
    py('x = []\nwhile True:\n    x.append(bytearray(50 << 20))\n'),
    py('x = "a" * (10 << 30)\n'),
    js('const a = []; for (;;) a.push(new Array(1e6).fill(1.5));'),
  ]);
  assert.equal(a.status, 'memory_exceeded');
  assert.equal(b.status, 'memory_exceeded');
  assert.equal(c.status, 'memory_exceeded');
});

test(`[${whoami}] filling the disk stops at the limit and leaves the host untouched`, async () => {
  const r = await py('import os\nwith open("big", "wb") as f:\n    while True:\n        f.write(b"0" * (1 << 20))\n');
  assert.ok(['runtime_error', 'output_exceeded'].includes(r.status), r.status);
  const r2 = await py('import os\ni = 0\nwhile True:\n    try:\n        open("/tmp/f%d" % i, "wb").write(b"0" * 500000)\n    except OSError as e:\n        print(type(e).__name__)\n        break\n    i += 1\n');
  assert.equal(r2.status, 'ok');
  assert.match(r2.stdout, /OSError|PermissionError/);
  // The next program starts with an empty work folder.
  assert.equal((await py('import os\nprint(sorted(os.listdir(".")), len(os.listdir("/tmp")))\n')).stdout, '[] 1\n');
  assertHostIntact(r);
});

test(`[${whoami}] a folder made unreadable (chmod 000) does not survive into the next program`, async () => {
  const one = await createExecutor({ workers: 1, cache: false, limits: LIMITS, isolation: 'strict' });
  try {
    const r = await one.run({
      language: 'python',
      code: 'import os\nfor d in ("keep", "/tmp/keep2"):\n    os.makedirs(d + "/inner")\n    open(d + "/inner/f", "w").write("x")\n    os.chmod(d + "/inner", 0)\n    os.chmod(d, 0)\n',
    });
    assert.equal(r.status, 'ok', JSON.stringify(r));
    const next = await one.run({ language: 'python', code: 'import os\nprint(sorted(os.listdir(".")), len(os.listdir("/tmp")))\n' });
    assert.equal(next.stdout, '[] 1\n');
  } finally {
    await one.close();
  }
});

test(`[${whoami}] machine code the program wrote cannot run or be loaded (the work folder is noexec)`, async () => {
  const r = await py(`import importlib.machinery, importlib.util, os, shutil, subprocess, sys
shutil.copy("/bin/true", "t")
os.chmod("t", 0o755)
try:
    subprocess.run(["./t"])
    print("ran")
except PermissionError:
    print("exec refused")
src = next(os.path.join(d, f) for d in sys.path if os.path.isdir(d) for f in sorted(os.listdir(d))
           if f.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)) and f.split(".")[0] not in sys.modules)
name = os.path.basename(src).split(".")[0]
shutil.copy(src, os.path.basename(src))
spec = importlib.util.spec_from_file_location(name, os.path.abspath(os.path.basename(src)))
try:
    importlib.util.module_from_spec(spec)
    print("loaded")
except ImportError as e:
    print("load refused")
`);
  assert.equal(r.stdout, 'exec refused\nload refused\n', JSON.stringify(r));
});

test(`[${whoami}] a program's child cannot ptrace or read the memory of the process judging it`, async () => {
  const probe = (pid: string): string =>
    `import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nr = libc.ptrace(16, ${pid}, 0, 0)\nprint(r, ctypes.get_errno())\n` +
    `buf = ctypes.create_string_buffer(8)\nclass V(ctypes.Structure):\n    _fields_ = [("b", ctypes.c_void_p), ("n", ctypes.c_size_t)]\n` +
    `a, b = V(ctypes.addressof(buf), 8), V(0x400000, 8)\nlibc.process_vm_readv.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]\n` +
    `print(libc.process_vm_readv(${pid}, ctypes.byref(a), 1, ctypes.byref(b), 1, 0), ctypes.get_errno())\n`;
  const r = await js(
    `const { execFileSync } = require('node:child_process');\nprocess.stdout.write(execFileSync('python3', ['-c', ${JSON.stringify(probe('PID'))}.replace(/PID/g, String(process.pid))]).toString());\n`,
  );
  assert.equal(r.stdout, '-1 1\n-1 1\n', JSON.stringify(r)); // EPERM both
});

test(`[${whoami}] host secrets are invisible: environment, home, project files, host files`, async () => {
  const home = homedir();
  const project = resolve('package.json');
  const r = await py(
    'import os, glob\n' +
      'print(dict(os.environ))\n' +
      'for p in ["/proc/1/environ", "/proc/self/environ", "/proc/1/cmdline", ' + JSON.stringify(project) + ', ' + JSON.stringify(victim) + ']:\n' +
      '    try:\n        print(p, open(p, "rb").read()[:2000])\n    except OSError as e:\n        print(p, type(e).__name__)\n' +
      'for d in [' + JSON.stringify(home) + ', "/root", "/home", "/etc", "/proc/1/root", "/"]:\n' +
      '    try:\n        print(d, os.listdir(d))\n    except OSError as e:\n        print(d, type(e).__name__)\n',
  );
  assert.equal(r.status, 'ok', r.stderr);
  assert.ok(!r.stdout.includes('VERDICT_HOSTILE_SECRET'));
  assert.ok(!r.stdout.includes('"name": "verdict"'), 'project file readable');
  const j = await js(
    `const fs = require('fs'); console.log(JSON.stringify(process.env));\n` +
      `for (const p of ['/proc/1/environ', ${JSON.stringify(project)}, ${JSON.stringify(victim)}]) { try { console.log(fs.readFileSync(p, 'utf8')); } catch (e) { console.log(p, e.code); } }`,
  );
  assert.equal(j.status, 'ok', j.stderr);
  assertHostIntact(r);
  assertHostIntact(j);
});

test(`[${whoami}] network access fails, loopback included`, async () => {
  const r = await py(
    'import socket\n' +
      `for host in ["127.0.0.1", "::1", "localhost", "1.1.1.1"]:\n` +
      `    try:\n        s = socket.create_connection((host, ${port}), timeout=0.5)\n        print("CONNECTED", host)\n    except OSError as e:\n        print(host, type(e).__name__)\n`,
  );
  assert.equal(r.status, 'ok', r.stderr);
  assert.ok(!r.stdout.includes('CONNECTED'), r.stdout);
  const j = await js(
    `const net = require('net'); const s = net.connect(${port}, '127.0.0.1'); s.on('connect', () => console.log('CONNECTED')); s.on('error', (e) => console.log(e.code));`,
  );
  assert.ok(!j.stdout.includes('CONNECTED'), j.stdout);
  assert.equal(connections, 0);
});

test(`[${whoami}] deleting or overwriting files outside the work folder, symlinks pointing outside`, async () => {
  const r = await py(
    'import os, shutil\n' +
      `for p in [${JSON.stringify(victim)}, "/usr/bin/python3", "/etc/ld.so.cache", "/usr/lib/victim"]:\n` +
      '    for op in (lambda: open(p, "w").write("pwned"), lambda: os.unlink(p), lambda: shutil.rmtree(os.path.dirname(p))):\n' +
      '        try:\n            op()\n            print("DID", p)\n        except Exception as e:\n            print(p, type(e).__name__)\n' +
      `os.symlink(${JSON.stringify(victim)}, "link")\n` +
      'os.symlink("/proc/1/root/etc", "link2")\n' +
      'for l in ("link", "link2"):\n    try:\n        open(l + ("/x" if l == "link2" else ""), "w").write("pwned")\n        print("WROTE", l)\n    except OSError as e:\n        print(l, type(e).__name__)\n',
  );
  assert.equal(r.status, 'ok', r.stderr);
  assert.ok(!r.stdout.includes('DID'), r.stdout);
  assert.ok(!r.stdout.includes('WROTE'), r.stdout);
  assertHostIntact(r);
  assert.ok(spawnSync('test', ['-x', '/usr/bin/env']).status === 0);
});

test(`[${whoami}] kill -9 -1 reaches nothing outside the program`, async () => {
  const r = await py('import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError as e:\n    print(type(e).__name__)\nos.kill(1, signal.SIGKILL)\nprint("alive")\n');
  assert.ok(['ok', 'runtime_error'].includes(r.status), r.status);
  const j = await js('try { process.kill(-1, "SIGKILL"); } catch (e) { console.log(e.code); } console.log("alive")');
  assert.ok(['ok', 'runtime_error'].includes(j.status));
  assertHostIntact(r);
  // The worker survived and still judges correctly.
  const v = await ex.judge({ task: checkTask, completion: '    return 42\n' });
  assert.equal(v.status, 'passed');
});

test(`[${whoami}] reward hacks: exiting 0 before the tests never passes`, async () => {
  const hacks = [
    '    import sys\n    sys.exit(0)\n',
    '    import os\n    os._exit(0)\n',
    'import os\nos._exit(0)\n',
    'import sys\nsys.exit(0)\n',
    '    raise SystemExit\n',
  ];
  for (const completion of hacks) {
    const v = await ex.judge({ task: checkTask, completion });
    assert.notEqual(v.status, 'passed', completion);
  }
  for (const completion of ['import os\ndef answer():\n    os._exit(0)\n', 'import sys\nsys.exit(0)\n']) {
    assert.notEqual((await ex.judge({ task: mbppTask, completion })).status, 'passed', completion);
    assert.notEqual((await ex.judge({ task: callTask, completion })).status, 'passed', completion);
  }
  for (const completion of ['  process.exit(0);\n}\n', '  return 42;\n}\nprocess.exit(0);\n', '  return 42;\n}\nprocess.reallyExit(0);\n']) {
    const v = await ex.judge({ task: jsTask, completion });
    assert.notEqual(v.status, 'passed', completion);
  }
  assert.equal((await ex.judge({ task: jsTask, completion: '  return 42;\n}\n' })).status, 'passed');
});

test(`[${whoami}] reward hacks: an object whose __eq__ always returns True does not pass`, async () => {
  const evil =
    'class Yes:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n        return False\n    def __sub__(self, o):\n        return 0\n    __hash__ = object.__hash__\n';
  const asCheck = await ex.judge({ task: checkTask, completion: '    return Yes()\n' + evil.replace(/^/gm, '') });
  assert.notEqual(asCheck.status, 'passed');
  for (const t of [callTask, mbppTask]) {
    const v = await ex.judge({ task: t, completion: evil + 'def answer():\n    return Yes()\n' });
    assert.equal(v.status, 'failed', `${t.id}: ${v.status} ${v.message}`);
    assert.equal(v.tests[0]!.returned?.type, 'Yes');
  }
  const sub = await ex.judge({ task: callTask, completion: 'class N(int):\n    def __eq__(self, o):\n        return True\ndef answer():\n    return N(7)\n' });
  assert.equal(sub.status, 'failed');
  const shadow = await ex.judge({ task: checkTask, completion: '    return 41\nimport builtins\nbuiltins.abs = lambda x: 0\ndef abs(x):\n    return 0\n' });
  assert.equal(shadow.status, 'failed');
  const trace = await ex.judge({
    task: checkTask,
    completion: '    import sys\n    f = sys._getframe(1)\n    def t(frame, ev, arg):\n        return t\n    sys.settrace(t)\n    return 41\n',
  });
  // sys._getframe is refused while the program runs (a frame leads into the harness): not a pass
  assert.equal(trace.status, 'runtime_error', JSON.stringify(trace));
  assert.match(trace.message ?? '', /ValueError: sys\._getframe is not available/);
});

test(`[${whoami}] nothing survives the executor`, async () => {
  await assertNoSurvivors();
  assert.equal(connections, 0);
});

// As root, run this whole file again as an unprivileged user.
const nested = process.env.VERDICT_HOSTILE_NESTED === '1';
const DROP = ['--reuid', '65534', '--regid', '65534', '--clear-groups'];
function unprivilegedSkip(): string | false {
  if (nested) return 'already the unprivileged run';
  if (process.getuid?.() !== 0) return 'not root: this run is already unprivileged';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv is missing: cannot drop to uid 65534';
  // uid 65534 must be able to read the project and start node and python3 (a clone under /root is not).
  const probe = spawnSync(
    'setpriv',
    [...DROP, process.execPath, '-e', "require('fs').accessSync(process.argv[1]); require('child_process').execFileSync(process.env.VERDICT_PYTHON || 'python3', ['-c', 'pass'])", resolve('test/exec/hostile.test.ts')],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (probe.status !== 0) return `uid 65534 cannot read this checkout or run node/python3 here (${(probe.stderr || '').trim().split('\n').pop()})`;
  return false;
}
test(
  'the same suite, and both forgery suites, as an unprivileged user (uid 65534)',
  { skip: unprivilegedSkip() },
  () => {
    const r = spawnSync(
      'setpriv',
      [...DROP, process.execPath, '--import', 'tsx', '--test', '--test-reporter=dot', 'test/exec/hostile.test.ts', 'test/exec/forgery.test.ts', 'test/exec/forgery-js.test.ts'],
      { encoding: 'utf8', env: { ...process.env, VERDICT_HOSTILE_NESTED: '1', HOME: '/nonexistent' }, timeout: 120_000 },
    );
    assert.equal(r.status, 0, `unprivileged run failed:\n${r.stdout}\n${r.stderr}`);
  },
);
