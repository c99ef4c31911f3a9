"""Verdict's warm Python worker. Runs as pid 1 inside the sandbox (see launcher.c).

Protocol: one JSON job per line on stdin, one JSON result per line on stdout, in order.
For each job it forks one child with its own rlimits, a fresh work folder, stdout/stderr captured in
unlinked files and a results file for the harness. The child runs the program (and, when judging,
the tests) and writes a completion proof after the last test. When the child ends (or is killed at
the wall limit) every other process in the namespace is killed too, and /tmp is wiped, so nothing a
program starts or leaves survives into the next one.

The program runs in the same interpreter as the harness that judges it, so the harness protects itself
(see "Keeping the harness out of the program's reach" in docs/exec.md):
- every line the harness writes to fd 3 starts with a per-job nonce; the supervisor keeps only those
  lines, so a program writing to fd 3 forges nothing;
- nothing the program can reach leads to the harness: the harness module is not in sys.modules while
  the program runs, it defines no class with Python methods (a class is reachable through
  object.__subclasses__(), and a method's __globals__ would lead to every harness function), and an
  audit hook, armed just before the program starts, refuses the only ways to the harness's frames and
  objects (sys._getframe, tracebacks' and generators' frames, gc's object lists, ctypes, settrace,
  code objects built by hand); the C supervisor's seccomp filter refuses signal handlers, which would
  receive a frame;
- after the program ran, the harness uses only what it bound before (builtins, its own JSON encoder
  over C functions), and the modules the tests import are restored if the program changed them.
"""
import _json, _signal, _thread, ast, builtins, copy, ctypes, errno, gc, io, json, math, os, resource, select, signal, stat, sys, threading, time, traceback, types

PLAIN_SCALARS = (int, float, bool, str, bytes, type(None), complex)
PLAIN_CONTAINERS = (list, tuple, dict, set, frozenset)
import collections
# Modules programs commonly import, loaded once here so no child pays for importing them.
import bisect, functools, hashlib, heapq, itertools, operator, random, re, string, typing  # noqa: E401,F401

TRUSTED = PLAIN_SCALARS + PLAIN_CONTAINERS + (object, collections.OrderedDict, collections.defaultdict,
                                             collections.Counter, collections.deque)
# By identity: `tp in {...}` would hash and compare tp, and a metaclass can make a class equal int.
TRUSTED_IDS = frozenset(id(t) for t in TRUSTED)
# A type's own slots, read without consulting its metaclass (which could define __mro__ or __name__).
type_mro = type.__dict__['__mro__'].__get__
type_dict = type.__dict__['__dict__'].__get__
type_name = type.__dict__['__name__'].__get__
# The special names a returned object's own classes may define: anything else (comparisons, arithmetic,
# conversions such as __str__ or __float__, __iter__, __getattr__, __class__, __del__ ...) is a way
# for the object to make a test's check lie, so such an object is refused. (An allowlist: whatever
# special method a test might invoke is covered without naming it.)
HARMLESS_DUNDERS = frozenset({
    '__module__', '__qualname__', '__doc__', '__dict__', '__weakref__', '__slots__', '__annotations__',
    '__init__', '__new__', '__post_init__', '__init_subclass__', '__class_getitem__', '__set_name__',
    '__match_args__', '__dataclass_fields__', '__dataclass_params__', '__orig_bases__', '__parameters__',
    '__firstlineno__', '__static_attributes__', '__abstractmethods__', '__getnewargs__', '__getstate__',
    '__setstate__', '__reduce__', '__reduce_ex__', '__repr__',
})


BUILTINS_SNAPSHOT = dict(builtins.__dict__)


def _version_tag_view(d):
    """A ctypes view of dict d's version tag (PEP 509: CPython 3.11-3.13 bump it on every change of
    the dict), or None where that cannot be relied on (the full comparison is used then)."""
    if sys.implementation.name != 'cpython' or not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return None
    try:
        offset = 2 * ctypes.sizeof(ctypes.c_void_p) + ctypes.sizeof(ctypes.c_ssize_t)  # ob_refcnt, ob_type, ma_used
        probe = {}
        tag = ctypes.c_uint64.from_address(id(probe) + offset)
        seen = [tag.value]
        probe['x'] = 1
        seen.append(tag.value)
        probe['x'] = 2
        seen.append(tag.value)
        probe.update(y=3)
        seen.append(tag.value)
        del probe['x']
        seen.append(tag.value)
        if len(set(seen)) != len(seen):
            return None
        return ctypes.c_uint64.from_address(id(d) + offset)
    except Exception:
        return None


BUILTINS_TAG = _version_tag_view(builtins.__dict__)
BUILTINS_SEEN = [BUILTINS_TAG.value if BUILTINS_TAG is not None else None]


FunctionType = types.FunctionType
# Modules the tests import, guarded like builtins (a program must not make math.fabs return 0):
# name -> (the module's dict, a copy taken in the server, a view of the dict's version tag, [last tag]).
MODULE_GUARDS = {}
GUARDS = []  # the same, as a list, for restore_modules
MODULE_OBJECTS = {}  # name -> the module itself: sys.modules['math'] = fake must not reach the tests
SYS_MODULES = sys.modules  # the dict the import system uses, whatever sys.modules is rebound to


def guard_modules(names):
    """Guard the standard-library modules named (imported in the server if not yet: they are the tests'
    imports, and a child then need not import them either)."""
    for name in names:
        if name in MODULE_GUARDS or name in ('sys', 'builtins', '__main__') or \
                name.split('.')[0] not in sys.stdlib_module_names:  # sys: too much of it is meant to change
            continue
        try:
            __import__(name)
            d = sys.modules[name].__dict__
        except Exception:
            continue
        view = _version_tag_view(d)
        guard = (d, dict(d), view, [view.value if view is not None else None])
        MODULE_GUARDS[name] = guard
        GUARDS.append(guard)
        MODULE_OBJECTS[name] = sys.modules[name]


# What a restore replaced or removed stays referenced here until the child exits: dropping the
# program's object could run its __del__, which would put it (or another) back mid-restore.
GRAVEYARD = []


def restore_dict(d, snap, strict):
    """Put snap's values back into d, comparing by identity (never the program's __eq__); with strict,
    also remove keys snap lacks. Whatever is replaced goes to the graveyard. True if d was changed."""
    changed = False
    if strict:
        extra = [k for k in dict.keys(d) if type(k) is not str or k not in snap]
        if extra:
            GRAVEYARD.append([(k, dict.get(d, k)) for k in extra])
            for k in extra:
                dict.pop(d, k, None)
            changed = True
    for k, v in dict.items(snap):
        old = dict.get(d, k, d)
        if old is not v:
            GRAVEYARD.append(old)
            d[k] = v
            changed = True
    return changed


