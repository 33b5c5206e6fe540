// Networks with input features: inference equals the tfjs forward pass, folders round-trip, and training on a task
// that only the features make easy learns it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/network/backend.js';
import { lstmScoringModel } from '../../src/model/scoring/evaluate.js';
import { loadGenerator, sampleTune } from '../../src/model/generation/generator.js';
import { generateWithWindowRefeed, tfjsStatefulPredictor } from '../../src/model/generation/generator-tfjs.js';
import { featureTracker, inputRows, songInputRows } from '../../src/model/encodings/input-features.js';
import { LstmStepper } from '../../src/model/network/lstm-inference.js';
import { initialWeights, LstmNetwork, type LstmConfig } from '../../src/model/network/lstm-network.js';
import { loadModelFolder, saveModelFolder, type ModelMetadata } from '../../src/model/folder/model-folder.js';
import { createRandom } from '../../src/model/generation/random.js';
import { train } from '../../src/model/training/train.js';
import { evaluateSongs } from '../../src/model/training/train-evaluate.js';
import { PRESETS, type TrainingPreset } from '../../src/model/training/train-presets.js';
import { buildEventsEncoding } from '../../src/model/encodings/events.js';
import { EVENTS_INPUT_FEATURES } from '../../src/model/encodings/events-features.js';
import { E, sampleMelodies } from './melody-fixtures.js';
import { CLOCK_FEATURES, ClockTracker, clockEncoding, clockSongs } from './synthetic-clock-encoding.js';

const backend = await initBackend();
const encoding = clockEncoding();

function featureConfig(layers: number): LstmConfig {
  return { vocabularySize: encoding.vocabularySize, hiddenSize: 16, layers, dropout: 0.2, inputFeatures: CLOCK_FEATURES };
}

for (const [layers, simd] of [[1, true], [2, true], [2, false]] as const) {
  test(`with input features the tfjs-free step (${simd ? 'SIMD' : 'JS'}) equals the tfjs forward pass (${layers} layer${layers > 1 ? 's' : ''})`, () => {
    const config = featureConfig(layers);
    const weights = initialWeights(config, createRandom(4));
    for (const layer of weights.layers) for (const a of [layer.inputKernel, layer.recurrentKernel]) a.forEach((v, k) => (a[k] = v * 3));
    const network = LstmNetwork.fromWeights(weights);
    const stepper = new LstmStepper(weights, { simd, features: new ClockTracker() });
    assert.equal(stepper.simd, simd);
    const [song] = clockSongs(1, 5, 3) as [Int32Array];
    const rows = songInputRows(inputRows(config, new ClockTracker()), song);
    const { logits } = network.predict(song, null, rows);
    const expected = logits.dataSync();
    const V = encoding.vocabularySize;
    stepper.reset({ tokens: song });
    song.forEach((token, t) => {
      const actual = stepper.step(token);
      for (let v = 0; v < V; v++) assert.ok(Math.abs(actual[v]! - expected[t * V + v]!) < 1e-4, `step ${t}, logit ${v}: ${actual[v]} vs ${expected[t * V + v]}`);
    });
    // A network with features refuses input without its feature rows.
    assert.throws(() => network.predict(song, null), /inputRows/);
    // Batched evaluation in parallel streams equals stepping each song alone.
    const songs = clockSongs(5, 3, 9);
    const rowsOf = inputRows(config, featureTracker(encoding, config));
    const evaluation = evaluateSongs(network, songs, 2, 8, { width: rowsOf.width, songs: songs.map((s) => songInputRows(rowsOf, s)) });
    const scoring = lstmScoringModel(encoding, weights);
    songs.forEach((s, k) => {
      const fromStepper = stepper.logProbs(s);
      const fromScoring = scoring.logProbs(s);
      fromStepper.forEach((value, i) => {
        assert.ok(Math.abs(value - evaluation.logProbs[k]![i]!) < 1e-4, `song ${k} token ${i}`);
        assert.ok(Math.abs(value - fromScoring[i]!) < 1e-6, `scoring model, song ${k} token ${i}`);
      });
    });
    tf.dispose(logits);
    network.dispose();
  });
}

test('a network with input features needs a tracker, and a feature-less one takes none', () => {
  const withFeatures = initialWeights(featureConfig(1), createRandom(1));
  assert.throws(() => new LstmStepper(withFeatures), /needs a feature tracker/);
  assert.throws(() => featureTracker(clockEncoding(false), withFeatures.config), /gives none/);
  assert.throws(() => featureTracker(encoding, { ...withFeatures.config, inputFeatures: { name: 'test-clock', sizes: [3] } }), /gives "test-clock" \[7\]/);
  const plain = initialWeights({ vocabularySize: encoding.vocabularySize, hiddenSize: 8, layers: 1, dropout: 0 }, createRandom(1));
  assert.equal(featureTracker(encoding, plain.config), null);
  assert.throws(() => new LstmStepper(plain, { features: new ClockTracker() }), /takes no feature tracker/);
});

