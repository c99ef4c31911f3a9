/** The `verdict serve` command as a process: starts, answers, and exits 0 on SIGTERM; bad flags fail clearly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'undici';

function verdict(args: string[]) {
  const code = `import('./src/cli/main.ts').then((m) => m.main(['node', 'verdict', ...${JSON.stringify(args)}]))`;
  return spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('verdict serve listens, answers /health with a token, and shuts down cleanly on SIGTERM', async () => {
  const child = verdict(['serve', '--port', '0', '--workers', '1', '--token', 't0k']);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (c) => reject(new Error(`exited ${c}: ${err}`)));
  });
  const health = await request(`${url}/health`);
  assert.equal(health.statusCode, 200);
  await health.body.dump();
  const denied = await request(`${url}/metrics`);
  assert.equal(denied.statusCode, 401);
  await denied.body.dump();
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
  assert.match(err, /SIGTERM received, finishing requests in flight/);
});

test('bad flags are user errors naming the flag', async () => {
  for (const [args, msg] of [
    [['serve', '--reward', 'vibes'], /--reward must be one of binary, error-type, composite/],
    [['serve', '--workers', '0'], /--workers must be an integer >= 1/],
  ] as const) {
    const child = verdict([...args]);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.match(err, msg);
  }
});
