import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainKernelKind } from '../../src/model/network/train-kernels.js';
import { initBackend } from '../../src/model/network/backend.js';
import { flattenWeights } from '../../src/model/network/lstm-network.js';
import { loadModelFolder } from '../../src/model/folder/model-folder.js';
import { train, type TrainingEvent, type TrainOptions } from '../../src/model/training/train.js';
import { PRESETS, type TrainingPreset } from '../../src/model/training/train-presets.js';
import { cyclicSongs, syntheticEncoding } from './synthetic-encoding.js';

const backend = await initBackend();
// Dropout on, so that the test also checks that a replica draws its rows' part of the whole batch's masks.
const tiny: TrainingPreset = {
  ...PRESETS.plain,
  hiddenSize: 16,
  layers: 1,
  dropout: 0.2,
  learningRate: 0.02,
  batchSize: 5,
  chunkSteps: 16,
  maxEpochs: 2,
  patience: 10,
};
const encoding = syntheticEncoding(5);
const data = { encoding, train: cyclicSongs(24, 5, 1), validation: cyclicSongs(7, 5, 2) };

async function run(out: string, options: Partial<TrainOptions>): Promise<Awaited<ReturnType<typeof train>>> {
  return train({ preset: tiny, data, dataDir: '/synthetic', outDir: out, backend, ...options });
}

async function checkpointWeights(out: string): Promise<Float32Array> {
  const { weights } = await loadModelFolder(path.join(out, 'checkpoint'));
  return Float32Array.from(flattenWeights(weights).flatMap((a) => [...a]));
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
  return worst;
}

test('two workers train as one: same losses and, after every step, the same weights up to float rounding', async () => {
  const one = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-w1-'));
  const two = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-w2-'));
  const started: TrainingEvent[] = [];
  const a = await run(one, { workers: 1 });
  const b = await run(two, { workers: 2, onProgress: (e) => e.kind === 'started' && started.push(e) });
  assert.deepEqual(started, [{ kind: 'started', workers: 2, backend, kernel: trainKernelKind() }]);
  assert.equal(a.history.length, 2);
  a.history.forEach((record, k) => {
    const other = b.history[k]!;
    assert.ok(Math.abs(record.trainLoss - other.trainLoss) < 1e-4, `epoch ${k + 1} training loss ${record.trainLoss} vs ${other.trainLoss}`);
    assert.ok(Math.abs(record.validationLoss - other.validationLoss) < 1e-4, `epoch ${k + 1} validation loss ${record.validationLoss} vs ${other.validationLoss}`);
    assert.equal(record.learningRate, other.learningRate);
  });
  const difference = maxDifference(await checkpointWeights(one), await checkpointWeights(two));
  assert.ok(difference < 1e-4, `largest weight difference ${difference}`);
  // A different seed gives different weights: the comparison above can fail.
  const three = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-w3-'));
  await run(three, { workers: 1, seed: 2 });
  assert.ok(maxDifference(await checkpointWeights(one), await checkpointWeights(three)) > 1e-2);
  await Promise.all([one, two, three].map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

test('a run interrupted with two workers resumes with one, and continues as it would have with two', async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-switch-'));
  const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-switch-copy-'));
  let batches = 0;
  const first = await run(out, { workers: 2, shouldStop: () => ++batches >= 4 });
  assert.equal(first.stoppedBy, 'interrupted');
  await fs.cp(out, copy, { recursive: true });
  const one = await run(out, { workers: 1, resume: true });
  const two = await run(copy, { workers: 2, resume: true });
  assert.equal(one.stoppedBy, 'epochs');
  assert.equal(one.history.length, 2);
  assert.ok(Math.abs(one.history[1]!.validationLoss - two.history[1]!.validationLoss) < 1e-4);
  const difference = maxDifference(await checkpointWeights(out), await checkpointWeights(copy));
  assert.ok(difference < 1e-4, `largest weight difference ${difference}`);
  await Promise.all([out, copy].map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

test('a worker that dies stops the run with a clear message; the last checkpoint stays intact and resuming continues', async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-crash-'));
  let batches = 0;
  await run(out, { workers: 1, shouldStop: () => ++batches >= 3 });
  const checkpointFile = path.join(out, 'checkpoint', 'checkpoint.json');
  const saved = await fs.readFile(checkpointFile, 'utf8');
  const savedWeights = await checkpointWeights(out);
  await assert.rejects(run(out, { workers: 2, resume: true, workerExitAtStep: 2 }), (error: Error) => {
    assert.equal(error.name, 'TrainingError');
    assert.match(error.message, /training worker 2 of 2 stopped unexpectedly \(exit code 3\)/);
    assert.match(error.message, /last checkpoint in .*checkpoint is intact/);
    return true;
  });
  assert.equal(await fs.readFile(checkpointFile, 'utf8'), saved);
  assert.equal(maxDifference(savedWeights, await checkpointWeights(out)), 0);
  const resumed = await run(out, { workers: 1, resume: true });
  assert.equal(resumed.stoppedBy, 'epochs');
  assert.equal(resumed.history.length, 2);
  await fs.rm(out, { recursive: true, force: true });
});
