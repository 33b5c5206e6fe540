// `npm run bench`: speed of the model engine on the wasm backend, in one run.
//  1. Generating a 16-bar tune: stateful (plain-JS step, one step per token) vs the reference system's window
//     re-feed (the last 64 tokens re-run through tfjs for every token) on the same weights, and stateful tfjs;
//     and the stateful generator of git commit GENERATION_BASELINE_COMMIT (--gen-baseline REF|none), interleaved
//     with today's, in wall and CPU time per tune.
//  2. Training targets/s of the default and reference presets with 1 and 2 workers (the trainer's own path), their
//     ratio, 1 worker on half the batch's streams (twice it: the most 2 workers could reach), and the default preset
//     against today's code: the training step of git commit BASELINE_COMMIT, extracted under runs/bench-baseline/
//     and run in this thread (--baseline REF to pick another, --baseline none to skip);
//     then tf.layers.lstm.
//  3. With --sweep: targets/s for hidden sizes 128/192/256 x batch 32/64, and the cost of one tfjs op call.
// Options: --model DIR (default models/default, else a randomly initialised default-size network),
//          --data DIR (default ../shared/data/essen/europa), --runs N, --sweep, --no-layers,
//          --baseline REF|none, --rounds N (interleaved training rounds, default 3), --batches N (timed per round, default 6),
//          --gen-baseline REF|none, --no-training (generation only), --warm-up N (untimed training steps before the
//          timed ones of each variant, default 12).
// The machine is shared: numbers are noisy, so medians and min..max ranges are printed.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/model/network/backend.js';
import { baselineSourceUrl } from './baseline-source.js';
import type { Encoding } from '../src/model/encodings/encoding.js';
import {
  loadGenerator,
  sampleTune,
  type GenerateOptions,
  type LoadedGenerator,
} from '../src/model/generation/generator.js';
import { generateWithWindowRefeed, tfjsStatefulPredictor } from '../src/model/generation/generator-tfjs.js';
import {
  flattenWeights,
  initialWeights,
  LstmNetwork,
  weightSizes,
  type LstmConfig,
  type TokenBatch,
} from '../src/model/network/lstm-network.js';
import { saveModelFolder } from '../src/model/folder/model-folder.js';
import { createRandom, type Random } from '../src/model/generation/random.js';
import { chosenFeatureSet, featureTracker, inputRows, songInputRows } from '../src/model/encodings/input-features.js';
import { layoutStreams, type SongInputRows, type StreamLayout } from '../src/model/training/train-batches.js';
import { AdamOptimizer } from '../src/model/training/train-optimizer.js';
import { ReplicaSet } from '../src/model/training/train-replicas.js';
import { PRESETS, type TrainingPreset } from '../src/model/training/train-presets.js';

/** main before data-parallel training and the faster training step (issue 10). */
const BASELINE_COMMIT = '46f3ae6';
/** main before the generation speed-up (issue 9; the measured README figures are against 9553357, whose tunes are the same for the shipped model): the same tunes, generated slower. */
const GENERATION_BASELINE_COMMIT = '5211123';
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    runs: { type: 'string', default: '15' },
    sweep: { type: 'boolean', default: false },
    'no-layers': { type: 'boolean', default: false },
    // Training: the commit whose training step is "today's code" (the last before data-parallel training), or none.
    baseline: { type: 'string', default: BASELINE_COMMIT },
    'gen-baseline': { type: 'string', default: GENERATION_BASELINE_COMMIT },
    'no-training': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    'warm-up': { type: 'string', default: '12' },
    batches: { type: 'string', default: '6' },
  },
});

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function range(values: readonly number[], digits = 1): string {
  return `${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)}`;
}

function timed<T>(f: () => T): [T, number] {
  const start = performance.now();
  const result = f();
  return [result, performance.now() - start];
}

/** Wall and CPU milliseconds of generating one tune (CPU time: every thread of the process, as the load shifts it less). */
interface TuneTimes {
  readonly wall: number[];
  readonly cpu: number[];
}

