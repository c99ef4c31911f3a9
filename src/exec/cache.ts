/**
 * Content-addressed verdict cache: the key is a hash of everything that decides a verdict (the
 * program pieces, the tests, the limits, the runtime versions), so a duplicate sample costs nothing.
 * In memory by default (bounded); with a folder, verdicts also persist there, one file per key.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '../tasks/types.js';
import type { Limits, Verdict } from './types.js';

const MAX_ENTRIES = 200_000;

export interface CacheKeyInput {
  task: Task;
  completion: string;
  limits: Limits;
  versions: Record<string, string>;
  isolated: boolean;
}

export class VerdictCache {
  private mem = new Map<string, Verdict | Promise<Verdict>>();
  /** Digest of each task's judging-relevant fields, computed once per Task object. */
  private taskDigests = new WeakMap<Task, string>();
  constructor(private dir?: string) {}

  private taskDigest(t: Task): string {
    let d = this.taskDigests.get(t);
    if (d === undefined) {
      d = createHash('sha256')
        .update(JSON.stringify([t.language, t.completionMode, t.completionMode === 'continue' ? t.prompt : '', t.entryPoint ?? null, t.tests]))
        .digest('hex');
      this.taskDigests.set(t, d);
    }
    return d;
  }

  key(k: CacheKeyInput): string {
    const h = createHash('sha256');
    h.update(
      JSON.stringify([
        2, // bump when the judging rules change
        this.taskDigest(k.task),
        k.completion,
        k.limits,
        k.versions,
        k.isolated,
      ]),
    );
    return h.digest('hex');
  }

  /** A verdict being computed: concurrent duplicates wait for it instead of running again. */
  hold(key: string, v: Promise<Verdict>): void {
    this.mem.set(key, v);
    v.catch(() => this.mem.delete(key));
  }

  async get(key: string): Promise<Verdict | undefined> {
    const m = this.mem.get(key);
    if (m) {
      const v = await m;
      return v.status === 'sandbox_error' ? undefined : v;
    }
    if (!this.dir) return undefined;
    try {
      const v = JSON.parse(await readFile(join(this.dir, key.slice(0, 2), key + '.json'), 'utf8')) as Verdict;
      this.remember(key, v);
      return v;
    } catch {
      return undefined;
    }
  }

  async put(key: string, v: Verdict): Promise<void> {
    if (v.status === 'sandbox_error') {
      this.mem.delete(key); // our fault: never remembered
      return;
    }
    this.remember(key, v);
    if (!this.dir) return;
    const sub = join(this.dir, key.slice(0, 2));
    await mkdir(sub, { recursive: true });
    const tmp = join(sub, `${key}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(v));
    await rename(tmp, join(sub, key + '.json'));
  }

  private remember(key: string, v: Verdict): void {
    this.mem.delete(key);
    this.mem.set(key, v);
    if (this.mem.size > MAX_ENTRIES) {
      const oldest = this.mem.keys().next().value;
      if (oldest !== undefined) this.mem.delete(oldest);
    }
  }
}
