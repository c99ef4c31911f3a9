/**
 * Forging a pass from inside the JavaScript harness's own process (docs/exec.md, "JavaScript: keeping
 * the harness out of the program's reach"). Every attack below is a program that does NOT solve its
 * task (f(1) must be 2, f(2) must be 3; every cheat returns 0): none may be judged `passed`, and none
 * may show a passed test, forged or not. Ordinary programs (fs in the work folder, timers, promises,
 * classes, Map/Set/BigInt, child processes, prototype helpers, custom errors) must keep passing.
 *
 * Against the harness before this hardening (commit 4f6367b), 24 of the 34 attacks were judged passed
 * or showed a passed test: reading the expected values through f.caller, Object.prototype.expected
 * for a case expecting undefined, the lines on fd 5 (forged, half line, after the tests), the replaced
 * assert / node:assert / assert/strict functions, the fake require.cache entry, the replaced global
 * require, the patched vm functions, util.isDeepStrictEqual, Object.assign, the Object.prototype
 * setter and toJSON, the Array iterator turning an error event into `s: "passed"`, the four
 * silent-pass tricks (console.assert, stderr, fd 2, JSON.stringify), JSON.stringify replaced from
 * inside f, the global const JSON, Array.prototype.toJSON, the frozen patched JSON, a heap snapshot and
 * /proc/self/mem read for the nonce. The inspector attack did not work there (that harness kept the
 * nonce on the stack, not in a closure) but does against the current harness without the inspector
 * block and the permission flags (checked by hand), as does /proc/self/mem without `-P`. The others
 * (process.binding, dlopen, workers, lying getters, a Proxy, the mixed patches) pin down behaviour.
 *
 * Added later, all judged passed or showing a passed test against the harness of commit dd52668:
 * async and timer tests whose late failure the program hides (or that merely fail late), tests
 * awaiting a result that never comes, a faked 'beforeExit', and a prompt's helper declared again or
 * reassigned (at top level or during the tests).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createExecutor, type SandboxExecutor } from '../../src/exec/index.js';
import type { Limits } from '../../src/exec/types.js';
import type { Task } from '../../src/tasks/types.js';

let ex: SandboxExecutor;
before(async () => {
  ex = await createExecutor({ workers: 2, cache: false, limits: { wallMs: 8000, cpuMs: 6000 } });
});
after(async () => {
  await ex?.close();
});

/** MultiPL-E style: a prompt to continue and a test script using require('assert'). */
const scriptTask: Task = {
  id: 'forgery-js/script',
  source: 'builtin',
  language: 'javascript',
  prompt: 'function f(x) {\n',
  completionMode: 'continue',
  entryPoint: 'f',
  tests: {
    kind: 'script',
    code: "const assert = require('assert');\nfunction test() {\n  assert.deepEqual(f(1), 2);\n  assert.strictEqual(f(2), 3);\n}\ntest();\n",
  },
};
const strictTask: Task = {
  ...scriptTask,
  id: 'forgery-js/strict',
  tests: { kind: 'script', code: "const assert = require('assert/strict');\nassert.deepEqual(f(1), 2);\nassert.equal(f(2), 3);\n" },
};
/** HumanEval-X style: console.assert, a pass is a silent run. */
const silentTask: Task = {
  id: 'forgery-js/silent',
  source: 'builtin',
  language: 'javascript',
  prompt: 'const f = (x) => {\n',
  completionMode: 'continue',
  entryPoint: 'f',
  tests: {
    kind: 'script',
    silentPass: true,
    code: 'const testF = () => {\n  console.assert(JSON.stringify(f(1)) === JSON.stringify(2));\n  console.assert(JSON.stringify(f(2)) === JSON.stringify(3));\n};\ntestF();\n',
  },
};
/** The same with arrays, which JSON.stringify looks up toJSON on. */
const silentArrayTask: Task = {
  ...silentTask,
  id: 'forgery-js/silent-array',
  prompt: 'const f = (xs) => {\n',
  tests: {
    kind: 'script',
    silentPass: true,
    code: 'const testF = () => {\n  console.assert(JSON.stringify(f([1])) === JSON.stringify([2]));\n  console.assert(JSON.stringify(f([2, 3])) === JSON.stringify([3, 4]));\n};\ntestF();\n',
  },
};
/** APPS fn_name style: util.isDeepStrictEqual in the harness. */
const callTask: Task = {
  id: 'forgery-js/call',
  source: 'builtin',
  language: 'javascript',
  prompt: '',
  completionMode: 'whole',
  tests: { kind: 'call', fnName: 'f', cases: [{ args: [1], expected: 2 }, { args: [2], expected: 3 }] },
};

