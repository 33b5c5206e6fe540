import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/model/network/backend.js';
import { train, type TrainingEvent } from '../../src/model/training/train.js';
import { PRESETS, type TrainingPreset } from '../../src/model/training/train-presets.js';
import { loadGenerator } from '../../src/model/generation/generator.js';
import { cyclicSongs, syntheticEncoding } from './synthetic-encoding.js';

const backend = await initBackend();
const tiny: TrainingPreset = {
  // The synthetic encoding has no input features: the plain preset takes tokens alone.
  ...PRESETS.plain,
  hiddenSize: 16,
  layers: 1,
  dropout: 0,
  learningRate: 0.02,
  batchSize: 4,
  chunkSteps: 16,
  maxEpochs: 6,
  patience: 10,
};
const encoding = syntheticEncoding(5);
const data = { encoding, train: cyclicSongs(24, 5, 1), validation: cyclicSongs(6, 5, 2) };

test('a tiny model learns a predictable sequence; the best epoch becomes the model; report written', async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-train-'));
  const tensorsAtEpochEnd: number[] = [];
  const result = await train({
    preset: tiny,
    data,
    dataDir: '/synthetic',
    outDir: out,
    backend,
    onProgress: (e) => {
      if (e.kind === 'epoch') tensorsAtEpochEnd.push(tf.memory().numTensors);
    },
  });
  assert.equal(result.history.length, 6);
  assert.equal(new Set(tensorsAtEpochEnd.slice(1)).size, 1, `no tensors leak from epoch to epoch: ${tensorsAtEpochEnd.join(', ')}`);
  const first = result.history[0]!;
  const last = result.history.at(-1)!;
  assert.ok(last.trainLoss < first.trainLoss * 0.5, `training loss ${first.trainLoss} -> ${last.trainLoss}`);
  assert.ok(result.bestValidationLoss < 0.5, `validation loss ${result.bestValidationLoss}`);
  assert.ok(last.validationAccuracy > 0.8, `validation accuracy ${last.validationAccuracy}`);
  const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as { epochs: unknown[]; stoppedBy: string };
  assert.equal(report.epochs.length, 6);
  assert.equal(report.stoppedBy, 'epochs');
  const png = await fs.readFile(path.join(out, 'loss-curves.png'));
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  // The saved model is the best epoch: its log-probabilities reproduce the best validation loss.
  assert.ok(result.modelDir);
  const generator = await loadGenerator(result.modelDir, { createEncoding: () => encoding });
  let total = 0;
  let count = 0;
  for (const song of data.validation) {
    const lp = generator.logProbs(song);
    for (let i = 1; i < song.length; i++) total -= lp[i]!;
    count += song.length - 1;
  }
  assert.ok(Math.abs(total / count - result.bestValidationLoss) < 1e-4, `${total / count} vs ${result.bestValidationLoss}`);
  assert.equal(generator.info.hiddenSize, 16);
  await fs.rm(out, { recursive: true, force: true });
});

test("a checkpoint keeps the run's learning rate, not the smaller one of an epoch's nearly empty last batch", async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-rate-'));
  await train({ preset: tiny, data, dataDir: '/synthetic', outDir: out, backend, epochs: 1 });
  const checkpoint = JSON.parse(await fs.readFile(path.join(out, 'checkpoint', 'checkpoint.json'), 'utf8')) as { state: { learningRate: number } };
  assert.equal(checkpoint.state.learningRate, tiny.learningRate);
  const resumed = await train({ preset: tiny, data, dataDir: '/synthetic', outDir: out, backend, epochs: 2, resume: true });
  assert.equal(resumed.history[1]!.learningRate, tiny.learningRate);
  await fs.rm(out, { recursive: true, force: true });
});

test('an interrupted run resumes from its checkpoint epoch and batch', async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-resume-'));
  let batches = 0;
  const first = await train({
    preset: tiny,
    data,
    dataDir: '/synthetic',
    outDir: out,
    backend,
    epochs: 4,
    shouldStop: () => batches >= 5,
    onProgress: (e) => {
      if (e.kind === 'batch') batches++;
    },
  });
  assert.equal(first.stoppedBy, 'interrupted');
  const checkpoint = JSON.parse(await fs.readFile(path.join(out, 'checkpoint', 'checkpoint.json'), 'utf8')) as {
    state: { epoch: number; batch: number };
  };
  const resumedAt: TrainingEvent[] = [];
  const second = await train({
    preset: tiny,
    data,
    dataDir: '/synthetic',
    outDir: out,
    backend,
    epochs: 4,
    resume: true,
    onProgress: (e) => {
      if (e.kind === 'resumed' || (e.kind === 'batch' && resumedAt.length === 1)) resumedAt.push(e);
    },
  });
  assert.deepEqual(resumedAt[0], { kind: 'resumed', epoch: checkpoint.state.epoch, batch: checkpoint.state.batch });
  const firstBatch = resumedAt[1];
  assert.ok(firstBatch?.kind === 'batch' && firstBatch.batch === checkpoint.state.batch + 1 && firstBatch.epoch === checkpoint.state.epoch + 1);
  assert.equal(second.stoppedBy, 'epochs');
  assert.equal(second.history.length, 4);
  assert.deepEqual(second.history.slice(0, first.history.length), first.history);
  await assert.rejects(
    train({ preset: { ...tiny, hiddenSize: 8 }, data, dataDir: '/synthetic', outDir: out, backend, resume: true }),
    /differs from the preset/,
  );
  // Style balancing changes the epoch's songs, and so what the checkpoint's batch number points at.
  await assert.rejects(
    train({ preset: { ...tiny, styles: true, balanceStyles: 2 }, data, dataDir: '/synthetic', outDir: out, backend, resume: true }),
    /the checkpoint was trained with --balance-styles 0, this run asks for 2: resume with --balance-styles 0/,
  );
  // A warm restart: resuming the finished run for two more epochs at a new learning rate trains at that rate.
  const restarted = await train({ preset: tiny, data, dataDir: '/synthetic', outDir: out, backend, epochs: 6, resume: true, restartLearningRate: 0.005 });
  assert.equal(restarted.history.length, 6);
  assert.equal(restarted.history[4]!.learningRate, 0.005);
  assert.deepEqual(restarted.history.slice(0, 4), second.history);
  await fs.rm(out, { recursive: true, force: true });
});
