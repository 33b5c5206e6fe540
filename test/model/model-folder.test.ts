import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initialWeights, type LstmConfig } from '../../src/model/network/lstm-network.js';
import { LONG_TERM_FILE, loadModelFolder, modelFiles, ModelFolderError, saveModelFolder, type ModelMetadata } from '../../src/model/folder/model-folder.js';
import { LongTermModel } from '../../src/model/memory/long-term.js';
import type { MemorySettings } from '../../src/model/memory/memory-mix.js';
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

test('a saved folder records the SHA-256 of its weights and loads without warnings', async () => {
  const dir = await savedFolder();
  const recorded = JSON.parse(await fs.readFile(path.join(dir, 'folkbot-model.json'), 'utf8')) as ModelMetadata;
  assert.match(recorded.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual((await loadModelFolder(dir)).warnings, []);
});

test('weights changed after saving fail the checksum', async () => {
  const dir = await savedFolder();
  const file = path.join(dir, 'weights.bin');
  const bytes = await fs.readFile(file);
  bytes[100] = bytes[100]! ^ 0x01;
  await fs.writeFile(file, bytes);
  await assert.rejects(loadModelFolder(dir), (error: unknown) => {
    assert.ok(error instanceof ModelFolderError);
    assert.equal(error.problem, 'checksum-mismatch');
    assert.match(error.message, /weights\.bin: its SHA-256 is not the weightsSha256 recorded/);
    return true;
  });
});

test('weights of the right size that are not numbers are refused, checksum or not', async () => {
  const dir = await savedFolder();
  const file = path.join(dir, 'weights.bin');
  const size = (await fs.stat(file)).size;
  const nan = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 4) nan.writeFloatLE(Number.NaN, offset);
  await fs.writeFile(file, nan);
  // Without a checksum (a folder from before checksums), the values themselves are checked.
  const metadataFile = path.join(dir, 'folkbot-model.json');
  const { weightsSha256: _sum, ...old } = JSON.parse(await fs.readFile(metadataFile, 'utf8')) as ModelMetadata;
  await fs.writeFile(metadataFile, JSON.stringify(old));
  await assert.rejects(loadModelFolder(dir), (error: unknown) => {
    assert.ok(error instanceof ModelFolderError);
    assert.equal(error.problem, 'non-finite-weights');
    assert.match(error.message, /weight 0 of lstm0\/input_kernel is NaN: every weight must be a finite number/);
    return true;
  });
});

test('a folder from before checksums loads, with a warning', async () => {
  const dir = await savedFolder();
  const metadataFile = path.join(dir, 'folkbot-model.json');
  const { weightsSha256: _sum, ...old } = JSON.parse(await fs.readFile(metadataFile, 'utf8')) as ModelMetadata;
  await fs.writeFile(metadataFile, JSON.stringify(old));
  const loaded = await loadModelFolder(dir);
  assert.equal(loaded.warnings.length, 1);
  assert.match(loaded.warnings[0]!, /records no weightsSha256/);
});

test('the shipped model records the checksum of its weights', async () => {
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../models/default');
  const loaded = await loadModelFolder(dir);
  assert.deepEqual(loaded.warnings, []);
  assert.match(loaded.metadata.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
});

test('a long-term model is saved beside the weights, checked by its SHA-256 when loaded, and reaches the generator', async () => {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-model-')), 'model');
  const songs = cyclicSongs(4, 6, 3);
  const longTerm = LongTermModel.build(songs, encoding.vocabularySize, { maxOrder: 3, minSongs: 2, pruneFromOrder: 2 });
  const memory: MemorySettings = { kind: 'short-term-linear-v1', maxOrder: 2, weights: [0, 0.2, 0.4], longTerm: { file: LONG_TERM_FILE, sha256: '', weights: [0, 0.1, 0.2, 0.3] } };
  await saveModelFolder(dir, initialWeights(config, createRandom(7)), { ...metadata(), memory }, longTerm);
  const loaded = await loadModelFolder(dir);
  assert.equal(loaded.longTerm?.entries, longTerm.entries);
  assert.match(loaded.metadata.memory?.longTerm?.sha256 ?? '', /^[0-9a-f]{64}$/);
  const generator = await loadGenerator(dir, { createEncoding: () => encoding });
  assert.equal(generator.info.longTermMemory, true);
  assert.equal(generator.longTerm?.nodes, longTerm.nodes);
  // Saving without the model it names is a programming error, not a folder with a dangling name.
  assert.throws(() => modelFiles(loaded.weights, loaded.metadata), /long-term model/);

  const file = path.join(dir, LONG_TERM_FILE);
  const bytes = await fs.readFile(file);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  await fs.writeFile(file, bytes);
  await assert.rejects(loadModelFolder(dir), (error: unknown) => error instanceof ModelFolderError && error.problem === 'checksum-mismatch' && error.message.includes(LONG_TERM_FILE));
  await fs.rm(file);
  await assert.rejects(loadModelFolder(dir), (error: unknown) => error instanceof ModelFolderError && error.problem === 'missing-file' && /long-term model/.test(error.message));
});