/** Writes every candidate nonce in both the old and the current line formats, then exits at once. */
const FORGE_ALL = `
function forge(cands) {
  let out = '';
  for (const n of cands) {
    out += '\\n' + n + '{"k":"test","i":0,"s":"passed"}\\n' + n + '{"k":"test","i":1,"s":"passed"}\\n' + n + '{"k":"done"}\\n';
    out += '{"k":"test","i":0,"s":"passed"}\\n{"k":"test","i":1,"s":"passed"}\\n{"k":"done","nonce":"' + n + '"}\\n';
  }
  require('fs').writeSync(5, out);
  process.reallyExit(0);
}
`;
const HEX24 = '/(?<![0-9a-f])[0-9a-f]{24}(?![0-9a-f])/g';

/** A test script that calls a built-in through .call (as some hand-written tests do). */
const callThroughTask: Task = {
  ...scriptTask,
  id: 'forgery-js/call-through',
  tests: {
    kind: 'script',
    code: "const r = Array.prototype.slice.call(f(1), 0);\nif (r.length !== 2 || r[0] !== 1 || r[1] !== 2) throw new Error('wrong: ' + r);\n",
  },
};

/** Tests whose assertions run after the test script returned: an awaited result, a timer. */
const asyncTask: Task = {
  ...scriptTask,
  id: 'forgery-js/async',
  tests: {
    kind: 'script',
    code: "const assert = require('assert');\n(async () => {\n  assert.deepEqual(await f(1), 2);\n  assert.strictEqual(await f(2), 3);\n})();\n",
  },
};
const timerTask: Task = {
  ...scriptTask,
  id: 'forgery-js/timer',
  tests: {
    kind: 'script',
    code: "const assert = require('assert');\nsetTimeout(() => {\n  assert.deepEqual(f(1), 2);\n  assert.strictEqual(f(2), 3);\n}, 1);\n",
  },
};
/** HumanEval/32 style: the prompt defines a helper the tests call (MultiPL-E keeps it a `function`). */
const helperTask: Task = {
  id: 'forgery-js/helper',
  source: 'builtin',
  language: 'javascript',
  prompt: 'function poly(xs, x) {\n  return xs.reduce((a, c, i) => a + c * Math.pow(x, i), 0);\n}\nfunction findZero(xs) {\n',
  completionMode: 'continue',
  entryPoint: 'findZero',
  tests: {
    kind: 'script',
    code: "const assert = require('assert');\nconst s = findZero([1, 2]);\nassert(Math.abs(poly([1, 2], s)) < 1e-4);\nconst t = findZero([-3, 1]);\nassert(Math.abs(poly([-3, 1], t)) < 1e-4);\n",
  },
};

