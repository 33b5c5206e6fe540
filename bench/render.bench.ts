// Benchmark of src/render: cold start of the verovio toolkit, then warm timings (median, p95) of the score
// picture and the audio preview for a 16-bar tune (test/fixtures/amazing-grace). `npm run bench:render`.
// Options: --runs N (default 20). The machine is shared: the load average is printed with the figures, and
// CPU time next to wall time.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderAudio } from '../src/render/audio.js';
import { performanceFromMelody } from '../src/render/performance.js';
import { ScoreRenderer } from '../src/render/score.js';
import { synthesize } from '../src/render/synth.js';
import { accompanimentNotes } from '../src/music/accompaniment.js';
import { harmonize } from '../src/music/harmony.js';
import { accompanimentProgram } from '../src/music/instruments.js';
import { writeKern } from '../src/music/kern-write.js';
import { AMAZING_GRACE } from '../test/fixtures/amazing-grace.js';
import { buildTinySoundFont } from '../test/render/sf2-builder.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${values.runs}`);

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

console.log(`render benchmark: ${cpus().length} CPUs, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);

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

await measure('renderScore (kern -> SVG -> PNG 1200 px)', () => renderer.render(kern));
await measure('renderAudio flute (synth + MP3 VBR + Xing)', () => renderAudio(flute));
await measure('renderAudio guitar (synth + MP3 VBR + Xing)', () => renderAudio(guitar));
await measure('  of which: synthesize flute (PCM only)', () => synthesize(flute));
// The accompaniment ('full': bass and chords on a guitar under the flute) against the melody alone.
const harmony = harmonize(AMAZING_GRACE);
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
console.log(`load average after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
await renderer.dispose();