function timeTune(times: TuneTimes, f: () => readonly unknown[]): readonly unknown[] {
  const cpu = process.cpuUsage();
  const [events, ms] = timed(f);
  const used = process.cpuUsage(cpu);
  times.wall.push(ms);
  times.cpu.push((used.user + used.system) / 1000);
  return events;
}

const tuneTimes = (): TuneTimes => ({ wall: [], cpu: [] });

const backend = await initBackend(process.env.FOLKBOT_BACKEND ?? 'wasm');
console.log(`backend: ${backend}   (cores are shared with other work: ranges are min..max over runs)`);

const dataDir = path.resolve(args.data ?? path.join(repoRoot, '../shared/data/essen/europa'));
const haveData = existsSync(dataDir);
interface BenchData {
  readonly encoding: Encoding;
  readonly train: Int32Array[];
  readonly summary: { readonly notes: number; readonly trainTokens: number; readonly validationTokens: number };
}
const datasets = new Map<string, BenchData>();
async function dataFor(preset: TrainingPreset): Promise<BenchData | null> {
  if (!haveData) return null;
  const cached = datasets.get(preset.name);
  if (cached) return cached;
  const { buildTrainingData } = await import('../src/model/data/dataset.js');
  const data = buildTrainingData({ dataDir, filter: preset.corpusFilter, encoding: preset.encoding });
  datasets.set(preset.name, data);
  return data;
}

// ---------------------------------------------------------------- 1. generation
async function benchmarkGenerator(): Promise<LoadedGenerator | null> {
  const modelDir = path.resolve(args.model ?? path.join(repoRoot, 'models/default'));
  if (existsSync(modelDir)) return loadGenerator(modelDir);
  const data = await dataFor(PRESETS.default);
  if (!data) return null;
  // No trained model: a randomly initialised network of the default preset's size on the real encoding
  // (generation speed depends on the sizes, not on the weights' values).
  const preset = PRESETS.default;
  const config = { vocabularySize: data.encoding.vocabularySize, hiddenSize: preset.hiddenSize, layers: preset.layers, dropout: 0 };
  const network = LstmNetwork.create(config, createRandom(1));
  const weights = network.readWeights();
  network.dispose();
  const dir = path.join(repoRoot, 'runs', 'bench-random-model');
  await saveModelFolder(dir, weights, {
    format: 'folkbot-model',
    version: 1,
    name: 'bench-random',
    encoding: data.encoding.config,
    network: config,
    parameters: 0,
    hyperparameters: { ...preset },
    training: null,
    validation: { loss: null, bitsPerNote: null, accuracy: null },
  });
  console.log(`(no model at ${modelDir}: using random weights of the default preset's size)`);
  return loadGenerator(dir);
}

/** The generator of git commit `ref`'s code (src/ extracted under runs/), on the same model folder; null when git cannot. */
async function baselineGenerator(ref: string, modelName: string): Promise<Pick<LoadedGenerator, 'generate'> | null> {
  const commit = execSync(`git -C "${repoRoot}" rev-parse --short "${ref}^{commit}"`, { encoding: 'utf8' }).trim();
  const url = baselineSourceUrl(repoRoot, commit, 'src/model/generation/generator.ts');
  if (url === null) return null;
  const module = (await import(url)) as { loadGenerator: typeof loadGenerator };
  const modelDir = path.resolve(args.model ?? path.join(repoRoot, 'models/default'));
  const old = await module.loadGenerator(existsSync(modelDir) ? modelDir : path.join(repoRoot, 'runs', 'bench-random-model'));
  if (old.info.name !== modelName) throw new Error(`the baseline loaded model "${old.info.name}", not "${modelName}"`);
  return old;
}

