/**
 * Locating (and if needed building) the native launcher, discovering the interpreters, and probing
 * what isolation this OS can give. Everything here runs once per process.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding package.json), from src/exec or dist/src/exec. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'exec', 'runtime'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('verdict: cannot find the package root from ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const runtimeDir = (): string => join(packageRoot(), 'src', 'exec', 'runtime');
const launcherSource = (): string => join(packageRoot(), 'src', 'exec', 'launcher', 'launcher.c');

/** Where the compiled launcher for the current source lives (a hash of the source in its name). */
export function launcherPaths(root = packageRoot()): string[] {
  const src = readFileSync(join(root, 'src', 'exec', 'launcher', 'launcher.c'));
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 12);
  const name = `verdict-sandbox-${hash}`;
  const uid = process.getuid?.() ?? 0;
  return [join(root, 'node_modules', '.cache', 'verdict', name), join(tmpdir(), `verdict-${uid}`, name)];
}

/** Compile the launcher into the first writable cache folder; returns its path or throws. */
export function buildLauncher(): string {
  const errors: string[] = [];
  for (const out of launcherPaths()) {
    if (existsSync(out)) return out;
    try {
      mkdirSync(dirname(out), { recursive: true, mode: 0o755 });
      const tmp = `${out}.${process.pid}.tmp`;
      execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-o', tmp, launcherSource()], { stdio: 'pipe' });
      renameSync(tmp, out);
      return out;
    } catch (e) {
      errors.push(`${out}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`could not build the sandbox launcher (${errors.join('; ')})`);
}

/**
 * The C supervisor the Python fork server loads (launcher/forkjob.c), built like the launcher; or
 * undefined when it cannot be built (the server then supervises in Python: slower, same results).
 */
export function buildForkjob(root = packageRoot()): string | undefined {
  if (process.platform !== 'linux' || process.env.VERDICT_NO_FORKJOB === '1') return undefined;
  const src = join(root, 'src', 'exec', 'launcher', 'forkjob.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const name = `verdict-forkjob-${hash}.so`;
  const uid = process.getuid?.() ?? 0;
  for (const out of [join(root, 'node_modules', '.cache', 'verdict', name), join(tmpdir(), `verdict-${uid}`, name)]) {
    if (existsSync(out)) return out;
    try {
      mkdirSync(dirname(out), { recursive: true, mode: 0o755 });
      const tmp = `${out}.${process.pid}.tmp`;
      execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', tmp, src], { stdio: 'pipe' });
      renameSync(tmp, out);
      return out;
    } catch {
      /* next folder */
    }
  }
  return undefined;
}

export interface PythonInfo {
  executable: string;
  prefix: string;
  version: string;
}

/** python3 on PATH (or VERDICT_PYTHON), resolved to its real executable and prefix. */
export function discoverPython(): PythonInfo {
  const cmd = process.env.VERDICT_PYTHON ?? 'python3';
  const out = execFileSync(
    cmd,
    ['-c', 'import sys, os, json; print(json.dumps([os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix), sys.version.split()[0]]))'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const [executable, prefix, version] = JSON.parse(out.trim()) as [string, string, string];
  return { executable, prefix, version };
}

/** Host folders an interpreter needs beyond the system folders the launcher always binds. */
export function extraBinds(paths: string[]): string[] {
  const system = ['/usr/', '/lib/', '/lib64/', '/bin/', '/sbin/'];
  const out: string[] = [];
  for (const p of paths.map((x) => resolve(x)).sort((a, b) => a.length - b.length)) {
    const inside = (dir: string) => (p + '/').startsWith(dir.endsWith('/') ? dir : dir + '/');
    if (!system.some(inside) && !out.some(inside)) out.push(p);
  }
  return out;
}

export const nodeExecutable = (): string => realpathSync(process.execPath);
/** The node installation folder (…/bin/node -> …). */
export const nodePrefix = (): string => dirname(dirname(nodeExecutable()));

export interface IsolationReport {
  launcher?: string;
  /** What the OS cannot enforce (empty: everything is). */
  missing: string[];
}

/** Build the launcher and check it really starts a namespaced process. */
export function probeIsolation(): IsolationReport {
  if (process.platform !== 'linux') {
    return { missing: [`namespaces (platform ${process.platform}): programs would run without isolation`] };
  }
  let launcher: string;
  try {
    launcher = buildLauncher();
  } catch (e) {
    return { missing: [`sandbox launcher unavailable (${(e as Error).message})`] };
  }
  const r = spawnSync(launcher, ['--', '/bin/sh', '-c', 'exit 0'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop();
    return { launcher, missing: [`user/pid/mount/network namespaces cannot be created here (${why})`] };
  }
  try {
    statSync(launcher);
  } catch {
    /* raced with a cleanup: the next call rebuilds */
  }
  return { launcher, missing: [] };
}

/**
 * Where the sandbox should see a few small host files (the runtime folder, the C supervisor). The
 * launcher shows binds under /tmp (its own /tmp is mounted first), but the folders leading to such a
 * bind then appear in the programs' /tmp, which should hold nothing but the work folder; so small
 * files under /tmp (a checkout cloned there, say) are copied once, by content hash, to a folder
 * under /var/tmp and that copy is used instead. Other paths come back unchanged. (Whole
 * interpreters under /tmp are bound where they are.)
 */
export function sandboxVisible(path: string, files?: string[]): string {
  const real = realpathSync(path);
  if (process.platform !== 'linux' || !(real + '/').startsWith('/tmp/')) return real;
  const isDir = statSync(real).isDirectory();
  const names = isDir ? (files ?? readdirSync(real).filter((n) => statSync(join(real, n)).isFile())) : [basename(real)];
  const srcDir = isDir ? real : dirname(real);
  const h = createHash('sha256');
  for (const n of names) h.update(n).update(readFileSync(join(srcDir, n)));
  const uid = process.getuid?.() ?? 0;
  const dest = join('/var/tmp', `verdict-${uid}`, `staged-${h.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(dest, '.complete'))) {
    const tmp = `${dest}.${process.pid}.tmp`;
    mkdirSync(tmp, { recursive: true, mode: 0o755 });
    chmodSync(dirname(tmp), 0o755);
    for (const n of names) copyFileSync(join(srcDir, n), join(tmp, n));
    writeFileSync(join(tmp, '.complete'), '');
    try {
      renameSync(tmp, dest);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process staged it first
    }
  }
  return isDir ? dest : join(dest, basename(real));
}
