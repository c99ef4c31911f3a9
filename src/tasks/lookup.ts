/**
 * Finding a task by the id a samples file uses. Tools spell ids differently: MBPP samples may say
 * 11, "11", "mbpp/11" or "Mbpp/11"; MultiPL-E samples "HumanEval_0_has_close_elements" or
 * "HumanEval/0". Exact ids win; then case-insensitive ids; then numeric MBPP ids and aliases.
 */
import type { Task } from './types.js';

export interface TaskLookup {
  /** The task for a sample's task_id, or undefined. */
  get(id: unknown): Task | undefined;
  readonly size: number;
}

export function taskLookup(tasks: readonly Task[]): TaskLookup {
  const exact = new Map<string, Task>();
  const loose = new Map<string, Task>();
  const addLoose = (key: string, t: Task) => {
    const k = key.toLowerCase();
    if (!loose.has(k)) loose.set(k, t);
  };
  for (const t of tasks) if (!exact.has(t.id)) exact.set(t.id, t);
  for (const t of tasks) {
    addLoose(t.id, t);
    const taskId = t.meta?.taskId;
    if (typeof taskId === 'number' || typeof taskId === 'string') addLoose(String(taskId), t);
    const aliases = t.meta?.aliases;
    if (Array.isArray(aliases)) for (const a of aliases) if (typeof a === 'string') addLoose(a, t);
  }
  return {
    size: exact.size,
    get(id: unknown): Task | undefined {
      if (typeof id !== 'string' && typeof id !== 'number') return undefined;
      const s = String(id);
      return exact.get(s) ?? loose.get(s.toLowerCase());
    },
  };
}