def restore_modules():
    """Undo changes the program made to a guarded module's existing names (new names stay), and put
    guarded modules back in sys.modules. True if anything was changed."""
    changed = False
    if SYS_MODULES_TAG is None or SYS_MODULES_TAG.value != SYS_MODULES_SEEN[0]:  # sys.modules changed
        for name, mod in MODULE_OBJECTS.items():
            old = SYS_MODULES.get(name)
            if old is not mod:
                GRAVEYARD.append(old)
                SYS_MODULES[name] = mod
                changed = True
        if SYS_MODULES_TAG is not None:
            SYS_MODULES_SEEN[0] = SYS_MODULES_TAG.value
    for d, snap, view, seen in GUARDS:
        if view is not None and view.value == seen[0]:
            continue
        changed = restore_dict(d, snap, False) or changed
        if view is not None:
            seen[0] = view.value
    return changed


SYS_MODULES_TAG = _version_tag_view(SYS_MODULES)
SYS_MODULES_SEEN = [None]  # set when the server's modules are final (main), so children skip the walk
thread_count = getattr(_thread, '_count', None) or (lambda: threading.active_count() - 1)
gc_disable, gc_enable, gc_isenabled = gc.disable, gc.enable, gc.isenabled


def settle():
    """Before the harness or the tests go on after program code ran: wait until every thread the
    program started has ended (one still running could change a module between the restore below and
    the test that reads it; one that never ends is a timeout), turn gc off (a finalizer of the
    program's garbage must not run in the middle of a test), then undo the program's changes to the
    builtins and to the modules the tests import, until nothing changes any more."""
    while thread_count():
        sleep(0.0005)
    gc_disable()
    for _ in range(100):
        if not (restore_builtins() | restore_modules()):
            return
    raise RuntimeError('the program keeps changing the builtins while they are restored')


BUILTINS_DICT = builtins.__dict__


def restore_builtins():
    """Undo any change the program made to the builtins module (e.g. a lying abs or isinstance).
    When the dict's version tag is unchanged nothing was changed: comparing the whole dict would
    touch (copy-on-write) every builtin object's page, ~70 page faults in each child."""
    if BUILTINS_TAG is not None and BUILTINS_TAG.value == BUILTINS_SEEN[0]:
        return False
    changed = restore_dict(BUILTINS_DICT, BUILTINS_SNAPSHOT, True)
    if BUILTINS_TAG is not None:
        BUILTINS_SEEN[0] = BUILTINS_TAG.value
    return changed


def tests_view(g, entry=None, binds=None):
    """The globals the tests run in: the program's names, minus any that shadow a builtin (a
    program-level `abs` or `isinstance` must not fool the tests), except the function under test
    itself (MBPP 126 tests a function named `sum`); names the tests' own imports bind are the real
    modules and functions (MBPP's test imports run as part of the program, which could rebind them)."""
    tg = {}
    for k, v in dict.items(g):
        if type(k) is str and (k not in BUILTINS_SNAPSHOT or k == entry or k[:2] == '__'):
            tg[k] = v
    tg['__builtins__'] = builtins  # not the program's own __builtins__
    if binds:
        tg.update(binds)
    return tg


class Rejected(Exception):
    """A returned value we refuse to compare (its type defines its own comparison)."""


# Trusted classes written in Python (the others are C types, whose attributes cannot be set): trusted
# only while their class dict is what it was (Counter.__eq__ = lambda *a: True is one line).
PYTHON_TRUSTED = {id(t): (t, dict(type_dict(t))) for t in TRUSTED if t.__flags__ & (1 << 9)}  # Py_TPFLAGS_HEAPTYPE
CONTAINERS = (list, tuple, set, frozenset, collections.deque)
Counter, OrderedDict, defaultdict = collections.Counter, collections.OrderedDict, collections.defaultdict
# Every attribute name of the trusted types: a program class that redefines one (str.lower, list.count)
# makes a method call on the returned value lie, as a redefined __eq__ would.
TRUSTED_NAMES = frozenset(n for t in TRUSTED for n in dir(t) if not (n[:2] == '__' and n[-2:] == '__'))


object_getattribute = object.__getattribute__


def instance_dict(v):
    try:
        return object_getattribute(v, '__dict__')
    except AttributeError:
        return None


def python_trusted_intact(k):
    entry = PYTHON_TRUSTED.get(id(k))
    if entry is None:
        return True
    d, snap = type_dict(k), entry[1]
    if len(d) != len(snap):
        return False
    for name, v in dict.items(snap):
        if d.get(name, d) is not v:
            return False
    return True


def untrusted_type(v, depth=0, budget=None):
    """Name of a type inside v whose class overrides comparison-like methods, or None. A value too
    big or too deep to check all through is untrusted too."""
    if budget is None:
        budget = [1000000]
    budget[0] -= 1
    if budget[0] < 0 or depth > 100:
        return 'a value too big or too deeply nested to check'
    tp = type(v)
    if id(tp) not in TRUSTED_IDS or not python_trusted_intact(tp):
        for k in type_mro(tp):
            if id(k) in TRUSTED_IDS:
                if not python_trusted_intact(k):
                    return type_name(tp) + ' (its class was changed)'
                continue
            d = type_dict(k)
            for n in d:
                if type(n) is not str:
                    return type_name(tp)
                if n[:2] == '__' and n[-2:] == '__' and n not in HARMLESS_DUNDERS:
                    if n == '__hash__' and d[n] is None:
                        continue  # unhashable: harmless
                    return type_name(tp)
                if n in TRUSTED_NAMES:  # shadows a method of a trusted type (a str whose lower() lies)
                    return type_name(tp)
    if tp is defaultdict and not (v.default_factory is None or id(v.default_factory) in TRUSTED_IDS):
        return 'defaultdict (its default factory is the program\'s)'
    if (tp is Counter or tp is OrderedDict) and instance_dict(v):
        return type_name(tp) + ' (with attributes of its own)'
    if isinstance(v, CONTAINERS):
        for x in v:
            bad = untrusted_type(x, depth + 1, budget)
            if bad:
                return bad
    elif isinstance(v, dict):
        for k, x in dict.items(v):
            bad = untrusted_type(k, depth + 1, budget) or untrusted_type(x, depth + 1, budget)
            if bad:
                return bad
    return None


def ensure_trusted(v):
    bad = untrusted_type(v)
    if bad:
        raise Rejected('returned an object of type %s, which defines its own comparison' % bad)
    return v


def short_repr(v, n=200):
    try:
        r = repr(v)
    except BaseException as e:  # a repr that raises is the program's problem, not ours
        r = '<repr failed: %s>' % type(e).__name__
    return r if len(r) <= n else r[:n] + '...'


NoneType = type(None)