const runs = Math.max(3, Number(args.runs));
const generator = await benchmarkGenerator();
if (!generator) {
  console.log(`generation: skipped (no model folder and no data at ${dataDir})`);
} else {
  const info = generator.info;
  console.log(`\n== generation: 16-bar tune, 4/4 major, ${info.encoding} encoding, LSTM ${info.layers}x${info.hiddenSize}, ${generator.encoding.vocabularySize} tokens`);
  // compose's defaults: a quarter pickup given back by the last bar, a strong final, the loop guard, whole distribution.
  const style = generator.info.styles[0]?.name;
  const request = (seed: number, memory = false): GenerateOptions => ({
    ...(style !== undefined ? { style } : {}),
    meter: { numerator: 4, denominator: 4 },
    mode: 'major',
    bars: 16,
    primer: [],
    pickup: 960,
    closingBar: true,
    endOnTonic: true,
    finalOnStrongBeat: true,
    maxRepeatedBars: 2,
    temperature: 0.9,
    topP: 1,
    randomSeed: seed,
    memory,
  });
  const genBaseline = args['gen-baseline'] === 'none' ? null : await baselineGenerator(args['gen-baseline'], generator.info.name);
  for (let k = 0; k < 5; k++) {
    // Warm-up: V8 compiles the hot JS and wasm again, optimised, after some calls.
    generator.generate(request(-k));
    generator.generate(request(-k, true));
    genBaseline?.generate(request(-k, true));
  }
  const stateful = tuneTimes();
  const withMemory = tuneTimes();
  const oldWithMemory = tuneTimes();
  const tokens: number[] = [];
  let differing = 0;
  // Interleaved, so that all see the same load.
  for (let k = 1; k <= runs; k++) {
    tokens.push(timeTune(stateful, () => generator.generate(request(k))).length);
    const tune = timeTune(withMemory, () => generator.generate(request(k, true)));
    if (genBaseline) {
      const old = timeTune(oldWithMemory, () => genBaseline.generate(request(k, true)));
      if (JSON.stringify(old) !== JSON.stringify(tune)) differing++;
    }
  }
  const refeed: number[] = [];
  const refeedRuns = Math.min(3, runs);
  for (let k = 1; k <= refeedRuns; k++) {
    const [events, ms] = timed(() => generateWithWindowRefeed(generator, request(k)));
    refeed.push(ms);
    // Same weights, same seed, same sampler: the tunes agree while the tune fits in the window.
    if (JSON.stringify(events).length === 0) throw new Error('unreachable');
  }
  const network = LstmNetwork.fromWeights(generator.weights, { kernel: false }); // tfjs ops, as the row says
  const tfjsStateful: number[] = [];
  for (let k = 1; k <= refeedRuns; k++) {
    const predictor = tfjsStatefulPredictor(network, generator.encoding);
    tfjsStateful.push(timed(() => sampleTune(generator.encoding, predictor, request(k)))[1]);
    predictor.dispose();
  }
  network.dispose();
  const ratio = median(refeed) / median(stateful.wall);
  const cpu = (times: TuneTimes): string => `, CPU ${median(times.cpu).toFixed(1)} ms`;
  console.log(`events per tune: median ${median(tokens)} (${range(tokens, 0)}); load average ${load()}`);
  console.log(`stateful, plain-JS step : median ${median(stateful.wall).toFixed(1)} ms (${range(stateful.wall)})${cpu(stateful)} over ${runs} tunes, the network alone`);
  console.log(
    `  + within-song memory  : median ${median(withMemory.wall).toFixed(1)} ms (${range(withMemory.wall)})${cpu(withMemory)}, ` +
      `${(median(withMemory.wall) / median(stateful.wall)).toFixed(2)}x the network alone` +
      `${generator.memorySettings === undefined ? ' (this model has no memory: the same)' : ''}   [goal < 15 ms]`,
  );
  if (genBaseline) {
    console.log(
      `  the same, ${args['gen-baseline']}'s code: median ${median(oldWithMemory.wall).toFixed(1)} ms (${range(oldWithMemory.wall)})${cpu(oldWithMemory)}; ` +
        `today's code ${(median(oldWithMemory.wall) / median(withMemory.wall)).toFixed(2)}x faster in wall time, ` +
        `${(median(oldWithMemory.cpu) / median(withMemory.cpu)).toFixed(2)}x in CPU time; ` +
        `${differing === 0 ? 'the same tunes' : `${differing} of ${runs} tunes DIFFER`}`,
    );
  }
  console.log(`stateful, tfjs ops      : median ${median(tfjsStateful).toFixed(1)} ms (${range(tfjsStateful)}) over ${refeedRuns} tunes`);
  console.log(`window re-feed (64), tfjs: median ${median(refeed).toFixed(1)} ms (${range(refeed)}) over ${refeedRuns} tunes`);
  console.log(`speed-up stateful vs re-feed: ${ratio.toFixed(1)}x   [goal >= 40x]`);
}

