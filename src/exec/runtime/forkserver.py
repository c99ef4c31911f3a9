"""Verdict's warm Python worker. Runs as pid 1 inside the sandbox (see launcher.c).

Protocol: one JSON job per line on stdin, one JSON result per line on stdout, in order.
For each job it forks one child with its own rlimits, a fresh work folder, stdout/stderr captured in
unlinked files and a results file for the harness. The child runs the program (and, when judging,
the tests) and writes a completion proof (a per-job nonce) after the last test. When the child
ends (or is killed at the wall limit) every other process in the namespace is killed too, and /tmp
is wiped, so nothing a program starts or leaves survives into the next one.
"""
import _signal, ast, builtins, copy, ctypes, errno, gc, io, json, math, os, resource, select, signal, sys, time, traceback, types

PLAIN_SCALARS = (int, float, bool, str, bytes, type(None), complex)
PLAIN_CONTAINERS = (list, tuple, dict, set, frozenset)
import collections
# Modules programs commonly import, loaded once here so no child pays for importing them.
import bisect, functools, hashlib, heapq, itertools, operator, random, re, string, typing  # noqa: E401,F401

TRUSTED = set(PLAIN_SCALARS + PLAIN_CONTAINERS + (object, collections.OrderedDict, collections.defaultdict,
                                                   collections.Counter, collections.deque))
# Special methods through which a returned object could make a comparison or a check lie.
LYING = ('__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__', '__bool__', '__len__', '__hash__',
         '__sub__', '__rsub__', '__add__', '__radd__', '__abs__', '__float__', '__int__', '__index__',
         '__round__', '__iter__', '__getitem__', '__contains__', '__truediv__', '__rtruediv__', '__neg__',
         '__mul__', '__rmul__', '__and__', '__or__', '__xor__', '__instancecheck__', '__class__')


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


def restore_builtins():
    """Undo any change the program made to the builtins module (e.g. a lying abs or isinstance).
    When the dict's version tag is unchanged nothing was changed: comparing the whole dict would
    touch (copy-on-write) every builtin object's page, ~70 page faults in each child."""
    if BUILTINS_TAG is not None and BUILTINS_TAG.value == BUILTINS_SEEN[0]:
        return
    d = builtins.__dict__
    if d != BUILTINS_SNAPSHOT:
        for k in [k for k in d if k not in BUILTINS_SNAPSHOT]:
            del d[k]
        d.update(BUILTINS_SNAPSHOT)
    if BUILTINS_TAG is not None:
        BUILTINS_SEEN[0] = BUILTINS_TAG.value


def tests_view(g, entry=None):
    """The globals the tests run in: the program's names, minus any that shadow a builtin (a
    program-level `abs` or `isinstance` must not fool the tests), except the function under test
    itself (MBPP 126 tests a function named `sum`)."""
    return {k: v for k, v in g.items() if k not in BUILTINS_SNAPSHOT or k.startswith('__') or k == entry}


class Rejected(Exception):
    """A returned value we refuse to compare (its type defines its own comparison)."""


def untrusted_type(v, depth=0, budget=None):
    """Name of a type inside v whose class overrides comparison-like methods, or None."""
    if budget is None:
        budget = [100000]
    budget[0] -= 1
    if budget[0] < 0 or depth > 50:
        return None
    tp = type(v)
    if tp not in TRUSTED:
        for k in tp.__mro__:
            if k in TRUSTED:
                continue
            if any(n in k.__dict__ for n in LYING):
                return tp.__name__
    if isinstance(v, (list, tuple, set, frozenset, collections.deque)):
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


def strict_eq(a, b, seq_loose):
    """Type-strict equality for call-based tests: numbers compare by value (bool only with bool),
    tuples may equal lists when seq_loose, containers element-wise; anything else is unequal."""
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return ta is tb and a == b
    num = (int, float)
    if ta in num and tb in num:
        return a == b
    if ta in (str, bytes, type(None), complex) or tb in (str, bytes, type(None), complex):
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


class Ctx:
    """Where the completion sits in the program, for mapping error lines."""
    def __init__(self, prefix, completion):
        self.start = prefix.count('\n') + 1
        self.end = (prefix + completion).count('\n') + 1
        self.prefix_len = len(prefix)

    def completion_line(self, lineno):
        if lineno is not None and self.start <= lineno <= self.end:
            return lineno - self.start + 1
        return None