def strict_eq(a, b, seq_loose):
    """Type-strict equality for call-based tests: numbers compare by value (bool only with bool),
    tuples may equal lists when seq_loose, containers element-wise; anything else is unequal."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a == b
    if ta is str or ta is bytes or ta is NoneType or ta is complex or \
            tb is str or tb is bytes or tb is NoneType or tb is complex:
        return ta is tb and a == b
    seq = (list, tuple) if seq_loose else None
    if seq and isinstance(a, seq) and isinstance(b, seq) or (ta is tb and ta in (list, tuple)):
        a2, b2 = (list.copy(a) if isinstance(a, list) else tuple.__getitem__(a, slice(None))), \
                 (list.copy(b) if isinstance(b, list) else tuple.__getitem__(b, slice(None)))
        return len(a2) == len(b2) and all(strict_eq(x, y, seq_loose) for x, y in zip(a2, b2))
    if isinstance(a, dict) and isinstance(b, dict):
        ia, ib = dict(dict.items(a)), dict(dict.items(b))
        if set(ia) != set(ib):
            return False
        return all(strict_eq(ia[k], ib[k], seq_loose) for k in ia)
    if isinstance(a, (set, frozenset)) and isinstance(b, (set, frozenset)):
        return not untrusted_type(a) and set(a) == set(b)
    return False


def make_ctx(prefix, completion):
    """(start, end): the lines the completion spans in the program, for mapping error lines. (A tuple,
    not a class: see the module docstring.)"""
    return prefix.count('\n') + 1, (prefix + completion).count('\n') + 1


def completion_line(ctx, lineno):
    if lineno is not None and ctx[0] <= lineno <= ctx[1]:
        return lineno - ctx[0] + 1
    return None


# [armed, privileged thread]: the audit hook refuses introspection while armed (from just before the
# program starts), except in the thread (the harness's) that walks a traceback while privileged: with
# gc off, so no finalizer of the program's runs in that thread meanwhile, and the program's own
# threads are never privileged.
AUDIT = [False, 0]
exc_traceback = BaseException.__dict__['__traceback__'].__get__
get_ident, sleep = _thread.get_ident, time.sleep


def traceback_entries(e):
    """(filename, line, function) of every frame in e's traceback. The harness reads the frames, which
    the program may not, privileged: in its own thread, with gc off, reading only C attributes, so no
    program code runs meanwhile."""
    entries = []
    gc_was_on = gc_isenabled()
    gc_disable()
    AUDIT[1] = get_ident()
    try:
        tb = exc_traceback(e)
        while tb is not None:
            code = tb.tb_frame.f_code
            entries.append((code.co_filename, tb.tb_lineno, code.co_name))
            tb = tb.tb_next
    finally:
        AUDIT[1] = 0
        if gc_was_on:
            gc_enable()
    return entries


def program_frames(e, ctx):
    """(raised in the completion, its line there): the last traceback frame in the completion's lines
    (frames in the prompt's own code do not count)."""
    in_program, line = False, None
    for filename, lineno, _ in traceback_entries(e):
        if filename == '<completion>':
            here = completion_line(ctx, lineno)
            if here is not None:
                in_program, line = True, here
    return in_program, line


exact_str = str.__str__  # a str subclass's value as a plain str, without its methods


def safe_text(v):
    """str(v) as a plain str ('' if it raises). The program's __str__ may run: never call this while
    privileged."""
    try:
        return exact_str(str(v))
    except BaseException:
        return ''


def exc_report(e, ctx):
    """(status, info) for an exception: runtime_error when raised in the program, else failed."""
    in_program, line = program_frames(e, ctx)
    etype = type_name(type(e))
    text = safe_text(e)[:300]
    msg = etype + ': ' + text if text else etype
    info = {'etype': etype, 'msg': msg}
    if issubclass(type(e), MemoryError):
        return 'memory_exceeded', info
    if type(e) is Rejected:
        info['msg'] = safe_text(e)
        return 'failed', info
    if in_program:
        if line is not None:
            info['line'] = line
        return 'runtime_error', info
    return 'failed', info


_write = os.write
SCAN_JSON = json.JSONDecoder().scan_once
encode_str = _json.encode_basestring_ascii  # C; json.dumps' Python layers could be patched by a program
float_repr, int_repr = float.__repr__, int.__repr__
INF = float('inf')


def encode(v):
    """JSON for the harness's events (str, int, float, bool, None, dicts and lists of them), built from
    C functions only."""
    t = type(v)
    if t is str:
        return encode_str(v)
    if v is None:
        return 'null'
    if t is bool:
        return 'true' if v else 'false'
    if t is int:
        return int_repr(v)
    if t is float:
        return float_repr(v) if -INF < v < INF else 'null'
    if t is dict:
        return '{' + ', '.join([encode_str(k) + ': ' + encode(x) for k, x in dict.items(v)]) + '}'
    if t is list or t is tuple:
        return '[' + ', '.join([encode(x) for x in v]) + ']'
    return encode_str(type_name(type(v)))  # never str(v): that would run the program's code


def make_emit(fd, nonce):
    """The harness's writer of events to fd (a closure, not an object with methods): each line starts
    with the nonce, so the supervisor can tell it from anything a program writes there."""
    head = nonce.encode()

    def emit(obj):  # only the harness's own names and C functions: nothing a program changed
        data = head + (encode(obj) + '\n').encode()
        while data:
            data = data[_write(fd, data):]
    return emit


def compile_program(src, ctx, out, full_len):
    try:
        return compile(src, '<completion>', 'exec', dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        lineno = getattr(e, 'lineno', None)
        msg = str(getattr(e, 'msg', e))
        at_end = ('EOF' in msg or 'was never closed' in msg or 'unterminated triple-quoted' in msg
                  or (lineno is not None and lineno > ctx[1]) or
                  (isinstance(e, IndentationError) and 'expected an indented block' in msg and lineno == ctx[1] + 1))
        ev = {'k': 'syntax', 'etype': type(e).__name__, 'msg': '%s: %s' % (type(e).__name__, msg)}
        line = completion_line(ctx, lineno)
        if lineno is not None and lineno > ctx[1]:
            line = ctx[1] - ctx[0] + 1
        if line is not None:
            ev['line'] = line
        if at_end:
            ev['atEnd'] = True
        out(ev)
        return None


def make_globals(name):
    """The program's module. It also becomes __main__, so the harness (the real __main__) is not in
    sys.modules while the program runs."""
    mod = types.ModuleType(name)
    mod.__dict__['__builtins__'] = builtins
    sys.modules[name] = mod
    sys.modules['__main__'] = mod
    return mod.__dict__


def arm():
    """From here on the program may run: the audit hook refuses introspection (one way: nothing the
    program can reach turns it off)."""
    AUDIT[0] = True


def run_judge(job, out):
    kind = job['kind']
    prefix, completion = job.get('prefix', ''), job['completion']
    if kind == 'asserts' and job.get('imports'):
        prefix = '\n'.join(job['imports']) + '\n' + prefix
    ctx = make_ctx(prefix, completion)
    src = prefix + completion
    code = compile_program(src, ctx, out, len(src))
    if code is None:
        return
    g = make_globals('solution')
    prompt_names = None
    if job.get('_prompt_code') is not None:  # trusted: the tests get the prompt's own helpers
        pg = {'__builtins__': builtins, '__name__': 'solution'}
        try:
            exec(job['_prompt_code'], pg)
            prompt_names = {n: pg[n] for n in job['_protected'] if n in pg}
        except BaseException:
            prompt_names = None
    arm()
    try:
        exec(code, g)
    except BaseException as e:
        if issubclass(type(e), SystemExit):
            out({'k': 'exit', 'code': safe_text(e.code)})
            return
        status, info = exc_report(e, ctx)
        info.update(k='error', s=status)
        out(info)
        return
    try:
        settle()
        if prompt_names:
            g = dict(g)  # what the tests see (the program's own functions keep their globals)
            g.update(prompt_names)
        judge = JUDGES[kind]
        judge(job, g, ctx, out)
    except BaseException as e:  # the program broke the harness's own steps (e.g. a global whose
        # __class__ raises): a failure, and no proof, so never a pass
        status, info = exc_report(e, ctx)
        info.update(k='error', s='failed' if status == 'runtime_error' else status)
        out(info)
        return
    out({'k': 'done'})


perf_counter = time.perf_counter


def run_test(i, out, ctx, fn, holder=None):
    """Run one test and report it; holder['ret'] is the returned value the test recorded."""
    settle()  # nothing a program changed during the previous test carries over
    t0 = perf_counter()
    ev = {'k': 'test', 'i': i}
    try:
        fn()
        ev['s'] = 'passed'
    except BaseException as e:
        if issubclass(type(e), SystemExit):
            ev['s'] = 'failed'
            ev['msg'] = 'the program exited (SystemExit) during the tests'
        else:
            status, info = exc_report(e, ctx)
            ev['s'] = status
            ev.update(info)
    if holder and holder.get('ret'):
        ev['ret'] = holder['ret']
    ev['ms'] = round((perf_counter() - t0) * 1000, 3)
    out(ev)


def returned(v):
    """{type, repr} of a value the program returned (the type's own name slot: never program code)."""
    return {'type': type_name(type(v)), 'repr': short_repr(v)}


def checked_call(fn, name, holder=None):
    """fn (the program's), called the way tests may call it: a value it returns that could make a
    check lie is refused (and recorded in holder, if given and empty), and whatever it changed is
    undone before the tests go on. (ensure_trusted runs none of the program's code: no settle after.)"""
    def call(*a, **k):
        try:
            r = fn(*a, **k)
        finally:
            settle()
        try:
            return ensure_trusted(r)
        except Rejected:
            if holder is not None and not holder.get('ret'):
                holder['ret'] = returned(r)
            raise
    call.__name__ = call.__qualname__ = name
    return call


def check_program_functions(tg, g, holder=None):
    """In the tests' namespace, whatever the program left callable (functions, lru_cache or partial
    wrappers, bound methods, classes: a class's __new__ or metaclass may return anything, and its
    instances' methods may lie) becomes a checked call (for tests that call them directly: plain test
    scripts, MBPP asserts of any shape). A test that uses a program class with isinstance fails."""
    for k, v in list(dict.items(tg)):
        if type(k) is str and k[:2] != '__' and dict.get(g, k, g) is v and callable(v) and \
                type(v) is not types.ModuleType:
            tg[k] = checked_call(v, k, holder)


TOOL_TYPES = (types.ModuleType, FunctionType, types.BuiltinFunctionType, type)


def tools_of(tg):
    """The modules, functions and classes in the tests' namespace (what tests use as tools)."""
    return {k: v for k, v in dict.items(tg) if type(k) is str and isinstance(v, TOOL_TYPES)}


def judge_check(job, g, ctx, out):
    test_code = job.get('_tests') or compile(job['test'], '<tests>', 'exec', dont_inherit=True)
    entry = job['entry']
    tg = tests_view(g, entry, job.get('_binds'))  # HumanEval: tests see the program's names (but the real builtins)
    if entry is None:  # a plain test script: it fails by raising
        check_program_functions(tg, g)

    def test():
        exec(test_code, tg)
        if entry is None:
            return
        if entry not in g:
            raise AssertionError('entry point %s is not defined' % entry)
        candidate = checked_call(g[entry], entry)
        tools = tools_of(tg)

        def checked(*a, **k):
            try:
                return candidate(*a, **k)
            finally:
                # a function the tests passed in leads to their namespace (its __globals__)
                restore_dict(tg, tools, False)
        checked.__name__ = checked.__qualname__ = entry
        tg['check'](checked)
    run_test(0, out, ctx, test)


def assert_code(a, names):
    """One MBPP assert, compiled with the call under test recorded and `==` compared strictly."""
    tree = ast.parse(a, '<tests>')
    tree = record_outer_call(tree, names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare) and \
                len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq):
            c = node.test
            node.test = ast.Call(ast.Name('__verdict_eq__', ast.Load()), [c.left, c.comparators[0]], [])
    ast.fix_missing_locations(tree)
    return compile(tree, '<tests>', 'exec', dont_inherit=True)


def record_outer_call(tree, names):
    """Wrap the outermost (first, in source order) call to a program-defined function in
    __verdict_rec__(...). (A function rather than an ast.NodeTransformer: see the module docstring.)"""
    done = [False]

    def visit(node):
        if not done[0] and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            done[0] = True
            return ast.copy_location(ast.Call(ast.Name('__verdict_rec__', ast.Load()), [node], []), node)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                for j, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        value[j] = visit(item)
            elif isinstance(value, ast.AST):
                setattr(node, field, visit(value))
        return node
    return visit(tree)


def judge_asserts(job, g, ctx, out):
    setup = job.get('setup') or ''
    if setup.strip():
        try:
            exec(compile(setup, '<setup>', 'exec', dont_inherit=True), g)
        except BaseException as e:
            status, info = exc_report(e, ctx)
            info.update(k='error', s=status)
            out(info)
            return
    names = {k for k, v in dict.items(g) if type(k) is str and (
        (type(v) is FunctionType and v.__code__.co_filename == '<completion>') or issubclass(type(v), type))}
    entry = job.get('entry')
    if entry:
        names = {entry} | (names if entry not in g else set())
    # Compiled by the server for names == {entry} (see define_tests).
    precompiled = job.get('_tests') if entry and entry in g else None
    for i, a in enumerate(job['asserts']):
        holder = {}

        def rec(v, holder=holder):
            holder['ret'] = returned(v)  # repr may be the program's: check after it, not before
            settle()
            return ensure_trusted(v)

        def strict(left, right):
            settle()
            ensure_trusted(left)
            ensure_trusted(right)
            return left == right

        def test(a=a, i=i, rec=rec, strict=strict, holder=holder):
            code = precompiled[i] if precompiled else assert_code(a, names)
            tg = tests_view(g, entry, job.get('_binds'))
            check_program_functions(tg, g, holder)
            tg['__verdict_rec__'], tg['__verdict_eq__'] = rec, strict
            exec(code, tg)
        run_test(i, out, ctx, test, holder)


def judge_call(job, g, ctx, out):
    fn_name = job['fn']
    fn = g.get(fn_name)
    if fn is None and issubclass(type(g.get('Solution')), type):
        try:
            fn = getattr(g['Solution'](), fn_name, None)
        except BaseException as e:
            status, info = exc_report(e, ctx)
            info.update(k='error', s=status)
            out(info)
            return
    for i, case in enumerate(job['cases']):
        holder = {}

        def test(case=case, holder=holder):
            if fn is None:
                raise AssertionError('function %s is not defined' % fn_name)
            args = deepcopy(case['args'])
            try:
                r = fn(*args)
            finally:
                settle()
            holder['ret'] = returned(r)  # repr may be the program's: settle after it, check after that
            settle()
            ensure_trusted(r)
            exp = case['expected']
            if not (strict_eq(r, exp, True) or (type(exp) is list and len(exp) == 1 and strict_eq(r, exp[0], True))):
                raise AssertionError('expected %s, got %s' % (short_repr(exp, 100), holder['ret']['repr'][:100]))
        run_test(i, out, ctx, test, holder)


deepcopy = copy.deepcopy
JUDGES = {'check': judge_check, 'asserts': judge_asserts, 'call': judge_call}


def run_plain(job, out):
    """`verdict run` / stdio: the program as __main__, exit status like the real interpreter."""
    src = job['code']
    ctx = make_ctx('', src)
    code = compile_program(src, ctx, out, len(src))
    if code is None:
        try:
            compile(src, 'main.py', 'exec', dont_inherit=True)
        except BaseException as e:
            print_exception(e, limit=0)
        flush()
        _exit(1)
    g = make_globals('__main__')
    g['__file__'] = 'main.py'
    sys.argv = ['main.py']
    arm()
    try:
        exec(code, g)
    except SystemExit as e:
        flush()
        c = e.code
        if c is None:
            _exit(0)
        if isinstance(c, int):
            _exit(c & 255)
        sys.stderr.write(str(c) + '\n')
        flush()
        _exit(1)
    except BaseException as e:
        status, info = exc_report(e, ctx)
        info.update(k='error', s=status if status != 'failed' else 'runtime_error')
        out(info)
        flush()
        try:
            _write(2, program_traceback(e, src).encode('utf-8', 'replace'))
        except BaseException:
            pass
        _exit(1)
    flush()
    _exit(0)


format_exception_only = traceback.format_exception_only


def program_traceback(e, src):
    """The traceback as python prints it, from the program's first frame on (harness frames left out).
    The exception's own text (its __str__ may be the program's) is formatted after the frames were read."""
    entries = traceback_entries(e)
    first = next((i for i, x in enumerate(entries) if x[0] == '<completion>'), len(entries))
    entries = entries[first:]
    lines = src.split('\n')
    out = ['Traceback (most recent call last):\n'] if entries else []
    for filename, lineno, name in entries:
        program = filename == '<completion>'
        out.append('  File "%s", line %d, in %s\n' % ('main.py' if program else filename, lineno, name))
        if program and 0 < lineno <= len(lines) and lines[lineno - 1].strip():
            out.append('    %s\n' % lines[lineno - 1].strip())
    try:
        out.extend(format_exception_only(type(e), e))
    except BaseException:
        out.append(type_name(type(e)) + '\n')
    return ''.join(exact_str(x) for x in out)


def flush():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except BaseException:
            pass


def child(payload, nonce, apply_limits):
    """In the forked child, fds 0-3 in place: stdin, limits, then the program. Never returns."""
    try:
        job = SCAN_JSON(payload.decode(), 0)[0]  # json.loads without its Python layers: fewer page faults
        tid = job.get('tid')
        if tid is not None:
            job.update(TASKS[tid])
        stdin = job.get('stdin')
        if stdin:
            data = stdin.encode()
            fd = os.memfd_create('stdin')
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.lseek(fd, 0, 0)
            os.dup2(fd, 0)
            os.close(fd)
        # What the server ignores; SIGPIPE stays ignored, as in python itself. Through _signal with
        # plain ints: signal.signal's enum conversions cost ~0.2 ms and ~70 page faults per child.
        # SIGINT too: no signal may have Python's C handler installed once the seccomp filter freezes
        # every signal's action (a Python-level handler would receive the frame it interrupted).
        # In a sandbox the server itself already has these actions, frozen (see main).
        if not SIGNALS_SEALED:
            for s in SERVER_IGNORED + (SIGINT,):
                _signal.signal(s, SIG_DFL)
        apply_limits(job)  # unsandboxed, with the C supervisor: also the seccomp filter
        # sys.stdin/stdout/stderr already wrap fds 0-2 (untouched, empty buffers in the server).
        out = make_emit(3, nonce)
        del nonce
        gc.enable()
        if job['kind'] == 'run':
            run_plain(job, out)
        else:
            run_judge(job, out)
        flush()
        _exit(0)
    except MemoryError:
        _exit(99)
    except BaseException as e:
        try:
            if not AUDIT[0]:  # before the program ran: our own failure, its traceback is ours to print
                print_exception(type(e), e, e.__traceback__)
            else:  # the program may have broken something: its objects (str of e, sys.stderr) stay out
                _write(2, ('verdict harness: %s\n' % type_name(type(e))).encode())
        finally:
            _exit(98)


_exit = os._exit


SERVER_IGNORED = tuple(int(s) for s in (signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                                        signal.SIGQUIT, signal.SIGALRM))
SIGINT, SIG_DFL = int(signal.SIGINT), _signal.SIG_DFL
SIGNALS_SEALED = False  # the server's own seccomp filter already freezes signal actions (sandboxed)
WORK_ROOT = '/tmp'   # inside the sandbox: a tmpfs of our own
UNSANDBOXED = False  # no namespaces (isolation 'auto' on a host without them): kill by process group


def remove_tree(p, dev):
    """Remove p and everything under it on device dev (read-only binds of host folders under /tmp are
    mount points: left alone), also folders the program made unreadable (chmod 000): the server runs
    as the same user, so it can give them back their permissions first."""
    try:
        st = os.lstat(p)
    except OSError:
        return
    if st.st_dev != dev:
        return
    if stat.S_ISDIR(st.st_mode):
        try:
            os.chmod(p, 0o700)
            names = os.listdir(p)
        except OSError:
            names = []
        for name in names:
            remove_tree(p + '/' + name, dev)
        try:
            os.rmdir(p)
        except OSError:
            pass
    else:
        try:
            os.unlink(p)
        except OSError:
            pass


def wipe_tmp():
    dev = os.stat(WORK_ROOT).st_dev
    for name in os.listdir(WORK_ROOT):
        if UNSANDBOXED and not name.startswith(('w-', '.in-')):
            continue  # outside a sandbox, touch nothing but our own work folders
        remove_tree(WORK_ROOT + '/' + name, dev)


def kill_all(pid=None):
    """Kill every process in the namespace except us (pid 1), then reap them all."""
    if UNSANDBOXED:
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        return
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
        except OSError:
            break
        try:
            while True:
                os.waitpid(-1, 0)
        except ChildProcessError:
            pass


# Tests by id (defined once per worker by a T line): fields merged into each job that names the id,
# and the tests compiled here, in the server, once: they are task data, not the program, and
# compiling them is most of the per-program work that repeats (n samples per task). Children inherit
# the code objects through fork and compile themselves only what is not here (a test that does not
# compile reports from the child, as before).
TASKS = {}
TESTS_MAX_TEXT = 1 << 18


def imported_modules(tree, binds):
    """Names of the modules a piece of test code imports; records in binds what each import binds
    (name -> (module name, attribute or None))."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names.add(a.name)
                if a.asname:
                    binds[a.asname] = (a.name, None)
                else:
                    binds[a.name.split('.')[0]] = (a.name.split('.')[0], None)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            for a in node.names:
                if a.name != '*':
                    binds[a.asname or a.name] = (node.module, a.name)
    return names


def resolve_binds(binds):
    """The objects the tests' imports bind, for the names whose modules are guarded."""
    out = {}
    for name, (module, attr) in binds.items():
        mod = MODULE_OBJECTS.get(module)
        if mod is None:
            continue
        if attr is None:
            out[name] = mod
        elif attr in mod.__dict__:
            out[name] = mod.__dict__[attr]
    return out


def top_level_names(tree):
    """Names a module binds at its top level (functions, classes, assignments, imports)."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target]):
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split('.')[0] for a in node.names)
    return names


def define_tests(tid, fields):
    kind, entry = fields.get('kind'), fields.get('entry')
    code = None
    try:
        if kind == 'check' and len(fields['test']) <= TESTS_MAX_TEXT:
            code = compile(fields['test'], '<tests>', 'exec', dont_inherit=True)
        elif kind == 'asserts' and entry and sum(map(len, fields['asserts'])) <= TESTS_MAX_TEXT:
            code = tuple(assert_code(a, {entry}) for a in fields['asserts'])
    except Exception:
        code = None
    modules, used, binds = set(), set(), {}
    try:
        texts = [fields['test']] if kind == 'check' else \
            list(fields.get('asserts') or ()) + [fields.get('setup') or ''] + list(fields.get('imports') or ())
        for text in texts:
            tree = ast.parse(text)
            modules |= imported_modules(tree, binds)
            used.update(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    except Exception:
        pass
    guard_modules(sorted(modules | {m for m, _ in binds.values()}))
    fields['_binds'] = resolve_binds(binds)
    # Names the prompt defines and the tests use (HumanEval/32's poly, /38's encode_cyclic): the tests get
    # the prompt's own definitions, so a completion cannot redefine them to fool the tests.
    prompt = fields.pop('prompt', None)
    fields['_prompt_code'] = None
    if kind == 'check' and prompt:
        for text in (prompt, prompt + '    pass\n', prompt + '\n    pass\n'):  # a prompt may end at `def f():`
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            protected = (top_level_names(tree) & used) - {entry, 'check'}
            if protected:
                fields['_prompt_code'] = compile(tree, '<prompt>', 'exec', dont_inherit=True)
                fields['_protected'] = sorted(protected)
            break
    fields.pop('kind', None)
    fields['_tests'] = code
    TASKS[tid] = fields
    gc.freeze()  # children never scan what the server keeps
    if SYS_MODULES_TAG is not None:  # the tests' modules are in place: children need not look
        restore_modules()
        SYS_MODULES_SEEN[0] = SYS_MODULES_TAG.value


def header(line):
    """J id tid wallMs cpuMs memoryMb processes fileSizeBytes outputBytes openFiles <tab> payload"""
    tab = line.index(b'\t')
    h = [int(x) for x in line[2:tab].split()]
    if len(h) != 9:
        raise ValueError('bad job header')
    return h, tab


def python_limits(h):
    def apply(job):
        cpu = max(1, math.ceil(h[3] / 1000))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        mem = h[4] << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_NPROC, (h[5] + 1, h[5] + 1))
        fsize = max(h[6], h[7]) + 1
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_NOFILE, (h[8], h[8]))
    return apply


def run_job(line, h, tab, cmd_out):
    """The Python supervisor of one job (without the C helper): same result line as forkjob.c."""
    keep = h[7] + 1
    rnd = os.urandom(18).hex()
    nonce, tag = rnd[:24], rnd[24:]
    workdir = WORK_ROOT + '/w-' + tag
    os.mkdir(workdir, 0o700)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            if UNSANDBOXED:
                os.setsid()
            os.chdir(workdir)
            os.dup2(DEVNULL, 0)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.dup2(res_w, 3)
            os.closerange(4, 1 << 16)  # the command pipes and every other server fd
        except BaseException:
            os._exit(97)
        child(line[tab + 1:], nonce, python_limits(h))
    for fd in (out_w, err_w, res_w):
        os.close(fd)
    caps = {out_r: [[], 0, keep], err_r: [[], 0, keep], res_r: [[], 0, 8 << 20]}
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    for fd in caps:
        poller.register(fd, select.POLLIN)
    deadline = t0 + h[2] / 1000
    timed_out = over = exited = False
    open_fds = set(caps)
    while not exited and not over:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        for fd, _ in poller.poll(max(1, int(left * 1000) + 1)):
            if fd == pidfd:
                exited = True
                continue
            c = caps[fd]
            data = os.read(fd, 1 << 16)
            if not data:
                poller.unregister(fd)
                open_fds.discard(fd)
                continue
            if c[1] < c[2]:
                c[0].append(data)
            c[1] += len(data)
            if fd != res_r and c[1] > h[7]:
                over = True
    if not exited:
        os.kill(pid, signal.SIGKILL)
    _, status, ru = os.wait4(pid, 0)
    wall = (time.monotonic() - t0) * 1000
    os.close(pidfd)
    kill_all(pid)  # every writer is gone now: the pipes reach EOF
    for fd, c in caps.items():
        while fd in open_fds:
            data = os.read(fd, 1 << 16)
            if not data:
                break
            if c[1] < c[2]:
                c[0].append(data)
            c[1] += len(data)
        os.close(fd)
    wipe = False
    try:
        os.rmdir(workdir)  # the usual case: the program left nothing behind
        wipe = bool(os.listdir(WORK_ROOT))
    except OSError:
        wipe = True
    lim_out = h[7]
    out_c, err_c, res_c = caps[out_r], caps[err_r], caps[res_r]
    res_b, done = harness_lines(b''.join(res_c[0]), nonce.encode())
    done = done and res_c[1] == sum(map(len, res_c[0]))
    result = {
        'id': h[0],
        'exit': os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        'signal': os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        'wallMs': round(wall, 3),
        'cpuMs': round((ru.ru_utime + ru.ru_stime) * 1000, 3),
        'maxrssKb': ru.ru_maxrss,
        'timedOut': timed_out,
        'stdout': b''.join(out_c[0])[:lim_out].decode('utf-8', 'replace'),
        'stderr': b''.join(err_c[0])[:lim_out].decode('utf-8', 'replace'),
        'stdoutBytes': out_c[1],
        'stderrBytes': err_c[1],
        'res': res_b.decode('utf-8', 'replace'),
        'done': done,
    }
    write_line(cmd_out, json.dumps(result))
    return 2 if wipe else 1


PROOF = b'{"k": "done"}'


def harness_lines(data, nonce):
    """(the harness's lines, nonce stripped; whether the last of them is the completion proof). Lines
    without the nonce were written by the program and are dropped (as forkjob.c does)."""
    kept, done, n = [], False, len(nonce)
    for line in data.split(b'\n')[:-1]:
        if line[:n] == nonce and len(line) > n:
            done = line[n:] == PROOF
            if not done:
                kept.append(line[n:] + b'\n')
    return b''.join(kept), done


def write_line(fd, text):
    data = memoryview((text + '\n').encode())
    while data:
        data = data[os.write(fd, data):]


DEVNULL = -1


def seal_signals(fj):
    """forkjob.c's seccomp filter (signal actions frozen, ptrace refused) on this process; False where
    the architecture has none (ENOSYS)."""
    r = fj.verdict_child_seal()
    if r < 0 and r != -errno.ENOSYS:
        raise OSError(-r, 'seccomp filter failed')
    return r == 0


def load_forkjob(path):
    """The C supervisor (launcher/forkjob.c), or None to supervise in Python."""
    if not path:
        return None
    try:
        lib = ctypes.PyDLL(path)  # PyDLL: the GIL stays held, as os.fork() holds it
        lib.verdict_serve.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]
        lib.verdict_serve.restype = ctypes.c_int
        lib.verdict_child_limits.restype = ctypes.c_int
        lib.verdict_payload.restype = ctypes.c_char_p
        lib.verdict_line.restype = ctypes.c_void_p
        lib.verdict_line_length.restype = ctypes.c_long
        lib.verdict_last_id.restype = ctypes.c_long
        lib.verdict_define.argtypes = [ctypes.c_long]
        lib.verdict_define.restype = ctypes.c_int
        lib.verdict_child_seal.restype = ctypes.c_int
        return lib
    except (OSError, AttributeError) as e:
        sys.stderr.write('verdict forkserver: C supervisor unavailable (%s); supervising in Python\n' % e)
        return None


# The traceback module as programs get it: tracebacks without frames (a frame leads into the harness,
# so the audit hook refuses them), which keeps `except: traceback.print_exc()` and logging.exception
# working. Built in a namespace of its own: these functions lead nowhere but to sys and builtins.
SAFE_TRACEBACK = r"""
import sys
from traceback import format_exception_only, StackSummary
_unset = object()

def format_tb(tb, limit=None):
    lines = []
    while tb is not None and (limit is None or len(lines) < abs(limit)):
        lines.append('  line %d (frames are not shown in the Verdict sandbox)\n' % tb.tb_lineno)
        tb = tb.tb_next
    return lines

def extract_tb(tb, limit=None):
    entries = []
    while tb is not None and (limit is None or len(entries) < abs(limit)):
        entries.append(('<program>', tb.tb_lineno, '?', None))
        tb = tb.tb_next
    return StackSummary.from_list(entries)

def format_exception(exc, value=_unset, tb=_unset, limit=None, chain=True):
    if value is _unset:
        value, exc = exc, type(exc)
    if tb is _unset:
        tb = getattr(value, '__traceback__', None)
    head = ['Traceback (most recent call last):\n'] + format_tb(tb, limit) if tb is not None else []
    return head + format_exception_only(exc, value)

def format_exc(limit=None, chain=True):
    return ''.join(format_exception(*sys.exc_info(), limit=limit))

def print_tb(tb, limit=None, file=None):
    (sys.stderr if file is None else file).write(''.join(format_tb(tb, limit)))

def print_exception(exc, value=_unset, tb=_unset, limit=None, file=None, chain=True):
    (sys.stderr if file is None else file).write(''.join(format_exception(exc, value, tb, limit, chain)))

def print_exc(limit=None, file=None, chain=True):
    print_exception(*sys.exc_info(), limit=limit, file=file)

def print_last(limit=None, file=None, chain=True):
    print_exception(sys.last_type, sys.last_value, sys.last_traceback, limit, file)

def format_stack(f=None, limit=None):
    return ['  (the call stack is not shown in the Verdict sandbox)\n']

def print_stack(f=None, limit=None, file=None):
    (sys.stderr if file is None else file).write(format_stack()[0])

def extract_stack(f=None, limit=None):
    return StackSummary.from_list([])
"""
print_exception = traceback.print_exception  # the harness's own (privileged) printing


def install_safe_traceback():
    ns = {'__builtins__': builtins, '__name__': 'traceback'}
    exec(compile(SAFE_TRACEBACK, '<verdict traceback>', 'exec'), ns)
    for name in ('format_tb', 'extract_tb', 'format_exception', 'format_exc', 'print_tb', 'print_exception',
                 'print_exc', 'print_last', 'format_stack', 'print_stack', 'extract_stack'):
        setattr(traceback, name, ns[name])


# Audit events refused while the program runs: every way to a frame (from which the harness's frames,
# locals and globals are one step away), to arbitrary objects (gc), to memory (ctypes), to hand-built
# code objects (crafted bytecode can read memory; marshal stays allowed: every import of a .pyc needs
# it, so bytecode crafted into a .pyc file remains a way in, see docs/exec.md), to tracing, and adding a hook of its own (which would see the
# harness's events). Signal handlers, which also receive a frame, are refused by the seccomp filter.
REFUSED_EVENTS = frozenset({
    'sys._getframe', 'sys._getframemodulename', 'sys._current_frames', 'sys._current_exceptions',
    'sys.settrace', 'sys.setprofile', 'sys.addaudithook', 'sys.monitoring.register_callback',
    'gc.get_objects', 'gc.get_referrers', 'gc.get_referents',
    'code.__new__',
})
FRAME_ATTRIBUTES = frozenset({'tb_frame', 'gi_frame', 'cr_frame', 'ag_frame'})
CODE_ATTRIBUTES = frozenset({'__code__'})  # (namedtuple and dataclasses set __defaults__ of functions they make)


def install_audit_hook():
    """Once, in the server; armed in each child (AUDIT). ValueError, which is what code that uses
    sys._getframe where it may be missing already handles (logging, collections.namedtuple, enum,
    typing), so those keep working."""
    def hook(event, args, state=AUDIT, refused=REFUSED_EVENTS, frames=FRAME_ATTRIBUTES,
             code_names=CODE_ATTRIBUTES, function=FunctionType, get_code=FunctionType.__code__.__get__,
             error=ValueError, type=type, get_ident=_thread.get_ident):
        if not state[0] or state[1] == get_ident():
            return
        if event in refused or event[:7] == 'ctypes.':
            raise error('%s is not available in the Verdict sandbox' % event)
        if event == 'object.__getattr__':
            if args[1] in frames:
                raise error('frames (%s) are not available in the Verdict sandbox' % args[1])
        elif event == 'object.__setattr__' or event == 'object.__delattr__':
            # a function's code: only the program's own functions may be rewritten
            if args[1] in code_names and type(args[0]) is function and \
                    get_code(args[0]).co_filename != '<completion>':
                raise error('changing %s of a function the program did not define is not allowed' % args[1])
    sys.addaudithook(hook)


def main():
    global WORK_ROOT, UNSANDBOXED, DEVNULL, SIGNALS_SEALED
    args = sys.argv[1:]
    forkjob_path = None
    while args:
        if args[0] == '--unsandboxed' and len(args) > 1:
            UNSANDBOXED, WORK_ROOT = True, args[1]
            args = args[2:]
        elif args[0] == '--forkjob' and len(args) > 1:
            forkjob_path = args[1]
            args = args[2:]
        else:
            break
    # Outside a sandbox the server ignores these signals, so programs (same uid) cannot kill it. In a
    # sandbox it is the namespace's pid 1, which the kernel already protects from every signal sent
    # from inside it, so it keeps the actions its children need (default; SIGPIPE ignored).
    for s in SERVER_IGNORED + (SIGINT,):
        signal.signal(s, signal.SIG_IGN if UNSANDBOXED else signal.SIG_DFL)
    try:  # not dumpable: programs (same uid) cannot ptrace us or read /proc/1/mem
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass
    fj = load_forkjob(forkjob_path)
    if fj is not None and not UNSANDBOXED and os.getpid() == 1:
        # The seccomp filter that freezes every signal's action, once here rather than in each child
        # (installing a filter costs ~0.1-0.3 ms); the children inherit it.
        SIGNALS_SEALED = seal_signals(fj)
    install_safe_traceback()
    # What the harness itself uses after the program ran (assert compilation, deepcopy of call
    # arguments, formatting an error), besides what the tests import (guarded as tasks arrive).
    guard_modules(['ast', 'copy', 'collections', 'traceback', 'types', 'functools', 'operator', 'math'])
    install_audit_hook()
    cmd_in, cmd_out = os.dup(0), os.dup(1)
    DEVNULL = os.open('/dev/null', os.O_RDONLY)
    os.dup2(DEVNULL, 0)
    os.dup2(2, 1)
    os.set_inheritable(cmd_in, False)
    os.set_inheritable(cmd_out, False)
    write_line(cmd_out, json.dumps({'ready': True, 'version': sys.version.split()[0], 'fast': fj is not None}))
    root = WORK_ROOT.encode()
    nonce_buf = ctypes.create_string_buffer(32)

    def fast_limits(job):
        r = fj.verdict_child_limits()
        if r < 0:
            raise OSError(-r, 'setrlimit failed')
        if not SIGNALS_SEALED:
            seal_signals(fj)

    restore_builtins()
    gc.collect()
    gc.freeze()
    if SYS_MODULES_TAG is not None:
        SYS_MODULES_SEEN[0] = SYS_MODULES_TAG.value

    def command(line):
        try:
            command_(line)
        except Exception as e:  # the jobs naming these tests report a sandbox error
            sys.stderr.write('verdict forkserver: bad command line (%s: %s)\n' % (type(e).__name__, e))

    def command_(line):
        """A line that is not a job: T tid <tab> {tests}, or C (forget all tests)."""
        kind = line[:1]
        if kind == b'T':
            tab = line.index(b'\t')
            tid = int(line[2:tab])
            define_tests(tid, json.loads(line[tab + 1:]))
            if fj is not None and fj.verdict_define(tid) < 0:
                raise MemoryError('test table')
        elif kind == b'C':
            TASKS.clear()
            if fj is not None:
                fj.verdict_clear()
            gc.collect()
            gc.freeze()

    def sandbox_error(jid, e):  # our fault: the supervisor turns it into sandbox_error
        kill_all()
        wipe_tmp()
        write_line(cmd_out, json.dumps({'id': jid, 'sandboxError': '%s: %s' % (type(e).__name__, e)}))

    if fj is not None:  # the C loop runs every job; it comes back here for the rest
        while True:
            r = fj.verdict_serve(cmd_in, cmd_out, UNSANDBOXED, root, nonce_buf)
            if r == 0:  # the child
                child(fj.verdict_payload(), nonce_buf.value.decode(), fast_limits)
            if r == 3:
                break
            if r == 1:
                command(ctypes.string_at(fj.verdict_line(), fj.verdict_line_length()))
            elif r == 2:
                kill_all()
                wipe_tmp()
            else:
                jid = fj.verdict_last_id()
                why = 'tests were never defined for this job' if -r == errno.ENOENT else os.strerror(-r)
                sandbox_error(None if jid < 0 else jid, OSError(-r, why))
        return

    reader = io.BufferedReader(io.FileIO(cmd_in, 'r', closefd=False), 1 << 16)
    while True:
        line = reader.readline()
        if not line:
            break
        if line[:1] != b'J':
            command(line)
            continue
        jid = None
        try:
            h, tab = header(line)
            jid = h[0]
            if h[1] >= 0 and h[1] not in TASKS:
                raise KeyError('tests %d were never defined' % h[1])
            if run_job(line, h, tab, cmd_out) == 2:
                kill_all()
                wipe_tmp()
        except Exception as e:
            sandbox_error(jid, e)


# The harness's own names for the builtins: a program that replaces builtins.len or builtins.isinstance
# changes nothing the harness calls (restore_builtins puts them back for the tests).
for _name, _value in BUILTINS_SNAPSHOT.items():
    globals().setdefault(_name, _value)
del _name, _value

if __name__ == '__main__':
    main()
