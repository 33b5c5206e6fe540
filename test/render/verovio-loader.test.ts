import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { patchedModule } from '../../src/render/verovio-loader.mjs';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./verovio-probe.mjs', import.meta.url));

interface ProbeResult {
  readonly source: 'cache' | 'unpacked' | 'package';
  readonly note: string | null;
  readonly notes: number;
  readonly svg: string;
}

/** Creates the module in a fresh plain-Node process (no tsx) with this cache root, and engraves a short tune. */
async function engraveWith(cacheRoot: string): Promise<ProbeResult> {
  const { stdout } = await run(process.execPath, [probe, cacheRoot]);
  return JSON.parse(stdout) as ProbeResult;
}

describe('patchedModule', () => {
  const head = 'var a=1;function findWasmBinary(){return binaryDecode(\'';
  const tail = '\')}function getBinarySync(file){return file}';

  it('cuts the binary literal out, escaped quotes included, and keeps the rest byte for byte', () => {
    const original = Buffer.from(`${head}\0asm\\'x\\\\${tail}`, 'latin1');
    const patched = patchedModule(original)?.toString('latin1');
    assert.equal(patched, 'var a=1;function findWasmBinary(){return Module["folkbotWasmBinary"]}function getBinarySync(file){return file}');
  });

  it('refuses a module without the literal, or with two', () => {
    assert.equal(patchedModule(Buffer.from('function findWasmBinary(){return base64Decode("AAA")}')), null);
    assert.equal(patchedModule(Buffer.from(`${head}x${tail}${head}y${tail}`, 'latin1')), null);
    assert.equal(patchedModule(Buffer.from(`${head}never closed`, 'latin1')), null);
  });
});

describe('createVerovioHumModule', () => {
  it('unpacks verovio once, then starts from the cache and engraves exactly as the package does', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'folkbot-verovio-'));
    try {
      const first = await engraveWith(root);
      assert.equal(first.source, 'unpacked', first.note ?? '');
      assert.equal(first.notes, 5);
      const [folder] = await readdir(root);
      assert.match(folder ?? '', /^verovio-hum-\d+\.\d+\.\d+-\d+$/);
      assert.deepEqual((await readdir(path.join(root, folder!))).sort(), ['manifest.json', 'verovio-hum.wasm', 'verovio-module-hum.mjs']);

      const second = await engraveWith(root);
      assert.equal(second.source, 'cache');
      assert.equal(second.svg, first.svg, 'the cached module engraves the same SVG as the package module');

      // A damaged cache (a truncated binary) is noticed, replaced, and the score still comes out.
      await truncate(path.join(root, folder!, 'verovio-hum.wasm'), 1000);
      const repaired = await engraveWith(root);
      assert.equal(repaired.source, 'unpacked');
      assert.equal(repaired.svg, first.svg);
      assert.equal((await engraveWith(root)).source, 'cache');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('still engraves from the package module when the cache cannot be written', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'folkbot-verovio-'));
    try {
      // A file where the cache root's folder should be: nothing can be created under it.
      const blocked = path.join(root, 'not-a-folder');
      await run('touch', [blocked]);
      const result = await engraveWith(blocked);
      assert.equal(result.source, 'package');
      assert.match(result.note ?? '', /cannot write/);
      assert.equal(result.notes, 5);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
