// Benchmark of reading a seed file (src/music/formats/seed-file.ts): readSeedFile + takeSeed for ABC, MusicXML,
// **kern and MIDI files of about 10 KB and 100 KB (a fixture tune repeated), median and p95 of --runs reads, cold
// (the first read, which loads the parser) and warm. The goal: under 20 ms added to a compose for files up to
// 100 KB. Baseline in the same run: parseKern of the same kern text (the reader of the plain --seed path's
// corpus). `npm run bench:seed-file [-- --runs 30]`. The machine is shared: the load average is printed.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeAbc } from '../src/music/formats/abc-write.js';
import { writeMusicXml } from '../src/music/formats/musicxml-write.js';
import { readSeedFile, takeSeed } from '../src/music/formats/seed-file.js';
import { parseKern } from '../src/music/kern-parse.js';
import { writeKern } from '../src/music/kern-write.js';
import { melodyToMidi } from '../src/music/midi-write.js';
import type { Melody } from '../src/music/types.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);
const GOAL_MS = 20;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tune = parseKern(readFileSync(path.join(root, 'test/fixtures/kern/ode-to-joy.krn'), 'utf8'), 'ode-to-joy.krn');

/** The tune played `times` times in a row (barlines and events moved along). */
function repeated(melody: Melody, times: number): Melody {
  const length = melody.events.reduce((end, e) => Math.max(end, e.onset + e.duration), 0);
  const shift = (k: number): number => k * length;
  return {
    ...melody,
    events: Array.from({ length: times }, (_, k) => melody.events.map((e) => ({ ...e, onset: e.onset + shift(k) }))).flat(),
    barlines: Array.from({ length: times }, (_, k) => melody.barlines.map((b) => b + shift(k))).flat(),
    phraseStarts: [],
  };
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const writers: Record<string, [string, (m: Melody) => Uint8Array]> = {
  abc: ['tune.abc', (m) => encode(writeAbc(m, { tempo: 100 }))],
  musicxml: ['tune.musicxml', (m) => encode(writeMusicXml(m, { tempo: 100, program: 73 }))],
  kern: ['tune.krn', (m) => encode(writeKern(m))],
  midi: ['tune.mid', (m) => melodyToMidi(m, { tempo: 100, program: 73 })],
};

function sized(write: (m: Melody) => Uint8Array, bytes: number): Uint8Array {
  let times = 1;
  while (write(repeated(tune, times)).length < bytes) times *= 2;
  let low = Math.max(1, times / 2);
  let high = times;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (write(repeated(tune, middle)).length <= bytes) low = middle;
    else high = middle;
  }
  return write(repeated(tune, low));
}

function timeIt(action: () => unknown): { cold: number; median: number; p95: number } {
  const start = performance.now();
  action();
  const cold = performance.now() - start;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    action();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { cold, median: times[Math.floor(times.length / 2)] ?? NaN, p95: times[Math.min(times.length - 1, Math.ceil(0.95 * times.length) - 1)] ?? NaN };
}

console.log(`seed file reading, ${runs} runs each; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const target of [10_000, 100_000]) {
  const kernBytes = sized(writers.kern![1], target);
  const baseline = timeIt(() => parseKern(new TextDecoder().decode(kernBytes), 'tune.krn'));
  console.log(`\n~${target / 1000} KB files; baseline parseKern of ${(kernBytes.length / 1024).toFixed(0)} KB kern: median ${baseline.median.toFixed(2)} ms`);
  for (const [format, [name, write]] of Object.entries(writers)) {
    const bytes = sized(write, target);
    const figure = timeIt(() => takeSeed(readSeedFile(bytes, name), name, { maxBars: 8 }));
    console.log(
      `  ${format.padEnd(9)} ${(bytes.length / 1024).toFixed(0).padStart(4)} KB: cold ${figure.cold.toFixed(1)} ms, median ${figure.median.toFixed(2)} ms, p95 ${figure.p95.toFixed(2)} ms ` +
        `(${(figure.median / baseline.median).toFixed(1)}x the kern baseline, ${((100 * figure.p95) / GOAL_MS).toFixed(0)}% of the ${GOAL_MS} ms goal)`,
    );
  }
}
