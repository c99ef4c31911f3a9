/**
 * Forging a pass from inside the Python harness's own process (docs/exec.md, "Keeping the harness out
 * of the program's reach"). Each attack below is a program that does NOT solve its task; every one
 * must be judged something other than `passed`, and forged per-test lines must not show up as passed
 * tests. Programs that use the standard library normally (logging, namedtuple, enum, dataclasses,
 * warnings, tracebacks, subprocesses, threads, signal.alarm) must keep passing.
 *
 * Against the harness before this hardening (commit d14e893), the json-encoder patch, the lines written
 * to fd 3, the redefined prompt helper, the math.fabs patch and both metaclass liars were judged passed
 * (or showed a forged passed test), and so was the frame walk written for that harness's protocol
 * (it read the nonce from a harness frame); the thread patching math.fabs passed against the first
 * hardened harness (commit ba2fa6d, before tests waited for the program's threads), and the module
 * replaced in sys.modules and the rebound test-import names against commit 77e4a4c. The other attacks
 * are written for the current protocol and close the remaining ways to the harness's frames, objects
 * and memory (the thread racing for frames is a race that was not won in two tries before the audit
 * hook's privilege became per-thread).
 */
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';
import type { Task } from '../../src/tasks/types.js';

let ex: SandboxExecutor;
before(async () => {
  ex = await createExecutor({ workers: 2, cache: false, limits: { wallMs: 5000, cpuMs: 4000 } });
});
after(async () => {
  await ex?.close();
});

/** f(1) must be 2; every cheat below returns 0. */
const task: Task = {
  id: 'forgery/check',
  source: 'builtin',
  language: 'python',
  prompt: 'def f(x):\n',
  completionMode: 'continue',
  entryPoint: 'f',
  tests: { kind: 'check', code: 'def check(c):\n    assert c(1) == 2\n', entryPoint: 'f' },
};
/** HumanEval/32's shape: the tests call a helper the prompt defines. */
const polyTask: Task = {
  id: 'forgery/poly',
  source: 'builtin',
  language: 'python',
  prompt: 'import math\n\n\ndef poly(xs, x):\n    """value of the polynomial"""\n    return sum(c * x ** i for i, c in enumerate(xs))\n\n\ndef find_zero(xs):\n    """a zero of poly(xs)"""\n',
  completionMode: 'continue',
  entryPoint: 'find_zero',
  tests: {
    kind: 'check',
    code: 'import math\n\n\ndef check(candidate):\n    s = candidate([1, 2])\n    assert math.fabs(poly([1, 2], s)) < 1e-4\n',
    entryPoint: 'find_zero',
  },
};
const mbppTask: Task = {
  id: 'forgery/asserts',
  source: 'builtin',
  language: 'python',
  prompt: '',
  completionMode: 'whole',
  entryPoint: 'f',
  tests: { kind: 'asserts', asserts: ['assert f(1) == 2', 'assert f(2) == 3'] },
};
/** MBPP with test imports (they run as the first lines of the program). */
const mbppImportsTask: Task = {
  id: 'forgery/asserts-imports',
  source: 'builtin',
  language: 'python',
  prompt: '',
  completionMode: 'whole',
  entryPoint: 'f',
  tests: {
    kind: 'asserts',
    asserts: ['assert math.isclose(f(1), 2.5)', 'assert isclose(f(2), 3.5)'],
    imports: ['import math', 'from math import isclose'],
  },
};
const callTask: Task = {
  id: 'forgery/call',
  source: 'builtin',
  language: 'python',
  prompt: '',
  completionMode: 'whole',
  tests: { kind: 'call', fnName: 'f', cases: [{ args: [1], expected: 2 }] },
};

/** Its class hashes and compares equal to int, so a `type(v) in {int, ...}` check would trust it. */
const METACLASS_LIAR = `class M(type):
    def __hash__(cls):
        return hash(int)
    def __eq__(cls, other):
        return True
class Liar(metaclass=M):
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
def f(x):
    return Liar()
`;

