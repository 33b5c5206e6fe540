import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LongTermModel, LongTermModelError } from '../../../src/model/memory/long-term.js';
import { collectLongTermEvidence, fitLongTerm, longTermBits } from '../../../src/model/memory/long-term-fit.js';
import { TuneMemory, parseMemorySettings, MemorySettingsError, type MemorySettings } from '../../../src/model/memory/memory-mix.js';
import type { LogitsPass } from '../../../src/model/scoring/evaluate.js';
import type { Encoding } from '../../../src/model/encodings/encoding.js';
import { createRandom } from '../../../src/util/random.js';

// The dense rows are float32: about 7 significant digits.
const near = (actual: number, expected: number, message?: string): void => assert.ok(Math.abs(actual - expected) < 1e-6, `${message ?? ''} ${actual} vs ${expected}`);

const all = (V: number): Int32Array => Int32Array.from({ length: V }, (_, k) => k);

/** p(k) after `history` over every token of the vocabulary. */
function probabilities(model: LongTermModel, history: number[], list = all(model.vocabularySize), allowed?: Uint8Array): Float64Array {
  const out = new Float64Array(model.vocabularySize).fill(NaN);
  const total = model.distribution(history, history.length, list, list.length, allowed, out);
  const p = new Float64Array(model.vocabularySize);
  for (const k of list) p[k] = out[k]! / total;
  return p;
}

test('Witten-Bell interpolation down to uniform, by hand', () => {
  // Songs [0 1 2] and [0 1 1], V = 3, no pruning: predicted positions 1 1 2 | 1 1 ... order 0 counts {1: 3, 2: 1}
  // (tokens 1,2 of the first song, 1,1 of the second), types 2. After "1": counts {2: 1, 1: 1} (2 tokens, 2 types).
  // After "0 1": {2: 1, 1: 1}. Context "1 0" never occurs.
  const model = LongTermModel.build([Int32Array.from([0, 1, 2]), Int32Array.from([0, 1, 1])], 3, { maxOrder: 2, minSongs: 1, pruneFromOrder: 3 });
  const uniform = 1 / 3;
  const l0 = 4 / 6;
  const p0 = [0, 3 / 4, 1 / 4].map((c) => l0 * c + (1 - l0) * uniform);
  const l1 = 2 / 4;
  const p1 = [0, 1 / 2, 1 / 2].map((c, k) => l1 * c + (1 - l1) * p0[k]!);
  // After [0 1]: the order-2 context "0 1" (counts {2: 1, 1: 1}) on top of order 1.
  const l2 = 2 / 4;
  const p2 = [0, 1 / 2, 1 / 2].map((c, k) => l2 * c + (1 - l2) * p1[k]!);
  const got = probabilities(model, [0, 1]);
  p2.forEach((p, k) => near(got[k]!, p, `token ${k}`));
  assert.equal(model.lastOrder, 2);
  // After [2]: the context "2" was never followed by anything: order 0 alone.
  const afterTwo = probabilities(model, [2]);
  p0.forEach((p, k) => near(afterTwo[k]!, p, `token ${k} after 2`));
  assert.equal(model.lastOrder, 0);
  // No history: order 0.
  probabilities(model, []).forEach((p, k) => near(p, p0[k]!));
});

test('the distribution sums to 1 over the allowed tokens and is their whole-vocabulary share', () => {
  const random = createRandom(3);
  const songs = Array.from({ length: 30 }, () => Int32Array.from({ length: 40 }, () => Math.floor(random.next() * 7)));
  const model = LongTermModel.build(songs, 7, { maxOrder: 4, minSongs: 1, pruneFromOrder: 5 });
  const history = [...songs[0]!.subarray(0, 12)];
  const full = probabilities(model, history);
  near(full.reduce((a, b) => a + b, 0), 1);
  const allowed = Uint8Array.from([1, 0, 1, 1, 0, 0, 1]);
  const list = Int32Array.from([0, 2, 3, 6]);
  const masked = probabilities(model, history, list, allowed);
  const mass = [...list].reduce((sum, k) => sum + full[k]!, 0);
  for (const k of list) near(masked[k]!, full[k]! / mass, `token ${k}`);
  near([...list].reduce((sum, k) => sum + masked[k]!, 0), 1);
});