// ---------------------------------------------------------------- 2. training speed
function syntheticSongs(V: number, count: number): Int32Array[] {
  const random = createRandom(9);
  return Array.from({ length: count }, () => Int32Array.from({ length: 40 + random.int(120) }, () => random.int(V)));
}

function featureLabel(preset: TrainingPreset, encoding: Encoding | null): string {
  return encoding && chosenFeatureSet(encoding, preset.inputFeatures) ? '+features' : '';
}

interface SpeedSetup {
  readonly config: LstmConfig;
  readonly layout: StreamLayout;
}

function speedSetup(preset: TrainingPreset, V: number, songs: readonly Int32Array[], encoding: Encoding | null): SpeedSetup {
  // The preset's input features need the real encoding (its tracker); on synthetic tokens the network takes tokens alone.
  const set = encoding ? chosenFeatureSet(encoding, preset.inputFeatures) : undefined;
  const features = set ? { inputFeatures: set } : {};
  const config: LstmConfig = { vocabularySize: V, hiddenSize: preset.hiddenSize, layers: preset.layers, dropout: preset.dropout, ...features };
  let songRows: SongInputRows | undefined;
  if (encoding && config.inputFeatures) {
    const rows = inputRows(config, featureTracker(encoding, config));
    songRows = { width: rows.width, songs: songs.map((song) => songInputRows(rows, song)) };
  }
  return { config, layout: layoutStreams(songs, preset.batchSize, preset.chunkSteps, createRandom(2), songRows) };
}

const batchTargets = (batch: TokenBatch): number => batch.weights.reduce((a, w) => a + w, 0);

/**
 * Per timed batch, targets per second of wall time; and over all of them, targets per CPU second of the whole
 * process (every thread), which other work on the machine disturbs far less than wall time.
 */
interface Speeds {
  readonly wall: number[];
  readonly perCpuSecond: number;
}

class SpeedMeter {
  private readonly wall: number[] = [];
  private cpu: NodeJS.CpuUsage | null = null;
  private targets = 0;
  startTimed(): void {
    this.cpu ??= process.cpuUsage();
  }
  add(targets: number, seconds: number): void {
    this.wall.push(targets / seconds);
    this.targets += targets;
  }
  result(): Speeds {
    const used = process.cpuUsage(this.cpu ?? undefined);
    return { wall: this.wall, perCpuSecond: this.targets / ((used.user + used.system) / 1e6) };
  }
}

/**
 * Untimed steps first (--warm-up N, default 12): a fresh worker's wasm and JS are still being compiled (V8 tiers
 * code up as it runs), while the 1-worker variant runs in this thread, warm from the variants before it. With 2
 * untimed steps the 2-worker figure was that of workers still warming up: default preset 2 workers / 1 worker 1.15x,
 * 1.22x, 1.26x against 1.72x, 1.44x, 1.38x with 12 and 1.56x with 20 (runs alternated, 2026-12-02); a training run
 * spends nearly all its steps warm.
 */
const WARM_UP_BATCHES = Math.max(0, Math.floor(Number(args['warm-up'])) || 0);

/**
 * Targets/s of `batches` timed training steps (forward, backward, gradient sum, Adam) after the warm-up steps, on
 * the trainer's own path (train.ts): `workers` replicas, in worker threads when more than one.
 */