const attacks: Array<{ name: string; task: Task; completion: string }> = [
  {
    name: 'walking sys._getframe up to the harness and writing its proof',
    task,
    completion: `    return 0
import sys, os
fr = sys._getframe(0)
while fr is not None and 'out' not in fr.f_locals:
    fr = fr.f_back
fr.f_locals['out']({'k': 'test', 'i': 0, 's': 'passed'})
fr.f_locals['out']({'k': 'done'})
os._exit(0)
`,
  },
  {
    name: "a traceback's tb_frame",
    task,
    completion: `    return 0
try:
    1 / 0
except ZeroDivisionError as e:
    fr = e.__traceback__.tb_frame.f_back
    fr.f_locals['out']({'k': 'done'})
`,
  },
  {
    name: "a generator's gi_frame",
    task,
    completion: `    return 0
def g():
    yield 1
fr = g().gi_frame
`,
  },
  {
    name: 'a signal handler, which receives the interrupted frame',
    task,
    completion: `    return 0
import os, signal
def h(signum, fr):
    while fr is not None and 'out' not in fr.f_locals:
        fr = fr.f_back
    fr.f_locals['out']({'k': 'done'})
    os._exit(0)
signal.signal(signal.SIGUSR1, h)
os.kill(os.getpid(), signal.SIGUSR1)
`,
  },
  {
    name: 'threading.settrace / sys.settrace',
    task,
    completion: `    return 0
import sys, threading
threading.settrace(lambda *a: None)
sys.settrace(lambda *a: None)
`,
  },
  {
    name: "gc's object lists",
    task,
    completion: `    return 0
import gc
for o in gc.get_objects():
    if callable(o) and getattr(o, '__name__', '') == 'emit':
        o({'k': 'done'})
`,
  },
  {
    name: 'reading memory with ctypes',
    task,
    completion: `    return 0
import ctypes
ctypes.string_at(id(f), 64)
`,
  },
  {
    name: 'reading /proc/self/mem',
    task,
    completion: `    return 0
open('/proc/self/mem', 'rb').read(1)
`,
  },
  {
    name: 'hand-built code objects',
    task,
    completion: `    return 0
f.__code__.replace(co_consts=())
`,
  },
  {
    name: 'replacing the harness functions in sys.modules["__main__"]',
    task,
    completion: `    return 0
import sys
m = sys.modules['__main__']
m.run_test = lambda i, out, ctx, fn: out({'k': 'test', 'i': i, 's': 'passed'})
m.judge_check = lambda job, g, ctx, out: m.run_test(0, out, ctx, None)
`,
  },
  {
    name: 'reaching the harness through a class it defines (object.__subclasses__, a method\'s __globals__)',
    task,
    completion: `    return 0
seen, todo = set(), [object]
while todo:
    c = todo.pop()
    for s in type.__subclasses__(c):
        if id(s) in seen:
            continue
        seen.add(id(s))
        todo.append(s)
        for v in list(vars(s).values()):
            g = getattr(v, '__globals__', None)
            if isinstance(g, dict) and 'run_test' in g and 'judge_check' in g:
                g['judge_check'] = lambda job, g2, ctx, out: out({'k': 'test', 'i': 0, 's': 'passed'})
`,
  },
  {
    name: "patching the json encoder the harness writes with ('failed' becomes 'passed')",
    task,
    completion: `    return 0
import json.encoder as je
real = je.encode_basestring_ascii
je.encode_basestring_ascii = lambda s: real('passed' if s == 'failed' else s)
je.c_make_encoder = None
`,
  },
  {
    name: 'writing test results and a proof to the results pipe (fd 3)',
    task,
    completion: `    return 0
import os
os.write(3, b'{"k": "test", "i": 0, "s": "passed"}\\n{"k": "done"}\\n')
`,
  },
  {
    name: 'a forked child writing to the results pipe after the harness',
    task,
    completion: `    return 0
import os, time
if os.fork() == 0:
    time.sleep(0.05)
    os.write(3, b'{"k": "done"}\\n')
    os._exit(0)
`,
  },
  {
    name: "redefining the prompt's helper the tests use (HumanEval/32's poly)",
    task: polyTask,
    completion: `    return 0.0


def poly(xs, x):
    return 0
`,
  },
  {
    name: 'patching a module the tests import (math.fabs)',
    task: polyTask,
    completion: `    import math
    math.fabs = lambda v: 0.0
    return 0.0
`,
  },
  {
    name: "rewriting a standard-library function's __code__",
    task: polyTask,
    completion: `    return 0.0
import math, copy
def fake(x, memo=None, _nil=[]):
    return x
copy.deepcopy.__code__ = fake.__code__
`,
  },
  {
    name: 'a thread that keeps patching a module the tests import (a race against the restore)',
    task: polyTask,
    completion: `    import math, sys, threading
    sys.setswitchinterval(1e-6)
    def spin():
        while True:
            math.fabs = lambda v: 0.0
    threading.Thread(target=spin, daemon=True).start()
    return 0.0
`,
  },
  {
    name: 'a thread that waits for the harness to read frames (a race against its privileged moment)',
    task,
    completion: `    return 0
import os, sys, threading
sys.setswitchinterval(1e-6)
def grab():
    while True:
        try:
            for fr in sys._current_frames().values():
                while fr is not None and 'out' not in fr.f_locals:
                    fr = fr.f_back
                if fr is not None:
                    fr.f_locals['out']({'k': 'test', 'i': 0, 's': 'passed'})
                    fr.f_locals['out']({'k': 'done'})
                    os._exit(0)
        except ValueError:
            pass
threading.Thread(target=grab, daemon=True).start()
1 / 0
`,
  },
  {
    name: "replacing a module the tests import in sys.modules",
    task: polyTask,
    completion: `    return 0.0
import sys, types
sys.modules['math'] = types.SimpleNamespace(fabs=lambda v: 0.0)
`,
  },
  {
    name: "rebinding the names the tests' imports bound (MBPP test imports run as part of the program)",
    task: mbppImportsTask,
    completion: `import types
math = types.SimpleNamespace(isclose=lambda a, b: True)
isclose = lambda a, b: True
def f(x):
    return 0
`,
  },
  { name: 'a metaclass that makes the returned class equal int (asserts)', task: mbppTask, completion: METACLASS_LIAR },
  { name: 'a metaclass that makes the returned class equal int (call-based)', task: callTask, completion: METACLASS_LIAR },
];

