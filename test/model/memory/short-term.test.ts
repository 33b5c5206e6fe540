import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShortTermModel } from '../../../src/model/memory/short-term.js';
import { entropyBucket, memoryStart, networkEntropyBits, parseMemorySettings, TuneMemory, type MemorySettings } from '../../../src/model/memory/memory-mix.js';
import { collectMemoryEvidence, fitEntropyWeights, fitMemory, fitMemoryWeights, mixtureBits, type MemoryEvidence } from '../../../src/model/memory/memory-fit.js';
import { logitsScoringModel } from '../../../src/model/scoring/evaluate.js';
import { buildEventsEncoding } from '../../../src/model/encodings/events.js';
import { fixtureMelody, Q } from '../melody-fixtures.js';
import { createRandom } from '../../../src/util/random.js';

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
  return { maxOrder: 4, song: Int32Array.from({ length: positions }, (_, i) => i % 7), order, networkEntropy: new Float64Array(positions).fill(3.3), network, shortTerm, notes: positions, songNotes: [] };
}

test('fitting finds the weight that minimises the bits, and cross-fitting scores each half with the other', () => {
  const evidence = syntheticEvidence(0.6, 1000);
  const weights = fitMemoryWeights(evidence);
  assert.equal(weights.length, 5);
  assert.equal(weights[0], 0, 'no evidence at order 0: weight 0');
  const v1 = (w: readonly number[]): MemorySettings => ({ kind: 'short-term-linear-v1', maxOrder: 4, weights: w });
  const best = mixtureBits(evidence, v1(weights));
  for (const other of [weights[3]! - 0.05, weights[3]! + 0.05]) {
    const tried = [...weights];
    tried[3] = other;
    assert.ok(mixtureBits(evidence, v1(tried)) > best, `weight ${other} is worse than ${weights[3]}`);
  }
  near(mixtureBits(evidence, v1(weights.map(() => 0))), mixtureBits(evidence, undefined), 'weight 0 is the network alone');
  const fit = fitMemory(evidence, 'short-term-linear-v1');
  assert.deepEqual(fit.settings, v1(weights));
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

test('v2 settings: parsed back as written, and each wrong field named', () => {
  const v2 = { kind: 'short-term-linear-v2', maxOrder: 2, entropyEdges: [1, 2.5], weights: [[0, 0.1, 0.2], [0.3, 0.4, 0.5], [0.6, 0.7, 0.8]] };
  assert.deepEqual(parseMemorySettings(JSON.parse(JSON.stringify(v2))), v2);
  assert.deepEqual(parseMemorySettings({ kind: 'short-term-linear-v1', maxOrder: 1, weights: [0.1, 0.5], entropyEdges: [1] }), { kind: 'short-term-linear-v1', maxOrder: 1, weights: [0.1, 0.5] }, 'v1 as before');
  assert.throws(() => parseMemorySettings({ ...v2, entropyEdges: [2, 1] }), /memory.entropyEdges must be a list of ascending numbers/);
  assert.throws(() => parseMemorySettings({ ...v2, entropyEdges: undefined }), /memory.entropyEdges/);
  assert.throws(() => parseMemorySettings({ ...v2, weights: [[0, 0.1]] }), /memory.weights\[0\] must be a list of 3 numbers in \[0, 1\) \(one per entropy bucket\)/);
  assert.throws(() => parseMemorySettings({ ...v2, weights: [[0, 0.1, 0.2], [0, 1, 0]] }), /memory.weights\[1\]/);
  assert.throws(() => parseMemorySettings({ ...v2, weights: [] }), /non-empty list of rows/);
  assert.throws(() => parseMemorySettings({ ...v2, kind: 'short-term-linear-v3' }), /memory.kind must be "short-term-linear-v1" or "short-term-linear-v2", got "short-term-linear-v3"/);
  assert.throws(() => parseMemorySettings([]), /memory must be an object/);
});

test('the network entropy and its buckets', () => {
  near(networkEntropyBits(new Float32Array(8)), 3, 'uniform over 8');
  const h = networkEntropyBits(Float32Array.from([0, Math.log(3)]));
  assert.ok(Math.abs(h - -(0.25 * Math.log2(0.25) + 0.75 * Math.log2(0.75))) < 1e-6, `${h}`);
  assert.deepEqual([0.5, 1, 1.5, 2, 9].map((h) => entropyBucket([1, 2], h)), [0, 1, 1, 2, 2]);
});

test('v1 mixes as before: (1 - w) softmax + w short-term, w by matched order alone', () => {
  const weights = [0, 0.2, 0.5, 0.8, 0.9];
  const memory = new TuneMemory(parseMemorySettings({ kind: 'short-term-linear-v1', maxOrder: 4, weights }), 5);
  const reference = new ShortTermModel(5, 4);
  const logits = Float32Array.from([0.5, -1, 2, 0, 1]);
  const z = [...logits].reduce((s, l) => s + Math.exp(l), 0);
  for (const token of [1, 2, 3, 1, 2, 3, 1]) {
    memory.push(token);
    reference.push(token);
    const st = new Float64Array(5);
    const w = weights[reference.predict(st).order]!;
    const p = memory.probabilities(logits);
    for (let k = 0; k < 5; k++) near(p[k]!, (1 - w) * (Math.exp(logits[k]!) / z) + w * st[k]!, `token ${k}`);
  }
});

/** A pass whose logits are sharp at some positions and flat at others (pseudo-random, fixed). */
function variedPass(vocabularySize: number): (tokens: Int32Array, visit: (position: number, logits: Float32Array) => void) => void {
  const logits = new Float32Array(vocabularySize);
  return (tokens, visit) => {
    for (let i = 1; i < tokens.length; i++) {
      const sharpness = i % 3 === 0 ? 6 : 0.3;
      for (let k = 0; k < vocabularySize; k++) logits[k] = sharpness * Math.sin(k * 1.7 + i * 0.9);
      logits[tokens[i]!] = logits[tokens[i]!]! + (i % 2 === 0 ? 1 : -2);
      visit(i, logits);
    }
  };
}

test('v2: fitted per order and entropy bucket, cross-fitted below v1 where the right share depends on the entropy, and scored as evaluate scores', () => {
  // Where the network is sure (low entropy) it is right and the memory wrong; where unsure, the memory is right.
  const n = 4000;
  const order = new Int32Array(n).fill(3);
  const entropy = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.5 : 4.5));
  const network = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.9 : 0.05));
  const shortTerm = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.02 : i % 4 === 1 ? 0.8 : 0.3));
  const evidence: MemoryEvidence = { maxOrder: 4, song: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 8)), order, networkEntropy: entropy, network, shortTerm, notes: n, songNotes: [] };
  const weights = fitEntropyWeights(evidence, [1, 2, 3, 4]);
  assert.equal(weights.length, 5);
  assert.ok(weights.every((row) => row.length === 5));
  const byOrder = fitMemoryWeights(evidence);
  assert.ok(weights[3]![0]! < 0.05 && weights[3]![4]! > 0.5, `sure: ${weights[3]![0]}, unsure: ${weights[3]![4]}`);
  assert.equal(weights[3]![2], byOrder[3], 'an empty bucket takes its order\'s v1 weight');
  assert.deepEqual(weights[1], [0, 0, 0, 0, 0], 'an order without tokens: 0');
  const v1 = fitMemory(evidence, 'short-term-linear-v1');
  const v2 = fitMemory(evidence, 'short-term-linear-v2');
  assert.equal(v2.settings.kind, 'short-term-linear-v2');
  assert.ok(v2.crossFittedBitsPerNote < v1.crossFittedBitsPerNote - 0.1, `v2 ${v2.crossFittedBitsPerNote} vs v1 ${v1.crossFittedBitsPerNote}`);
  assert.deepEqual(parseMemorySettings(JSON.parse(JSON.stringify(v2.settings))), v2.settings, 'saved and loaded unchanged');

  // On real tokens: the fitted v2 mixture's bits from the evidence equal evaluate's with the same settings.
  const melody = fixtureMelody([[60, Q], [62, Q], [64, Q], [60, Q], [62, Q], [64, Q], [65, Q], [64, Q], [62, Q], [60, Q], [62, Q], [64, Q]]);
  const other = fixtureMelody([[67, Q], [65, Q], [64, Q], [67, Q], [65, Q], [64, Q], [62, Q], [60, Q]]);
  const encoding = buildEventsEncoding([melody, other]);
  const songs = [encoding.encode(melody), encoding.encode(other)];
  const pass = variedPass(encoding.vocabularySize);
  const real = collectMemoryEvidence(encoding, pass, songs, 4);
  const fit = fitMemory(real, 'short-term-linear-v2');
  const buckets = new Set([...real.networkEntropy].map((h) => entropyBucket([1, 2, 3, 4], h)));
  assert.ok(buckets.size >= 2, `the pass gives more than one entropy bucket: ${[...buckets]}`);
  const scoring = logitsScoringModel(encoding, pass, fit.settings);
  let nats = 0;
  for (const tokens of songs) {
    const logProbs = scoring.logProbs(tokens);
    for (const position of encoding.scoredPositions(tokens).positions) nats -= logProbs[position]!;
  }
  const scored = nats / Math.LN2 / real.notes;
  assert.ok(Math.abs(scored - fit.fittedBitsPerNote) < 1e-6, `evaluate (float32 log-probabilities) and the fit agree: ${scored} vs ${fit.fittedBitsPerNote}`);
  const v1Scoring = logitsScoringModel(encoding, pass, fitMemory(real, 'short-term-linear-v1').settings);
  let v1Nats = 0;
  for (const tokens of songs) for (const position of encoding.scoredPositions(tokens).positions) v1Nats -= v1Scoring.logProbs(tokens)[position]!;
  assert.notEqual(v1Nats, nats, 'v1 and v2 score differently');

});