test('a model folder with input features round-trips and loads as a generator that uses them', async () => {
  const config = featureConfig(2);
  const weights = initialWeights(config, createRandom(8));
  const metadata: ModelMetadata = {
    format: 'folkbot-model',
    version: 1,
    name: 'features',
    encoding: encoding.config,
    network: config,
    parameters: 0,
    hyperparameters: {},
    training: null,
    validation: { loss: null, bitsPerNote: null, accuracy: null },
  };
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-features-')), 'model');
  await saveModelFolder(dir, weights, metadata);
  const topology = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as { network: LstmConfig; tensors: { shape: number[] }[] };
  assert.deepEqual(topology.network.inputFeatures, CLOCK_FEATURES);
  assert.deepEqual(topology.tensors[0]!.shape, [encoding.vocabularySize + 7, 64]);
  const loaded = await loadModelFolder(dir);
  assert.deepEqual(loaded.weights.config, config);
  assert.deepEqual(loaded.weights.layers[0]!.inputKernel, weights.layers[0]!.inputKernel);
  const generator = await loadGenerator(dir, { createEncoding: () => encoding });
  const song = clockSongs(1, 4, 5)[0]!;
  assert.deepEqual(generator.logProbs(song), new LstmStepper(weights, { features: new ClockTracker() }).logProbs(song));
  await assert.rejects(loadGenerator(dir, { createEncoding: () => clockEncoding(false) }), /gives none/);
  // A bad feature spec in model.json is a clear error.
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify({ ...topology, network: { ...config, inputFeatures: { name: 'x', sizes: [0] } } }));
  await assert.rejects(loadModelFolder(dir), /inputFeatures must give a name/);
});

test('an events model with metric features generates a tune with a pickup and scores songs', async () => {
  const melodies = Object.values(sampleMelodies());
  const events = buildEventsEncoding(melodies);
  const config: LstmConfig = { vocabularySize: events.vocabularySize, hiddenSize: 16, layers: 1, dropout: 0, inputFeatures: EVENTS_INPUT_FEATURES };
  const weights = initialWeights(config, createRandom(12));
  const metadata: ModelMetadata = {
    format: 'folkbot-model',
    version: 1,
    name: 'events-features',
    encoding: events.config,
    network: config,
    parameters: 0,
    hyperparameters: {},
    training: null,
    validation: { loss: null, bitsPerNote: null, accuracy: null },
  };
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-events-features-')), 'model');
  await saveModelFolder(dir, weights, metadata);
  const generator = await loadGenerator(dir);
  const request = { meter: { numerator: 3, denominator: 4 }, mode: 'major' as const, bars: 4, primer: [], pickup: E, endOnTonic: true };
  const tune = generator.generate({ ...request, temperature: 1, topP: 1, randomSeed: 3 });
  const end = tune.at(-1)!;
  assert.equal(end.onset + end.duration, E + 4 * 3 * 960);
  // Scoring a song goes through the same tracker, looking ahead for its pickup.
  const song = events.encode(sampleMelodies().pickup!);
  const scored = lstmScoringModel(events, weights).logProbs(song);
  assert.deepEqual(scored, generator.logProbs(song));
  assert.ok(scored.slice(1).every((value) => Number.isFinite(value) && value < 0));
  // The reference system's window re-feed and the tfjs one-step predictor feed the same features: with a window
  // longer than the tune they sample the very same tune.
  const options = { ...request, temperature: 1, topP: 1, randomSeed: 3 };
  assert.deepEqual(generateWithWindowRefeed(generator, options, 512), tune);
  const network = LstmNetwork.fromWeights(weights);
  const predictor = tfjsStatefulPredictor(network, events);
  assert.deepEqual(sampleTune(events, predictor, options), tune);
  predictor.dispose();
  network.dispose();
});

test('on a task only the clock makes easy, the features cut the validation loss', async () => {
  const tiny: TrainingPreset = {
    ...PRESETS.default,
    hiddenSize: 16,
    dropout: 0,
    learningRate: 0.02,
    learningRateDecay: 1,
    batchSize: 4,
    chunkSteps: 16,
    maxEpochs: 4,
    patience: 10,
  };
  const data = { encoding, train: clockSongs(24, 6, 1), validation: clockSongs(8, 6, 2) };
  const run = async (inputFeatures: boolean) => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-features-train-'));
    return train({ preset: { ...tiny, inputFeatures }, data, dataDir: '/synthetic', outDir: out, backend });
  };
  const plain = await run(false);
  const positional = await run(true);
  const first = positional.history[0]!;
  const last = positional.history.at(-1)!;
  assert.ok(last.trainLoss < first.trainLoss, `training loss ${first.trainLoss} -> ${last.trainLoss}`);
  assert.ok(
    positional.bestValidationLoss < plain.bestValidationLoss - 0.1,
    `validation loss with features ${positional.bestValidationLoss}, without ${plain.bestValidationLoss}`,
  );
  // The saved model records its features and scores the validation songs as training measured them.
  const generator = await loadGenerator(positional.modelDir!, { createEncoding: () => encoding });
  let total = 0;
  let count = 0;
  for (const song of data.validation) {
    const lp = generator.logProbs(song);
    for (let i = 1; i < song.length; i++) total -= lp[i]!;
    count += song.length - 1;
  }
  assert.ok(Math.abs(total / count - positional.bestValidationLoss) < 1e-4, `${total / count} vs ${positional.bestValidationLoss}`);
  // Resuming with the features switched off is refused.
  await assert.rejects(
    train({ preset: { ...tiny, inputFeatures: false }, data, dataDir: '/synthetic', outDir: path.dirname(positional.modelDir!), backend, resume: true }),
    /input features/,
  );
});