def exc_report(e, ctx):
    """(status, info) for an exception: runtime_error when raised in the program, else failed."""
    in_program, line = False, None
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == '<completion>':
            here = ctx.completion_line(tb.tb_lineno)
            if here is not None:  # frames in the prompt's own code do not count
                in_program, line = True, here
        tb = tb.tb_next
    etype = type(e).__name__
    try:
        text = str(e)[:300]
    except BaseException:
        text = ''
    msg = '%s: %s' % (etype, text) if text else etype
    info = {'etype': etype, 'msg': msg}
    if isinstance(e, MemoryError):
        return 'memory_exceeded', info
    if isinstance(e, Rejected):
        info['msg'] = str(e)
        return 'failed', info
    if in_program:
        if line is not None:
            info['line'] = line
        return 'runtime_error', info
    return 'failed', info


_dumps, _write = json.dumps, os.write
SCAN_JSON = json.JSONDecoder().scan_once


class Out:
    def __init__(self, fd):
        self.fd = fd

    def emit(self, obj):
        restore_builtins()
        _write(self.fd, (_dumps(obj) + '\n').encode())


def compile_program(src, ctx, out, full_len):
    try:
        return compile(src, '<completion>', 'exec', dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        lineno = getattr(e, 'lineno', None)
        msg = str(getattr(e, 'msg', e))
        at_end = ('EOF' in msg or 'was never closed' in msg or 'unterminated triple-quoted' in msg
                  or (lineno is not None and lineno > ctx.end) or
                  (isinstance(e, IndentationError) and 'expected an indented block' in msg and lineno == ctx.end + 1))
        ev = {'k': 'syntax', 'etype': type(e).__name__, 'msg': '%s: %s' % (type(e).__name__, msg)}
        line = ctx.completion_line(lineno)
        if lineno is not None and lineno > ctx.end:
            line = ctx.end - ctx.start + 1
        if line is not None:
            ev['line'] = line
        if at_end:
            ev['atEnd'] = True
        out.emit(ev)
        return None


def make_globals(name):
    mod = types.ModuleType(name)
    mod.__dict__['__builtins__'] = builtins
    sys.modules[name] = mod
    return mod.__dict__


def run_judge(job, nonce, out):
    kind = job['kind']
    prefix, completion = job.get('prefix', ''), job['completion']
    if kind == 'asserts' and job.get('imports'):
        prefix = '\n'.join(job['imports']) + '\n' + prefix
    ctx = Ctx(prefix, completion)
    src = prefix + completion
    code = compile_program(src, ctx, out, len(src))
    if code is None:
        return
    g = make_globals('solution')
    try:
        exec(code, g)
    except BaseException as e:
        if isinstance(e, SystemExit):
            out.emit({'k': 'exit', 'code': str(e.code)})
            return
        status, info = exc_report(e, ctx)
        info.update(k='error', s=status)
        out.emit(info)
        return
    sys.settrace(None)
    sys.setprofile(None)
    restore_builtins()
    if kind == 'check':
        judge_check(job, g, ctx, out)
    elif kind == 'asserts':
        judge_asserts(job, g, ctx, out)
    elif kind == 'call':
        judge_call(job, g, ctx, out)
    else:
        raise ValueError('unknown kind ' + kind)
    out.emit({'k': 'done', 'nonce': nonce})


def run_test(i, out, ctx, fn):
    t0 = time.perf_counter()
    ev = {'k': 'test', 'i': i}
    try:
        ret = fn()
        if ret is not None:
            ev['ret'] = ret
        ev['s'] = 'passed'
    except BaseException as e:
        if isinstance(e, SystemExit):
            ev['s'] = 'failed'
            ev['msg'] = 'the program exited (SystemExit %s) during the tests' % short_repr(e.code, 50)
        else:
            status, info = exc_report(e, ctx)
            ev['s'] = status
            ev.update(info)
            rec = getattr(e, '__verdict_returned__', None)
            if rec:
                ev['ret'] = rec
    ev['ms'] = round((time.perf_counter() - t0) * 1000, 3)
    out.emit(ev)


def judge_check(job, g, ctx, out):
    test_code = job.get('_tests') or compile(job['test'], '<tests>', 'exec', dont_inherit=True)
    entry = job['entry']
    tg = tests_view(g, entry)  # HumanEval: tests see the program's names (but the real builtins)

    def test():
        exec(test_code, tg)
        if entry is None:  # a plain test script: it fails by raising
            return
        if entry not in g:
            raise AssertionError('entry point %s is not defined' % entry)
        candidate = g[entry]

        def checked(*a, **k):
            try:
                return ensure_trusted(candidate(*a, **k))
            finally:
                sys.settrace(None)
                sys.setprofile(None)
                restore_builtins()
        checked.__name__ = getattr(candidate, '__name__', entry)
        tg['check'](checked)
    run_test(0, out, ctx, test)


def assert_code(a, names):
    """One MBPP assert, compiled with the call under test recorded and `==` compared strictly."""
    tree = ast.parse(a, '<tests>')
    tree = Recorder(names).visit(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare) and \
                len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq):
            c = node.test
            node.test = ast.Call(ast.Name('__verdict_eq__', ast.Load()), [c.left, c.comparators[0]], [])
    ast.fix_missing_locations(tree)
    return compile(tree, '<tests>', 'exec', dont_inherit=True)


