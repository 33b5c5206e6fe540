import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { fetchEssen, FetchEssenError } from '../../scripts/fetch-essen.js';

// A hand-written stand-in for the collection's repository archive: top folder, a song, a licence, other files.
const SONG = ['!!!OTL: Hot Cross Buns', '**kern', '*M4/4', '*k[]', '*C:', '=1', '4e', '4d', '2c', '==', '*-', ''].join('\n');

async function makeArchive(dir: string): Promise<string> {
  const repo = path.join(dir, 'essen-folksong-collection-main');
  await mkdir(path.join(repo, 'europa', 'misc'), { recursive: true });
  await writeFile(path.join(repo, 'europa', 'misc', 'buns.krn'), SONG);
  await writeFile(path.join(repo, 'license.txt'), 'research use only');
  await writeFile(path.join(repo, 'europa', 'misc', 'notes.abc'), 'not kern');
  const archive = path.join(dir, 'essen.tar.gz');
  await create({ gzip: true, file: archive, cwd: dir }, ['essen-folksong-collection-main']);
  return archive;
}

test('fetchEssen unpacks the .krn files and the licence from a local archive, dropping the top folder', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fetch-essen-test-'));
  try {
    const archive = await makeArchive(dir);
    const out = path.join(dir, 'data', 'essen');
    const result = await fetchEssen({ archive, out });
    assert.equal(result.krnFiles, 1);
    assert.equal(await readFile(path.join(out, 'europa', 'misc', 'buns.krn'), 'utf8'), SONG);
    assert.equal(await readFile(path.join(out, 'license.txt'), 'utf8'), 'research use only');
    assert.deepEqual(await readdir(path.join(out, 'europa', 'misc')), ['buns.krn']);
    // Running again replaces the folder rather than failing or nesting.
    await fetchEssen({ archive, out });
    assert.deepEqual(await readdir(path.join(out, 'europa', 'misc')), ['buns.krn']);
    assert.deepEqual((await readdir(path.join(dir, 'data'))).sort(), ['essen']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fetchEssen refuses a missing archive and an archive without kern files with a clear error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fetch-essen-test-'));
  try {
    await assert.rejects(fetchEssen({ archive: path.join(dir, 'nope.tar.gz'), out: path.join(dir, 'out') }), (error: unknown) => {
      assert.ok(error instanceof FetchEssenError);
      assert.match(error.message, /nope\.tar\.gz does not exist/);
      return true;
    });
    const notTar = path.join(dir, 'junk.tar.gz');
    await writeFile(notTar, 'this is not a tarball');
    await assert.rejects(fetchEssen({ archive: notTar, out: path.join(dir, 'out') }), FetchEssenError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