async function replicaSpeed(preset: TrainingPreset, setup: SpeedSetup, workers: number, batches: number): Promise<Speeds> {
  const weights = flattenWeights(initialWeights(setup.config, createRandom(1)));
  const flat = new Float32Array(weights.reduce((sum, w) => sum + w.length, 0));
  weights.reduce((offset, w) => (flat.set(w, offset), offset + w.length), 0);
  const replicas = await ReplicaSet.start({ config: setup.config, weights: flat, workers, backend, validationSongs: [] });
  const optimizer = new AdamOptimizer(weightSizes(setup.config), { learningRate: preset.learningRate, clipNorm: preset.clipNorm });
  const meter = new SpeedMeter();
  try {
    for (let b = 0; b < WARM_UP_BATCHES + batches; b++) {
      const batch = setup.layout.batches[b % setup.layout.batches.length] as TokenBatch;
      if (b === WARM_UP_BATCHES) meter.startTimed();
      const start = performance.now();
      const step = await replicas.step(batch, b);
      optimizer.apply(replicas.weights, step.gradient);
      const seconds = (performance.now() - start) / 1000;
      if (b >= WARM_UP_BATCHES) meter.add(batchTargets(batch), seconds);
    }
    return meter.result();
  } finally {
    await replicas.close();
  }
}

/** The training step of the code before data-parallel training (git commit BASELINE), in this thread. */
interface BaselineModules {
  readonly LstmNetwork: {
    create(config: LstmConfig, random: Random): {
      variables: tf.Variable[];
      zeroCarry(rows: number): { h: tf.Tensor[]; c: tf.Tensor[] };
      trainStep(batch: TokenBatch, carry: unknown, random: Random): { gradients: tf.Tensor[]; lossSum: tf.Tensor; correct: tf.Tensor; carry: { h: tf.Tensor[]; c: tf.Tensor[] } };
      dispose(): void;
    };
  };
  readonly AdamOptimizer: new (variables: tf.Variable[], settings: { learningRate: number; clipNorm: number }) => {
    apply(gradients: tf.Tensor[]): tf.Tensor;
    dispose(): void;
  };
}

/** Extracts src/ of `commit` under runs/ (git-ignored) and imports its network and optimiser; null when git cannot. */
async function baselineModules(commit: string): Promise<BaselineModules | null> {
  const network = baselineSourceUrl(repoRoot, commit, 'src/model/network/lstm-network.ts');
  const optimizer = baselineSourceUrl(repoRoot, commit, 'src/model/training/train-optimizer.ts');
  if (network === null || optimizer === null) return null;
  const networkModule = (await import(network)) as Pick<BaselineModules, 'LstmNetwork'>;
  const optimizerModule = (await import(optimizer)) as Pick<BaselineModules, 'AdamOptimizer'>;
  return { LstmNetwork: networkModule.LstmNetwork, AdamOptimizer: optimizerModule.AdamOptimizer };
}

function baselineSpeed(modules: BaselineModules, preset: TrainingPreset, setup: SpeedSetup, batches: number): Speeds {
  const network = modules.LstmNetwork.create(setup.config, createRandom(1));
  const optimizer = new modules.AdamOptimizer(network.variables, { learningRate: preset.learningRate, clipNorm: preset.clipNorm });
  let carry = network.zeroCarry(setup.layout.rows);
  const meter = new SpeedMeter();
  for (let b = 0; b < WARM_UP_BATCHES + batches; b++) {
    const batch = setup.layout.batches[b % setup.layout.batches.length] as TokenBatch;
    if (b === WARM_UP_BATCHES) meter.startTimed();
    const start = performance.now();
    const step = network.trainStep(batch, carry, createRandom(b));
    const norm = optimizer.apply(step.gradients);
    step.lossSum.dataSync();
    const seconds = (performance.now() - start) / 1000;
    tf.dispose([...step.gradients, step.lossSum, step.correct, norm, ...carry.h, ...carry.c]);
    carry = step.carry;
    if (b >= WARM_UP_BATCHES) meter.add(batchTargets(batch), seconds);
  }
  const speeds = meter.result();
  tf.dispose([...carry.h, ...carry.c]);
  optimizer.dispose();
  network.dispose();
  return speeds;
}

