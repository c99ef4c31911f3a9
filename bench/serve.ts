/**
 * `npm run bench:serve`: load on `verdict serve` from a second process over loopback.
 *
 * The parent starts `verdict serve --port 0` as a child process, then keeps 64 connections busy
 * for a bounded time with a mix of requests: SandboxFusion /run_code (python passing, failing and
 * timing out; nodejs passing) and OpenRLHF /get_reward (passing and failing samples). Every answer
 * is checked against its expected outcome. Prints ONE JSON line: requests/s, p50/p99 latency,
 * errors (transport errors, unexpected statuses, wrong outcomes) and 429s (intended back-pressure).
 *
 * Env: VERDICT_BENCH_SECONDS (default 10), VERDICT_BENCH_CONNECTIONS (64), VERDICT_BENCH_WORKERS
 * (server's --workers; default the server's own).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';


interface Kind {
  name: string;
  weight: number;
  path: string;
  body: unknown;
  /** True when the answer is the expected one. */
  check(json: any): boolean; // eslint-disable-line @typescript-eslint/no-explicit-any -- server answers, inspected field by field
}

const MBPP_LABEL = JSON.stringify({ test_list: ['assert add(1, 2) == 3', 'assert add(-1, 1) == 0'] });

const KINDS: Kind[] = [
  {
    name: 'run_pass',
    weight: 30,
    path: '/run_code',
    body: { language: 'python', code: 'print(sum(range(100)))', run_timeout: 5 },
    check: (j) => j.status === 'Success' && j.run_result?.stdout === '4950\n',
  },
  {
    name: 'run_fail',
    weight: 20,
    path: '/run_code',
    body: { language: 'python', code: 'raise ValueError("no")', run_timeout: 5 },
    check: (j) => j.status === 'Failed' && j.run_result?.status === 'Finished' && j.run_result.return_code !== 0,
  },
  {
    name: 'run_timeout',
    weight: 4,
    path: '/run_code',
    body: { language: 'python', code: 'while True:\n    pass', run_timeout: 1 },
    check: (j) => j.status === 'Failed' && j.run_result?.status === 'TimeLimitExceeded',
  },
  {
    name: 'run_node',
    weight: 10,
    path: '/run_code',
    body: { language: 'nodejs', code: 'console.log([1, 2, 3].map((x) => x * 2).join(","))', run_timeout: 5 },
    check: (j) => j.status === 'Success' && j.run_result?.stdout === '2,4,6\n',
  },
  {
    name: 'reward_pass',
    weight: 20,
    path: '/get_reward',
    body: { query: ['Write add.\ndef add(a, b):\n    return a + b\n'], prompts: ['Write add.\n'], labels: [MBPP_LABEL] },
    check: (j) => j.rewards?.[0] === 1 && j.scores?.[0] === 1,
  },
  {
    name: 'reward_fail',
    weight: 16,
    path: '/get_reward',
    body: { query: ['Write add.\ndef add(a, b):\n    return a + b if a >= 0 else -1\n'], prompts: ['Write add.\n'], labels: [MBPP_LABEL] },
    check: (j) => j.rewards?.[0] === 0 && j.extra_logs?.pass_ratio?.[0] === 0.5,
  },
];

function pick(r: number): Kind {
  const total = KINDS.reduce((s, k) => s + k.weight, 0);
  let x = r * total;
  for (const k of KINDS) if ((x -= k.weight) < 0) return k;
  return KINDS[KINDS.length - 1]!;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runLoad(): Promise<void> {
  const seconds = Number(process.env.VERDICT_BENCH_SECONDS ?? 10);
  const connections = Number(process.env.VERDICT_BENCH_CONNECTIONS ?? 64);
  const workers = process.env.VERDICT_BENCH_WORKERS;
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--server', '--no-cache', ...(workers ? ['--workers', workers] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s: ${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });

  const pool = new Pool(url, { connections, pipelining: 1 });
  const latencies: number[] = [];
  const perKind: Record<string, { n: number; wrong: number }> = Object.fromEntries(KINDS.map((k) => [k.name, { n: 0, wrong: 0 }]));
  let transport = 0;
  let unexpected = 0;
  let wrong = 0;
  let rejected = 0;
  const samples: string[] = [];
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);

  // Warm-up: one of each kind, not timed (interpreters and sandbox start-up).
  for (const k of KINDS) {
    await pool.request({ path: k.path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(k.body) }).then((r) => r.body.text());
  }

  const started = performance.now();
  const deadline = started + seconds * 1000;
  async function loop(): Promise<void> {
    while (performance.now() < deadline) {
      const k = pick(rand());
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: k.path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(k.body) });
        const text = await res.body.text();
        if (res.statusCode === 429) {
          rejected++;
          const after = Number(res.headers['retry-after'] ?? 1);
          await new Promise((r) => setTimeout(r, Math.min(after, 1) * 1000));
          continue;
        }
        latencies.push(performance.now() - t0);
        perKind[k.name]!.n++;
        if (res.statusCode !== 200) {
          unexpected++;
          if (samples.length < 3) samples.push(`${k.name}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
        } else if (!k.check(JSON.parse(text))) {
          wrong++;
          perKind[k.name]!.wrong++;
          if (samples.length < 3) samples.push(`${k.name}: ${text.slice(0, 300)}`);
        }
      } catch (err) {
        transport++;
        if (samples.length < 3) samples.push(`${k.name}: ${(err as Error).message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();

  // Graceful shutdown of the server: SIGTERM, expect exit 0.
  const exitCode = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill('SIGTERM');
  });

  latencies.sort((a, b) => a - b);
  const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      bench: 'serve',
      seconds: round(elapsed, 2),
      connections,
      workers: workers ? Number(workers) : 'default',
      requests: latencies.length,
      requests_per_s: round(latencies.length / elapsed),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      max_ms: round(latencies.at(-1) ?? NaN),
      errors: transport + unexpected + wrong,
      transport_errors: transport,
      unexpected_status: unexpected,
      wrong_outcomes: wrong,
      rejected_429: rejected,
      mix: Object.fromEntries(Object.entries(perKind).map(([k, v]) => [k, v.n])),
      server_exit_on_sigterm: exitCode,
      ...(samples.length ? { error_samples: samples } : {}),
    }),
  );
}

if (process.argv.includes('--server')) {
  // Child role: the real CLI command.
  const { main } = await import('../src/cli/main.js');
  const extra = process.argv.slice(process.argv.indexOf('--server') + 1);
  await main(['node', 'verdict', 'serve', '--port', '0', ...extra]);
} else {
  await runLoad();
}
