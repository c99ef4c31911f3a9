'use strict';
// Verdict's JavaScript harness: runs inside the sandbox, one fresh node process per program.
// fd 4: the job (JSON, read once and closed); fd 5: results, one JSON object per line, each line
// prefixed with the per-job nonce (js-runner.ts keeps only such lines). The nonce lives only in this
// module's scope; node runs under its permission model (no inspector, no process.binding, no native
// addons, no workers) and v8's heap snapshots are refused, so the program cannot read it.
//
// The program runs in this same process and global, so everything the harness and the tests rely on
// is either bound here, before the program runs, or restored and frozen after the program's top level
// ran and before the first test (docs/exec.md, "JavaScript: keeping the harness out of the program's
// reach").
// First, and at once: js-runner.ts starts node with --max-old-space-size, a V8 flag, and V8 refuses
// the code cache node ships for its own modules when the flags differ from the defaults, so every
// module loaded after start-up (vm, assert, the program's own) would be compiled from source, about
// three times slower. The heap limit is fixed when the heap is set up; putting the flag back to its
// default afterwards changes only which code cache is accepted (the limit still holds: a program
// going over it gets "JavaScript heap out of memory").
const v8 = require('node:v8');
v8.setFlagsFromString('--max-old-space-size=0');
const fs = require('node:fs');
const vm = require('node:vm');
const util = require('node:util');
// The CommonJS loader itself, which require('node:module') also returns (without loading lib/module.js).
const Module = module.constructor;

// ---- intrinsics the harness uses, bound before any program code runs ----
const {
  apply: reflectApply,
  defineProperty: reflectDefine,
  deleteProperty: reflectDelete,
  getOwnPropertyDescriptor: reflectDescriptor,
  getPrototypeOf: reflectGetProto,
  setPrototypeOf: reflectSetProto,
  ownKeys: reflectOwnKeys,
} = Reflect;
const { freeze, create, is: objectIs } = Object;
const objectCreate = create;
const isArray = Array.isArray;
const hasOwn = Object.hasOwn;
const stringify = JSON.stringify;
const parseJson = JSON.parse;
const SafeMap = Map;
const SafeSet = Set;
const SafeError = Error;
const SafeString = String;
const SafeNumber = Number;
const clone = structuredClone;
// process.hrtime, not performance.now: the `performance` global loads perf_hooks (about a millisecond).
const hrtimeBigint = process.hrtime.bigint;
const now = () => SafeNumber(hrtimeBigint()) / 1e6;
const writeSync = fs.writeSync;
const readFileSync = fs.readFileSync;
const writeFileSync = fs.writeFileSync;
const closeSync = fs.closeSync;
const isDeepStrictEqual = util.isDeepStrictEqual;
const VmScript = vm.Script;
const scriptRun = vm.Script.prototype.runInThisContext;
const compileFunction = vm.compileFunction;
const vmRun = vm.runInThisContext;
const utilInspect = util.inspect;
const utilFormat = util.format;
const reallyExit = process.reallyExit;
const processOn = process.on;
const setCapture = process.setUncaughtExceptionCaptureCallback;
const activeResources = process.getActiveResourcesInfo;
const safeImmediate = setImmediate;
const funcToString = Function.prototype.toString;
const promiseHooks = v8.promiseHooks;
const onPromiseInit = promiseHooks.onInit;
const onPromiseSettled = promiseHooks.onSettled;
const call = (fn, self, ...args) => reflectApply(fn, self, args);
/** A property descriptor without a prototype: a program's Object.prototype.get / .value cannot
 *  change what defineProperty reads from it. */
const descriptor = (fields) => {
  const d = create(null);
  const keys = reflectOwnKeys(fields);
  for (let i = 0; i < keys.length; i++) d[keys[i]] = fields[keys[i]];
  return d;
};
/** An own property's descriptor, without a prototype (undefined when absent). */
const ownDesc = (o, k) => {
  const d = reflectDescriptor(o, k);
  if (d !== undefined) reflectSetProto(d, null);
  return d;
};
const strSlice = String.prototype.slice;
const strSplit = String.prototype.split;
const regexExec = RegExp.prototype.exec;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapHas = Map.prototype.has;
const setAdd = Set.prototype.add;
const setHas = Set.prototype.has;
const setDelete = Set.prototype.delete;
const slice = (s, a, b) => call(strSlice, s, a, b);
const lineCount = (s) => call(strSplit, s, '\n').length;
const exec = (re, s) => {
  re.lastIndex = 0;
  return call(regexExec, re, s);
};