class Recorder(ast.NodeTransformer):
    """Wrap the outermost call to a program-defined function in __verdict_rec__(...)."""
    def __init__(self, names):
        self.names, self.done = names, False

    def visit_Call(self, node):
        if not self.done and isinstance(node.func, ast.Name) and node.func.id in self.names:
            self.done = True
            return ast.copy_location(ast.Call(ast.Name('__verdict_rec__', ast.Load()), [node], []), node)
        return self.generic_visit(node)


def judge_asserts(job, g, ctx, out):
    setup = job.get('setup') or ''
    if setup.strip():
        try:
            exec(compile(setup, '<setup>', 'exec', dont_inherit=True), g)
        except BaseException as e:
            status, info = exc_report(e, ctx)
            info.update(k='error', s=status)
            out.emit(info)
            return
    names = {k for k, v in g.items() if isinstance(v, (types.FunctionType, type))
             and getattr(getattr(v, '__code__', None), 'co_filename', '<completion>') == '<completion>'}
    entry = job.get('entry')
    if entry:
        names = {entry} | ({n for n in names} if entry not in g else set())
    # Compiled by the server for names == {entry} (see define_tests).
    precompiled = job.get('_tests') if entry and entry in g else None
    for i, a in enumerate(job['asserts']):
        holder = {}

        def rec(v, holder=holder):
            holder['ret'] = {'type': type(v).__name__, 'repr': short_repr(v)}
            return v

        def strict(left, right, holder=holder):
            sys.settrace(None)
            restore_builtins()
            ensure_trusted(left)
            ensure_trusted(right)
            return left == right

        def test(a=a, i=i, holder=holder, rec=rec, strict=strict):
            code = precompiled[i] if precompiled else assert_code(a, names)
            tg = tests_view(g, entry)
            tg['__verdict_rec__'], tg['__verdict_eq__'] = rec, strict
            try:
                exec(code, tg)
            except BaseException as e:
                e.__verdict_returned__ = holder.get('ret')
                raise
            return holder.get('ret')
        run_test(i, out, ctx, test)


def judge_call(job, g, ctx, out):
    fn_name = job['fn']
    fn = g.get(fn_name)
    if fn is None and isinstance(g.get('Solution'), type):
        try:
            fn = getattr(g['Solution'](), fn_name, None)
        except BaseException as e:
            status, info = exc_report(e, ctx)
            info.update(k='error', s=status)
            out.emit(info)
            return
    for i, case in enumerate(job['cases']):
        def test(case=case):
            if fn is None:
                raise AssertionError('function %s is not defined' % fn_name)
            args = copy.deepcopy(case['args'])
            try:
                r = fn(*args)
            finally:
                sys.settrace(None)
                restore_builtins()
            ret = {'type': type(r).__name__, 'repr': short_repr(r)}
            try:
                ensure_trusted(r)
            except Rejected as e:
                e.__verdict_returned__ = ret
                raise
            exp = case['expected']
            if not (strict_eq(r, exp, True) or (type(exp) is list and len(exp) == 1 and strict_eq(r, exp[0], True))):
                err = AssertionError('expected %s, got %s' % (short_repr(exp, 100), ret['repr'][:100]))
                err.__verdict_returned__ = ret
                raise err
            return ret
        run_test(i, out, ctx, test)


