/**
 * The reward server an RL trainer talks to: start `verdict serve`'s server in-process on loopback,
 * send an OpenRLHF /get_reward request and a SandboxFusion /run_code request (what veRL sends),
 * and print the answers.
 *
 *   node --import tsx examples/reward-server.ts
 *
 * In production run `verdict serve --port 8080` and point the trainer at it (docs/serve.md).
 */
import { request } from 'undici';
import { createExecutor } from '../src/exec/index.js';
import { createExecServer } from '../src/serve/index.js';

const executor = await createExecutor({ workers: 2 });
const server = await createExecServer({ executor, reward: 'error-type' });
const base = await server.listen(0, '127.0.0.1');

async function post(path: string, body: unknown): Promise<unknown> {
  const r = await request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.body.json();
}

try {
  // OpenRLHF: query = prompt + response; labels carry the tests.
  const prompt = 'Write add(a, b).\n';
  const label = JSON.stringify({ tests: ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0'] });
  const responses = ['def add(a, b):\n    return a + b\n', 'def add(a, b):\n    return a - b\n', 'def add(a, b)\n    return a + b\n'];
  const reward = await post('/get_reward', {
    query: responses.map((r) => prompt + r),
    prompts: responses.map(() => prompt),
    labels: responses.map(() => label),
  });
  console.log('/get_reward', JSON.stringify(reward));

  // veRL's sandbox_fusion reward: one program, stdin, compile/run status.
  const run = await post('/run_code', { code: 'print(sum(map(int, input().split())))', language: 'python', stdin: '2 3 4\n' });
  console.log('/run_code', JSON.stringify(run));
} finally {
  await server.close();
  await executor.close();
}