const job = parseJson(readFileSync(4, 'utf8'));
// Test scripts get these; loaded (pristine) before the program runs.
const assertModule = job.kind === 'script' ? require('node:assert') : undefined;
const assertStrict = job.kind === 'script' ? require('node:assert/strict') : undefined;
closeSync(4);
const nonce = job.nonce;
job.nonce = undefined;
// A leading newline ends whatever partial line the program may have left on fd 5.
const emit = (o) => writeSync(5, '\n' + nonce + stringify(o) + '\n');
/** Event objects without a prototype: no inherited setter or toJSON can change what is written. */
const record = (fields) => {
  const o = objectCreate(null);
  const keys = reflectOwnKeys(fields);
  for (let i = 0; i < keys.length; i++) reflectDefine(o, keys[i], descriptor({ value: fields[keys[i]], enumerable: true, writable: true, configurable: true }));
  return o;
};
const exit = (code) => reallyExit(code);
Error.stackTraceLimit = 50;

const prefix = job.prefix || '';
const completion = job.completion || '';
const start = lineCount(prefix); // line of the completion's first character
const end = lineCount(prefix + completion);

function completionLine(file, line) {
  if (file !== 'completion.js') return undefined;
  return line >= start && line <= end ? line - start + 1 : undefined;
}

/** Reads a property of a program value; a throwing getter or Proxy trap gives `undefined`. */
function peek(v, key) {
  try {
    return v[key];
  } catch {
    return undefined;
  }
}

function text(v) {
  try {
    return SafeString(v);
  } catch {
    return '';
  }
}

const FRAME = /(completion\.js|tests\.js):(\d+)(?::\d+)?/g;
const MEMORY = /heap out of memory|Array buffer allocation failed|Invalid (typed )?array length/i;
const ALLOCATION = /allocation/i;
/** The names process.getActiveResourcesInfo gives handles (requests and timers are named otherwise). */
const HANDLE = /^(?:(?:Pipe|TCP|TTY|UDP|Process|Signal|FSEvent)Wrap|StatWatcher)$/;

/** A failure's status (never 'passed') and details. Program-supplied getters cannot make it pass. */
function report(e) {
  const isObj = e !== null && (typeof e === 'object' || typeof e === 'function');
  const name = isObj ? peek(e, 'name') : undefined;
  const etype = typeof name === 'string' ? name : typeof e;
  const message = isObj ? peek(e, 'message') : e;
  const said = isObj && message === undefined ? '' : text(message);
  const base = { etype: slice(etype, 0, 100), msg: slice(said ? `${etype}: ${said}` : etype, 0, 300) };
  const stackValue = isObj ? peek(e, 'stack') : undefined;
  const stack = typeof stackValue === 'string' ? stackValue : '';
  let line;
  FRAME.lastIndex = 0;
  for (let m = call(regexExec, FRAME, stack); m !== null; m = call(regexExec, FRAME, stack)) {
    const here = completionLine(m[1], SafeNumber(m[2]));
    if (here !== undefined) {
      line = here; // frames in the prompt's own code do not count
      break;
    }
  }
  // A plain object read by own properties only: no array destructuring (the program can replace
  // Array.prototype[Symbol.iterator] before this runs) and no assignment through inherited setters.
  if (exec(MEMORY, said) || (etype === 'RangeError' && exec(ALLOCATION, said))) return { s: 'memory_exceeded', ...base };
  if (line !== undefined) return { s: 'runtime_error', ...base, line };
  return { s: 'failed', ...base };
}

function syntax(e) {
  const stack = text(peek(e, 'stack') || e);
  const m = exec(/^completion\.js:(\d+)/, stack);
  const lineno = m ? SafeNumber(m[1]) : undefined;
  const msg = text(peek(e, 'message') || e);
  const line = lineno !== undefined ? completionLine('completion.js', lineno) : undefined;
  const atEnd = !!exec(/end of input|Unterminated|missing \) after/i, msg);
  emit(record({ k: 'syntax', etype: 'SyntaxError', msg: slice(`SyntaxError: ${msg}`, 0, 300), ...(line !== undefined ? { line } : {}), ...(atEnd ? { atEnd } : {}) }));
}

