// The whole compose pipeline (generate, harmony, MIDI, kern, PNG, audio) with the engine warm: median and p95 ms
// per stage over repeated 16-bar tunes, with the accompaniment and without; and the `folkbot compose` command from a cold process: its wall time (process
// start to exit, files written) and its start-up, that wall time minus the warm (MP3) pipeline's median. Goals:
// pipeline < 600 ms median (Ogg Opus with the accompaniment: < 150 ms), start-up < 2 s.
//
//   npm run bench:compose [-- --runs 20 --model models/default]
//
// --soak N instead runs N composes in this one process (bench/compose-soak.ts), through Composer.compose as the
// bot's compose worker calls it (Ogg Opus, the default accompaniment, PNG score), with requests varied as users
// send them (every meter and style of the model, 4-32 bars, with and without seeds, titles, random seeds); every
// --every composes (default 1000), after a full gc, it prints the JS heap, external/arrayBuffers memory and RSS
// (with RSS split into WebAssembly memories, malloc's brk heap, other anonymous memory and files), and at the end
// the growth after the first checkpoint. Goal: JS heap growth < 10%. The npm script runs node with --expose-gc.
//
//   npm run bench:compose -- --soak 10000 [--every 1000] [--request-seed 1] [--heap-snapshots DIR]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Composer } from '../src/compose/composer.js';
import { precompileComposeKernels } from '../src/compose/kernels.js';
import { ACCOMPANIMENTS, type AudioCodec } from '../src/compose/compose-options.js';
import type { Accompaniment } from '../src/compose/types.js';
import { useBaselineWasmEverywhere } from '../src/util/wasm-tiering.mjs';
import { composeSoak } from './compose-soak.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    model: { type: 'string', default: 'models/default' },
    soak: { type: 'string' },
    every: { type: 'string', default: '1000' },
    'request-seed': { type: 'string', default: '1' },
    'heap-snapshots': { type: 'string' },
  },
});
const runs = Number(values.runs);
const modelDir = path.resolve(repoRoot, values.model);

// WebAssembly tiered as in the bot (src/util/wasm-tiering.mjs): baseline code, the hot kernels compiled optimised.
useBaselineWasmEverywhere();
precompileComposeKernels(['mp3', 'opus']);

/**
 * Median pipeline time of warm 16-bar tunes with this audio codec, with the accompaniment (the default, 'full')
 * and without ('none'), the two alternating tune by tune so that a busy machine slows both alike; prints the
 * stages of each and their ratio. Returns the median with the accompaniment.
 */
async function pipeline(audio: AudioCodec): Promise<number> {
  const loadStart = performance.now();
  const composer = await Composer.open(modelDir, { audio });
  const loadMs = performance.now() - loadStart;
  // Warm-up beyond Composer.open's own: one real tune of each kind.
  for (const accompaniment of ACCOMPANIMENTS) await composer.compose({ bars: 16, randomSeed: 0, seed: '4c 8d 8e 4f 4g', accompaniment });
  const stages = new Map<Accompaniment, Map<string, number[]>>();
  for (let i = 0; i < runs; i++) {
    for (const accompaniment of ['full', 'none'] as const) {
      const result = await composer.compose({ bars: 16, randomSeed: 1000 + i, seed: '4c 8d 8e 4f 4g', accompaniment });
      const byStage = stages.get(accompaniment) ?? new Map<string, number[]>();
      stages.set(accompaniment, byStage);
      for (const [stage, ms] of Object.entries(result.timings)) byStage.set(stage, [...(byStage.get(stage) ?? []), ms]);
    }
  }
  composer.dispose();
  console.log(`compose pipeline, ${audio} audio, 16-bar tunes, ${runs} runs each, warm (model ${values.model}, loaded in ${loadMs.toFixed(0)} ms)`);
  console.log('stage       full median   p95   none median   p95   full/none');
  const full = stages.get('full') ?? new Map<string, number[]>();
  const none = stages.get('none') ?? new Map<string, number[]>();
  for (const [stage, ms] of full) {
    const plain = none.get(stage) ?? [];
    const ratio = quantile(ms, 0.5) / quantile(plain, 0.5);
    console.log(
      `${stage.padEnd(10)} ${quantile(ms, 0.5).toFixed(1).padStart(12)} ${quantile(ms, 0.95).toFixed(1).padStart(6)} ${quantile(plain, 0.5).toFixed(1).padStart(12)} ${quantile(plain, 0.95).toFixed(1).padStart(6)} ${Number.isFinite(ratio) ? ratio.toFixed(2).padStart(10) : ''.padStart(10)}`,
    );
  }
  const median = quantile(full.get('total') ?? [], 0.5);
  const goal = audio === 'opus' ? 150 : 600;
  console.log(`pipeline median with accompaniment ${median.toFixed(0)} ms (goal < ${goal} ms: ${median < goal ? 'met' : 'NOT met'}); without ${quantile(none.get('total') ?? [], 0.5).toFixed(0)} ms\n`);
  return median;
}

if (values.soak !== undefined) {
  const composer = await Composer.open(modelDir, { audio: 'opus' });
  const met = await composeSoak(composer, {
    total: Number(values.soak),
    every: Number(values.every),
    requestSeed: Number(values['request-seed']),
    label: `model ${values.model}, Ogg Opus, default accompaniment`,
    ...(values['heap-snapshots'] !== undefined ? { snapshotDir: path.resolve(values['heap-snapshots']) } : {}),
  });
  composer.dispose();
  process.exit(met ? 0 : 1);
}

const total = await pipeline('mp3');
await pipeline('opus');

// The command from a cold process, a few times: wall time, and start-up = wall time - warm pipeline median.
const walls: number[] = [];
for (let i = 0; i < 5; i++) {
  const out = await mkdtemp(path.join(tmpdir(), 'folkbot-bench-'));
  const started = performance.now();
  await run(process.execPath, [path.join(repoRoot, 'bin/folkbot.js'), 'compose', '--model', modelDir, '--random-seed', String(i), '--out', out, '--json'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
  walls.push(performance.now() - started);
  await rm(out, { recursive: true, force: true });
}
const wall = quantile(walls, 0.5);
const startup = wall - total;
console.log(`command wall time (process start to exit, 16-bar tune, files written) median ${wall.toFixed(0)} ms over ${walls.length} runs`);
console.log(`command start-up (wall time - warm pipeline median) ${startup.toFixed(0)} ms (goal < 2000 ms: ${startup < 2000 ? 'met' : 'NOT met'})`);