for (const a of attacks) {
  test(`forgery: ${a.name} is not a pass`, async () => {
    const v = await ex.judge({ task: a.task, completion: a.completion });
    assert.notEqual(v.status, 'passed', JSON.stringify(v));
    assert.notEqual(v.status, 'sandbox_error', JSON.stringify(v));
    for (const t of v.tests) assert.notEqual(t.status, 'passed', `a forged passed test: ${JSON.stringify(v.tests)}`);
  });
}

/**
 * A red-team session's attacks against the hardened harness (commit 5a5b99a), kept as regressions:
 * program code run while the harness was privileged (its crash handler printed the program's
 * exception), Counter (a trusted Python class) with a replaced __eq__, ast.parse patched before the
 * child compiled the asserts, a program-level __builtins__ reaching the tests, a fake whose __del__
 * re-installed itself during the restore, lying objects in asserts that are not a single ==, a patch
 * surviving into the next test, and the tests' namespace reached through a function they passed in;
 * plus the attempts that did not work then. 22 of the 50 were judged passed or showed a forged passed
 * test before the fixes. A second session (round 2: callables that are not plain functions, a
 * __repr__ that swaps the object's class after the check, methods of str/list subclasses, Counter
 * instance attributes, defaultdict factories, prompt helpers in script tests) added 10 more, all
 * judged passed against commit 8ed6a1d. None may now.
 */