// Every uncaught exception ends the run as an error. The harness holds node's uncaught-exception
// capture callback, which runs before any 'uncaughtException' listener (a program removing or adding
// listeners changes nothing), and the program may not replace it: the setter is refused below (and
// `require('domain')`, which would take it over, refuses to load while it is held). js-runner.ts
// starts judged programs with --unhandled-rejections=strict, so an unhandled rejection is raised as an
// uncaught exception, here, before any 'unhandledRejection' listener of the program could swallow it.
// It reaches the nonce only through its closure, which nothing in the program can read (no
// inspector, no heap snapshot, strict-mode functions).
// While a test script's outcome is pending (script.t0 set, not yet written), the error is that test's.
const script = { t0: -1, written: false };
call(setCapture, process, (e) => {
  if (script.t0 >= 0 && !script.written) {
    script.written = true;
    emit(record({ k: 'test', i: 0, ...report(e), ms: now() - script.t0 }));
  } else emit(record({ k: 'error', ...report(e) }));
  try {
    writeSync(2, 'Uncaught ' + text(peek(e, 'stack') || e) + '\n');
  } catch {
    /* stderr closed by the program */
  }
  exit(1);
});

function inspect(v) {
  try {
    const r = utilInspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 200, customInspect: false, getters: false });
    return r.length > 200 ? slice(r, 0, 200) + '...' : r;
  } catch {
    return '<uninspectable>';
  }
}

function typeName(v) {
  if (v === null) return 'null';
  if (isArray(v)) return 'Array';
  if (typeof v === 'object') {
    const c = peek(v, 'constructor');
    const n = c ? peek(c, 'name') : undefined;
    return typeof n === 'string' && n ? slice(n, 0, 100) : 'Object';
  }
  return typeof v;
}

// ---- what the program may not load or call ----
const refused = (what) => () => {
  throw new SafeError(`${what} is not available in the Verdict sandbox`);
};
const BLOCKED = new SafeSet(['inspector', 'inspector/promises']);
const bareName = (id) => (typeof id === 'string' && slice(id, 0, 5) === 'node:' ? slice(id, 5) : id);
const isBlocked = (id) => call(setHas, BLOCKED, bareName(id));
const originalLoad = Module._load;
function load(request, parent, isMain) {
  if (isBlocked(request)) throw new SafeError(`the module '${text(request)}' is not available in the Verdict sandbox`);
  return call(originalLoad, this, request, parent, isMain);
}
// Module.prototype.require, createRequire's functions and `module.constructor._load` all end here.
reflectDefine(Module, '_load', { value: load, writable: false, configurable: false, enumerable: true });
if (typeof process.getBuiltinModule === 'function') {
  const getBuiltin = process.getBuiltinModule;
  process.getBuiltinModule = (id) => {
    if (isBlocked(id)) throw new SafeError(`the module '${text(id)}' is not available in the Verdict sandbox`);
    return getBuiltin(id);
  };
}
// Heap snapshots contain every string in the heap; the flags could enable natives syntax. ESM
// imports of node:v8 see these too (a builtin's ESM exports are taken from this object).
for (const f of ['getHeapSnapshot', 'writeHeapSnapshot', 'setHeapSnapshotNearHeapLimit', 'setFlagsFromString']) {
  if (f in v8) v8[f] = refused(`v8.${f}`);
}
freeze(v8);
// Denied by the permission model too; these give clearer errors.
for (const f of ['binding', '_linkedBinding', 'dlopen']) {
  reflectDefine(process, f, { value: refused(`process.${f}`), writable: false, configurable: false, enumerable: false });
}
reflectDefine(process, 'setUncaughtExceptionCaptureCallback', {
  value: refused('process.setUncaughtExceptionCaptureCallback'),
  writable: false,
  configurable: false,
  enumerable: true,
});
for (const f of ['reallyExit', '_rawDebug']) {
  const d = reflectDescriptor(process, f);
  if (d) reflectDefine(process, f, { ...d, writable: false, configurable: false });
}

