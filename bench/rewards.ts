/**
 * `npm run bench:rewards`: syntax match + data-flow match pairs per second on HumanEval-sized
 * Python functions (HumanEval prompts + canonical solutions when the data is present, else
 * built-in snippets). Each pair parses its candidate once; references are analysed once and
 * cached, as in training (k samples per prompt against one reference). Prints ONE JSON line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParsers } from '../src/rewards/code/parser.js';
import { analyzeSync, dataflowMatchSync, syntaxMatchSync } from '../src/rewards/code/metrics.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dataDir = process.env.VERDICT_DATA ?? join(here, '..', '..', 'shared', 'data');
const file = join(dataDir, 'humaneval', 'HumanEval.jsonl.gz');

const SNIPPETS = [
  'def add(a, b):\n    """Add."""\n    return a + b\n',
  'def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n',
  'def count_vowels(s):\n    n = 0\n    for ch in s.lower():\n        if ch in "aeiou":\n            n += 1\n    return n\n',
  'def below_zero(ops):\n    balance = 0\n    for op in ops:\n        balance += op\n        if balance < 0:\n            return True\n    return False\n',
];

let programs: string[];
let source: string;
if (existsSync(file)) {
  programs = gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const t = JSON.parse(l) as { prompt: string; canonical_solution: string };
      return t.prompt + t.canonical_solution;
    });
  source = 'humaneval';
} else {
  programs = SNIPPETS;
  source = 'builtin-snippets';
}

await initParsers(['python']);
// candidates: each reference against itself and against its neighbour's body (a wrong program)
const pairs: Array<[string, string]> = [];
for (let i = 0; i < programs.length; i++) {
  pairs.push([programs[i]!, programs[i]!]);
  pairs.push([programs[(i + 1) % programs.length]!, programs[i]!]);
}
const chars = programs.reduce((s, p) => s + p.length, 0) / programs.length;

// warm-up (JIT, reference cache)
for (const [c, r] of pairs) {
  syntaxMatchSync(c, r, 'python');
  dataflowMatchSync(c, r, 'python');
}

// measured: each pair analyses its candidate once, both metrics from that analysis
const t0 = performance.now();
let n = 0;
let checksum = 0;
while (performance.now() - t0 < 3000) {
  for (const [c, r] of pairs) {
    const a = analyzeSync(c, 'python');
    checksum += syntaxMatchSync(a, r, 'python').score ?? 0;
    checksum += dataflowMatchSync(a, r, 'python').score ?? 0;
    n++;
  }
}
const secs = (performance.now() - t0) / 1000;

// same pairs without the reference cache (both programs parsed every time), measured in the same run
const t1 = performance.now();
let m = 0;
while (performance.now() - t1 < 1500) {
  for (const [c, r] of pairs) {
    const a = analyzeSync(c, 'python');
    const ra = analyzeSync(r, 'python');
    syntaxMatchSync(a, ra, 'python');
    dataflowMatchSync(a, ra, 'python');
    m++;
  }
}
const secsFresh = (performance.now() - t1) / 1000;

console.log(
  JSON.stringify({
    bench: 'rewards',
    metric: 'syntax+dataflow match pairs/s',
    source,
    programs: programs.length,
    mean_program_chars: Math.round(chars),
    pairs: n,
    seconds: +secs.toFixed(2),
    pairs_per_s: Math.round(n / secs),
    pairs_per_s_uncached_reference: Math.round(m / secsFresh),
    cached_speedup: +(n / secs / (m / secsFresh)).toFixed(2),
    checksum: +checksum.toFixed(3),
    node: process.version,
  }),
);
