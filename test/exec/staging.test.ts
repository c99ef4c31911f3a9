/** Host files under /tmp are hidden by the sandbox's own /tmp: sandboxVisible stages them elsewhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxVisible } from '../../src/exec/sandbox.js';

test('files under /tmp are staged outside /tmp by content; other paths are unchanged', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const dir = mkdtempSync('/tmp/verdict-stage-');
  try {
    writeFileSync(join(dir, 'a.py'), 'print(1)\n');
    writeFileSync(join(dir, 'b.js'), 'console.log(2)\n');
    const staged = sandboxVisible(dir, ['a.py', 'b.js']);
    assert.ok(!staged.startsWith('/tmp/'), staged);
    assert.equal(readFileSync(join(staged, 'a.py'), 'utf8'), 'print(1)\n');
    assert.equal(readFileSync(join(staged, 'b.js'), 'utf8'), 'console.log(2)\n');
    assert.equal(sandboxVisible(dir, ['a.py', 'b.js']), staged, 'same content, same place');
    writeFileSync(join(dir, 'a.py'), 'print(3)\n');
    const again = sandboxVisible(dir, ['a.py', 'b.js']);
    assert.notEqual(again, staged, 'changed content is staged afresh');
    const file = sandboxVisible(join(dir, 'b.js'));
    assert.ok(!file.startsWith('/tmp/') && file.endsWith('/b.js'));
    assert.equal(sandboxVisible(process.cwd().startsWith('/tmp/') ? '/usr' : process.cwd()), process.cwd().startsWith('/tmp/') ? '/usr' : process.cwd());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