// ---- built-ins the tests rely on: snapshot now, restore and freeze before the first test ----
// Everything after the program's top level avoids for-of, spread and destructuring of arrays and
// Maps until the built-ins are restored: those go through iterators the program can replace.
// The ECMAScript globals (what test scripts use); node's own globals (Buffer, URL, timers ...) stay
// the program's to change.
const ES_GLOBALS = [
  'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Boolean', 'String', 'Symbol', 'Date', 'Promise',
  'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError',
  'URIError', 'JSON', 'Math', 'Intl', 'ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array',
  'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array',
  'BigInt64Array', 'DataView', 'Map', 'BigInt', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect',
  'FinalizationRegistry', 'WeakRef', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
  'escape', 'unescape', 'isFinite', 'isNaN', 'SharedArrayBuffer', 'Atomics', 'structuredClone',
];
const roots = [];
const globalNames = [];
const globalDescs = [];
if (job.kind === 'script') {
  for (let i = 0; i < ES_GLOBALS.length; i++) {
    const k = ES_GLOBALS[i];
    const d = ownDesc(globalThis, k);
    if (d && 'value' in d && d.value !== null && (typeof d.value === 'object' || typeof d.value === 'function')) {
      globalNames[globalNames.length] = k;
      globalDescs[globalDescs.length] = d;
      roots[roots.length] = d.value;
    }
  }
}
// Call jobs need none of this: the harness compares with util.isDeepStrictEqual, which (like all of
// node's internals) uses primordials captured at start-up, and everything else it calls is bound.
const hidden = job.kind !== 'script' ? [] : [
  reflectGetProto(function* () {}),
  reflectGetProto(async function () {}),
  reflectGetProto(async function* () {}),
  reflectGetProto([][Symbol.iterator]()),
  reflectGetProto(new Map()[Symbol.iterator]()),
  reflectGetProto(new Set()[Symbol.iterator]()),
  reflectGetProto(''[Symbol.iterator]()),
  reflectGetProto(/a/[Symbol.matchAll]('')),
  reflectGetProto(Uint8Array),
  assertModule,
  assertStrict,
  vm,
];
for (let i = 0; i < hidden.length; i++) roots[roots.length] = hidden[i];
/** Every object reachable from the roots through prototypes, data values and accessors. Runs before
 *  the program, so it may call methods directly (cheaper than going through `call`). */
const seen = new SafeSet();
const objects = [];
const snaps = [];
const snapOf = new SafeMap(); // object -> its snapshot
/** Snapshots o's own properties; returns the snapshot, or undefined if o was seen already. */
function snapshotOwn(o) {
  if (seen.has(o)) return undefined;
  seen.add(o);
  const keys = reflectOwnKeys(o);
  const descs = [];
  for (let i = 0; i < keys.length; i++) descs[i] = reflectDescriptor(o, keys[i]);
  const snap = { proto: reflectGetProto(o), keys, descs };
  objects[objects.length] = o;
  snaps[snaps.length] = snap;
  snapOf.set(o, snap);
  return snap;
}
function visit(o) {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function') || o === globalThis || o === process) return;
  const snap = snapshotOwn(o);
  if (snap === undefined) return;
  visit(snap.proto);
  for (let i = 0; i < snap.keys.length; i++) {
    const d = snap.descs[i];
    if ('value' in d) visit(d.value);
    else {
      visit(d.get);
      visit(d.set);
    }
  }
}
/** Only the object's own properties (util's ~200 functions need not each be walked and frozen). */
const visitShallow = snapshotOwn;
if (job.kind === 'script') {
  for (let i = 0; i < roots.length; i++) visit(roots[i]);
  visitShallow(util);
}

// The snapshot keeps the descriptors as Reflect returns them (giving each a null prototype cost more
// than the rest of the snapshot): after the program ran, a descriptor is only ever read through its
// own properties (a data descriptor always has own value/writable, an accessor own get/set, both
// own enumerable/configurable), and passed to defineProperty only as a null-prototype copy.
const isData = (d) => hasOwn(d, 'value');
const restorable = (d) => descriptor(d);
const sameDescriptor = (a, b) =>
  a.enumerable === b.enumerable &&
  a.configurable === b.configurable &&
  (isData(a)
    ? isData(b) && objectIs(a.value, b.value) && a.writable === b.writable
    : !isData(b) && a.get === b.get && a.set === b.set);
