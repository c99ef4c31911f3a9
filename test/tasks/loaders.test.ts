import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  detectFormat,
  loadTasks,
  taskLookup,
  writeMbppJsonl,
  TaskFormatError,
  type Task,
} from '../../src/tasks/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verdict-loaders-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
async function put(name: string, content: string | Buffer): Promise<string> {
  const p = join(dir, name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  return p;
}
/** Asserts that loading rejects with a TaskFormatError whose message matches every pattern. */
async function rejectsWith(path: string, patterns: RegExp[], opts?: Parameters<typeof loadTasks>[1]) {
  await assert.rejects(loadTasks(path, opts), (err: unknown) => {
    assert.ok(err instanceof TaskFormatError, `expected TaskFormatError, got ${String(err)}`);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

const HE = [
  {
    task_id: 'HumanEval/0',
    prompt: 'def add(a, b):\n    """Add."""\n',
    canonical_solution: '    return a + b\n',
    test: '\ndef check(candidate):\n    assert candidate(1, 2) == 3\n',
    entry_point: 'add',
  },
  {
    task_id: 'HumanEval/1',
    prompt: 'def neg(a):\n',
    canonical_solution: '    return -a\n',
    test: 'def check(candidate):\n    assert candidate(1) == -1\n',
    entry_point: 'neg',
  },
];

describe('HumanEval', () => {
  test('JSONL and .jsonl.gz load to continue-mode check tasks', async () => {
    const plain = await put('he.jsonl', jsonl(HE));
    const gz = await put('he.jsonl.gz', gzipSync(jsonl(HE)));
    assert.equal(await detectFormat(plain), 'humaneval');
    assert.equal(await detectFormat(gz), 'humaneval');
    const a = await loadTasks(plain);
    const b = await loadTasks(gz);
    assert.deepEqual(a, b);
    assert.equal(a.length, 2);
    const t = a[0]!;
    assert.equal(t.id, 'HumanEval/0');
    assert.equal(t.source, 'humaneval');
    assert.equal(t.language, 'python');
    assert.equal(t.completionMode, 'continue');
    assert.equal(t.entryPoint, 'add');
    assert.equal(t.reference, '    return a + b\n');
    assert.deepEqual(t.tests, { kind: 'check', code: HE[0]!.test, entryPoint: 'add' });
    assert.ok(t.stop?.includes('\ndef'));
  });

  test('errors name file, line and field', async () => {
    const rows = [HE[0], { ...HE[1], entry_point: 7 }];
    await rejectsWith(await put('he-bad-type.jsonl', jsonl(rows)), [/he-bad-type\.jsonl:2:/, /field 'entry_point'/, /expected string, found number/]);
    const { test: _t, ...noTest } = HE[1]!;
    await rejectsWith(await put('he-missing.jsonl', jsonl([HE[0], noTest])), [/he-missing\.jsonl:2:/, /field 'test': missing/]);
    await rejectsWith(await put('he-nocheck.jsonl', jsonl([{ ...HE[0], test: 'assert True' }])), [/:1:/, /field 'test'/, /check\(candidate\)/]);
    await rejectsWith(await put('he-json.jsonl', jsonl([HE[0]]) + '\n{"task_id": "HumanEval/1", "prompt": \n'), [/he-json\.jsonl:3: invalid JSON/]);
    await rejectsWith(await put('he-dup.jsonl', jsonl([HE[0], HE[0]])), [/he-dup\.jsonl:2: duplicate task id 'HumanEval\/0' \(first at .*he-dup\.jsonl:1\)/]);
    await rejectsWith(await put('he-notobj.jsonl', jsonl([HE[0]]) + '[1, 2]\n'), [/he-notobj\.jsonl:2: expected a HumanEval record \(a JSON object\), found an array/]);
    await rejectsWith(await put('he-corrupt.jsonl.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5])), [/he-corrupt\.jsonl\.gz: corrupt gzip/]);
  });
});

describe('MBPP', () => {
  const rows = [
    {
      text: 'Write a function to add two numbers.',
      code: 'def add(a, b):\r\n    return a + b',
      task_id: 11,
      test_setup_code: 'import math',
      test_list: ['assert add(1, 2) == 3', 'assert add(0, 0) == 0'],
      challenge_test_list: ['assert add(10**20, 1) == 10**20 + 1'],
    },
    { text: 'Negate.', code: 'def helper(x):\n    return x\ndef neg(a):\n    return -a', task_id: 601, test_setup_code: '', test_list: ['assert neg(1) == -1'], challenge_test_list: [] },
  ];

  test('JSONL loads to whole-program assert tasks with setup, split and challenge tests', async () => {
    const p = await put('mbpp.jsonl', jsonl(rows));
    assert.equal(await detectFormat(p), 'mbpp');
    const [a, b] = await loadTasks(p);
    assert.equal(a!.id, 'mbpp/11');
    assert.equal(a!.completionMode, 'whole');
    assert.equal(a!.entryPoint, 'add');
    assert.equal(a!.reference, rows[0]!.code);
    assert.equal(a!.description, rows[0]!.text);
    assert.match(a!.prompt, /Write a function to add two numbers\.\nassert add\(1, 2\) == 3\n/);
    assert.deepEqual(a!.tests, { kind: 'asserts', asserts: rows[0]!.test_list, setup: 'import math' });
    assert.deepEqual(a!.meta, { taskId: 11, split: 'test', challengeTests: rows[0]!.challenge_test_list });
    assert.equal(b!.entryPoint, 'neg', 'the function the test calls, not the first defined');
    assert.equal(b!.meta?.split, 'train');
    assert.equal((b!.tests as { setup?: string }).setup, undefined, 'empty setup is dropped');
  });

  test('errors name file, line and field', async () => {
    await rejectsWith(await put('mbpp-badlist.jsonl', jsonl([rows[0], { ...rows[1], test_list: ['assert x', 3] }])), [/mbpp-badlist\.jsonl:2:/, /field 'test_list\[1\]'/, /expected string, found number/]);
    await rejectsWith(await put('mbpp-empty.jsonl', jsonl([{ ...rows[0], test_list: [] }])), [/mbpp-empty\.jsonl:1:/, /field 'test_list': is empty/]);
    await rejectsWith(await put('mbpp-code.jsonl', jsonl([{ ...rows[0], code: null }])), [/:1:/, /field 'code'/]);
  });

  test('sanitized JSON array loads with test imports; errors give the element and its line', async () => {
    const arr = [
      { source_file: 'x.ipynb', task_id: 2, prompt: 'Shared elements.', code: 'def shared(a, b):\n    return set(a) & set(b)', test_imports: [], test_list: ['assert set(shared([1], [1])) == {1}'] },
      { source_file: 'x.ipynb', task_id: 600, prompt: 'Is close.', code: 'import math\ndef close(a, b):\n    return math.isclose(a, b)', test_imports: ['import math'], test_list: ['assert math.isclose(close(1.0, 1.0), True)'] },
    ];
    const p = await put('sanitized.json', JSON.stringify(arr, null, 2));
    assert.equal(await detectFormat(p), 'mbpp-sanitized');
    const [a, b] = await loadTasks(p);
    assert.equal(a!.id, 'mbpp/2');
    assert.equal(a!.source, 'mbpp-sanitized');
    assert.equal(a!.entryPoint, 'shared');
    assert.deepEqual(a!.tests, { kind: 'asserts', asserts: arr[0]!.test_list });
    assert.deepEqual(b!.tests, { kind: 'asserts', asserts: arr[1]!.test_list, imports: ['import math'] });
    assert.equal(b!.entryPoint, 'close');
    assert.equal(b!.meta?.split, 'validation');
    // Field error in element 1: its line in the pretty-printed file.
    const bad = JSON.stringify([arr[0], { ...arr[1], test_list: 'assert True' }], null, 2);
    const badLine = bad.split('\n').findIndex((l, i, all) => i > 0 && l === '  {' && all.slice(0, i).some((x) => x === '  {')) + 1;
    await rejectsWith(await put('sanitized-bad.json', bad), [new RegExp(`sanitized-bad\\.json:${badLine} \\(element 1\\)`), /field 'test_list'/]);
    // Syntax error in the JSON document: line and column.
    await rejectsWith(await put('sanitized-syntax.json', '[\n  {"task_id": 2,\n   "prompt": "x" "code": ""}\n]'), [/sanitized-syntax\.json:3: invalid JSON at line 3, column/]);
  });

  test('writer round-trips tasks, builtin meta and non-assert tests included', async () => {
    const mbpp = await loadTasks(await put('mbpp-rt.jsonl', jsonl(rows)));
    const builtin: Task = {
      id: 'builtin/fizz',
      source: 'builtin',
      language: 'python',
      description: 'FizzBuzz for one number.',
      prompt: 'def fizz(n):\n',
      completionMode: 'whole',
      entryPoint: 'fizz',
      reference: 'def fizz(n):\n    return "Fizz" if n % 3 == 0 else str(n)\n',
      tests: { kind: 'asserts', asserts: ['assert fizz(3) == "Fizz"'], imports: ['import sys'] },
      stop: ['\ndef '],
      meta: { family: 'strings', difficulty: 2, templateSeed: 17 },
    };
    const stdio: Task = {
      id: 'builtin/echo',
      source: 'builtin',
      language: 'python',
      prompt: 'Echo stdin.',
      completionMode: 'whole',
      tests: { kind: 'stdio', cases: [{ input: 'a\n', output: 'a\n' }] },
    };
    const all = [...mbpp, builtin, stdio];
    for (const name of ['out.jsonl', 'out.jsonl.gz']) {
      const p = join(dir, name);
      await writeMbppJsonl(all, p);
      assert.equal(await detectFormat(p), 'mbpp');
      assert.deepEqual(await loadTasks(p), all);
    }
  });

  test('lookup accepts the usual spellings of MBPP ids', async () => {
    const tasks = await loadTasks(await put('mbpp-lookup.jsonl', jsonl(rows)));
    const lookup = taskLookup(tasks);
    for (const id of ['mbpp/11', 'Mbpp/11', 11, '11']) assert.equal(lookup.get(id)?.id, 'mbpp/11', String(id));
    assert.equal(lookup.get('mbpp/12'), undefined);
    assert.equal(lookup.get(null), undefined);
  });
});

describe('APPS', () => {
  test('folder tree: stdio and call-based problems, splits, skipped problems reported', async () => {
    const root = join(dir, 'apps');
    await put('apps/train/0000/question.txt', 'Print the sum of two numbers.');
    await put('apps/train/0000/input_output.json', JSON.stringify({ inputs: ['1 2\n', ['3 4', '']], outputs: ['3\n', '7\n'] }));
    await put('apps/train/0000/solutions.json', JSON.stringify(['a, b = map(int, input().split())\nprint(a + b)\n']));
    await put('apps/train/0000/metadata.json', JSON.stringify({ difficulty: 'introductory', url: 'https://example.org/p/1' }));
    await put('apps/train/0001/question.txt', 'Return n squared.');
    await put('apps/train/0001/input_output.json', JSON.stringify({ fn_name: 'square', inputs: [[2], [3]], outputs: [[4], [9]] }));
    await put('apps/train/0001/starter_code.py', 'def square(n):\n');
    await put('apps/train/0002/question.txt', 'No tests here.');
    await put('apps/test/0000/question.txt', 'Echo.');
    await put('apps/test/0000/input_output.json', JSON.stringify({ inputs: ['x\n'], outputs: ['x\n'] }));
    assert.equal(await detectFormat(root), 'apps');
    const warnings: string[] = [];
    const tasks = await loadTasks(root, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(tasks.map((t) => t.id), ['apps/test/0000', 'apps/train/0000', 'apps/train/0001']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /skipped 1 APPS problem.*train\/0002/);
    const stdio = tasks[1]!;
    assert.equal(stdio.completionMode, 'whole');
    assert.deepEqual(stdio.tests, { kind: 'stdio', cases: [{ input: '1 2\n', output: '3\n' }, { input: '3 4\n', output: '7\n' }] });
    assert.match(stdio.reference!, /print\(a \+ b\)/);
    assert.equal(stdio.meta?.difficulty, 'introductory');
    assert.equal(stdio.meta?.split, 'train');
    assert.match(stdio.prompt, /QUESTION:\nPrint the sum of two numbers\.\n[\s\S]*Use Standard Input format\nANSWER:\n$/);
    const call = tasks[2]!;
    assert.deepEqual(call.tests, { kind: 'call', fnName: 'square', cases: [{ args: [2], expected: [4] }, { args: [3], expected: [9] }] });
    assert.equal(call.entryPoint, 'square');
    assert.match(call.prompt, /def square\(n\):\n\n\nUse Call-Based format/);
    assert.equal(call.reference, undefined);
    // A single problem folder loads on its own.
    assert.equal((await loadTasks(join(root, 'train', '0001'))).length, 1);
  });

  test('folder tree errors name the file and field', async () => {
    await put('apps-bad1/0000/question.txt', 'q');
    await put('apps-bad1/0000/input_output.json', '{"inputs": ["1"],\n "outputs": ["1"');
    await rejectsWith(join(dir, 'apps-bad1'), [/apps-bad1\/0000\/input_output\.json:2: invalid JSON/]);
    await put('apps-bad2/0000/question.txt', 'q');
    await put('apps-bad2/0000/input_output.json', JSON.stringify({ inputs: ['1', '2'], outputs: ['1'] }));
    await rejectsWith(join(dir, 'apps-bad2'), [/apps-bad2\/0000\/input_output\.json:1: field 'outputs': 1 outputs for 2 inputs/]);
    await put('apps-bad3/0000/question.txt', 'q');
    await put('apps-bad3/0000/input_output.json', JSON.stringify({ fn_name: 'f', inputs: [[1], 2], outputs: [1, 2] }));
    await rejectsWith(join(dir, 'apps-bad3'), [/field 'inputs\[1\]': expected an argument list/]);
    await put('apps-bad4/0000/question.txt', 'q');
    await put('apps-bad4/0000/input_output.json', JSON.stringify({ inputs: ['1'], outputs: ['1'] }));
    await put('apps-bad4/0000/solutions.json', JSON.stringify([1]));
    await rejectsWith(join(dir, 'apps-bad4'), [/apps-bad4\/0000\/solutions\.json:1: expected a JSON array of program strings/]);
    await mkdir(join(dir, 'not-apps', 'x'), { recursive: true });
    await rejectsWith(join(dir, 'not-apps'), [/not an APPS tree/]);
  });

  test('JSONL export with JSON-string columns', async () => {
    const rows = [
      {
        problem_id: 7,
        question: 'Sum.',
        solutions: JSON.stringify(['print(sum(map(int, input().split())))']),
        input_output: JSON.stringify({ inputs: ['1 2\n'], outputs: ['3\n'] }),
        difficulty: 'interview',
        url: 'https://example.org/7',
        starter_code: '',
      },
      { problem_id: 8, question: 'Square.', solutions: '', input_output: JSON.stringify({ fn_name: 'sq', inputs: [[3]], outputs: [9] }), difficulty: 'interview', url: '', starter_code: 'def sq(n):' },
      { problem_id: 9, question: 'No tests.', solutions: '[]', input_output: '', difficulty: 'competition', url: '', starter_code: '' },
    ];
    const p = await put('apps.jsonl', jsonl(rows));
    assert.equal(await detectFormat(p), 'apps');
    const warnings: string[] = [];
    const tasks = await loadTasks(p, { onWarning: (m) => warnings.push(m) });
    assert.deepEqual(tasks.map((t) => t.id), ['apps/0007', 'apps/0008']);
    assert.match(warnings[0]!, /skipped 1 row.*apps\/0009/);
    assert.deepEqual(tasks[0]!.tests, { kind: 'stdio', cases: [{ input: '1 2\n', output: '3\n' }] });
    assert.equal(tasks[0]!.reference, 'print(sum(map(int, input().split())))');
    assert.equal(tasks[0]!.meta?.difficulty, 'interview');
    assert.deepEqual(tasks[1]!.tests, { kind: 'call', fnName: 'sq', cases: [{ args: [3], expected: 9 }] });
    await rejectsWith(await put('apps-badcol.jsonl', jsonl([rows[0], { ...rows[1], input_output: '{"inputs": [' }])), [/apps-badcol\.jsonl:2:/, /field 'input_output': is not valid JSON text/]);
    await rejectsWith(await put('apps-badshape.jsonl', jsonl([{ ...rows[0], input_output: JSON.stringify({ inputs: ['1'] }) }])), [/apps-badshape\.jsonl:1:/, /field 'input_output\.outputs': missing/]);
    await rejectsWith(await put('apps-badsol.jsonl', jsonl([{ ...rows[0], solutions: JSON.stringify({ a: 1 }) }])), [/apps-badsol\.jsonl:1:/, /field 'solutions': expected an array/]);
  });
});

describe('JavaScript benchmarks', () => {
  const HEX = [
    {
      task_id: 'JavaScript/0',
      prompt: '/* Add two numbers. */\nconst add = (a, b) => {\n',
      canonical_solution: '  return a + b;\n};\n',
      test: 'const testAdd = () => {\n  console.assert(add(1, 2) === 3)\n}\n\ntestAdd()\n',
      declaration: '\nconst add = (a, b) => {\n',
      example_test: '',
    },
  ];
  test('HumanEval-X JavaScript (.jsonl.gz): script tests that pass silently', async () => {
    const p = await put('humaneval_js.jsonl.gz', gzipSync(jsonl(HEX)));
    assert.equal(await detectFormat(p), 'humaneval-x');
    const [t] = await loadTasks(p);
    assert.equal(t!.language, 'javascript');
    assert.equal(t!.source, 'humaneval-x');
    assert.equal(t!.completionMode, 'continue');
    assert.equal(t!.entryPoint, 'add');
    assert.equal(t!.reference, HEX[0]!.canonical_solution);
    assert.deepEqual(t!.tests, { kind: 'script', code: '\n' + HEX[0]!.test, silentPass: true });
    await rejectsWith(await put('hex-py.jsonl', jsonl([{ ...HEX[0], task_id: 'Python/0' }])), [/hex-py\.jsonl:1:/, /field 'task_id'/, /JavaScript only/]);
    await rejectsWith(await put('hex-id.jsonl', jsonl([{ ...HEX[0], task_id: 'JavaScript-0' }])), [/field 'task_id'/], { format: 'humaneval-x' });
  });

  test('MultiPL-E JavaScript JSON: node:assert script tests, stop tokens, HumanEval alias', async () => {
    const arr = [
      {
        name: 'HumanEval_0_add',
        language: 'js',
        prompt: '//Add two numbers.\nfunction add(a, b){\n',
        doctests: 'transform',
        original: 'HumanEval_0_add.py',
        prompt_terminology: 'reworded',
        tests: "const assert = require('node:assert');\n\nfunction test() {\n  let candidate = add;\n  assert.deepEqual(candidate(1, 2),3);\n}\n\ntest();",
        stop_tokens: ['\nfunction ', '\n/*', '\n//', '\nconsole.log'],
      },
    ];
    const p = await put('multipl-e.json', JSON.stringify(arr));
    assert.equal(await detectFormat(p), 'multipl-e');
    const tasks = await loadTasks(p);
    const t = tasks[0]!;
    assert.equal(t.id, 'HumanEval_0_add');
    assert.equal(t.entryPoint, 'add');
    assert.equal(t.completionMode, 'continue');
    assert.deepEqual(t.stop, arr[0]!.stop_tokens);
    assert.deepEqual(t.tests, { kind: 'script', code: '\n' + arr[0]!.tests });
    assert.equal(taskLookup(tasks).get('HumanEval/0')?.id, 'HumanEval_0_add');
    await rejectsWith(await put('multipl-e-ts.json', JSON.stringify([{ ...arr[0], language: 'ts' }])), [/multipl-e-ts\.json:1 \(element 0\)/, /field 'language': 'ts' is not supported/]);
  });
});

describe('detection and general errors', () => {
  test('unknown shape, empty file, missing path, forced format', async () => {
    await rejectsWith(await put('weird.jsonl', jsonl([{ foo: 1, bar: 2 }])), [/weird\.jsonl:1: cannot tell the benchmark format \(first record has fields foo, bar\)/]);
    await rejectsWith(await put('empty.jsonl', '\n\n'), [/empty\.jsonl: no records/]);
    await rejectsWith(join(dir, 'nope.jsonl'), [/nope\.jsonl: cannot read \(ENOENT\)/]);
    // Forcing a format checks that format's fields.
    await rejectsWith(await put('he-as-mbpp.jsonl', jsonl(HE)), [/he-as-mbpp\.jsonl:1:/, /field 'text': missing \(MBPP record\)/], { format: 'mbpp' });
    await rejectsWith(await put('he-fmt.jsonl', jsonl(HE)), [/unknown format 'csv'/], { format: 'csv' as never });
  });
});

describe('real benchmark data', () => {
  const data = process.env.VERDICT_DATA ?? join(process.cwd(), '..', 'shared', 'data');
  test('HumanEval 164, MBPP 974, sanitized MBPP 427', async (t) => {
    const { existsSync } = await import('node:fs');
    if (!existsSync(join(data, 'humaneval', 'HumanEval.jsonl.gz'))) {
      t.skip(`benchmark data not found at ${data} (set VERDICT_DATA)`);
      return;
    }
    const he = await loadTasks(join(data, 'humaneval', 'HumanEval.jsonl.gz'));
    assert.equal(he.length, 164);
    assert.ok(he.every((x) => x.tests.kind === 'check' && x.reference && x.entryPoint));
    const mbpp = await loadTasks(join(data, 'mbpp', 'mbpp.jsonl'));
    assert.equal(mbpp.length, 974);
    assert.equal(mbpp.filter((x) => x.meta?.split === 'test').length, 500);
    assert.ok(mbpp.every((x) => x.entryPoint && x.reference && x.tests.kind === 'asserts' && x.tests.asserts.length >= 3));
    assert.equal(mbpp.filter((x) => (x.meta?.challengeTests as unknown[]).length > 0).length, 11);
    assert.equal(mbpp.filter((x) => x.tests.kind === 'asserts' && x.tests.setup).length, 2);
    const san = await loadTasks(join(data, 'mbpp', 'sanitized-mbpp.json'));
    assert.equal(san.length, 427);
    assert.equal(await detectFormat(join(data, 'mbpp', 'sanitized-mbpp.json')), 'mbpp-sanitized');
    // Every sanitized task is also in the full set, under the same id.
    const ids = new Set(mbpp.map((x) => x.id));
    assert.ok(san.every((x) => ids.has(x.id)));
  });
});