/** The short-term model's distribution as first written: every token scaled at every order (the reference). */
function referenceDistribution(history: readonly number[], maxOrder: number, V: number): { out: Float64Array; order: number } {
  const n = history.length;
  // match[j]: how many tokens before position j equal the last tokens of the history (position 0: none).
  const match = history.map((_, j) => {
    let m = 0;
    while (j >= 1 && m < maxOrder && m < j && history[j - 1 - m] === history[n - 1 - m]) m++;
    return m;
  });
  const out = new Float64Array(V).fill(1 / V);
  const top = Math.max(0, ...match);
  for (let order = 0; order <= top; order++) {
    const counts = new Map<number, number>();
    let total = 0;
    match.forEach((m, j) => {
      if (m < order) return;
      counts.set(history[j]!, (counts.get(history[j]!) ?? 0) + 1);
      total++;
    });
    if (total === 0) continue;
    const scale = counts.size / (total + counts.size);
    for (let v = 0; v < V; v++) out[v] = out[v]! * scale;
    for (const [token, count] of counts) out[token] = out[token]! + count / (total + counts.size);
  }
  return { out, order: n === 0 ? 0 : top };
}

/** The mixture as first written, over the whole vocabulary (the reference). */
function referenceMixture(logits: Float32Array, allowed: Uint8Array, shortTerm: Float64Array, lambda: number): Float64Array {
  const V = logits.length;
  let max = -Infinity;
  for (let k = 0; k < V; k++) if (allowed[k] === 1 && logits[k]! > max) max = logits[k]!;
  const mixed = new Float64Array(V);
  let networkTotal = 0;
  let shortTermTotal = 0;
  for (let k = 0; k < V; k++) {
    if (allowed[k] !== 1) continue;
    mixed[k] = Math.exp(logits[k]! - max);
    networkTotal += mixed[k]!;
    shortTermTotal += shortTerm[k]!;
  }
  let total = 0;
  for (let k = 0; k < V; k++) {
    if (allowed[k] !== 1) continue;
    mixed[k] = (1 - lambda) * (mixed[k]! / networkTotal) + (shortTermTotal > 0 ? (lambda * shortTerm[k]!) / shortTermTotal : 0);
    total += mixed[k]!;
  }
  for (let k = 0; k < V; k++) mixed[k] = mixed[k]! / total;
  return mixed;
}

