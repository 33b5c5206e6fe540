// `npm run bench:tune-identity`: the tunes of today's code against those of an earlier commit's code, on the same
// model folder, for a few hundred varied requests (meters, modes, styles, lengths, pickups, seeds, the grammar's
// rules and the final's place, sampling settings, the within-song memory on and off). Determinism is a promise:
// a speed-up must not change a single tune, so every request must give the same events (or the same error) from
// both.
// Options: --baseline REF (default BASELINE_COMMIT: main before the generation speed-up of issue 9),
//          --model DIR (default models/default), --requests N (default 300), --simd off (both on JS loops, as without wasm SIMD).
// Exits 1 when any tune differs.
import { execSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { baselineSourceUrl } from './baseline-source.js';
import type { GenerateOptions, LoadedGenerator } from '../src/model/generation/generator.js';
import { createRandom, type Random } from '../src/model/generation/random.js';
import type { MelodyEvent } from '../src/music/types.js';
import type { Meter } from '../src/music/types.js';

/** main before the generation speed-up (issue 9). */
const BASELINE_COMMIT = '5211123';
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string', default: BASELINE_COMMIT },
    model: { type: 'string' },
    requests: { type: 'string', default: '300' },
    simd: { type: 'string', default: 'on' },
  },
});
const modelDir = path.resolve(args.model ?? path.join(repoRoot, 'models/default'));

// A commit hash, not a branch name: the extracted sources are kept under the name they were asked by.
const commit = execSync(`git -C "${repoRoot}" rev-parse --short "${args.baseline}^{commit}"`, { encoding: 'utf8' }).trim();

/** The modules a tune is made with, today's or the baseline's. */
interface Modules {
  readonly generator: typeof import('../src/model/generation/generator.js');
  readonly inference: typeof import('../src/model/network/lstm-inference.js');
  readonly features: typeof import('../src/model/encodings/input-features.js');
  readonly memory: typeof import('../src/model/memory/memory-mix.js');
}

async function modules(file: (path: string) => string | null): Promise<Modules> {
  const load = async <T>(path: string): Promise<T> => {
    const url = file(path);
    if (url === null) process.exit(2);
    return (await import(url)) as T;
  };
  return {
    generator: await load('src/model/generation/generator.ts'),
    inference: await load('src/model/network/lstm-inference.ts'),
    features: await load('src/model/encodings/input-features.ts'),
    memory: await load('src/model/memory/memory-mix.ts'),
  };
}

const simd = args.simd !== 'off';

/**
 * A tune maker from a set of modules: the loaded generator on the wasm SIMD kernel, or (--simd off) the same
 * sampling loop on a stepper that runs JS loops, as on a runtime without wasm SIMD.
 */
async function tuneMaker(set: Modules): Promise<{ readonly generator: LoadedGenerator; readonly generate: (options: GenerateOptions) => unknown }> {
  const generator = await set.generator.loadGenerator(modelDir);
  if (simd) return { generator, generate: (options) => generator.generate(options) };
  const { encoding, weights, memorySettings } = generator;
  const stepper = new set.inference.LstmStepper(weights, { simd: false, features: set.features.featureTracker(encoding, weights.config) });
  if (stepper.simd) throw new Error('the stepper did not take the JS loops');
  const memory = memorySettings === undefined ? undefined : new set.memory.TuneMemory(memorySettings, encoding.vocabularySize);
  const predictor = { reset: stepper.reset.bind(stepper), feed: stepper.advance.bind(stepper), logits: stepper.logits.bind(stepper) };
  return { generator, generate: (options) => set.generator.sampleTune(encoding, predictor, options, options.memory === false ? undefined : memory) };
}

const before = await tuneMaker(await modules((file) => baselineSourceUrl(repoRoot, commit, file)));
const after = await tuneMaker(await modules((file) => pathToFileURL(path.join(repoRoot, file)).href));

const METERS: readonly Meter[] = [
  { numerator: 2, denominator: 4 },
  { numerator: 3, denominator: 4 },
  { numerator: 4, denominator: 4 },
  { numerator: 6, denominator: 8 },
  { numerator: 3, denominator: 8 },
  { numerator: 2, denominator: 2 },
  { numerator: 5, denominator: 4 },
  { numerator: 9, denominator: 8 },
  { numerator: 6, denominator: 4 },
];

