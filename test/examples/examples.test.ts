/** The examples run as documented and print what they claim (they only run code in the sandbox). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function runExample(file: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${file} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('examples/judge-and-reward.ts: one verdict of each kind, and the passing sample is best', () => {
  const out = runExample('examples/judge-and-reward.ts');
  for (const status of ['passed', 'failed', 'syntax_error', 'runtime_error']) assert.match(out, new RegExp(`'${status}'`));
  assert.match(out, /best of 4: sample 0 \(passed\)/);
});

test('examples/reward-server.ts: error-type rewards over HTTP and a SandboxFusion run', () => {
  const out = runExample('examples/reward-server.ts');
  const reward = JSON.parse(out.split('\n').find((l) => l.startsWith('/get_reward '))!.slice('/get_reward '.length));
  assert.deepEqual(reward.rewards, [1, -0.3, -1]);
  const run = JSON.parse(out.split('\n').find((l) => l.startsWith('/run_code '))!.slice('/run_code '.length));
  assert.equal(run.status, 'Success');
  assert.equal(run.run_result.stdout, '9\n');
});