const INDEX = /^(0|[1-9]\d*)$/;
const HARMFUL_NAMES = new SafeSet(['toJSON', 'then', 'prepareStackTrace']);
/** Added properties that change how standard operations treat other objects: symbols (iteration,
 *  conversion, instanceof ...), toJSON, then, prepareStackTrace, array indices, and (inheritedName)
 *  any name the object inherits from a built-in prototype. Helpers with new names (methods or
 *  getters) are kept: a program may use them in the function under test. */
const harmful = (k) => typeof k !== 'string' || call(setHas, HARMFUL_NAMES, k) || !!exec(INDEX, k);
/** Whether k was on the prototype chain that starts at proto, as the snapshot saw it: an own property
 *  added under such a name shadows built-in behaviour (Array.prototype.slice.call = ...), which a test
 *  calling a built-in through .call or .apply would run. Read from the snapshot: no live lookups. */
function inheritedName(proto, k) {
  for (let p = proto, n = 0; p !== null && p !== undefined && n < 64; n++) {
    const s = call(mapGet, snapOf, p);
    if (s === undefined) return false;
    const keys = s.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === k) return true;
    p = s.proto;
  }
  return false;
}
// Names whose inherited, frozen data property would make `obj.name = x` fail (the "override
// mistake"): they become accessors whose setter gives the receiver an own property instead.
// ('constructor' stays a data property: util.inspect names objects by it.)
// A null-prototype lookup table: one property read per key, and nothing the program can reach.
const OVERRIDABLE = create(null);
for (const k of ['toString', 'toLocaleString', 'valueOf', 'name', 'message', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable']) OVERRIDABLE[k] = true;
const keyText = (k) => (typeof k === 'symbol' ? 'a symbol-keyed property' : k);

/** Restores one object's own properties from its snapshot; reports what could not be restored. */
function restoreObject(o, snap, bad) {
  if (reflectGetProto(o) !== snap.proto && !reflectSetProto(o, snap.proto)) bad('a prototype');
  const keys = reflectOwnKeys(o);
  const want = snap.keys;
  if (keys.length === want.length) {
    // The usual case: nothing added or removed; compare in order.
    let same = true;
    for (let i = 0; i < keys.length && same; i++) same = keys[i] === want[i];
    if (same) {
      for (let i = 0; i < keys.length; i++) {
        if (!sameDescriptor(reflectDescriptor(o, keys[i]), snap.descs[i]) && !reflectDefine(o, keys[i], restorable(snap.descs[i]))) bad(keyText(keys[i]));
      }
      return;
    }
  }
  const byKey = new SafeMap();
  for (let i = 0; i < want.length; i++) call(mapSet, byKey, want[i], snap.descs[i]);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const cur = reflectDescriptor(o, k);
    const d = call(mapGet, byKey, k);
    if (d === undefined) {
      if ((harmful(k) || inheritedName(snap.proto, k)) && !reflectDelete(o, k)) bad(keyText(k));
    } else if (!sameDescriptor(cur, d) && !reflectDefine(o, k, restorable(d))) bad(keyText(k));
  }
  for (let i = 0; i < want.length; i++) {
    if (reflectDescriptor(o, want[i]) === undefined && !reflectDefine(o, want[i], restorable(snap.descs[i]))) bad(keyText(want[i]));
  }
}

/** Turns the OVERRIDABLE data properties of a built-in into accessors, then freezes it. */
function freezeObject(o, snap) {
  const keys = snap.keys;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (typeof k !== 'string' || OVERRIDABLE[k] !== true) continue;
    const d = snap.descs[i];
    if (!isData(d) || !d.writable || !d.configurable) continue;
    const value = d.value;
    reflectDefine(o, k, descriptor({
      get() {
        return value;
      },
      set(v) {
        if (this === o) throw new TypeError(`Cannot assign to read only property '${k}' of a built-in`);
        reflectDefine(this, k, descriptor({ value: v, writable: true, enumerable: true, configurable: true }));
      },
      enumerable: d.enumerable,
      configurable: false,
    }));
  }
  freeze(o);
}