function pick<T>(random: Random, values: readonly T[]): T {
  return values[random.int(values.length)] as T;
}

/** A short seed of quarter and eighth notes in C major / A minor (ticks: 960 to the quarter). */
function primer(random: Random): MelodyEvent[] {
  const events: MelodyEvent[] = [];
  let onset = 0;
  for (let k = 0; k < 1 + random.int(4); k++) {
    const duration = pick(random, [480, 960, 960, 1440]);
    events.push({ kind: 'note', pitch: pick(random, [60, 62, 64, 65, 67, 69, 71, 72]), onset, duration });
    onset += duration;
  }
  return events;
}

function finalPlace(random: Random, barTicks: number): { start: number; length: number } {
  const start = pick(random, [960, 1440, 1920, 2880, barTicks].filter((ticks) => ticks <= barTicks));
  return { start, length: random.next() < 0.6 ? start : pick(random, [480, 960].filter((ticks) => ticks <= start)) };
}

function request(k: number, generator: LoadedGenerator): GenerateOptions {
  const random = createRandom(1000 + k);
  const meter = pick(random, METERS);
  const barTicks = (meter.numerator * 3840) / meter.denominator;
  const pickup = random.next() < 0.4 ? pick(random, [480, 960, 1440].filter((p) => p < barTicks)) : 0;
  const styles = generator.info.styles.map((style) => style.name);
  const endOnTonic = random.next() < 0.85;
  return {
    ...(styles.length > 0 ? { style: pick(random, styles) } : {}),
    meter,
    mode: pick(random, ['major', 'minor'] as const),
    bars: pick(random, [2, 4, 8, 8, 16, 16, 16, 24, 32]),
    primer: random.next() < 0.15 ? primer(random).map((e) => ({ ...e, onset: e.onset + pickup })) : [],
    pickup,
    ...(random.next() < 0.7 ? { closingBar: true } : {}),
    endOnTonic,
    ...(endOnTonic && random.next() < 0.7 ? { finalOnStrongBeat: true } : {}),
    ...(endOnTonic && random.next() < 0.2 ? { finalPitchClass: pick(random, [0, 7, 9, 2]) } : {}),
    ...(endOnTonic && random.next() < 0.3 ? { maxFinalLeap: pick(random, [2, 5, 7]) } : {}),
    // Where the final lies (compose draws it from the style's songs): a quarter to a bar before the end, held to the end or not.
    ...(endOnTonic && random.next() < 0.5 ? { finalPlace: finalPlace(random, barTicks) } : {}),
    ...(random.next() < 0.7 ? { maxRepeatedBars: pick(random, [1, 2, 3]) } : {}),
    temperature: pick(random, [0.0005, 0.5, 0.8, 0.9, 0.9, 1, 1.3, 2]),
    topP: pick(random, [1, 1, 1, 0.95, 0.9, 0.5]),
    randomSeed: random.int(2 ** 31),
    memory: random.next() < 0.8,
    ...(random.next() < 0.2 ? { memoryStrength: pick(random, [1, 1.5, 3]) } : {}),
  };
}

function outcome(maker: { readonly generate: (options: GenerateOptions) => unknown }, options: GenerateOptions): string {
  try {
    return JSON.stringify(maker.generate(options));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

const count = Math.max(1, Number(args.requests));
let same = 0;
let errors = 0;
let events = 0;
const differing: string[] = [];
for (let k = 0; k < count; k++) {
  const options = request(k, after.generator);
  const old = outcome(before, options);
  const now = outcome(after, options);
  if (old.startsWith('error')) errors++;
  else events += (JSON.parse(old) as unknown[]).length;
  if (old === now) same++;
  else differing.push(`request ${k} ${JSON.stringify({ ...options, primer: options.primer.length })}\n  before: ${old.slice(0, 160)}\n  after:  ${now.slice(0, 160)}`);
}
console.log(
  `tunes identical to ${commit}'s code: ${same} of ${count} requests (${errors} of them refused alike; ${events} events in all)` +
    `, on ${simd ? 'the wasm SIMD kernel' : 'JS loops (--simd off)'}`,
);
for (const line of differing.slice(0, 10)) console.log(line);
process.exit(same === count ? 0 : 1);