test('pruning keeps a long context only when enough different songs have it', () => {
  // "5 6 7" is followed by 8 in one song only (twice), "1 2 3" by 4 in two songs.
  const songs = [Int32Array.from([5, 6, 7, 8, 5, 6, 7, 8, 1, 2, 3, 4]), Int32Array.from([1, 2, 3, 4, 0])];
  const pruned = LongTermModel.build(songs, 9, { maxOrder: 3, minSongs: 2, pruneFromOrder: 3 });
  const kept = LongTermModel.build(songs, 9, { maxOrder: 3, minSongs: 1, pruneFromOrder: 3 });
  probabilities(pruned, [1, 2, 3]);
  assert.equal(pruned.lastOrder, 3, 'shared by two songs: kept');
  probabilities(pruned, [5, 6, 7]);
  assert.equal(pruned.lastOrder, 2, 'one song only: pruned from order 3 on, order 2 kept');
  probabilities(kept, [5, 6, 7]);
  assert.equal(kept.lastOrder, 3);
  assert.ok(pruned.entries < kept.entries);
});

test('the file round-trips, and a damaged one is refused with a reason', () => {
  const random = createRandom(9);
  const songs = Array.from({ length: 20 }, () => Int32Array.from({ length: 30 }, () => Math.floor(random.next() * 11)));
  const model = LongTermModel.build(songs, 11, { maxOrder: 5, minSongs: 2, pruneFromOrder: 2 });
  const bytes = model.toBytes();
  const back = LongTermModel.fromBytes(bytes);
  assert.equal(back.nodes, model.nodes);
  assert.equal(back.entries, model.entries);
  assert.equal(back.songs, 20);
  assert.deepEqual(back.options, model.options);
  for (let i = 0; i < 10; i++) {
    const history = [...songs[i]!.subarray(0, 3 + i)];
    assert.deepEqual([...probabilities(back, history)], [...probabilities(model, history)]);
    assert.equal(back.lastOrder, model.lastOrder);
  }
  assert.throws(() => LongTermModel.fromBytes(bytes.subarray(0, bytes.length - 2)), (e: unknown) => e instanceof LongTermModelError && /bytes, expected/.test(e.message));
  assert.throws(() => LongTermModel.fromBytes(Buffer.from('nonsense')), LongTermModelError);
  // A child index pointing outside the file's contexts.
  const damaged = Buffer.from(bytes);
  const headerEnd = (4 + damaged.readUInt32LE(0) + 3) & ~3;
  damaged.writeUInt32LE(0xffffff, headerEnd);
  assert.throws(() => LongTermModel.fromBytes(damaged), (e: unknown) => e instanceof LongTermModelError && /damaged/.test(e.message));
  assert.throws(() => LongTermModel.build([Int32Array.from([0, 12])], 11), (e: unknown) => e instanceof LongTermModelError && /outside the vocabulary/.test(e.message));
});

test('TuneMemory blends the long-term model in by its matched order; without the model it mixes as before', () => {
  const V = 4;
  const songs = [Int32Array.from([0, 1, 2, 3, 1, 2, 3]), Int32Array.from([1, 2, 3, 0])];
  const longTerm = LongTermModel.build(songs, V, { maxOrder: 2, minSongs: 1, pruneFromOrder: 3 });
  const shortTerm: MemorySettings = { kind: 'short-term-linear-v1', maxOrder: 2, weights: [0, 0.3, 0.5] };
  const settings: MemorySettings = { ...shortTerm, longTerm: { file: 'long-term.bin', sha256: 'a'.repeat(64), weights: [0, 0.2, 0.6] } };
  const logits = Float32Array.from([0.1, -0.4, 0.3, 0.9]);
  const plain = new TuneMemory(shortTerm, V);
  const withSettingsOnly = new TuneMemory(settings, V);
  const blended = new TuneMemory(settings, V, longTerm);
  for (const memory of [plain, withSettingsOnly, blended]) {
    memory.pushConditioning(1);
    memory.push(2);
  }
  const base = [...plain.probabilities(logits)];
  assert.deepEqual([...withSettingsOnly.probabilities(logits)], base, 'no model given: the short-term mixture alone');
  const p = probabilities(longTerm, [1, 2]);
  assert.equal(longTerm.lastOrder, 2, 'the conditioning token is part of the long-term context');
  const mixed = blended.probabilities(logits);
  for (let k = 0; k < V; k++) near(mixed[k]!, 0.4 * base[k]! + 0.6 * p[k]!, `token ${k}`);
  assert.throws(() => new TuneMemory(settings, 5, longTerm), MemorySettingsError);
});

test('memory.longTerm is checked when read', () => {
  const ok = { kind: 'short-term-linear-v1', maxOrder: 2, weights: [0, 0.1, 0.2], longTerm: { file: 'long-term.bin', sha256: 'b'.repeat(64), weights: [0, 0.1] } };
  assert.deepEqual(parseMemorySettings(ok).longTerm?.weights, [0, 0.1]);
  for (const [longTerm, message] of [
    [{ ...ok.longTerm, file: '../x.bin' }, /file name/],
    [{ ...ok.longTerm, sha256: 'xyz' }, /SHA-256/],
    [{ ...ok.longTerm, weights: [1.5] }, /weights/],
    ['yes', /object/],
  ] as const) {
    assert.throws(() => parseMemorySettings({ ...ok, longTerm }), (e: unknown) => e instanceof MemorySettingsError && message.test(e.message));
  }
});