/** Undo the program's changes to the built-ins, then freeze them. Returns what could not be undone. */
function restoreAndFreeze() {
  const broken = [];
  const bad = (what) => (broken[broken.length] = what);
  for (let g = 0; g < globalNames.length; g++) {
    const k = globalNames[g];
    const d = globalDescs[g];
    // The tests read these names from the global object: the program may not rebind them now.
    if (!reflectDefine(globalThis, k, descriptor({ value: d.value, writable: false, configurable: false, enumerable: d.enumerable }))) bad(`globalThis.${k}`);
  }
  for (let j = 0; j < objects.length; j++) restoreObject(objects[j], snaps[j], bad);
  for (let j = 0; j < objects.length; j++) freezeObject(objects[j], snaps[j]);
  return broken;
}

/** The `require` and `console` the tests get: not the program's, which it can replace or fake
 *  (require.cache entries, Module._resolveFilename), nor the global console (whose stream it can
 *  silence). The assert and util modules are the ones restored and frozen above. */
const TEST_MODULES = new SafeMap([
  ['assert', assertModule],
  ['node:assert', assertModule],
  ['assert/strict', assertStrict],
  ['node:assert/strict', assertStrict],
  ['util', util],
  ['node:util', util],
]);
const fallbackRequire = Module.createRequire(process.cwd() + '/tests.js');
const testRequire = (id) => (call(mapHas, TEST_MODULES, id) ? call(mapGet, TEST_MODULES, id) : fallbackRequire(id));
function makeTestConsole(failures) {
  const out = (fd) => (...args) => {
    try {
      writeSync(fd, utilFormat(...args) + '\n');
    } catch {
      /* closed by the program */
    }
  };
  const c = objectCreate(null);
  c.log = c.info = c.debug = out(1);
  c.error = c.warn = c.trace = out(2);
  c.assert = (cond, ...args) => {
    if (cond) return;
    const msg = args.length ? 'Assertion failed: ' + utilFormat(...args) : 'Assertion failed';
    failures[failures.length] = msg;
    out(2)(msg);
  };
  return freeze(c);
}

function setGlobals(filename) {
  // Not writable, not configurable: the program cannot replace it, nor shadow it with a global
  // let/const (a SyntaxError).
  reflectDefine(globalThis, 'require', { value: require, writable: false, configurable: false, enumerable: false });
  const mod = { exports: {} };
  globalThis.module = mod;
  globalThis.exports = mod.exports;
  globalThis.__filename = filename;
  globalThis.__dirname = process.cwd();
}