test("generation's short cuts keep the bits: the distribution, the mixture and its logarithm against plain loops", () => {
  const weights = [0, 0.1, 0.3, 0.5, 0.7, 0.8];
  const memory = new TuneMemory(parseMemorySettings({ kind: 'short-term-linear-v1', maxOrder: 5, weights }), 23);
  const model = new ShortTermModel(23, 5);
  const random = createRandom(6);
  const history: number[] = [];
  for (let t = 0; t < 60; t++) {
    const reference = referenceDistribution(history, 5, 23);
    const quick = new Float64Array(23).fill(7);
    assert.equal(model.distribution(quick).order, reference.order);
    reference.out.forEach((p, k) => assert.ok(Object.is(quick[k], p), `token ${k} after ${t}: ${quick[k]} vs ${p}`));
    const logits = Float32Array.from({ length: 23 }, () => random.normal() * 3);
    const allowed = Uint8Array.from({ length: 23 }, () => (random.next() < 0.5 ? 1 : 0));
    allowed[t % 23] = 1;
    const expected = referenceMixture(logits, allowed, reference.out, weights[Math.min(reference.order, 5)]!);
    const probabilities = memory.probabilities(logits, allowed);
    expected.forEach((p, k) => assert.ok(Object.is(probabilities[k], p), `mixture, token ${k} after ${t}`));
    const logMixed = memory.logits(logits, allowed);
    expected.forEach((p, k) => assert.ok(Object.is(logMixed[k], Math.fround(p > 0 ? Math.log(p) : -Infinity)), `log, token ${k} after ${t}`));
    // A phrase that comes back, so that long contexts match.
    const token = t < 20 ? random.int(23) : [3, 5, 7, 11, 13, 17, 19][t % 7]!;
    history.push(token);
    model.push(token);
    memory.push(token);
  }
});

