'use strict';
// Verdict's JavaScript harness: runs inside the sandbox, one fresh node process per program.
// fd 4: the job (JSON, read once and closed); fd 5: results (JSON lines). The completion proof (a
// per-job nonce) lives only in this module's scope, which the program's code cannot reach.
const fs = require('node:fs');
const vm = require('node:vm');
const util = require('node:util');

const job = JSON.parse(fs.readFileSync(4, 'utf8'));
fs.closeSync(4);
const nonce = job.nonce;
delete job.nonce;
const write = fs.writeSync;
const stringify = JSON.stringify;
const emit = (o) => write(5, stringify(o) + '\n');
Error.stackTraceLimit = 50;

const prefix = job.prefix || '';
const completion = job.completion || '';
const start = prefix.split('\n').length; // line of the completion's first character
const end = (prefix + completion).split('\n').length;

function completionLine(file, line) {
  if (file !== 'completion.js') return undefined;
  return line >= start && line <= end ? line - start + 1 : undefined;
}

function report(e) {
  const etype = e && typeof e === 'object' && typeof e.name === 'string' ? e.name : typeof e;
  let text = '';
  try {
    text = e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e);
  } catch {
    text = '';
  }
  const info = { etype, msg: (text ? `${etype}: ${text}` : etype).slice(0, 300) };
  let stack = '';
  try {
    stack = e && typeof e.stack === 'string' ? e.stack : '';
  } catch {
    stack = '';
  }
  let inProgram = false;
  let line;
  for (const m of stack.matchAll(/(completion\.js|tests\.js):(\d+)(?::\d+)?/g)) {
    const here = completionLine(m[1], Number(m[2]));
    if (here !== undefined) {
      inProgram = true; // frames in the prompt's own code do not count
      if (line === undefined) line = here;
    }
  }
  if (/heap out of memory|Array buffer allocation failed|Invalid (typed )?array length/i.test(text) || etype === 'RangeError' && /allocation/i.test(text)) {
    return ['memory_exceeded', info];
  }
  if (inProgram) {
    if (line !== undefined) info.line = line;
    return ['runtime_error', info];
  }
  return ['failed', info];
}

function syntax(e, file) {
  const stack = String((e && e.stack) || '');
  const m = new RegExp('^' + file.replace('.', '\\.') + ':(\\d+)').exec(stack);
  const lineno = m ? Number(m[1]) : undefined;
  const msg = String((e && e.message) || e);
  const ev = { k: 'syntax', etype: 'SyntaxError', msg: `SyntaxError: ${msg}`.slice(0, 300) };
  const line = lineno !== undefined ? completionLine('completion.js', lineno) : undefined;
  if (line !== undefined) ev.line = line;
  if (/end of input|Unterminated|missing \) after/i.test(msg)) ev.atEnd = true;
  emit(ev);
}

process.on('uncaughtException', (e) => {
  const [s, info] = report(e);
  emit({ k: 'error', s, ...info });
  try {
    write(2, 'Uncaught ' + String((e && e.stack) || e) + '\n');
  } catch {
    /* stderr closed by the program */
  }
  process.exit(1);
});

function inspect(v) {
  const r = util.inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 200 });
  return r.length > 200 ? r.slice(0, 200) + '...' : r;
}

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'object') return (v.constructor && v.constructor.name) || 'Object';
  return typeof v;
}

function setGlobals(filename) {
  globalThis.require = require;
  globalThis.module = { exports: {} };
  globalThis.exports = globalThis.module.exports;
  globalThis.__filename = filename;
  globalThis.__dirname = process.cwd();
}

if (job.kind === 'run') {
  // `verdict run` and stdio tests: the program as the main CommonJS module.
  const path = process.cwd() + '/main.js';
  fs.writeFileSync(path, job.code);
  try {
    vm.compileFunction(job.code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: 'main.js' });
  } catch (e) {
    if (e instanceof SyntaxError || (e && e.name === 'SyntaxError')) {
      emit({ k: 'syntax', etype: 'SyntaxError', msg: `SyntaxError: ${e.message}`.slice(0, 300) });
      write(2, String(e.stack || e) + '\n');
      process.exit(1);
    }
    throw e;
  }
  process.argv[1] = path;
  require('node:module')._load(path, null, true);
} else {
  let code;
  try {
    code = new vm.Script(prefix + completion, { filename: 'completion.js' });
  } catch (e) {
    syntax(e, 'completion.js');
    process.exit(1);
  }
  setGlobals('completion.js');
  let ok = true;
  try {
    code.runInThisContext();
  } catch (e) {
    const [s, info] = report(e);
    emit({ k: 'error', s, ...info });
    ok = false;
  }
  if (ok && job.kind === 'script') {
    const t0 = performance.now();
    const ev = { k: 'test', i: 0 };
    try {
      const tests = new vm.Script(job.test, { filename: 'tests.js' });
      tests.runInThisContext();
      ev.s = 'passed';
    } catch (e) {
      const [s, info] = report(e);
      Object.assign(ev, { s }, info);
    }
    ev.ms = performance.now() - t0;
    emit(ev);
  } else if (ok && job.kind === 'call') {
    if (!/^[A-Za-z_$][\w$]*$/.test(job.fn)) throw new Error('bad function name');
    const fn = vm.runInThisContext(`typeof ${job.fn} !== 'undefined' ? ${job.fn} : undefined`);
    job.cases.forEach((c, i) => {
      const t0 = performance.now();
      const ev = { k: 'test', i };
      try {
        if (typeof fn !== 'function') throw new Error(`function ${job.fn} is not defined`);
        const r = fn(...structuredClone(c.args));
        ev.ret = { type: typeName(r), repr: inspect(r) };
        const exp = c.expected;
        const same =
          util.isDeepStrictEqual(r, exp) ||
          (Array.isArray(exp) && exp.length === 1 && util.isDeepStrictEqual(r, exp[0]));
        if (same) ev.s = 'passed';
        else Object.assign(ev, { s: 'failed', msg: `expected ${inspect(exp).slice(0, 100)}, got ${ev.ret.repr.slice(0, 100)}` });
      } catch (e) {
        const [s, info] = report(e);
        Object.assign(ev, { s }, info);
      }
      ev.ms = performance.now() - t0;
      emit(ev);
    });
  } else if (ok && job.kind !== 'script') {
    throw new Error('unknown job kind ' + job.kind);
  }
  if (ok) emit({ k: 'done', nonce });
}