// ---- the prompt's own helpers (continue mode) ----
// A prompt may define helpers the tests call (`function poly(xs, x) {...}` before the function to
// complete). A completion can declare `function poly` again after closing its function, or assign
// `poly = ...`, and the tests would call the program's version. The prompt is trusted: its top-level
// declarations are evaluated on their own, before the program runs, in a function of their own (the
// prompt closed with one brace; its last, open function gets an empty body and is left out: only
// functions whose source text lies wholly in the prompt count). If the program's binding of any of
// them is not a function with the very same source text, the tests get all the prompt's originals as
// parameters, as for shadowed globals. Their global bindings are made read-only before the tests, so
// the function under test cannot swap them either. A completion repeating a helper unchanged keeps it.
const HELPER = /^(?:async[ \t]+)?function[ \t]*\*?[ \t]*([A-Za-z_$][\w$]*)[ \t]*\(|^(?:const|let|var)[ \t]+([A-Za-z_$][\w$]*)[ \t]*=/gm;
const NOT_HELPERS = new SafeSet(['require', 'console', 'module', 'exports', '__filename', '__dirname']);
for (let i = 0; i < ES_GLOBALS.length; i++) NOT_HELPERS.add(ES_GLOBALS[i]);
function promptHelpers() {
  const names = [];
  const fns = [];
  const texts = [];
  if (job.kind !== 'script' || !prefix || !HELPER.test(prefix)) return { names, fns, texts };
  const found = new SafeSet();
  HELPER.lastIndex = 0;
  for (let m = HELPER.exec(prefix); m !== null; m = HELPER.exec(prefix)) {
    const n = m[1] || m[2];
    if (!found.has(n) && !NOT_HELPERS.has(n)) {
      found.add(n);
      names[names.length] = n;
    }
  }
  if (!names.length) return { names, fns, texts };
  let values;
  try {
    const pick = names.map((n) => `typeof ${n} === 'function' ? ${n} : undefined`).join(', ');
    values = compileFunction(prefix + '\n}\nreturn [' + pick + '];', [], { filename: 'prompt.js' })();
  } catch {
    return { names: [], fns, texts }; // a prompt that one brace does not close: nothing to protect
  }
  const kept = [];
  for (let i = 0; i < names.length; i++) {
    const f = values[i];
    if (typeof f !== 'function') continue;
    const src = call(funcToString, f);
    if (prefix.indexOf(src) < 0) continue; // the open function (its body is the completion)
    kept[kept.length] = names[i];
    fns[fns.length] = f;
    texts[texts.length] = src;
  }
  return { names: kept, fns, texts };
}

if (job.kind === 'run') {
  // `verdict run` and stdio tests: the program as the main CommonJS module (no proof involved).
  const path = process.cwd() + '/main.js';
  writeFileSync(path, job.code);
  try {
    compileFunction(job.code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: 'main.js' });
  } catch (e) {
    if (e instanceof SyntaxError || (e && e.name === 'SyntaxError')) {
      emit(record({ k: 'syntax', etype: 'SyntaxError', msg: slice(`SyntaxError: ${e.message}`, 0, 300) }));
      writeSync(2, SafeString(e.stack || e) + '\n');
      exit(1);
    }
    throw e;
  }
  process.argv[1] = path;
  load(path, null, true);
} else {
  const helpers = promptHelpers();
  let code;
  try {
    code = new VmScript(prefix + completion, { filename: 'completion.js' });
  } catch (e) {
    syntax(e);
    exit(1);
  }
  setGlobals('completion.js');
  let ok = true;
  try {
    call(scriptRun, code);
  } catch (e) {
    emit(record({ k: 'error', ...report(e) }));
    ok = false;
  }
  // The function under test, looked up before the restore (a program may name it like a global).
  let fn;
  if (ok && job.kind === 'call') {
    if (!exec(/^[A-Za-z_$][\w$]*$/, job.fn)) throw new SafeError('bad function name');
    fn = vmRun(`typeof ${job.fn} !== 'undefined' ? ${job.fn} : undefined`);
  }
  if (ok && job.kind === 'script') {
    const broken = restoreAndFreeze();
    if (broken.length) {
      emit(record({ k: 'error', s: 'failed', etype: 'Tampering', msg: slice(`the program changed built-ins beyond repair: ${broken.join(', ')}`, 0, 300) }));
      ok = false;
    }
  }
  let waiting = false; // a script job whose outcome waits for the event loop to run dry
  if (ok && job.kind === 'script') {
    const t0 = now();
    const failures = [];
    let ev;
    try {
      // A global let/const/class of the program's may shadow a standard global (`const JSON = ...`):
      // the tests get the original as a parameter of their function instead.
      const params = ['require', 'console'];
      const args = [testRequire, makeTestConsole(failures)];
      let seenByTests;
      try {
        seenByTests = vmRun('[' + globalNames.join(',') + ']');
      } catch {
        seenByTests = [];
      }
      for (let g = 0; g < globalNames.length; g++) {
        if (!isArray(seenByTests) || seenByTests[g] !== globalDescs[g].value) {
          params[params.length] = globalNames[g];
          args[args.length] = globalDescs[g].value;
        }
      }
      // The prompt's helpers (see promptHelpers): read-only from now on; the originals for the tests
      // if the program redefined any of them.
      let helperChanged = false;
      for (let h = 0; h < helpers.names.length; h++) {
        const n = helpers.names[h];
        const d = ownDesc(globalThis, n);
        if (d !== undefined && isData(d) && d.writable) {
          reflectDefine(globalThis, n, descriptor({ value: d.value, writable: false, enumerable: d.enumerable, configurable: d.configurable }));
        }
        let cur;
        try {
          cur = vmRun(`typeof ${n} !== 'undefined' ? ${n} : undefined`);
        } catch {
          cur = undefined;
        }
        let src;
        try {
          src = typeof cur === 'function' ? call(funcToString, cur) : undefined;
        } catch {
          src = undefined;
        }
        if (src !== helpers.texts[h]) helperChanged = true;
      }
      if (helperChanged) {
        for (let h = 0; h < helpers.names.length; h++) {
          params[params.length] = helpers.names[h];
          args[args.length] = helpers.fns[h];
        }
      }
      // Strict, so that the function under test cannot walk up to the test code (`f.caller` is null
      // for strict callers) and read the expected values from its source. Same line numbers; test
      // code that only compiles in sloppy mode (octal literals, `with`) is run as it is.
      let tests;
      try {
        tests = compileFunction('"use strict"; ' + job.test, params, { filename: 'tests.js' });
      } catch {
        tests = compileFunction(job.test, params, { filename: 'tests.js' });
      }
      // Promises created from here on: one still pending when the loop has run dry is an await in
      // the tests that never came back (a function under test returning a promise that never settles).
      const pending = new SafeSet();
      const stopInit = call(onPromiseInit, promiseHooks, (p) => call(setAdd, pending, p));
      const stopSettled = call(onPromiseSettled, promiseHooks, (p) => call(setDelete, pending, p));
      reflectApply(tests, globalThis, args);
      // The test script returned. Assertions may still run later (promises, timers): the outcome is
      // written only once the event loop has nothing left to do, with no error seen (an error or
      // unhandled rejection ends the run through the capture callback above, and no outcome or proof
      // is written then).
      waiting = true;
      script.t0 = t0;
      let scheduled = false;
      const probe = () => {
        scheduled = false;
        if (script.written) return;
        // Runs as an immediate, after every queued microtask. Anything still scheduled (timers, other
        // immediates, I/O requests; this immediate counts itself) means not yet: the next
        // 'beforeExit' probes again. Handles (stdio pipes, sockets, children) are not counted: at a
        // real 'beforeExit' the loop has none active, and the program may fake that event.
        const res = call(activeResources, process);
        let immediates = 0;
        for (let i = 0; i < res.length; i++) {
          const r = res[i];
          if (r === 'Immediate') immediates++;
          else if (r === 'Timeout' || !exec(HANDLE, r)) return;
        }
        if (immediates > 1) return;
        script.written = true;
        stopInit();
        stopSettled();
        const out = failures.length
          ? { k: 'test', i: 0, s: 'failed', etype: 'AssertionError', msg: slice(failures[0], 0, 300) }
          : pending.size
            ? { k: 'test', i: 0, s: 'failed', etype: 'Unfinished', msg: 'the tests were still waiting on a promise when the program had nothing left to run' }
            : { k: 'test', i: 0, s: 'passed' };
        emit(record({ ...out, ms: now() - t0 }));
        emit(record({ k: 'done' }));
      };
      const schedule = () => {
        if (script.written || scheduled) return;
        scheduled = true;
        safeImmediate(probe);
      };
      call(processOn, process, 'beforeExit', schedule);
      schedule();
    } catch (e) {
      ev = { k: 'test', i: 0, ...report(e) };
      emit(record({ ...ev, ms: now() - t0 }));
    }
  } else if (ok && job.kind === 'call') {
    const cases = job.cases;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const t0 = now();
      let ev;
      try {
        if (typeof fn !== 'function') throw new SafeError(`function ${job.fn} is not defined`);
        // Own properties only: a case whose expected value is `undefined` has no `expected` key after
        // JSON, and the program may have put one on Object.prototype.
        const r = reflectApply(fn, undefined, clone(hasOwn(c, 'args') ? c.args : []));
        const exp = hasOwn(c, 'expected') ? c.expected : undefined;
        // util's comparison uses node's own primordials, not the (frozen) globals.
        const same = isDeepStrictEqual(r, exp) || (isArray(exp) && exp.length === 1 && isDeepStrictEqual(r, exp[0]));
        const repr = inspect(r);
        const ret = record({ type: typeName(r), repr });
        ev = same
          ? { k: 'test', i, s: 'passed', ret }
          : { k: 'test', i, s: 'failed', ret, msg: `expected ${slice(inspect(exp), 0, 100)}, got ${slice(repr, 0, 100)}` };
      } catch (e) {
        ev = { k: 'test', i, ...report(e) };
      }
      emit(record({ ...ev, ms: now() - t0 }));
    }
  } else if (ok && job.kind !== 'script') {
    throw new SafeError('unknown job kind ' + job.kind);
  }
  if (ok && !waiting) emit(record({ k: 'done' }));
}