if (!args['no-training']) {
  const rounds = Math.max(1, Number(args.rounds));
  const timedBatches = Math.max(2, Number(args.batches));
  console.log(`\n== training speed (targets/s: forward + backward + Adam; ${rounds} rounds of ${timedBatches} timed batches, the variants interleaved)`);
  console.log(`load average before: ${load()}   (${os.availableParallelism()} cores)`);
  const baseline = args.baseline === 'none' ? null : await baselineModules(args.baseline);
  const results = new Map<string, { targets: number; notes: number }>();
  for (const preset of [PRESETS.default, PRESETS.reference]) {
    const data = await dataFor(preset);
    const V = data?.encoding.vocabularySize ?? (preset.encoding === 'events' ? 385 : 60);
    const songs = data?.train ?? syntheticSongs(V, 400);
    const setup = speedSetup(preset, V, songs, data?.encoding ?? null);
    // One worker's share of a 2-worker step, alone in this thread: twice its speed is what 2 workers could reach
    // with nothing shared between them (no gradient sum, Adam step, messages or helper threads to wait for).
    const halfSetup = speedSetup({ ...preset, batchSize: preset.batchSize / 2 }, V, songs, data?.encoding ?? null);
    const variants: { name: string; speeds: number[]; perCpuSecond: number[]; measure: () => Promise<Speeds> }[] = [
      { name: '1 worker', speeds: [], perCpuSecond: [], measure: () => replicaSpeed(preset, setup, 1, timedBatches) },
      { name: '2 workers', speeds: [], perCpuSecond: [], measure: () => replicaSpeed(preset, setup, 2, timedBatches) },
      { name: '1 worker, half the streams', speeds: [], perCpuSecond: [], measure: () => replicaSpeed(preset, halfSetup, 1, timedBatches) },
      ...(baseline && preset.name === 'default'
        ? [
            {
              name: `today's code (${args.baseline})`,
              speeds: [] as number[],
              perCpuSecond: [] as number[],
              measure: () => Promise.resolve(baselineSpeed(baseline, preset, setup, timedBatches)),
            },
          ]
        : []),
    ];
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const measured = await variant.measure();
        variant.speeds.push(...measured.wall);
        variant.perCpuSecond.push(measured.perCpuSecond);
      }
    }
    // Notes per token of this encoding: the speed at which the corpus itself is covered.
    const notesPerToken = data ? data.summary.notes / (data.summary.trainTokens + data.summary.validationTokens) : NaN;
    const label = `${preset.name} ${preset.encoding}${featureLabel(preset, data?.encoding ?? null)} V=${V} LSTM ${preset.layers}x${preset.hiddenSize} batch ${preset.batchSize}x${preset.chunkSteps}`;
    console.log(label + (data ? '' : ' [synthetic tokens]'));
    const medians = new Map<string, number>();
    for (const variant of variants) {
      const targets = median(variant.speeds);
      medians.set(variant.name, targets);
      const epoch = data ? `, one epoch (${data.train.length} songs) ~${((data.summary.trainTokens - data.train.length) / targets).toFixed(0)} s` : '';
      console.log(
        `  ${variant.name.padEnd(26)} ${targets.toFixed(0).padStart(6)} targets/s (${range(variant.speeds, 0)})` +
          (data ? `, ${(targets * notesPerToken).toFixed(0)} notes/s${epoch}` : '') +
          `; ${median(variant.perCpuSecond).toFixed(0)} targets per CPU second`,
      );
    }
    const one = medians.get('1 worker') as number;
    const two = medians.get('2 workers') as number;
    console.log(`  2 workers / 1 worker: ${(two / one).toFixed(2)}x   [goal >= 1.8x on 2 cores]`);
    const half = medians.get('1 worker, half the streams') as number;
    console.log(
      `  the most 2 workers could reach, twice 1 worker on half the streams: ${((2 * half) / one).toFixed(2)}x; ` +
        `2 workers reach ${((100 * two) / (2 * half)).toFixed(0)}% of it (the rest: the serial gradient sum and Adam step, messages, helper threads)`,
    );
    const cpuOf = (name: string): number => median(variants.find((v) => v.name === name)?.perCpuSecond ?? [NaN]);
    console.log(
      `  CPU per target, 1 worker / 2 workers: ${(cpuOf('2 workers') / cpuOf('1 worker')).toFixed(2)} ` +
        `(1.00 = the second worker adds no work: on two free cores the 2-worker wall time would be half)`,
    );
    const old = baseline && preset.name === 'default' ? medians.get(`today's code (${args.baseline})`) : undefined;
    if (old !== undefined) {
      console.log(`  vs today's code: 1 worker ${(one / old).toFixed(2)}x, 2 workers ${(two / old).toFixed(2)}x   [goal >= 3x with the default workers]`);
    }
    results.set(preset.name, { targets: two, notes: two * notesPerToken });
  }
  console.log(`load average after: ${load()}`);
  const defaultSpeed = results.get('default');
  const referenceSpeed = results.get('reference');
  if (defaultSpeed && referenceSpeed) {
    // Notes/s needs the corpus (notes per token); on synthetic tokens there is no such figure to compare.
    const notes = defaultSpeed.notes / referenceSpeed.notes;
    console.log(
      `default / reference (2 workers): ${(defaultSpeed.targets / referenceSpeed.targets).toFixed(2)}x in targets/s, ` +
        (Number.isFinite(notes) ? `${notes.toFixed(2)}x in notes/s` : 'notes/s not compared (no corpus data: synthetic tokens)'),
    );
  }
}

