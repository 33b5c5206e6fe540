import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initialWeights, type LstmConfig } from '../../src/model/network/lstm-network.js';
import { loadModelFolder, ModelFolderError, saveModelFolder, type ModelMetadata } from '../../src/model/folder/model-folder.js';
import { loadGenerator } from '../../src/model/generation/generator.js';
import { createRandom } from '../../src/model/generation/random.js';
import { cyclicSongs, syntheticEncoding } from './synthetic-encoding.js';

const encoding = syntheticEncoding(6);
const config: LstmConfig = { vocabularySize: encoding.vocabularySize, hiddenSize: 12, layers: 2, dropout: 0.1 };

function metadata(): ModelMetadata {
  return {
    format: 'folkbot-model',
    version: 1,
    name: 'test',
    encoding: encoding.config,
    network: config,
    parameters: 0,
    hyperparameters: { note: 'test' },
    training: null,
    validation: { loss: null, bitsPerNote: null, accuracy: null },
  };
}

async function savedFolder(): Promise<string> {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-model-')), 'model');
  await saveModelFolder(dir, initialWeights(config, createRandom(7)), metadata());
  return dir;
}

test('save and load round-trip gives identical weights and log-probabilities', async () => {
  const weights = initialWeights(config, createRandom(7));
  const dir = await savedFolder();
  const loaded = await loadModelFolder(dir);
  assert.deepEqual(loaded.weights.config, config);
  assert.deepEqual(loaded.weights.outputKernel, weights.outputKernel);
  assert.deepEqual(loaded.weights.layers[1]!.recurrentKernel, weights.layers[1]!.recurrentKernel);
  const generator = await loadGenerator(dir, { createEncoding: () => encoding });
  const song = cyclicSongs(1, 6, 3)[0]!;
  const first = generator.logProbs(song);
  // Saving the loaded model again (over the old folder) and reloading gives bit-identical log-probabilities.
  await saveModelFolder(dir, loaded.weights, loaded.metadata);
  const again = await loadGenerator(dir, { createEncoding: () => encoding });
  assert.deepEqual(again.logProbs(song), first);
  assert.equal(first[0], 0);
  assert.ok(first.slice(1).every((v) => v < 0 && Number.isFinite(v)));
  const leftovers = (await fs.readdir(path.dirname(dir))).filter((name) => name !== 'model');
  assert.deepEqual(leftovers, [], 'no temporary folders are left behind');
});

test('a truncated weights file is reported as such', async () => {
  const dir = await savedFolder();
  const file = path.join(dir, 'weights.bin');
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(loadModelFolder(dir), (error: unknown) => {
    assert.ok(error instanceof ModelFolderError);
    assert.equal(error.problem, 'truncated-weights');
    assert.match(error.message, /weights\.bin: \d+ bytes, expected \d+/);
    return true;
  });
});

test('a missing model.json or folder is reported by name', async () => {
  const dir = await savedFolder();
  await fs.rm(path.join(dir, 'model.json'));
  await assert.rejects(loadModelFolder(dir), (error: unknown) => error instanceof ModelFolderError && error.problem === 'missing-file' && /model\.json/.test(error.message));
  await assert.rejects(loadModelFolder(path.join(dir, 'nope')), (error: unknown) => error instanceof ModelFolderError && error.problem === 'missing-folder');
});

test('a vocabulary that does not match the network is rejected', async () => {
  const dir = await savedFolder();
  const file = path.join(dir, 'folkbot-model.json');
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as { encoding: { vocabulary: string[] } };
  json.encoding.vocabulary.push('extra');
  await fs.writeFile(file, JSON.stringify(json));
  await assert.rejects(loadModelFolder(dir), (error: unknown) => {
    assert.ok(error instanceof ModelFolderError);
    assert.equal(error.problem, 'vocabulary-mismatch');
    assert.match(error.message, /9 tokens but the network in model\.json has 8/);
    return true;
  });
});

test('broken JSON is reported as invalid JSON', async () => {
  const dir = await savedFolder();
  await fs.writeFile(path.join(dir, 'model.json'), '{"format": "folkbot-lstm", ');
  await assert.rejects(loadModelFolder(dir), (error: unknown) => error instanceof ModelFolderError && error.problem === 'invalid-json');
});