const redTeam = JSON.parse(readFileSync(new URL('./fixtures/python-forgeries.json', import.meta.url), 'utf8')) as Array<{
  name: string;
  task: Task;
  completion: string;
}>;

test(`forgery: ${redTeam.length} red-team attacks: none is a pass or shows a passed test`, async () => {
  const verdicts = await Promise.all(redTeam.map((a) => ex.judge({ task: a.task, completion: a.completion })));
  const forged = verdicts
    .map((v, i) => ({ name: redTeam[i]!.name, status: v.status, tests: v.tests.map((t) => t.status) }))
    .filter((r) => r.status === 'passed' || r.tests.includes('passed'));
  assert.deepEqual(forged, []);
});

test('forgery: lines written to the results pipe never appear as test outcomes', async () => {
  const v = await ex.judge({ task: mbppTask, completion: 'import os\nos.write(3, b\'{"k": "test", "i": 1, "s": "passed"}\\n\')\ndef f(x):\n    return 2\n' });
  assert.equal(v.status, 'failed');
  assert.deepEqual(
    v.tests.map((t) => [t.index, t.status]),
    [
      [0, 'passed'],
      [1, 'failed'],
    ],
  );
});

const honest: Array<{ name: string; task: Task; completion: string }> = [
  {
    name: 'logging, namedtuple, enum, typing.NamedTuple, dataclasses, warnings, inspect, lru_cache',
    task,
    completion: `    return x + 1
import logging, collections, enum, typing, dataclasses, warnings, inspect, functools
logging.getLogger('verdict-test').warning('still works')
P = collections.namedtuple('P', 'a b', defaults=[0])
class Colour(enum.Enum):
    RED = 1
E = enum.Enum('E', 'A B')
class NT(typing.NamedTuple):
    a: int
@dataclasses.dataclass
class D:
    a: int = 1
warnings.warn('still works')
inspect.signature(f)
@functools.lru_cache(None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
assert fib(30) == 832040 and P(1).b == 0 and D().a == 1
`,
  },
  {
    name: 'tracebacks printed and formatted by the program (frames left out)',
    task,
    completion: `    import traceback, logging
    try:
        {}[x]
    except KeyError:
        traceback.print_exc()
        assert 'KeyError' in traceback.format_exc()
        logging.exception('handled')
    return x + 1
`,
  },
  {
    name: 'a subprocess, a thread, signal.alarm and SIG_IGN',
    task,
    completion: `    return x + 1
import subprocess, sys, threading, signal
r = subprocess.run([sys.executable, '-c', 'print(41 + 1)'], capture_output=True, text=True)
assert r.stdout.strip() == '42', (r.returncode, r.stderr[-300:])
t = threading.Thread(target=lambda: None)
t.start()
t.join()
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.alarm(30)
signal.alarm(0)
sys.setrecursionlimit(10000)
`,
  },
  {
    name: "a completion that repeats the prompt's helper unchanged",
    task: polyTask,
    completion: `    return -0.5


def poly(xs, x):
    return sum(c * x ** i for i, c in enumerate(xs))
`,
  },
  {
    name: 'threads that end (joined, or still running briefly when the program returns)',
    task,
    completion: `    import threading
    r = []
    t = threading.Thread(target=lambda: r.append(x + 1))
    t.start()
    t.join()
    return r[0]
import threading, time
threading.Thread(target=lambda: time.sleep(0.2)).start()
`,
  },
  { name: 'asserts', task: mbppTask, completion: 'def f(x):\n    return x + 1\n' },
  { name: 'asserts with test imports', task: mbppImportsTask, completion: 'def f(x):\n    return x + 1.5\n' },
  { name: 'call-based', task: callTask, completion: 'def f(x):\n    return x + 1\n' },
];

for (const h of honest) {
  test(`not a forgery: ${h.name} still passes`, async () => {
    const v = await ex.judge({ task: h.task, completion: h.completion });
    assert.equal(v.status, 'passed', JSON.stringify(v));
  });
}
