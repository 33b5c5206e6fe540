// Benchmark of src/render: cold start of the verovio toolkit, then warm timings (median, p95) of the score
// picture and the audio preview for a 16-bar tune (test/fixtures/amazing-grace). `npm run bench:render`.
// The machine is shared: the load average is printed with the figures, and CPU time next to wall time.
//
// The score picture is also compared with the engraver of an earlier git commit (its src/ extracted under
// runs/bench-baseline/, see bench/baseline-source.ts): the two renderers engrave the same tunes in turn, the order
// swapped every round, and the bench prints both CPU medians (the whole process: the engraver worker does the
// work), their ratio, the PNG sizes and the share of pixels that differ by more than 32 gray levels.
//
// The audio preview is compared in the same way at the end (bench/audio-baseline.ts): the synthesizer and the Ogg
// Opus preview of today's code against the commit's, interleaved, CPU medians and ratio, the SNR of today's PCM
// against the old and the partials SNR of each decoded Ogg Opus file against its PCM.
//
// Options: --runs N (default 20), --baseline REF|none (default BASELINE_COMMIT, main before issue 13's score and
// audio work), --score-only (only the score comparison), --wasm bot|default: WebAssembly tiered as in the bot and
// `folkbot compose` (baseline code, the hot audio kernels compiled optimised; the default) or V8's default tiering.

import { execSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decode } from 'fast-png';
import { renderAudio } from '../src/render/audio.js';
import { performanceFromMelody } from '../src/render/performance.js';
import { ScoreRenderer } from '../src/render/score.js';
import { synthesize } from '../src/render/synth.js';
import { precompileComposeKernels } from '../src/compose/kernels.js';
import { transpose } from '../src/music/key.js';
import { useBaselineWasmEverywhere } from '../src/util/wasm-tiering.mjs';
import { accompanimentNotes } from '../src/music/accompaniment.js';
import { harmonize } from '../src/music/harmony.js';
import { accompanimentProgram } from '../src/music/instruments.js';
import { writeKern } from '../src/music/kern-write.js';
import { AMAZING_GRACE } from '../test/fixtures/amazing-grace.js';
import { buildTinySoundFont } from '../test/render/sf2-builder.js';
import { baselineAudioCode, compareAudio } from './audio-baseline.js';
import { baselineSourceUrl } from './baseline-source.js';

/** Main before issue 13 made the score picture and the audio cheaper (verovio's embedded font, glyph strokes, the PNG encoder; the synthesizer). */
const BASELINE_COMMIT = '7ebcf87';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    baseline: { type: 'string', default: BASELINE_COMMIT },
    'score-only': { type: 'boolean', default: false },
    wasm: { type: 'string', default: 'bot' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);
