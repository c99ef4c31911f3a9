/** `verdict reward` end to end: metric kinds in process, exec-* and compile through the sandbox. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function verdict(...args: string[]) {
  const script = `import('./src/cli/main.ts').then((m) => m.main(['node', 'verdict', ...${JSON.stringify(args)}]))`;
  return spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 120_000 });
}
const last = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as { score: number | null; components: Record<string, number | null> };

test('verdict reward: syntax-match, dataflow-match, codebleu, exec-* and compile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verdict-reward-'));
  try {
    const f = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cand = f('cand.py', 'def add(a, b):\n    c = a // b  # floor\n    return c\n');
    const ref = f('ref.py', 'def add(x, y):\n    z = x // y\n    return z\n');
    const tests = f('tests.txt', 'assert add(4, 2) == 2\n\n# a comment\nassert add(9, 3) == 3\nassert add(1, 1) == 5\n');
    const base = ['reward', '--lang', 'python', '--candidate', cand, '--reference', ref, '--json'];

    const sm = verdict(...base, '--kind', 'syntax-match');
    assert.equal(sm.status, 0, sm.stderr);
    assert.deepEqual(last(sm.stdout), { score: 1, components: { syntaxMatch: 1, matchedSubtrees: 8, referenceSubtrees: 8 } });
    const df = verdict(...base, '--kind', 'dataflow-match');
    assert.deepEqual(last(df.stdout), { score: 1, components: { dataflowMatch: 1, matchedEdges: 6, referenceEdges: 6 } });
    const cb = last(verdict(...base, '--kind', 'codebleu').stdout);
    assert.equal(cb.components.syntaxMatch, 1);
    assert.ok(cb.score! > 0.5 && cb.score! < 1);

    const fr = verdict(...base, '--kind', 'exec-fraction', '--tests', tests);
    assert.equal(fr.status, 0, fr.stderr);
    assert.equal(last(fr.stdout).score, 2 / 3);
    const specFile = f('tests.json', JSON.stringify({ kind: 'asserts', asserts: ['assert add(4, 2) == 2', 'assert add(1, 1) == 5'] }));
    assert.equal(last(verdict(...base, '--kind', 'exec-fraction', '--tests', specFile).stdout).score, 0.5);
    const ad = last(verdict(...base, '--kind', 'exec-adaptive', '--tests', tests).stdout);
    assert.ok(Math.abs(ad.score! - (-0.3 + 1.3 * (2 / 3))) < 1e-12);

    const comp = verdict('reward', '--kind', 'compile', '--lang', 'python', '--candidate', cand, '--json');
    assert.deepEqual(last(comp.stdout), { score: 1, components: { compile: 1 } });
    // the compile check never runs the program: a print at top level leaves no output
    const noisy = f('noisy.py', 'print("RAN")\ndef f(:\n');
    const bad = verdict('reward', '--kind', 'compile', '--lang', 'python', '--candidate', noisy);
    assert.match(bad.stdout, /compile: -1\.0000/);
    assert.doesNotMatch(bad.stdout + bad.stderr, /RAN/);
    const js = f('bad.js', 'let x = ;\n');
    assert.deepEqual(last(verdict('reward', '--kind', 'compile', '--lang', 'javascript', '--candidate', js, '--json').stdout), { score: -1, components: { compile: -1 } });

    const jsCand = f('c.js', 'function add(a, b) { return Math.floor(a / b); }\n');
    const jsTests = f('t.js', 'const assert = require("node:assert");\nassert.equal(add(4, 2), 2);\n');
    const je = verdict('reward', '--kind', 'exec-errortype', '--lang', 'javascript', '--candidate', jsCand, '--tests', jsTests, '--json');
    assert.equal(last(je.stdout).score, 1, je.stderr);

    // user errors name the problem
    assert.match(verdict('reward', '--kind', 'nope', '--lang', 'python', '--candidate', cand).stderr, /--kind must be one of/);
    assert.match(verdict('reward', '--kind', 'syntax-match', '--lang', 'python', '--candidate', cand).stderr, /needs --reference/);
    assert.match(verdict(...base, '--kind', 'exec-binary').stderr, /needs --tests/);
    const badTests = f('bad-tests.txt', 'assert add(1, 1) == 1\nprint(1)\n');
    assert.match(verdict(...base, '--kind', 'exec-binary', '--tests', badTests).stderr, /bad-tests\.txt: line 2: expected an assert statement/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