test('v2 mixes the same when generating (masked logits at -Infinity) as when scoring with the grammar (raw logits and the mask)', () => {
  const settings = parseMemorySettings({ kind: 'short-term-linear-v2', maxOrder: 3, entropyEdges: [0.5, 1.5], weights: [[0, 0, 0], [0, 0.1, 0.2], [0.05, 0.4, 0.6], [0.1, 0.7, 0.9]] });
  const scoring = new TuneMemory(settings, 6);
  const generating = new TuneMemory(settings, 6);
  const raw = Float32Array.from([2, 0.5, -1, 1.5, 0, 3]);
  const allowed = Uint8Array.from([1, 1, 0, 1, 1, 0]);
  const masked = raw.map((l, k) => (allowed[k] === 1 ? l : -Infinity));
  const h = networkEntropyBits(raw, allowed);
  assert.ok(Number.isFinite(h) && h > 1 && h < 2, `entropy over the allowed tokens: ${h}`);
  near(networkEntropyBits(masked), h, '-Infinity logits count as not allowed');
  assert.ok(networkEntropyBits(raw) > h, 'the whole vocabulary is less sure');
  for (const token of [0, 1, 3, 0, 1, 3, 0, 1]) {
    scoring.push(token);
    generating.push(token);
    const a = [...scoring.probabilities(raw, allowed)];
    const b = [...generating.probabilities(masked, allowed, 1)];
    a.forEach((p, k) => near(b[k]!, p, `token ${k}`));
  }
  // After "0 1 3 0 1" heard twice the order-3 context predicts 3 with weight 0.7 (bucket 1): the memory is used.
  const p = scoring.probabilities(raw, allowed);
  assert.ok(p[3]! > 0.6, `the memory leans on the repeated phrase: ${p[3]}`);
});