test('fitting: weights fitted per matched order lower the bits of songs that share phrases with the training songs', () => {
  // A toy encoding (token 0 is the conditioning, every later token is scored, one note each) and "network" (uniform
  // logits). Training and held-out songs are the same tune, so the long-term model predicts the held-out ones far
  // better than uniform.
  const V = 30;
  const encoding = {
    vocabularySize: V,
    scoredPositions: (tokens: Int32Array) => ({ positions: Int32Array.from({ length: tokens.length - 1 }, (_, i) => i + 1), notes: tokens.length - 1 }),
  } as unknown as Encoding;
  const random = createRandom(4);
  const phrase = Array.from({ length: 24 }, () => 1 + Math.floor(random.next() * 20));
  const song = (): Int32Array => Int32Array.from([0, ...phrase, ...phrase]);
  const training = [song(), song()];
  const longTerm = LongTermModel.build(training, V, { maxOrder: 4, minSongs: 2, pruneFromOrder: 3 });
  const pass: LogitsPass = (tokens, visit) => {
    const logits = new Float32Array(V);
    for (let i = 1; i < tokens.length; i++) visit(i, logits);
  };
  const memory: MemorySettings = { kind: 'short-term-linear-v1', maxOrder: 2, weights: [0, 0, 0] };
  const held = [{ tokens: song() }, { tokens: song() }];
  const evidence = collectLongTermEvidence(encoding, pass, held, memory, longTerm);
  assert.ok(evidence.length > 0);
  const fit = fitLongTerm(evidence);
  assert.ok(fit.crossFittedBitsPerNote < fit.withoutBitsPerNote - 1, `${fit.crossFittedBitsPerNote} vs ${fit.withoutBitsPerNote}`);
  assert.ok(fit.weights.some((w) => w > 0.5), `weights ${fit.weights.join(' ')}`);
  near(longTermBits(evidence, undefined) / evidence.notes, fit.withoutBitsPerNote);
});

test('a conditioning slot keeps the counts of each of its tokens apart, backing off to the pooled ones', () => {
  // Token 9 and 8 are "meters": after [1 2] the 9-songs go on with 3, the 8-songs with 4.
  const V = 10;
  const songs = [
    Int32Array.from([9, 1, 2, 3]),
    Int32Array.from([9, 1, 2, 3]),
    Int32Array.from([8, 1, 2, 4]),
    Int32Array.from([8, 1, 2, 4]),
    Int32Array.from([8, 1, 2, 4]),
  ];
  const pooled = LongTermModel.build(songs, V, { maxOrder: 2, minSongs: 2, pruneFromOrder: 1 });
  const byMeter = LongTermModel.build(songs, V, { maxOrder: 2, minSongs: 2, pruneFromOrder: 1, slots: [[8, 9]] });
  const p = (model: LongTermModel, history: number[]) => probabilities(model, history);
  assert.ok(p(pooled, [9, 1, 2])[4]! > p(pooled, [9, 1, 2])[3]!, 'pooled: the commoner continuation wins in either meter');
  assert.ok(p(byMeter, [9, 1, 2])[3]! > 0.5, `by meter: after 9 ... it is 3 (${p(byMeter, [9, 1, 2])[3]})`);
  assert.ok(p(byMeter, [8, 1, 2])[4]! > 0.5);
  assert.equal(byMeter.lastOrder, 2, 'the order counts the own tokens matched, not the slot');
  near([...p(byMeter, [8, 1, 2])].reduce((a, b) => a + b, 0), 1);
  // The slot's token is found in the history, or given by the caller (as TuneMemory keeps it).
  byMeter.match([9, 1, 2], 3);
  const found = { rest: byMeter.rest, rowStart: byMeter.rowStart, order: byMeter.lastOrder };
  byMeter.match([1, 2], 2, Int32Array.from([9]));
  assert.deepEqual({ rest: byMeter.rest, rowStart: byMeter.rowStart, order: byMeter.lastOrder }, found);
  // A meter never seen, or none, backs off to the pooled counts.
  const unseen = p(byMeter, [1, 2]);
  near(unseen.reduce((a, b) => a + b, 0), 1);
  // The slots survive the file.
  const back = LongTermModel.fromBytes(byMeter.toBytes());
  assert.deepEqual(back.options.slots, [[8, 9]]);
  assert.deepEqual([...p(back, [9, 1, 2])], [...p(byMeter, [9, 1, 2])]);
  assert.throws(() => LongTermModel.build(songs, V, { maxOrder: 2, minSongs: 1, pruneFromOrder: 1, slots: [[8], [8]] }), LongTermModelError);
});
