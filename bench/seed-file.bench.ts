// Benchmark of reading a seed file (src/music/formats/seed-file.ts): readSeedFile + takeSeed for ABC, MusicXML,
// **kern and MIDI files of about 10 KB and 100 KB (a fixture tune repeated), and a polyphonic **kern file (four
// spines with chords), median and p95 of --runs reads after a first (cold) read. The goal: under 20 ms added to a
// compose for files up to 100 KB. Baseline in the same run, interleaved read by read: the same reads with the
// code of git commit --baseline (default BASELINE_COMMIT, the code before the readers stopped early; extracted under
// runs/bench-baseline/, --baseline none to skip), with a check that both give the same seed.
// `npm run bench:seed-file [-- --runs 30 --baseline REF|none --formats midi,kern]` (--formats: some of abc,
// musicxml, kern, 'kern 4-part', midi). The machine is shared: the load average is printed.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeAbc } from '../src/music/formats/abc-write.js';
import { writeMusicXml } from '../src/music/formats/musicxml-write.js';
import * as current from '../src/music/formats/seed-file.js';
import { parseKern } from '../src/music/kern-parse.js';
import { writeKern } from '../src/music/kern-write.js';
import { melodyToMidi } from '../src/music/midi-write.js';
import type { Melody } from '../src/music/types.js';
import { baselineSourceUrl } from './baseline-source.js';

/** main before the seed readers stopped after the bars a seed can use (issue 12, day 4). */
const BASELINE_COMMIT = '07bf27f';
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '30' }, baseline: { type: 'string', default: BASELINE_COMMIT }, formats: { type: 'string' } },
});
/** --formats midi,kern: only these (the names printed below); all by default. */
const only = values.formats?.split(',').map((f) => f.trim());
const runs = Number(values.runs);
const GOAL_MS = 20;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tune = parseKern(readFileSync(path.join(root, 'test/fixtures/kern/ode-to-joy.krn'), 'utf8'), 'ode-to-joy.krn');

type SeedFileModule = Pick<typeof current, 'readSeedFile' | 'takeSeed'>;

/** Imports the seed-file module of `commit` (extracted under runs/); null when git cannot extract it. */
async function baselineModule(commit: string): Promise<SeedFileModule | null> {
  const url = baselineSourceUrl(root, commit, 'src/music/formats/seed-file.ts');
  return url === null ? null : ((await import(url)) as SeedFileModule);
}

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

/**
 * Four-part **kern (bass, tenor, alto and soprano spines, as Humdrum orders them, lowest on the left) of the
 * tune: the soprano holds the tune, the alto sings it a third lower in chords with the sixth below.
 */
function fourPartKern(melody: Melody): Uint8Array {
  const kern = writeKern(melody).split('\n');
  const lines = kern.map((line) => {
    if (line.startsWith('!!')) return line;
    if (line === '**kern') return '**kern\t**kern\t**kern\t**kern';
    if (line === '*-') return '*-\t*-\t*-\t*-';
    if (line.startsWith('*') || line.startsWith('=')) return [line, line, line, line].join('\t');
    const lower = line.replace(/[a-gA-G]+/g, (letters) => letters.toUpperCase().slice(0, 1));
    return [lower, lower, `${line.replace(/([0-9.]+)/, '$1')} ${lower}`, line].join('\t');
  });
  return encode(lines.join('\n'));
}

const writers: Record<string, [string, (m: Melody) => Uint8Array]> = {
  abc: ['tune.abc', (m) => encode(writeAbc(m, { tempo: 100 }))],
  musicxml: ['tune.musicxml', (m) => encode(writeMusicXml(m, { tempo: 100, program: 73 }))],
  kern: ['tune.krn', (m) => encode(writeKern(m))],
  'kern 4-part': ['choir.krn', fourPartKern],
  midi: ['tune.mid', (m) => melodyToMidi(m, { tempo: 100, program: 73 })],
};

/** The tune repeated to the most bytes up to `bytes`: estimated from one copy, then corrected step by step. */
function sized(write: (m: Melody) => Uint8Array, bytes: number): Uint8Array {
  const one = write(repeated(tune, 1)).length;
  const two = write(repeated(tune, 2)).length;
  let times = Math.max(1, Math.floor((bytes - one) / (two - one)) + 1);
  while (times > 1 && write(repeated(tune, times)).length > bytes) times--;
  while (write(repeated(tune, times + 1)).length <= bytes) times++;
  return write(repeated(tune, times));
}

interface Figure {
  readonly cold: number;
  readonly median: number;
  readonly p95: number;
}

/** Cold read of each, then `runs` reads alternating which goes first; null entries are skipped. */
function timeInterleaved(actions: readonly ((() => unknown) | null)[]): (Figure | null)[] {
  const cold = actions.map((action) => {
    if (action === null) return NaN;
    const start = performance.now();
    action();
    return performance.now() - start;
  });
  const times = actions.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? actions.map((_, k) => k) : actions.map((_, k) => k).reverse();
    for (const k of order) {
      const action = actions[k];
      if (!action) continue;
      const t = performance.now();
      action();
      times[k]?.push(performance.now() - t);
    }
  }
  return times.map((list, k) => {
    if (actions[k] === null) return null;
    list.sort((a, b) => a - b);
    return { cold: cold[k] ?? NaN, median: list[Math.floor(list.length / 2)] ?? NaN, p95: list[Math.min(list.length - 1, Math.ceil(0.95 * list.length) - 1)] ?? NaN };
  });
}

const baseline = values.baseline === 'none' ? null : await baselineModule(values.baseline ?? BASELINE_COMMIT);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`seed file reading (readSeedFile + takeSeed, 8 bars), ${runs} runs each; load average ${load()}`);
if (baseline) console.log(`baseline: the code of ${values.baseline}, read by read in turn with today's`);
for (const target of [10_000, 100_000]) {
  console.log(`\n~${target / 1000} KB files`);
  for (const [format, [name, write]] of Object.entries(writers)) {
    if (only && !only.includes(format)) continue;
    const bytes = sized(write, target);
    const take = (module: SeedFileModule) => (): string => {
      try {
        return JSON.stringify(module.takeSeed(module.readSeedFile(bytes, name), name, { maxBars: 8 }));
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
    };
    const [now, old] = timeInterleaved([take(current), baseline ? take(baseline) : null]);
    if (!now) continue;
    const [today, before] = [take(current)(), baseline ? take(baseline)() : ''];
    const same = today === before ? 'same seed' : before.startsWith('refused') ? 'the baseline refused the file' : `DIFFERENT: today ${today.slice(0, 120)} / baseline ${before.slice(0, 120)}`;
    console.log(
      `  ${format.padEnd(11)} ${(bytes.length / 1024).toFixed(0).padStart(4)} KB: cold ${now.cold.toFixed(1)} ms, median ${now.median.toFixed(2)} ms, p95 ${now.p95.toFixed(2)} ms ` +
        `(${((100 * now.p95) / GOAL_MS).toFixed(0)}% of the ${GOAL_MS} ms goal)` +
        (old ? `; baseline median ${old.median.toFixed(2)} ms, p95 ${old.p95.toFixed(2)} ms: ${(old.median / now.median).toFixed(1)}x faster, ${same}` : ''),
    );
  }
}
console.log(`\nload average at the end ${load()}`);