def run_plain(job, out):
    """`verdict run` / stdio: the program as __main__, exit status like the real interpreter."""
    src = job['code']
    ctx = Ctx('', src)
    code = compile_program(src, ctx, out, len(src))
    if code is None:
        try:
            compile(src, 'main.py', 'exec', dont_inherit=True)
        except BaseException as e:
            traceback.print_exception(e, limit=0)
        flush()
        os._exit(1)
    g = make_globals('__main__')
    g['__file__'] = 'main.py'
    sys.argv = ['main.py']
    try:
        exec(code, g)
    except SystemExit as e:
        flush()
        c = e.code
        if c is None:
            os._exit(0)
        if isinstance(c, int):
            os._exit(c & 255)
        sys.stderr.write(str(c) + '\n')
        flush()
        os._exit(1)
    except BaseException as e:
        status, info = exc_report(e, ctx)
        info.update(k='error', s=status if status != 'failed' else 'runtime_error')
        out.emit(info)
        try:  # the traceback as python itself would print it: harness frames left out
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code.co_filename != '<completion>':
                tb = tb.tb_next
            traceback.print_exception(type(e), e, tb)
        except BaseException:
            pass
        flush()
        os._exit(1)
    flush()
    os._exit(0)


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
        apply_limits(job)
        # What the server ignores; SIGPIPE stays ignored, as in python itself. Through _signal with
        # plain ints: signal.signal's enum conversions cost ~0.2 ms and ~70 page faults per child.
        for s in SERVER_IGNORED:
            _signal.signal(s, SIG_DFL)
        _signal.signal(SIGINT, _signal.default_int_handler)
        # sys.stdin/stdout/stderr already wrap fds 0-2 (untouched, empty buffers in the server).
        out = Out(3)
        gc.enable()
        if job['kind'] == 'run':
            run_plain(job, out)
        else:
            run_judge(job, nonce, out)
        flush()
        os._exit(0)
    except MemoryError:
        os._exit(99)
    except BaseException:
        try:
            traceback.print_exc()
            flush()
        finally:
            os._exit(98)


SERVER_IGNORED = tuple(int(s) for s in (signal.SIGXFSZ, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                                        signal.SIGQUIT, signal.SIGALRM))
SIGINT, SIG_DFL = int(signal.SIGINT), _signal.SIG_DFL
WORK_ROOT = '/tmp'   # inside the sandbox: a tmpfs of our own
UNSANDBOXED = False  # no namespaces (isolation 'auto' on a host without them): kill by process group


def wipe_tmp():
    for name in os.listdir(WORK_ROOT):
        if UNSANDBOXED and not name.startswith(('w-', '.in-')):
            continue  # outside a sandbox, touch nothing but our own work folders
        p = WORK_ROOT + '/' + name
        try:
            if os.path.isdir(p) and not os.path.islink(p):
                for root, dirs, files in os.walk(p, topdown=False):
                    for f in files:
                        os.unlink(os.path.join(root, f))
                    for d in dirs:
                        dp = os.path.join(root, d)
                        if os.path.islink(dp):
                            os.unlink(dp)
                        else:
                            os.rmdir(dp)
                os.rmdir(p)
            else:
                os.unlink(p)
        except OSError:
            pass


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
    fields.pop('kind', None)
    fields['_tests'] = code
    TASKS[tid] = fields
    gc.freeze()  # children never scan what the server keeps


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
    res_b = b''.join(res_c[0])
    proof = ('{"k": "done", "nonce": "%s"}\n' % nonce).encode()
    done = res_c[1] == len(res_b) and res_b.endswith(proof)
    if done:
        res_b = res_b[:-len(proof)]
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


def write_line(fd, text):
    data = memoryview((text + '\n').encode())
    while data:
        data = data[os.write(fd, data):]


DEVNULL = -1


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
        return lib
    except (OSError, AttributeError) as e:
        sys.stderr.write('verdict forkserver: C supervisor unavailable (%s); supervising in Python\n' % e)
        return None


def main():
    global WORK_ROOT, UNSANDBOXED, DEVNULL
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
    for s in SERVER_IGNORED + (SIGINT,):
        signal.signal(s, signal.SIG_IGN)
    try:  # not dumpable: programs (same uid) cannot ptrace us or read /proc/1/mem
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass
    fj = load_forkjob(forkjob_path)
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

    restore_builtins()
    gc.collect()
    gc.freeze()

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


if __name__ == '__main__':
    main()
