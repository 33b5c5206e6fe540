import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { compiledSources } from '../../bin/compile.mjs';

const run = promisify(execFile);

/** A throwaway "repository" with a tiny src/: a TypeScript module importing another, and a plain .mjs. */
async function tinyRepo(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'folkbot-compile-'));
  await mkdir(path.join(root, 'src', 'lib'), { recursive: true });
  await writeFile(path.join(root, 'src', 'main.ts'), "import { twice } from './lib/twice.js';\nimport { plain } from './lib/plain.mjs';\nconst n: number = twice(21);\nconsole.log(`${n} ${plain}`);\n");
  await writeFile(path.join(root, 'src', 'lib', 'twice.ts'), 'export function twice(x: number): number {\n  return 2 * x;\n}\n');
  await writeFile(path.join(root, 'src', 'lib', 'plain.mjs'), "export const plain = 'plain';\n");
  await writeFile(path.join(root, 'src', 'lib', 'plain.d.mts'), 'export const plain: string;\n');
  return root;
}

describe('compiledSources (bin/compile.mjs)', () => {
  it('compiles src/ to runnable JavaScript once, and again only when a source changes', async () => {
    const root = await tinyRepo();
    try {
      const first = await compiledSources({ root });
      assert.equal(first.reason, null);
      assert.equal(first.built, true);
      const { stdout } = await run(process.execPath, [path.join(first.dir!, 'main.js')]);
      assert.equal(stdout, '42 plain\n');
      assert.ok(existsSync(path.join(first.dir!, 'lib', 'plain.mjs')), 'plain JavaScript modules are copied');
      assert.ok(!existsSync(path.join(first.dir!, 'lib', 'plain.d.mts')), 'declaration files are not');

      const again = await compiledSources({ root });
      assert.deepEqual(again, { dir: first.dir, built: false, reason: null });

      await writeFile(path.join(root, 'src', 'lib', 'twice.ts'), 'export function twice(x: number): number {\n  return 3 * x;\n}\n');
      const changed = await compiledSources({ root });
      assert.equal(changed.built, true);
      assert.notEqual(changed.dir, first.dir);
      assert.equal((await run(process.execPath, [path.join(changed.dir!, 'main.js')])).stdout, '63 plain\n');
      assert.ok(existsSync(path.join(first.dir!, 'main.js')), 'the previous build stays for processes still running on it');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('prunes old builds, but never one that a running process uses', async () => {
    const root = await tinyRepo();
    try {
      const source = (k: number): string => `export function twice(x: number): number {\n  return ${k} * x;\n}\n`;
      // Build 1 is used by a process that has ended, build 2 by one that runs (a child, still alive), build 3 by this one.
      await writeFile(path.join(root, 'src', 'lib', 'twice.ts'), source(1));
      const ended = (await compiledSources({ root })).dir!;
      await writeFile(path.join(root, 'src', 'lib', 'twice.ts'), source(2));
      const held = (await compiledSources({ root })).dir!;
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        const users = (dir: string): string => path.join(path.dirname(dir), 'users');
        await rm(users(ended), { recursive: true, force: true });
        await mkdir(users(ended));
        await writeFile(path.join(users(ended), '999999999'), '');
        await rm(users(held), { recursive: true, force: true });
        await mkdir(users(held));
        await writeFile(path.join(users(held), String(child.pid)), '');
        // Four more builds push both past the KEEP_OLD_BUILDS newest.
        for (let k = 3; k <= 7; k++) {
          await writeFile(path.join(root, 'src', 'lib', 'twice.ts'), source(k));
          await compiledSources({ root });
        }
        assert.ok(!existsSync(ended), 'a build no running process uses is pruned');
        assert.ok(existsSync(path.join(held, 'main.js')), 'the build a running process uses stays');
      } finally {
        child.kill();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reports why it could not compile instead of throwing', async () => {
    const root = await tinyRepo();
    try {
      await writeFile(path.join(root, 'src', 'main.ts'), 'const = ;\n');
      const result = await compiledSources({ root });
      assert.equal(result.dir, null);
      assert.match(result.reason ?? '', /main\.ts|Expected/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('builds the real sources into a tree whose command runs', async () => {
    const distDir = await mkdtemp(path.join(tmpdir(), 'folkbot-dist-'));
    try {
      const { dir, reason } = await compiledSources({ distDir });
      assert.equal(reason, null);
      for (const file of ['cli/main.js', 'bot/compose-worker.js', 'bot/compose-worker-bootstrap.mjs', 'render/engrave-worker.mjs', 'util/wasm-tiering.mjs']) {
        assert.ok(existsSync(path.join(dir!, file)), `${file} is in the compiled tree`);
      }
      const { stdout } = await run(process.execPath, [path.join(dir!, 'cli/main.js'), '--help']);
      assert.match(stdout, /Usage: folkbot <command>/);
    } finally {
      await rm(distDir, { recursive: true, force: true });
    }
  });
});
