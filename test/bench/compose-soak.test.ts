// The compose soak's pieces: where it says RSS lies (smaps classification) and the requests it sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { residentParts, soakRequest } from '../../bench/compose-soak.js';
import { SUPPORTED_METERS } from '../../src/compose/compose-options.js';
import { createRandom } from '../../src/util/random.js';

/** One smaps entry: the header line and its Rss line (the other fields are not read). */
function entry(start: number, end: number, perms: string, rssKb: number, name = '', inode = 0): string {
  const hex = (n: number): string => n.toString(16).padStart(12, '0');
  return `${hex(start)}-${hex(end)} ${perms} 00000000 00:00 ${inode}${name === '' ? ' ' : `                     ${name}`}\nSize: ${(end - start) / 1024} kB\nRss: ${rssKb} kB\nPss: ${rssKb} kB\n`;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('residentParts', () => {
  it('tells WebAssembly memories, malloc arenas, the brk heap, other anonymous memory and files apart', () => {
    const base = 0x7f0000000000;
    const smaps = [
      entry(0x555500000000, 0x555500100000, 'r-xp', 1024, '/usr/bin/node', 1234),
      entry(0x555600000000, 0x555602000000, 'rw-p', 20 * 1024, '[heap]'),
      // A wasm memory: 48 MiB accessible, the rest of its 10 GiB reservation inaccessible.
      entry(base, base + 48 * MiB, 'rw-p', 40 * 1024),
      entry(base + 48 * MiB, base + 10 * GiB, '---p', 0),
      // A thread arena: 64 MiB-aligned, 30 MiB read-write, inaccessible to the next 64 MiB boundary.
      entry(base + 12 * GiB, base + 12 * GiB + 30 * MiB, 'rw-p', 25 * 1024),
      entry(base + 12 * GiB + 30 * MiB, base + 12 * GiB + 64 * MiB, '---p', 0),
      // Not an arena: read-write at a 64 MiB boundary but followed by nothing inaccessible (V8 pages, a large block).
      entry(base + 13 * GiB, base + 13 * GiB + 8 * MiB, 'rw-p', 6 * 1024),
      // A guard page and a thread stack.
      entry(base + 14 * GiB, base + 14 * GiB + 4096, '---p', 0),
      entry(base + 14 * GiB + 4096, base + 14 * GiB + 8 * MiB, 'rw-p', 2 * 1024),
      // A big inaccessible reservation with no read-write part before it (a wasm memory of size 0) counts as a memory.
      entry(base + 20 * GiB, base + 28 * GiB, '---p', 0),
    ].join('');
    const parts = residentParts(smaps);
    assert.deepEqual(parts, { wasm: 40, wasmMemories: 2, brk: 20, arenas: 25, anonymous: 8, files: 1 });
  });

  it('reads this process', () => {
    const parts = residentParts();
    assert.ok(parts.files > 0 && parts.anonymous > 0, JSON.stringify(parts));
  });
});

describe('soakRequest', () => {
  it('varies the requests over every meter and style, 4-32 bars, with and without seeds, titles and random seeds', () => {
    const random = createRandom(1);
    const meters = [...SUPPORTED_METERS];
    const styles = ['german', 'children', 'chinese-han'];
    const requests = Array.from({ length: 2000 }, () => soakRequest(random, meters, styles));
    const meterTexts = new Set(requests.map((request) => (request.meter ? `${request.meter.numerator}/${request.meter.denominator}` : 'none')));
    assert.deepEqual([...meterTexts].sort(), [...meters, 'none'].sort());
    assert.deepEqual([...new Set(requests.map((request) => request.style ?? 'none'))].sort(), [...styles, 'none'].sort());
    const bars = requests.map((request) => request.bars!);
    assert.equal(Math.min(...bars), 4);
    assert.equal(Math.max(...bars), 32);
    const seeded = requests.filter((request) => request.seed !== '').length;
    assert.ok(seeded > 800 && seeded < 1200, `${seeded} of 2000 with a seed`);
    assert.ok(requests.some((request) => request.title !== undefined) && requests.some((request) => request.title === undefined));
    assert.ok(new Set(requests.map((request) => request.randomSeed)).size > 1990);
    assert.ok(requests.every((request) => Number.isInteger(request.randomSeed) && request.randomSeed! >= 0 && request.randomSeed! <= 2_147_483_647));
  });
});