const attacks: Array<{ name: string; task: Task; completion: string; limits?: Partial<Limits> }> = [
  {
    name: "an async test whose failure is swallowed by the program's unhandledRejection listener",
    task: asyncTask,
    completion: "  return Promise.resolve(0);\n}\nprocess.on('unhandledRejection', () => {});\n",
  },
  {
    name: 'an async test failing after the test script returned (no tricks: no passed test may show)',
    task: asyncTask,
    completion: '  return Promise.resolve(0);\n}\n',
  },
  {
    name: "a timer test whose failure goes to the program's own uncaughtException listener",
    task: timerTask,
    completion: "  return 0;\n}\nprocess.removeAllListeners('uncaughtException');\nprocess.on('uncaughtException', () => {});\n",
  },
  {
    name: 'a timer test whose failure goes to the uncaught exception capture callback',
    task: timerTask,
    completion: '  return 0;\n}\nprocess.setUncaughtExceptionCaptureCallback(() => {});\n',
  },
  {
    name: 'a timer test whose failure a prepended listener of the program handles and hides',
    task: timerTask,
    completion: "  return 0;\n}\nprocess.prependListener('uncaughtException', () => {});\nprocess.prependListener('uncaughtExceptionMonitor', () => {});\n",
  },
  {
    name: 'an async test awaiting a promise that never settles',
    task: asyncTask,
    completion: '  return new Promise(() => {});\n}\n',
  },
  {
    name: "an async test awaiting a thenable that never calls back",
    task: asyncTask,
    completion: '  return { then() {} };\n}\n',
  },
  {
    name: "a faked 'beforeExit' while the test's assertion is still queued",
    task: asyncTask,
    completion: "  return Promise.resolve().then(() => { process.emit('beforeExit', 0); require('events').prototype.emit.call(process, 'beforeExit', 0); return 0; });\n}\n",
  },
  {
    name: "a prompt's helper declared again after the function under test",
    task: helperTask,
    completion: '  return 0;\n}\nfunction poly(xs, x) { return 0; }\n',
  },
  {
    name: "a prompt's helper reassigned by the program's top level",
    task: helperTask,
    completion: '  return 0;\n}\npoly = () => 0;\n',
  },
  {
    name: "a prompt's helper reassigned by the function under test during the tests",
    task: helperTask,
    completion: '  try { poly = () => 0; } catch {}\n  return 0;\n}\n',
  },
  {
    name: 'an own property added to a built-in function that shadows an inherited one (Array.prototype.slice.call)',
    task: callThroughTask,
    completion: `  return [];\n}\nArray.prototype.slice.call = () => [1, 2];\n`,
  },
  {
    name: 'a forged passed line on fd 5',
    task: scriptTask,
    completion: `  return 0;\n}\nrequire('fs').writeSync(5, '{"k":"test","i":0,"s":"passed"}\\n');\n`,
  },
  {
    name: "a half line on fd 5 that swallows the harness's failing line",
    task: scriptTask,
    completion: `  return 0;\n}\nrequire('fs').writeSync(5, '{"k":"test","i":0,"s":"passed"}\\n{"x":"');\n`,
  },
  {
    name: 'a line on fd 5 written by a timer after the tests',
    task: callTask,
    completion: `function f(x) { return 0; }\nsetTimeout(() => require('fs').writeSync(5, '{"k":"test","i":0,"s":"passed"}\\n{"k":"done"}\\n'), 0);\n`,
  },
  {
    name: "require('assert').deepEqual / strictEqual replaced",
    task: scriptTask,
    completion: `  return 0;\n}\nconst a = require('assert'); a.deepEqual = () => {}; a.strictEqual = () => {};\n`,
  },
  {
    name: "require('node:assert') functions replaced",
    task: scriptTask,
    completion: `  return 0;\n}\nconst a = require('node:assert'); a.deepEqual = () => {}; a.strictEqual = () => {};\n`,
  },
  {
    name: "require('assert/strict') functions replaced",
    task: strictTask,
    completion: `  return 0;\n}\nconst a = require('assert/strict'); a.deepEqual = () => {}; a.equal = () => {};\n`,
  },
  {
    name: 'a fake assert module in require.cache',
    task: scriptTask,
    completion: `  return 0;\n}\nrequire.cache.assert = { id: 'assert', filename: 'assert', loaded: true, exports: Object.assign(() => {}, { deepEqual() {}, strictEqual() {} }) };\n`,
  },
  {
    name: 'the global require replaced',
    task: scriptTask,
    completion: `  return 0;\n}\nconst r0 = require; const fake = { deepEqual() {}, strictEqual() {} };\nObject.defineProperty(globalThis, 'require', { value: (m) => (/assert/.test(m) ? fake : r0(m)), configurable: false, writable: false });\n`,
  },
  {
    name: "vm's compileFunction and Script.prototype.runInThisContext replaced",
    task: scriptTask,
    completion: `  return 0;\n}\nconst vm = require('vm'); vm.compileFunction = () => () => {}; vm.Script.prototype.runInThisContext = function () {};\n`,
  },
  {
    name: "util.isDeepStrictEqual replaced",
    task: callTask,
    completion: `function f(x) { return 0; }\nrequire('util').isDeepStrictEqual = () => true;\n`,
  },
  {
    name: 'Object.assign turning failed events into passed ones',
    task: callTask,
    completion: `function f(x) { return 0; }\nconst oa = Object.assign;\nObject.assign = (t, ...s) => { const r = oa(t, ...s); if (r && r.k === 'test') r.s = 'passed'; return r; };\n`,
  },
  {
    name: "a setter for 's' on Object.prototype",
    task: callTask,
    completion: `function f(x) { return 0; }\nObject.defineProperty(Object.prototype, 's', { configurable: true, get() { return undefined; }, set(v) { Object.defineProperty(this, 's', { value: 'passed', enumerable: true, writable: true, configurable: true }); } });\n`,
  },
  {
    name: 'Object.prototype.toJSON rewriting events',
    task: callTask,
    completion: `function f(x) { return 0; }\nObject.prototype.toJSON = function () { return this.k === 'test' ? { k: 'test', i: this.i, s: 'passed' } : this; };\n`,
  },
  {
    name: "a replaced Array iterator turning an error event into s: 'passed'",
    task: callTask,
    completion: `function f(x) { return 0; }\nconst it = Array.prototype[Symbol.iterator];\nArray.prototype[Symbol.iterator] = function () {\n  if (this.length === 2 && typeof this[0] === 'string' && this[1] && this[1].etype) { Array.prototype[Symbol.iterator] = it; return it.call(['passed', {}]); }\n  return it.call(this);\n};\nthrow new Error('x');\n`,
  },
  {
    name: 'JSON.stringify, fs.writeSync, structuredClone, Array.isArray, call/apply, RegExp, String methods replaced',
    task: callTask,
    completion: `function f(x) { return 0; }\nconst js = JSON.stringify; JSON.stringify = (o) => js(o && o.k === 'test' ? { ...o, s: 'passed' } : o);\nconst fs = require('fs'); const w = fs.writeSync; fs.writeSync = (fd, s, ...r) => w(fd, typeof s === 'string' ? s.replace('"failed"', '"passed"') : s, ...r);\nglobalThis.structuredClone = () => { throw 1; }; Array.isArray = () => { throw 1; };\nRegExp.prototype.test = () => true; RegExp.prototype.exec = () => null; String.prototype.slice = function () { return ''; };\nFunction.prototype.call = function () { return true; }; Function.prototype.apply = function () { return true; };\nprocess.exit = () => {};\n`,
  },
  {
    name: 'console.assert replaced (silent-pass script)',
    task: silentTask,
    completion: `  return 0;\n};\nconsole.assert = () => {};\n`,
  },
  {
    name: 'process.stderr.write silenced (silent-pass script)',
    task: silentTask,
    completion: `  return 0;\n};\nprocess.stderr.write = () => true;\n`,
  },
  {
    name: 'fd 2 closed (silent-pass script)',
    task: silentTask,
    completion: `  return 0;\n};\nrequire('fs').closeSync(2);\n`,
  },
  {
    name: 'JSON.stringify replaced before the tests (silent-pass script)',
    task: silentTask,
    completion: `  return 0;\n};\nJSON.stringify = () => 'same';\n`,
  },
  {
    name: 'JSON.stringify replaced from inside the function under test',
    task: silentTask,
    // The left-hand JSON.stringify of the next assertion is read before f runs: the replacement
    // answers with what the real one made of f's own result, so both sides agree.
    completion: `  const r = 0;\n  globalThis.last = (globalThis.realStringify ??= JSON.stringify)(r);\n  JSON.stringify = () => globalThis.last;\n  return r;\n};\n`,
  },
  {
    name: 'a global const JSON shadowing the real one',
    task: silentTask,
    completion: `  return 0;\n};\nconst JSON = { stringify: () => 'same' };\n`,
  },
  {
    name: 'Array.prototype.toJSON making every array stringify alike (silent-pass script)',
    task: silentArrayTask,
    completion: `  return [0];\n};\nArray.prototype.toJSON = function () { return 1; };\n`,
  },
  {
    name: 'a built-in frozen after patching (cannot be restored)',
    task: silentTask,
    completion: `  return 0;\n};\nJSON.stringify = () => 'same'; Object.freeze(JSON);\n`,
  },
  {
    name: 'reading the nonce from a heap snapshot',
    task: callTask,
    limits: { fileSizeBytes: 64 << 20 },
    completion: `function f(x) { return 0; }${FORGE_ALL}
const v8 = require('v8');
const text = require('fs').readFileSync(v8.writeHeapSnapshot('/tmp/h.heapsnapshot'), 'utf8');
forge(new Set(text.match(${HEX24})));
`,
  },
  {
    name: 'an inspector session reading the closure of the uncaughtException listener',
    task: callTask,
    completion: `function f(x) { return 0; }${FORGE_ALL}
const { Session } = require('inspector');
const s = new Session(); s.connect();
globalThis.__l = process.listeners('uncaughtException')[0];
const found = [];
s.post('Runtime.evaluate', { expression: '__l' }, (e, r) => s.post('Runtime.getProperties', { objectId: r.result.objectId }, (e2, r2) => {
  const sc = r2.internalProperties.find((p) => p.name === '[[Scopes]]');
  s.post('Runtime.getProperties', { objectId: sc.value.objectId }, (e3, r3) => {
    for (const x of r3.result) s.post('Runtime.getProperties', { objectId: x.value.objectId }, (e4, r4) => {
      for (const p of r4.result) if (p.name === 'nonce' && p.value) found.push(p.value.value);
    });
  });
}));
forge(found);
`,
  },
  {
    name: "the inspector loaded through module.constructor._load",
    task: callTask,
    completion: `function f(x) { return 0; }\nconst i = module.constructor._load ? module.constructor._load('inspector') : require('module')._load('inspector');\nnew i.Session().connect();\n`,
  },
  {
    name: 'reading the nonce from /proc/self/mem',
    task: callTask,
    completion: `function f(x) { return 0; }${FORGE_ALL}
const fs = require('fs');
const fd = fs.openSync('/proc/self/mem', 'r');
const cands = new Set();
for (const l of fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')) {
  const m = /^([0-9a-f]+)-([0-9a-f]+) rw/.exec(l);
  if (!m) continue;
  const a = parseInt(m[1], 16), b = parseInt(m[2], 16);
  if (b - a > 64 << 20) continue;
  const buf = Buffer.alloc(b - a);
  try { fs.readSync(fd, buf, 0, b - a, a); } catch { continue; }
  for (const c of buf.toString('latin1').match(${HEX24}) ?? []) cands.add(c);
}
forge(cands);
`,
  },
  {
    name: 'process.binding',
    task: callTask,
    completion: `function f(x) { return 0; }\nprocess.binding('fs');\n`,
  },
  {
    name: 'process.dlopen (a native addon)',
    task: callTask,
    completion: `function f(x) { return 0; }\nprocess.dlopen({ exports: {} }, '/tmp/a.node');\n`,
  },
  {
    name: 'a worker thread (its own require and v8 are outside the harness)',
    task: callTask,
    completion: `function f(x) { return 0; }\nconst { Worker } = require('worker_threads');\nnew Worker("require('v8').setFlagsFromString('--allow-natives-syntax')", { eval: true });\n`,
  },
  {
    name: 'a thrown object whose getters lie and a replaced Error.prepareStackTrace',
    task: scriptTask,
    completion: `  throw { get name() { return 'passed'; }, get message() { throw new Error('no'); }, get stack() { return 'x'; } };\n}\nError.prepareStackTrace = () => 'passed';\n`,
  },
  {
    name: "reading the expected values from the test function's source through f.caller",
    task: scriptTask,
    completion: "  const src = String(f.caller);\n  const m = new RegExp('f\\\\(' + x + '\\\\), (\\\\d+)').exec(src);\n  return m ? Number(m[1]) : 0;\n}\n",
  },
  {
    name: 'Object.prototype.expected where a case expects undefined (absent after JSON)',
    task: { ...callTask, id: 'forgery-js/undefined', tests: { kind: 'call', fnName: 'f', cases: [{ args: [1], expected: undefined }] } },
    completion: 'function f(x) { return 0; }\nObject.prototype.expected = 0;\n',
  },
  {
    name: 'a Proxy returned from the function under test',
    task: callTask,
    completion: `function f(x) { return new Proxy([], { get(t, k) { return k === 'length' ? 0 : undefined; }, getPrototypeOf() { return Number.prototype; }, ownKeys() { return []; } }); }\n`,
  },
];

