import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/model/network/backend.js';
import { loadGenerator, type GenerateOptions } from '../../src/model/generation/generator.js';
import { generateWithWindowRefeed } from '../../src/model/generation/generator-tfjs.js';
import { initialWeights } from '../../src/model/network/lstm-network.js';
import { saveModelFolder } from '../../src/model/folder/model-folder.js';
import { createRandom } from '../../src/model/generation/random.js';
import { sampleToken, SamplingError } from '../../src/model/generation/sampler.js';
import { syntheticEncoding } from './synthetic-encoding.js';

const allowedNotes = [2, 4, 6];
const encoding = syntheticEncoding(6, allowedNotes);

async function generator() {
  const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'folkbot-sampler-')), 'model');
  const config = { vocabularySize: encoding.vocabularySize, hiddenSize: 10, layers: 1, dropout: 0 };
  await saveModelFolder(dir, initialWeights(config, createRandom(5)), {
    format: 'folkbot-model',
    version: 1,
    name: 'sampler-test',
    encoding: encoding.config,
    network: config,
    parameters: 0,
    hyperparameters: {},
    training: null,
    validation: { loss: null, bitsPerNote: null, accuracy: null },
  });
  return loadGenerator(dir, { createEncoding: () => encoding });
}

const request: GenerateOptions = {
  meter: { numerator: 4, denominator: 4 },
  mode: 'major',
  bars: 4,
  primer: [],
  pickup: 0,
  endOnTonic: false,
  temperature: 1.5,
  topP: 1,
  randomSeed: 42,
};

test('the same seed gives the same tune, another seed another tune', async () => {
  const g = await generator();
  const a = g.generate(request);
  const b = g.generate(request);
  assert.deepEqual(a, b);
  assert.equal(a.length, 16);
  const others = [1, 2, 3, 4, 5].map((randomSeed) => JSON.stringify(g.generate({ ...request, randomSeed })));
  assert.ok(others.some((o) => o !== JSON.stringify(a)), 'different seeds give different tunes');
});

test("the encoding's mask is honoured", async () => {
  const g = await generator();
  for (let seed = 0; seed < 20; seed++) {
    for (const event of g.generate({ ...request, randomSeed: seed, temperature: 3 })) {
      assert.equal(event.kind, 'note');
      if (event.kind === 'note') assert.ok(allowedNotes.includes(event.pitch - 59), `pitch ${event.pitch} is not allowed`);
    }
  }
});

test('window re-feed generation on the same weights samples the same tune while it fits the window', async () => {
  await initBackend();
  const g = await generator();
  assert.deepEqual(generateWithWindowRefeed(g, request, 64), g.generate(request));
});

test('sampleToken: temperature near 0 takes the best allowed token; top-p cuts the tail; bad settings are errors', () => {
  const logits = Float32Array.of(5, 1, 4, 0);
  const all = Uint8Array.of(1, 1, 1, 1);
  const random = createRandom(1);
  assert.equal(sampleToken(logits, Uint8Array.of(0, 1, 1, 1), { temperature: 1e-4, topP: 1 }, random), 2);
  for (let k = 0; k < 200; k++) {
    // Token 0 has ~72% of the mass: top-p 0.5 keeps only it.
    assert.equal(sampleToken(logits, all, { temperature: 1, topP: 0.5 }, random), 0);
  }
  const seen = new Set<number>();
  for (let k = 0; k < 500; k++) seen.add(sampleToken(logits, all, { temperature: 1, topP: 1 }, random));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
  assert.throws(() => sampleToken(logits, Uint8Array.of(0, 0, 0, 0), { temperature: 1, topP: 1 }, random), SamplingError);
});

test('invalid sampling options are rejected', async () => {
  const g = await generator();
  assert.throws(() => g.generate({ ...request, temperature: 0 }), /temperature must be a positive number/);
  assert.throws(() => g.generate({ ...request, topP: 1.5 }), /topP must be in/);
});
