/**
 * Sampling a task file into a samples JSONL ({task_id, completion}, as human-eval and `verdict
 * eval` read it), written task by task so that an interrupted run resumes where it stopped.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Policy } from '../policy/types.js';
import type { Task } from '../tasks/types.js';

export interface SampleFileOptions {
  policy: Policy;
  tasks: readonly Task[];
  /** Completions per task. */
  n: number;
  temperature: number;
  maxTokens: number;
  seed: number;
  /** Output JSONL; existing complete tasks are kept (resume), partial ones are sampled again. */
  out: string;
  /** Prompts per policy call. */
  batch?: number;
  topP?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SampleFileResult {
  tasks: number;
  /** Tasks taken from an earlier run of the same file. */
  resumed: number;
  samples: number;
  seconds: number;
}

/** A per-task seed, so that a task's samples do not depend on which other tasks share its batch. */
export function taskSeed(seed: number, taskIndex: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(taskIndex + 1, 0x85ebca6b)) >>> 0;
}

async function priorComplete(out: string, n: number): Promise<{ lines: string[]; done: Set<string> }> {
  if (!existsSync(out)) return { lines: [], done: new Set() };
  const byTask = new Map<string, string[]>();
  const text = await readFile(out, 'utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: { task_id?: unknown };
    try {
      rec = JSON.parse(line) as { task_id?: unknown };
    } catch {
      continue; // a torn last line from an interrupted run
    }
    const id = String(rec.task_id);
    if (!byTask.has(id)) byTask.set(id, []);
    byTask.get(id)!.push(line);
  }
  const lines: string[] = [];
  const done = new Set<string>();
  for (const [id, ls] of byTask) {
    if (ls.length >= n) {
      done.add(id);
      lines.push(...ls.slice(0, n));
    }
  }
  return { lines, done };
}

export async function sampleToFile(o: SampleFileOptions): Promise<SampleFileResult> {
  const started = performance.now();
  const { lines, done } = await priorComplete(o.out, o.n);
  // Keep only complete tasks from an earlier run; everything else is sampled again.
  await writeFile(o.out, lines.map((l) => l + '\n').join(''));
  const todo = o.tasks.map((t, i) => ({ t, i })).filter(({ t }) => !done.has(t.id));
  const resumed = o.tasks.length - todo.length;
  let finished = resumed;
  o.onProgress?.(finished, o.tasks.length);
  // Same stop list per call; within a group, batches of prompts. Each task gets its own seed by
  // sampling it in its own call when the policy is seeded per request.
  const batchSize = Math.max(1, o.batch ?? 16);
  const groups = new Map<string, Array<{ t: Task; i: number }>>();
  for (const x of todo) {
    const key = JSON.stringify(x.t.stop ?? []);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(x);
  }
  let samples = 0;
  for (const group of groups.values()) {
    for (let b = 0; b < group.length; b += batchSize) {
      const batch = group.slice(b, b + batchSize);
      const stop = batch[0]!.t.stop;
      const out = await o.policy.sample(
        batch.map(({ t }) => t.prompt),
        {
          n: o.n,
          temperature: o.temperature,
          maxTokens: o.maxTokens,
          ...(stop ? { stop } : {}),
          ...(o.topP !== undefined ? { topP: o.topP } : {}),
          seed: taskSeed(o.seed, batch[0]!.i),
          logprobs: false,
        },
      );
      let text = '';
      batch.forEach(({ t }, k) => {
        for (const c of out[k] ?? []) {
          text += JSON.stringify({ task_id: t.id, completion: c.text, finish_reason: c.finishReason }) + '\n';
          samples++;
        }
      });
      await appendFile(o.out, text);
      finished += batch.length;
      o.onProgress?.(finished, o.tasks.length);
    }
  }
  return { tasks: o.tasks.length, resumed, samples: samples + lines.length, seconds: (performance.now() - started) / 1000 };
}
