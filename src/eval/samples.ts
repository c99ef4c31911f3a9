/**
 * Reading a samples file: JSONL (optionally gzip) of {task_id, completion, ...}, as human-eval
 * writes them. Every line is checked before anything runs; errors name the file, line and field.
 */
import { TaskFormatError, parseJsonLines, readText, taskLookup, type Task } from '../tasks/index.js';

export interface LoadedSample {
  /** 0-based position among the file's samples (blank lines skipped). */
  index: number;
  /** 1-based line in the samples file. */
  line: number;
  /** The line's object, every field kept (written back into the results). */
  fields: Record<string, unknown>;
  task: Task;
  completion: string;
}

export async function readSamples(file: string, tasks: readonly Task[], problemsFile = 'the problems file'): Promise<LoadedSample[]> {
  const records = parseJsonLines(await readText(file), file);
  const lookup = taskLookup(tasks);
  const examples = tasks.slice(0, 2).map((t) => t.id).join(', ');
  return records.map((rec): LoadedSample => {
    const v = rec.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new TaskFormatError(`${rec.where}: expected a sample object {"task_id": ..., "completion": ...}`, file, rec.line);
    }
    const o = v as Record<string, unknown>;
    if (o.task_id === undefined) throw new TaskFormatError(`${rec.where}: field 'task_id': missing`, file, rec.line, 'task_id');
    if (typeof o.task_id !== 'string' && typeof o.task_id !== 'number') {
      throw new TaskFormatError(`${rec.where}: field 'task_id': expected a string or number`, file, rec.line, 'task_id');
    }
    if (o.completion === undefined) throw new TaskFormatError(`${rec.where}: field 'completion': missing`, file, rec.line, 'completion');
    if (typeof o.completion !== 'string') {
      throw new TaskFormatError(`${rec.where}: field 'completion': expected a string`, file, rec.line, 'completion');
    }
    const task = lookup.get(o.task_id);
    if (!task) {
      throw new TaskFormatError(
        `${rec.where}: field 'task_id': unknown task ${JSON.stringify(o.task_id)} (not among the ${lookup.size} tasks of ${problemsFile}, e.g. ${examples})`,
        file,
        rec.line,
        'task_id',
      );
    }
    return { index: rec.index, line: rec.line, fields: o, task, completion: o.completion };
  });
}