if (!args['no-layers'] && !args['no-training']) {
  // tf.layers.lstm, as the reference system trained it (one-hot input windows of 64, batch 64), but with a
  // target at every step (returnSequences) so that targets/s are comparable.
  const V = (await dataFor(PRESETS.reference))?.encoding.vocabularySize ?? 60;
  const T = 64;
  const B = 64;
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: 256, returnSequences: true, inputShape: [T, V] }));
  model.add(tf.layers.dropout({ rate: 0.2 }));
  model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: V, activation: 'softmax' }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const random = createRandom(3);
  const x = tf.oneHot(tf.tensor2d(Array.from({ length: B * T }, () => random.int(V)), [B, T], 'int32'), V).toFloat();
  const y = tf.oneHot(tf.tensor2d(Array.from({ length: B * T }, () => random.int(V)), [B, T], 'int32'), V).toFloat();
  const speeds: number[] = [];
  for (let k = 0; k < 3; k++) {
    const start = performance.now();
    await model.trainOnBatch(x, y);
    if (k > 0) speeds.push((B * T) / ((performance.now() - start) / 1000));
  }
  console.log(`tf.layers.lstm(256) one-hot V=${V} batch ${B}x${T}: ${median(speeds).toFixed(0)} targets/s (${range(speeds, 0)})`);
  tf.dispose([x, y]);
  model.dispose();
}

// ---------------------------------------------------------------- 3. sweep
if (args.sweep) {
  console.log('\n== tfjs op-call overhead');
  const a = tf.scalar(1);
  for (let k = 0; k < 200; k++) tf.add(a, a).dispose();
  const overhead: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let k = 0; k < 2000; k++) tf.add(a, a).dispose();
    overhead.push(((performance.now() - start) * 1000) / 2000);
  }
  console.log(`tf.add on scalars: median ${median(overhead).toFixed(1)} us per op call (${range(overhead)})`);
  a.dispose();

  console.log('\n== events encoding, 1 layer: targets/s by hidden size and batch (streams x 64 steps)');
  const data = await dataFor(PRESETS.default);
  const V = data?.encoding.vocabularySize ?? 385;
  const songs = data?.train ?? syntheticSongs(V, 400);
  for (const hiddenSize of [128, 192, 256]) {
    for (const batchSize of [32, 64]) {
      const preset = { ...PRESETS.default, hiddenSize, batchSize, layers: 1 };
      const speeds = (await replicaSpeed(preset, speedSetup(preset, V, songs, data?.encoding ?? null), 1, 4)).wall;
      console.log(`H=${hiddenSize} B=${batchSize}: ${median(speeds).toFixed(0)} targets/s (${range(speeds, 0)})`);
    }
  }
  const twoLayers = { ...PRESETS.default, hiddenSize: 192, batchSize: 32, layers: 2 };
  const speeds = (await replicaSpeed(twoLayers, speedSetup(twoLayers, V, songs, data?.encoding ?? null), 1, 4)).wall;
  console.log(`2 layers H=192 B=32: ${median(speeds).toFixed(0)} targets/s (${range(speeds, 0)})`);
}
