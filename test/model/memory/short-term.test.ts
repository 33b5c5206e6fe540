import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShortTermModel } from '../../../src/model/memory/short-term.js';
import { memoryStart, parseMemorySettings, TuneMemory } from '../../../src/model/memory/memory-mix.js';
import { collectMemoryEvidence, fitMemory, fitMemoryWeights, mixtureBits, type MemoryEvidence } from '../../../src/model/memory/memory-fit.js';
import { buildEventsEncoding } from '../../../src/model/encodings/events.js';
import { fixtureMelody, Q } from '../melody-fixtures.js';

const near = (actual: number, expected: number, message?: string): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ''} ${actual} vs ${expected}`);

test('an empty history predicts uniformly', () => {
  const model = new ShortTermModel(4, 3);
  const out = new Float64Array(4);
  const prediction = model.predict(out);
  assert.deepEqual([...out], [0.25, 0.25, 0.25, 0.25]);
  assert.equal(prediction.order, 0);
  near(prediction.entropy, 2);
});

test('Witten-Bell interpolation from uniform up to the longest matched context, by hand', () => {
  // History 0 1 0: order 0 has counts {0: 2, 1: 1} (3 tokens, 2 types); the context "0" occurred once before,
  // followed by 1 (1 token, 1 type); the context "1 0" never occurred before.
  const model = new ShortTermModel(3, 2);
  for (const token of [0, 1, 0]) model.push(token);
  const out = new Float64Array(3);
  const prediction = model.predict(out);
  assert.equal(prediction.order, 1);
  assert.equal(prediction.count, 1);
  assert.equal(prediction.types, 1);
  const uniform = [1 / 3, 1 / 3, 1 / 3];
  const order0 = uniform.map((p, k) => (([2, 1, 0][k]! + 2 * p) / (3 + 2)));
  const order1 = order0.map((p, k) => (([0, 1, 0][k]! + 1 * p) / (1 + 1)));
  order1.forEach((p, k) => near(out[k]!, p, `token ${k}`));
  near(out.reduce((a, b) => a + b, 0), 1, 'sums to 1');
});

test('a phrase heard before is predicted from its longest context', () => {
  const model = new ShortTermModel(10, 8);
  const phrase = [1, 2, 3, 4, 5, 6];
  for (const token of [...phrase, 9, ...phrase.slice(0, 5)]) model.push(token);
  const out = new Float64Array(10);
  const prediction = model.predict(out);
  assert.equal(prediction.order, 5);
  assert.ok(out[6]! > 0.5, `the phrase's next token: ${out[6]}`);
});

test('the mixture is a distribution, honours the mask and leans on the memory when a context repeats', () => {
  const settings = parseMemorySettings({ kind: 'short-term-linear-v1', maxOrder: 4, weights: [0, 0.2, 0.5, 0.8, 0.9] });
  const memory = new TuneMemory(settings, 5);
  const flat = new Float32Array(5);
  for (const token of [1, 2, 3, 1, 2]) memory.push(token);
  const p = memory.probabilities(flat);
  near(p.reduce((a, b) => a + b, 0), 1);
  // The longest context heard before is "1 2" (order 2, weight 0.5), followed by 3.
  assert.ok(p[3]! > 0.35 && p.every((q, k) => k === 3 || q < p[3]!), `after "1 2" came 3: ${[...p]}`);
  const allowed = Uint8Array.from([1, 1, 1, 0, 1]);
  const masked = memory.probabilities(flat, allowed);
  assert.equal(masked[3], 0);
  near(masked.reduce((a, b) => a + b, 0), 1);
  assert.throws(() => parseMemorySettings({ kind: 'short-term-linear-v1', maxOrder: 2, weights: [1.5] }), /numbers in \[0, 1\)/);
  assert.throws(() => parseMemorySettings({ kind: 'other' }), /memory.kind/);
});

function syntheticEvidence(lambda: number, positions: number): MemoryEvidence {
  // At order 3 the true token's probability is the mixture of a sharp short-term model and a flat network.
  const order = new Int32Array(positions).fill(3);
  const shortTerm = new Float64Array(positions);
  const network = new Float64Array(positions).fill(0.1);
  for (let i = 0; i < positions; i++) shortTerm[i] = i % 10 < lambda * 10 ? 0.9 : 0.01;
  return { maxOrder: 4, song: Int32Array.from({ length: positions }, (_, i) => i % 7), order, network, shortTerm, notes: positions, songNotes: [] };
}

test('fitting finds the weight that minimises the bits, and cross-fitting scores each half with the other', () => {
  const evidence = syntheticEvidence(0.6, 1000);
  const weights = fitMemoryWeights(evidence);
  assert.equal(weights.length, 5);
  assert.equal(weights[0], 0, 'no evidence at order 0: weight 0');
  const best = mixtureBits(evidence, weights);
  for (const other of [weights[3]! - 0.05, weights[3]! + 0.05]) {
    const tried = [...weights];
    tried[3] = other;
    assert.ok(mixtureBits(evidence, tried) > best, `weight ${other} is worse than ${weights[3]}`);
  }
  const fit = fitMemory(evidence);
  assert.ok(fit.crossFittedBitsPerNote < fit.networkBitsPerNote);
  assert.ok(fit.crossFittedBitsPerNote >= fit.fittedBitsPerNote - 1e-9);
});

test('evidence from a pass over songs: one entry per scored token, the memory starting after the conditioning', () => {
  const melody = fixtureMelody([[60, Q], [62, Q], [60, Q], [62, Q]]);
  const encoding = buildEventsEncoding([melody]);
  const tokens = encoding.encode(melody);
  assert.equal(memoryStart(encoding, tokens), 2, 'after <M:4/4> <major>');
  const flat = new Float32Array(encoding.vocabularySize);
  const evidence = collectMemoryEvidence(encoding, (song, visit) => {
    for (let i = 1; i < song.length; i++) visit(i, flat);
  }, [tokens], 4);
  const scored = encoding.scoredPositions(tokens);
  assert.equal(evidence.order.length, scored.positions.length);
  assert.equal(evidence.notes, 4);
  // The last 62 follows "60 62 60", heard before as "60 62" -> 60: the context "62 60" matched once.
  for (const p of evidence.network) near(p, 1 / encoding.vocabularySize);
});
