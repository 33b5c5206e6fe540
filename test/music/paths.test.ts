// Where the corpus tests find the Essen collection, and that without it they count as skipped, not passed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths.js';

function node(args: readonly string[], env: Record<string, string | undefined>): string {
  // Without NODE_TEST_CONTEXT: the child is a test run of its own, not a part of this one.
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NODE_TEST_CONTEXT: undefined, ...env } });
  return result.stdout + result.stderr;
}

describe('the Essen collection for tests', () => {
  it('is looked for at FOLKBOT_ESSEN_DIR, else data/essen, else ../shared/data/essen', () => {
    const print = ['-e', "import('./test/music/paths.ts').then((m) => console.log(JSON.stringify(m.essenCandidates)))"];
    assert.deepEqual(JSON.parse(node(print, { FOLKBOT_ESSEN_DIR: undefined })), [path.join(repoRoot, 'data/essen'), path.resolve(repoRoot, '../shared/data/essen')]);
    assert.deepEqual(JSON.parse(node(print, { FOLKBOT_ESSEN_DIR: '/somewhere/essen' })), ['/somewhere/essen']);
  });

  it('leaves every corpus test counted as skipped when it is absent', () => {
    const output = node(['--test', '--test-reporter=tap', 'test/music/kern-corpus.test.ts', 'test/model/encodings-corpus.test.ts'], { FOLKBOT_ESSEN_DIR: '/nonexistent/essen' });
    assert.match(output, /^# skipped 7$/m, output.slice(-600));
    assert.match(output, /^# pass 0$/m);
    assert.match(output, /looked in \/nonexistent\/essen/);
  });
});
