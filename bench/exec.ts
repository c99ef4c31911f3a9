/**
 * `npm run bench:exec`: sandboxed judging throughput on HumanEval.
 *
 * The 164 canonical solutions x 10, each copy made distinct by a trailing comment (with a per-run
 * nonce) so that the verdict cache cannot serve any of them, go through `verdict eval`'s code path
 * (readSamples + evaluateSamples with the real sandbox executor, cache on, results file written),
 * timed from when the Python workers are up (their start-up, a one-time cost, is reported as
 * worker_startup_ms).
 * The reference, measured in the same run over the same programs: one python3 process that
 * exec()s every program in turn with no isolation at all (the core of OpenAI's harness). That is
 * allowed here only because the canonical solutions are trusted reference code.
 *
 * Prints ONE JSON line. Env: VERDICT_DATA (data folder), VERDICT_BENCH_COPIES (default 10),
 * VERDICT_BENCH_WORKERS (default: cores).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { loadTasks, type Task } from '../src/tasks/index.js';
import type { SandboxExecutor } from '../src/exec/index.js';
import { createSandboxExecutor, evaluateSamples, inFlightFor, readSamples, timeoutLimits } from '../src/eval/index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const data = process.env.VERDICT_DATA ?? join(repo, '..', 'shared', 'data');
const heFile = join(data, 'humaneval', 'HumanEval.jsonl.gz');
const copies = Number(process.env.VERDICT_BENCH_COPIES ?? 10);
const workers = Number(process.env.VERDICT_BENCH_WORKERS ?? availableParallelism());

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ bench: 'exec', ...o }) + '\n');
}

/** The program human-eval runs for a sample. */
function humanEvalProgram(t: Task, completion: string): string {
  if (t.tests.kind !== 'check') throw new Error(`${t.id}: not a HumanEval task`);
  return `${t.prompt}${completion}\n${t.tests.code}\ncheck(${t.tests.entryPoint})\n`;
}

/** One python3 process exec()ing every program in turn, timed inside Python. */
const IN_PROCESS = `
import json, sys, time
programs = json.load(sys.stdin)
failures = 0
start = time.perf_counter()
for p in programs:
    try:
        exec(compile(p, "<program>", "exec"), {"__name__": "__main__"})
    except BaseException:
        failures += 1
seconds = time.perf_counter() - start
json.dump({"programs": len(programs), "seconds": seconds, "failures": failures, "python": sys.version.split()[0]}, sys.stdout)
`;

function inProcess(programs: string[]): Promise<{ programs: number; seconds: number; failures: number; python: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', IN_PROCESS], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`python3 reference loop exited with ${code}`));
      // Canonical solutions print nothing; the JSON summary is the last line.
      resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
    child.stdin.end(JSON.stringify(programs));
  });
}

async function main(): Promise<void> {
  if (!existsSync(heFile)) {
    emit({ skipped: `HumanEval data not found at ${heFile} (set VERDICT_DATA)` });
    return;
  }
  const tasks = await loadTasks(heFile);
  const nonce = randomBytes(6).toString('hex');
  const lines: string[] = [];
  const programs: string[] = [];
  for (let c = 0; c < copies; c++) {
    for (const t of tasks) {
      const completion = `${t.reference}\n# copy ${c} of run ${nonce}\n`;
      lines.push(JSON.stringify({ task_id: t.id, completion }));
      programs.push(humanEvalProgram(t, completion));
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'verdict-bench-exec-'));
  try {
    const samplesPath = join(dir, 'samples.jsonl');
    const out = join(dir, 'samples.jsonl_results.jsonl');
    await writeFile(samplesPath, lines.join('\n') + '\n');
    const samples = await readSamples(samplesPath, tasks, heFile);
    const warnings: string[] = [];
    const limits = timeoutLimits(3);
    const created = performance.now();
    const executor = await createSandboxExecutor({ workers, cache: true, limits, onWarning: (m) => warnings.push(m) });
    await (executor as Partial<SandboxExecutor>).ready?.();
    const startupMs = performance.now() - created;
    let result;
    try {
      result = await evaluateSamples({ samples, executor, limits, ks: [1, 10], inFlight: inFlightFor(workers), out });
    } finally {
      await executor.close();
    }
    const cached = (await readFile(out, 'utf8')).split('\n').filter((l) => l.includes('"cached":true')).length;
    const ref = await inProcess(programs);
    const refRate = ref.programs / ref.seconds;
    for (const w of warnings) process.stderr.write(`bench:exec: sandbox warning: ${w}\n`);
    emit({
      programs: result.judged,
      workers,
      seconds: Number(result.seconds.toFixed(3)),
      worker_startup_ms: Math.round(startupMs),
      programs_per_second: Number(result.programsPerSecond.toFixed(1)),
      in_process_programs_per_second: Number(refRate.toFixed(1)),
      ratio_to_in_process: Number((result.programsPerSecond / refRate).toFixed(3)),
      passed: result.summary.verdicts.passed,
      verdicts: Object.fromEntries(Object.entries(result.summary.verdicts).filter(([, n]) => n > 0)),
      cached,
      in_process_failures: ref.failures,
      python: ref.python,
      node: process.versions.node,
      isolation_warnings: warnings.length,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
