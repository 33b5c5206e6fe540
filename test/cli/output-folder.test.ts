// The output folder: made with its parents, or one line that says which folder and why not; never a hang.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureOutputFolder } from '../../src/cli/output-folder.js';
import { UsageError } from '../../src/cli/command.js';

const root = mkdtempSync(path.join(tmpdir(), 'folkbot-out-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function refusal(dir: string): Promise<string> {
  try {
    await ensureOutputFolder(dir);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  assert.fail(`${dir} was made`);
}

describe('ensureOutputFolder', () => {
  it('makes the folder and its missing parents, and accepts one that exists', async () => {
    const dir = path.join(root, 'a/b/c');
    await ensureOutputFolder(dir);
    assert.ok(statSync(dir).isDirectory());
    await ensureOutputFolder(dir);
  });

  it('names the folder and the reason, without raw error codes', async () => {
    const file = path.join(root, 'file');
    writeFileSync(file, '');
    assert.equal(await refusal(file), `--out ${file}: cannot create the folder ${file}: it exists and is a file, not a folder`);
    assert.equal(await refusal(path.join(file, 'x/y')), `--out ${file}/x/y: cannot create the folder ${file}/x/y: ${file} is a file, not a folder`);
    for (const dir of [file, path.join(file, 'x')]) assert.doesNotMatch(await refusal(dir), /EEXIST|ENOTDIR|EACCES/);
  });

  it('answers at once under /proc, where a recursive mkdir loops for ever', { skip: existsSync('/proc/self') ? false : 'no /proc here' }, async () => {
    const started = Date.now();
    assert.match(await refusal('/proc/folkbot-nope/tune'), /^--out \/proc\/folkbot-nope\/tune: cannot create the folder .*: .*(does not allow new folders|permission denied)/);
    assert.ok(Date.now() - started < 2000);
  });
});