const run = (task: Task, completion: string, limits?: Partial<Limits>) => ex.judge({ task, completion, limits });

for (const a of attacks) {
  test(`forgery (JavaScript): ${a.name} is not a pass`, async () => {
    const v = await run(a.task, a.completion, a.limits);
    assert.notEqual(v.status, 'passed', JSON.stringify(v).slice(0, 400));
    const shown = v.tests.filter((t) => t.status === 'passed');
    assert.deepEqual(shown, [], `a test shows as passed: ${JSON.stringify(v.tests).slice(0, 300)}`);
  });
}

const honest: Array<{ name: string; task: Task; completion: string }> = [
  {
    name: 'an async test awaiting a correct function (a promise settled by a timer)',
    task: asyncTask,
    completion: '  return new Promise((resolve) => setTimeout(() => resolve(x + 1), 2));\n}\n',
  },
  { name: 'an async test awaiting a correct async function', task: asyncTask, completion: '  return (async () => x + 1)();\n}\n' },
  { name: 'a timer test with a correct function', task: timerTask, completion: '  return x + 1;\n}\n' },
  { name: "a correct function using the prompt's helper", task: helperTask, completion: '  return -xs[0] / xs[1];\n}\n' },
  {
    name: "a completion that repeats the prompt's helper unchanged",
    task: helperTask,
    completion: '  return -xs[0] / xs[1];\n}\nfunction poly(xs, x) {\n  return xs.reduce((a, c, i) => a + c * Math.pow(x, i), 0);\n}\n',
  },
  { name: 'a HumanEval-X style script with assert.deepEqual', task: scriptTask, completion: '  return x + 1;\n}\n' },
  { name: 'an assert/strict script', task: strictTask, completion: '  return x + 1;\n}\n' },
  { name: 'a silent console.assert script with JSON.stringify', task: silentTask, completion: '  return x + 1;\n};\n' },
  { name: 'a call-based case', task: callTask, completion: 'function f(x) { return x + 1; }\n' },
  {
    name: 'a call-based case that expects undefined',
    task: { ...callTask, id: 'forgery-js/undefined', tests: { kind: 'call', fnName: 'f', cases: [{ args: [1], expected: undefined }] } },
    completion: 'function f(x) {}\n',
  },
  {
    name: "require('fs') on the work folder",
    task: callTask,
    completion: "const fs = require('fs');\nfs.writeFileSync('memo.txt', '1');\nfunction f(x) { return x + Number(fs.readFileSync('memo.txt', 'utf8')); }\n",
  },
  {
    name: 'timers, promises and async work',
    task: scriptTask,
    completion: "  return x + 1;\n}\nsetTimeout(() => {}, 5);\nsetImmediate(() => {});\nPromise.resolve(1).then((v) => v + 1);\n(async () => { await new Promise((r) => setTimeout(r, 1)); })();\n",
  },
  {
    name: 'classes, Map, Set, BigInt and a child process',
    task: callTask,
    completion:
      "const { execSync } = require('child_process');\nconst one = Number(execSync('echo 1').toString().trim());\nclass Counter { constructor() { this.m = new Map(); this.s = new Set(); } add(x) { this.s.add(x); this.m.set(x, BigInt(x) + 1n); return Number(this.m.get(x)); } }\nfunction f(x) { return new Counter().add(x) + one - 1; }\n",
  },
  {
    name: 'a String.prototype helper used by the function under test',
    task: callTask,
    completion: "String.prototype.plusOne = function () { return Number(this) + 1; };\nfunction f(x) { return String(x).plusOne(); }\n",
  },
  {
    name: 'an Array.prototype getter used by the function under test',
    task: scriptTask,
    completion: "  return [0, x + 1].last;\n}\nObject.defineProperty(Array.prototype, 'last', { get() { return this[this.length - 1]; }, configurable: true });\n",
  },
  {
    name: 'a custom error and prototype assignments made during the tests',
    task: scriptTask,
    completion:
      "  class Oops extends Error { constructor(m) { super(m); this.name = 'Oops'; } }\n  function P() {}\n  P.prototype.toString = function () { return 'p'; };\n  const o = {};\n  o.toString = () => 'o';\n  try { throw new Oops('x'); } catch (e) { if (e.name !== 'Oops' || String(new P()) !== 'p' || String(o) !== 'o') return -1; }\n  return x + 1;\n}\n",
  },
  {
    name: 'an Object.prototype.get helper (descriptors the harness builds must not inherit it)',
    task: callTask,
    completion: "Object.prototype.get = function (k) { return this[k]; };\nfunction f(x) { return { v: x + 1 }.get('v'); }\n",
  },
  {
    name: 'an Object.prototype.get helper in a script task',
    task: scriptTask,
    completion: "  return { v: x + 1 }.get('v');\n}\nObject.prototype.get = function (k) { return this[k]; };\n",
  },
  {
    name: 'a program that prints and uses v8.serialize (non-silent task)',
    task: scriptTask,
    completion: "  return require('v8').deserialize(require('v8').serialize({ y: x + 1 })).y;\n}\nconsole.log('defined f');\n",
  },
];

for (const h of honest) {
  test(`not a forgery (JavaScript): ${h.name} still passes`, async () => {
    const v = await run(h.task, h.completion);
    assert.equal(v.status, 'passed', JSON.stringify(v).slice(0, 400));
  });
}