if (values.wasm !== 'bot' && values.wasm !== 'default') throw new Error(`--wasm must be bot or default, got ${values.wasm}`);
if (values.wasm === 'bot') {
  // As in the bot and `folkbot compose` (src/util/wasm-tiering.mjs), before any WebAssembly is compiled.
  useBaselineWasmEverywhere();
  precompileComposeKernels(['mp3', 'opus']);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kern = await readFile(path.join(root, 'test/fixtures/amazing-grace.krn'), 'utf8');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Wall-clock median and p95 over `runs`, plus the median CPU time of the whole process (all threads, so the
 * verovio worker and resvg's pool count too): on a shared, loaded machine CPU time is the steadier figure.
 */
async function measure(name: string, action: () => Promise<unknown> | unknown): Promise<void> {
  await action(); // warm-up
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await action();
    const used = process.cpuUsage(cpuStart);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const ms = (value: number) => value.toFixed(1).padStart(7);
  console.log(`${name.padEnd(44)} median ${ms(percentile(times, 50))} ms   p95 ${ms(percentile(times, 95))} ms   CPU median ${ms(percentile(cpu, 50))} ms   (n=${runs})`);
}

const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');
console.log(`render benchmark: ${cpus().length} CPUs, load average ${load()}, WebAssembly tiered ${values.wasm === 'bot' ? 'as in the bot' : "by V8's defaults"}`);

/** The three tunes of the score comparison: the fixture, with its chord symbols, and in F# (sharps in the symbols). */
const harmonyOf = harmonize(AMAZING_GRACE);
const inFSharp = transpose(AMAZING_GRACE, -1);
const scoreTunes = [
  { name: 'amazing grace, melody only', kern },
  { name: 'with chord symbols (G, C)', kern: writeKern(AMAZING_GRACE, { chords: harmonyOf.changes }) },
  { name: 'in F#, chord symbols with sharps', kern: writeKern(inFSharp, { chords: harmonize(inFSharp).changes }) },
];

/** CPU (whole process) and wall time of one call, in ms. */
async function timed(action: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await action();
  const used = process.cpuUsage(cpuStart);
  return { cpu: (used.user + used.system) / 1000, wall: performance.now() - start };
}

/** Share of pixels of two same-sized gray PNGs whose levels differ by more than 32 (of 255); NaN if sizes differ. */
function differingShare(a: Uint8Array, b: Uint8Array): number {
  const [x, y] = [decode(a), decode(b)];
  if (x.width !== y.width || x.height !== y.height || x.channels !== y.channels) return NaN;
  let differing = 0;
  for (let i = 0; i < x.data.length; i += x.channels) if (Math.abs(Number(x.data[i]) - Number(y.data[i])) > 32) differing++;
  return differing / (x.width * x.height);
}

/**
 * Today's renderer against the score renderer of git commit `ref` (its src/ extracted under runs/), the same
 * tunes engraved in turn, the order swapped every round; prints the CPU and wall medians and the CPU ratio.
 */
async function compareWithBaseline(ref: string, today: ScoreRenderer): Promise<void> {
  const commit = execSync(`git -C "${root}" rev-parse --short "${ref}^{commit}"`, { encoding: 'utf8' }).trim();
  const url = baselineSourceUrl(root, commit, 'src/render/score.ts');
  if (url === null) return;
  const module = (await import(url)) as { ScoreRenderer: typeof ScoreRenderer };
  const old = await module.ScoreRenderer.create();
  try {
    console.log(`score picture against ${commit}'s code (n=${runs} each, interleaved; load average ${load()}):`);
    for (const tune of scoreTunes) {
      const [mine, theirs] = [await today.render(tune.kern), await old.render(tune.kern)]; // warm-up
      const times = { today: [] as { cpu: number; wall: number }[], old: [] as { cpu: number; wall: number }[] };
      for (let round = 0; round < runs; round++) {
        const order = round % 2 === 0 ? (['today', 'old'] as const) : (['old', 'today'] as const);
        for (const which of order) times[which].push(await timed(() => (which === 'today' ? today : old).render(tune.kern)));
      }
      const median = (list: readonly { cpu: number; wall: number }[], key: 'cpu' | 'wall'): number => percentile(list.map((t) => t[key]).sort((a, b) => a - b), 50);
      const [cpuNow, cpuOld] = [median(times.today, 'cpu'), median(times.old, 'cpu')];
      console.log(
        `  ${tune.name.padEnd(34)} CPU median ${cpuNow.toFixed(1)} ms (wall ${median(times.today, 'wall').toFixed(1)}), ${commit} ${cpuOld.toFixed(1)} ms ` +
          `(wall ${median(times.old, 'wall').toFixed(1)}): ${(cpuOld / cpuNow).toFixed(2)}x less CPU; PNG ${(mine.png.length / 1024).toFixed(1)} vs ` +
          `${(theirs.png.length / 1024).toFixed(1)} KB, ${(100 * differingShare(mine.png, theirs.png)).toFixed(3)}% of pixels differ by > 32 levels`,
      );
    }
    console.log(`  load average after: ${load()}`);
  } finally {
    await old.dispose();
  }
}

let start = performance.now();
const renderer = await ScoreRenderer.create();
const created = performance.now() - start;
start = performance.now();
const first = await renderer.render(kern);
const firstRender = performance.now() - start;
console.log(`cold: verovio worker + toolkit start             ${created.toFixed(0)} ms (verovio ${renderer.info.verovioVersion}${renderer.info.startNote ? `, packed: ${renderer.info.startNote}` : ""})`);
console.log(`cold: first score render after start             ${firstRender.toFixed(0)} ms`);
const flute = performanceFromMelody(AMAZING_GRACE, { bpm: 100, program: 73 });
const guitar = performanceFromMelody(AMAZING_GRACE, { bpm: 100, program: 24 });
start = performance.now();
const firstAudio = await renderAudio(flute);
console.log(`cold: first audio render (MP3 encoder start)     ${(performance.now() - start).toFixed(0)} ms`);
console.log(`16-bar tune: PNG ${first.width}x${first.height} ${(first.png.length / 1024).toFixed(0)} KB; MP3 ${(firstAudio.data.length / 1024).toFixed(0)} KB, ${firstAudio.durationSeconds.toFixed(2)} s`);
if (values.baseline !== 'none') await compareWithBaseline(values.baseline, renderer);
if (values['score-only']) {
  await renderer.dispose();
  process.exit(0);
}

await measure('renderScore (kern -> SVG -> PNG 1200 px)', () => renderer.render(kern));
await measure('renderAudio flute (synth + MP3 VBR + Xing)', () => renderAudio(flute));
await measure('renderAudio guitar (synth + MP3 VBR + Xing)', () => renderAudio(guitar));
await measure('  of which: synthesize flute (PCM only)', () => synthesize(flute));
// The accompaniment ('full': bass and chords on a guitar under the flute) against the melody alone.
const harmony = harmonyOf;
const accompanied = performanceFromMelody(AMAZING_GRACE, { bpm: 100, program: 73, accompaniment: { notes: accompanimentNotes(AMAZING_GRACE, harmony), program: accompanimentProgram(73) } });
await measure('synthesize flute + accompaniment (PCM only)', () => synthesize(accompanied));
await measure('renderAudio flute, Ogg Opus', () => renderAudio(flute, { format: 'opus' }));
await measure('renderAudio flute + accompaniment, Ogg Opus', () => renderAudio(accompanied, { format: 'opus' }));
await measure('renderAudio flute + accompaniment, MP3', () => renderAudio(accompanied));
const kernWithChords = writeKern(AMAZING_GRACE, { chords: harmony.changes });
await measure('renderScore with chord symbols', () => renderer.render(kernWithChords));
await measure('renderAudio flute, MP3 CBR 64 kbit/s', () => renderAudio(flute, { bitrate: 64 }));
// spessasynth's cost per second of audio, with the one-sample test bank (a real GM bank adds its parse
// time once, then costs about the same per voice).
const bankDirectory = await mkdtemp(path.join(tmpdir(), 'folkbot-bench-'));
const bankPath = path.join(bankDirectory, 'tiny.sf2');
await writeFile(bankPath, buildTinySoundFont(73));
await measure('renderAudio flute via SoundFont (tiny bank)', () => renderAudio(flute, { soundfontPath: bankPath }));
await rm(bankDirectory, { recursive: true, force: true });
await measure('renderScore + renderAudio in parallel', () => Promise.all([renderer.render(kern), renderAudio(flute)]));
const audioBaseline = values.baseline === 'none' ? null : await baselineAudioCode(root, values.baseline);
if (audioBaseline !== null) {
  const tunes = [
    { name: 'flute', performance: flute },
    { name: 'flute + accompaniment', performance: accompanied },
  ];
  await compareAudio(tunes, { synthesize, renderAudio }, audioBaseline, runs);
}
console.log(`load average after: ${load()}`);
await renderer.dispose();
