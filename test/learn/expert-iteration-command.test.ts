import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinTasks } from '../../src/tasks/builtin/index.js';
import { runExpertIterationCommand, type ExpertIterationCommandOptions, type ExpertIterationDeps } from '../../src/cli/commands/expert-iteration.js';
import { referenceExecutor, referencePolicy } from './fakes.js';

// A fake "engine": a checkpoint is a folder whose quality.json says how often the model writes
// the reference; fine-tuning on k kept programs raises it. Judging compares with the reference.
const tasks = [...builtinTasks('train'), ...builtinTasks('test')];
function deps(calls: { fineTune: number; policies: string[] }): ExpertIterationDeps {
  return {
    async openPolicy(checkpoint) {
      calls.policies.push(checkpoint);
      const q = JSON.parse(readFileSync(join(checkpoint, 'quality.json'), 'utf8')) as { p: number };
      return referencePolicy(tasks, q.p);
    },
    async openExecutor() {
      return referenceExecutor();
    },
    async fineTune(o) {
      calls.fineTune++;
      const base = JSON.parse(readFileSync(join(o.from, 'quality.json'), 'utf8')) as { p: number };
      mkdirSync(o.out, { recursive: true });
      writeFileSync(join(o.out, 'quality.json'), JSON.stringify({ p: Math.min(0.9, base.p + 0.2) }));
      await o.onStep?.({ step: 1, 'train/loss': 1, 'train/learning_rate': 1e-3, 'train/tokens': 10, 'train/epoch': 1 });
      return { steps: 1, finalLoss: 1, seconds: 0 };
    },
  };
}

test('expert-iteration: evaluates before and after, fine-tunes from the base, resumes, prints JSON last', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-ei-'));
  try {
    const base = join(dir, 'base');
    mkdirSync(base);
    writeFileSync(join(base, 'quality.json'), JSON.stringify({ p: 0.2 }));
    const opts: ExpertIterationCommandOptions = {
      checkpoint: base, rounds: 2, samplesPerTask: 4, out: join(dir, 'run'), seed: 1, json: true, trainTasks: 40, testTasks: 20,
      capPerTask: 10, temperature: 0.7, evalN: 10, evalTemperature: 0.8, maxTokens: 64, epochs: 1, lr: 1e-3, batchSize: 8, workers: 1,
    };
    const calls = { fineTune: 0, policies: [] as string[] };
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    const origErr = console.error;
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    console.error = () => {};
    let r;
    try {
      r = await runExpertIterationCommand(opts, deps(calls));
    } finally {
      process.stdout.write = orig;
      console.error = origErr;
    }
    const last = JSON.parse(writes[writes.length - 1]!) as { before: Record<string, number>; after: Record<string, number> };
    assert.deepEqual(Object.keys(last.before).sort(), ['compile_rate', 'pass@1', 'pass@10']);
    assert.deepEqual(last, JSON.parse(JSON.stringify(r)));
    assert.ok(last.after['pass@1']! > last.before['pass@1']!, 'the fake fine-tune helps');
    assert.equal(calls.fineTune, 2);
    // Round 2 samples from round 1's model (policy list: base eval, round-1 gen from base, round-1 eval, round-2 gen from round 1, round-2 eval).
    assert.equal(calls.policies[3], join(dir, 'run', 'round-1', 'checkpoint'));
    const state = JSON.parse(readFileSync(join(dir, 'run', 'state.json'), 'utf8')) as { rounds: unknown[] };
    assert.equal(state.rounds.length, 2);
    assert.ok(existsSync(join(dir, 'run', 'round-1', 'kept.jsonl')));
    assert.ok(readFileSync(join(dir, 'run', 'round-2', 'metrics.jsonl'), 'utf8').includes('"train/loss"'));
    // Re-running resumes: nothing is sampled or trained again.
    const again = { fineTune: 0, policies: [] as string[] };
    console.error = () => {};
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runExpertIterationCommand(opts, deps(again));
      await assert.rejects(runExpertIterationCommand({ ...opts, seed: 2 }, deps(again)), /different settings \(seed\)/);
    } finally {
      process.stdout.write = orig;
      console.error = origErr;
    }
    assert.equal(again.fineTune, 0);
    assert.equal(again.policies.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
