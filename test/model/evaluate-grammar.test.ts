// Bits per note with the grammar: each song replayed through its encoding's SamplingState, every scored token's
// probability masked by allowed() and renormalized, as generation samples.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Encoding } from '../../src/model/encodings/encoding.js';
import { buildEncoding } from '../../src/model/encodings/index.js';
import { EventsEncoding } from '../../src/model/encodings/events.js';
import { StepsEncoding } from '../../src/model/encodings/steps.js';
import {
  evaluateSongs,
  EvaluationError,
  grammarMasks,
  GrammarFallback,
  logitsScoringModel,
  lstmScoringModel,
  songSamplingRequest,
  type ScoringModel,
} from '../../src/model/scoring/evaluate.js';
import { LstmStepper, logSoftmaxAt } from '../../src/model/network/lstm-inference.js';
import { initialWeights } from '../../src/model/network/lstm-weights.js';
import { createRandom } from '../../src/model/generation/random.js';
import type { Melody } from '../../src/music/types.js';
import { fixtureMelody, Q, sampleMelodies } from './melody-fixtures.js';

const twoFour = { numerator: 2, denominator: 4 };

/** A model whose logits are the same at every position: ln(weight) of each token, so p = weight / sum of weights. */
function weightedModel(encoding: Encoding, weights: Readonly<Record<string, number>>, otherWeight: number): ScoringModel {
  const logits = Float32Array.from(encoding.config.vocabulary, (token) => Math.log(weights[token] ?? otherWeight));
  return logitsScoringModel(encoding, (tokens, visit) => {
    for (let i = 1; i < tokens.length; i++) visit(i, logits);
  });
}

/** A model with random logits that depend on the previous token (a seeded bigram table). */
function randomBigramModel(encoding: Encoding, seed: number): ScoringModel {
  const random = createRandom(seed);
  const V = encoding.vocabularySize;
  const table = Float32Array.from({ length: V * V }, () => (random.next() * 2 - 1) * 3);
  return logitsScoringModel(encoding, (tokens, visit) => {
    for (let i = 1; i < tokens.length; i++) visit(i, table.subarray(tokens[i - 1]! * V, (tokens[i - 1]! + 1) * V));
  });
}

function near(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-5, `${what}: ${actual} != ${expected}`);
}

describe('evaluateSongs with the grammar', () => {
  it('events: equals the hand-computed masked, renormalized bits', () => {
    const encoding = new EventsEncoding({
      name: 'events',
      vocabulary: ['|', '<end>', '<major>', '<minor>', '<M:2/4>', '60:1', '62:1', '60:2'],
      options: {},
    });
    // <M:2/4> <major> 60:1 62:1 | 60:2 <end>
    const melody = fixtureMelody([[60, Q], [62, Q], [60, 2 * Q]], { meter: twoFour });
    const model = weightedModel(encoding, { '60:1': 1, '62:1': 3, '60:2': 4 }, 2);
    const result = evaluateSongs(model, [melody], { grammar: true });
    // Plain: the five scored tokens out of a total weight of 5 * 2 + 1 + 3 + 4 = 18.
    near(result.bits, 5 * Math.log2(18) - Math.log2(1 * 3 * 2 * 4 * 2), 'plain bits');
    // Grammar: 60:1 among {60:1, 62:1, 60:2} (1/8); 62:1 with one beat left, among {60:1, 62:1} (3/4); `|` forced
    // (0 bits); 60:2 at the downbeat among all three (4/8); <end> forced (0 bits).
    near(result.grammarBits, 3 + Math.log2(4 / 3) + 0 + 1 + 0, 'grammar bits');
    near(result.grammarBitsPerNote, (3 + Math.log2(4 / 3) + 1) / 3, 'grammar bits per note');
    assert.equal(result.grammarFallbackSongs, 0);
    assert.deepEqual(result.grammarFallbackReasons, {});
  });

  it('steps: equals the hand-computed masked, renormalized bits', () => {
    const encoding = new StepsEncoding({ name: 'steps', vocabulary: ['/', '_', 'r', '60', '62'], options: {} });
    // / 60 _ _ _ _ _ _ _ /: one bar of 2/4 on the sixteenth grid.
    const melody = fixtureMelody([[60, 2 * Q]], { meter: twoFour });
    const result = evaluateSongs(weightedModel(encoding, {}, 1), [melody], { grammar: true });
    near(result.bits, 9 * Math.log2(5), 'plain bits');
    // First step: r, 60 or 62 (no hold yet, no `/` before the end); then r, 60, 62 or _; the closing `/` is forced.
    near(result.grammarBits, Math.log2(3) + 7 * 2 + 0, 'grammar bits');
    assert.equal(result.grammarFallbackSongs, 0);
  });

  it('a token the grammar forces costs 0 bits', () => {
    // With only half notes in the vocabulary, every token of a 2/4 song is forced.
    const encoding = new EventsEncoding({ name: 'events', vocabulary: ['|', '<end>', '<major>', '<minor>', '<M:2/4>', '60:2'], options: {} });
    const melody = fixtureMelody([[60, 2 * Q], [60, 2 * Q], [60, 2 * Q]], { meter: twoFour });
    const result = evaluateSongs(weightedModel(encoding, {}, 1), [melody], { grammar: true });
    assert.ok(result.bits > 5 * Math.log2(6) - 1e-4, 'the plain figure pays for every token');
    near(result.grammarBits, 0, 'grammar bits');
    // And per position: the barline after a full bar is the only token allowed.
    const ids = encoding.encode(melody);
    const masks = grammarMasks(encoding, melody, ids, encoding.scoredPositions(ids).positions);
    const barPosition = ids.indexOf(encoding.config.vocabulary.indexOf('|'));
    assert.deepEqual([...masks[barPosition]!], [1, 0, 0, 0, 0, 0]);
  });

  for (const name of ['events', 'steps'] as const) {
    it(`${name}: never above the plain figure on a song that replays; fallbacks count their plain bits`, () => {
      const melodies = Object.values(sampleMelodies());
      const encoding = buildEncoding(name, melodies);
      const model = randomBigramModel(encoding, 7);
      let replayed = 0;
      for (const melody of melodies) {
        const result = evaluateSongs(model, [melody], { grammar: true });
        if (result.grammarFallbackSongs === 0) {
          replayed++;
          assert.ok(result.grammarBits! < result.bits, `${melody.title}: ${result.grammarBits} < ${result.bits}`);
        } else {
          assert.equal(result.grammarBits, result.bits, `${melody.title} falls back to its plain bits`);
        }
      }
      assert.equal(replayed, 3, 'simple, pickup and tiedOverBarline replay');
      const all = evaluateSongs(model, melodies, { grammar: true });
      // The other three: a meter change, and two songs whose last bar is short (2.5 bars of 4/4 and of 6/8).
      assert.equal(all.grammarFallbackSongs, 3);
      assert.deepEqual(all.grammarFallbackReasons, { 'meter change': 1, 'incomplete last bar': 2 });
      assert.ok(all.grammarBitsPerNote! < all.bitsPerNote!);
      // The replayed songs alone: the whole difference between the two figures is theirs.
      const replayedSongs = all.grammarReplayed!;
      assert.equal(replayedSongs.songs, 3);
      near(replayedSongs.bits - replayedSongs.grammarBits, all.bits - all.grammarBits!, 'the gain is the replayed songs\' gain');
      const alone = evaluateSongs(model, melodies.filter((m) => ['simple', 'pickup', 'tiedOverBarline'].includes(m.title)), { grammar: true });
      near(replayedSongs.bits, alone.bits, 'replayed plain bits');
      near(replayedSongs.grammarBits, alone.grammarBits!, 'replayed grammar bits');
      assert.equal(replayedSongs.notes, alone.notes);
    });
  }

  it('a song with a meter change falls back and is counted', () => {
    const { meterChange } = sampleMelodies();
    const encoding = buildEncoding('events', [meterChange!]);
    const result = evaluateSongs(randomBigramModel(encoding, 3), [meterChange!], { grammar: true });
    assert.equal(result.songs, 1);
    assert.equal(result.grammarFallbackSongs, 1);
    assert.deepEqual(result.grammarFallbackReasons, { 'meter change': 1 });
    assert.equal(result.grammarBits, result.bits);
    assert.throws(() => songSamplingRequest(meterChange!), (error: unknown) => error instanceof GrammarFallback && /3\/4 at tick 3840/.test(error.message));
  });

  it('reads the pickup and the bar count from the song', () => {
    const { pickup, simple } = sampleMelodies();
    assert.deepEqual(songSamplingRequest(pickup!), {
      meter: { numerator: 3, denominator: 4 },
      mode: 'major',
      bars: 2,
      primer: [],
      pickup: Q / 2,
      endOnTonic: false,
    });
    assert.equal(songSamplingRequest(simple!).bars, 4);
    assert.equal(songSamplingRequest(simple!).pickup, 0);
  });

  it('a barline where the grammar has none: events falls back (token not allowed), steps (no barlines) replays', () => {
    // 4/4 with a quarter pickup and 2 full bars after it, but the second barline written a beat early.
    const regular = fixtureMelody(
      [[60, Q], [62, Q], [64, Q], [65, Q], [67, Q], [65, Q], [64, Q], [62, Q], [60, Q]],
      { pickup: Q },
    );
    assert.deepEqual(regular.barlines, [Q, 5 * Q, 9 * Q]);
    const irregular: Melody = { ...regular, barlines: [Q, 4 * Q, 9 * Q] };
    for (const name of ['events', 'steps'] as const) {
      const encoding = buildEncoding(name, [irregular]);
      const result = evaluateSongs(randomBigramModel(encoding, 5), [irregular], { grammar: true });
      assert.deepEqual(result.grammarFallbackReasons, name === 'events' ? { 'token not allowed': 1 } : {}, name);
    }
  });

  it('leaves the grammar figures null unless asked, and needs masked log-probabilities', () => {
    const melodies = Object.values(sampleMelodies());
    const encoding = buildEncoding('events', melodies);
    const model = randomBigramModel(encoding, 1);
    const plain = evaluateSongs(model, melodies);
    assert.equal(plain.grammarBits, null);
    assert.equal(plain.grammarBitsPerNote, null);
    assert.equal(plain.grammarFallbackSongs, null);
    assert.equal(plain.grammarReplayed, null);
    const withGrammar = evaluateSongs(model, melodies, { grammar: true });
    assert.equal(withGrammar.bits, plain.bits, 'the plain figure does not change');
    const bare: ScoringModel = { encoding, logProbs: (ids) => model.logProbs(ids) };
    assert.throws(() => evaluateSongs(bare, melodies, { grammar: true }), EvaluationError);
  });

  for (const name of ['events', 'steps'] as const) {
    it(`${name}: the LSTM's masked log-probabilities are the generator's masked softmax`, () => {
      const melodies = Object.values(sampleMelodies());
      const encoding = buildEncoding(name, melodies);
      const weights = initialWeights({ vocabularySize: encoding.vocabularySize, hiddenSize: 8, layers: 2, dropout: 0 }, createRandom(11));
      const model = lstmScoringModel(encoding, weights);
      const { simple } = sampleMelodies();
      const ids = encoding.encode(simple!);
      const { positions } = encoding.scoredPositions(ids);
      const masked = model.maskedLogProbs!(ids, grammarMasks(encoding, simple!, ids, positions));
      // The sampling loop of generator.ts: prefix, then mask, score, push, feed.
      const stepper = new LstmStepper(weights);
      const state = encoding.startSampling(songSamplingRequest(simple!));
      stepper.reset();
      for (const token of state.prefix) stepper.advance(token);
      for (const position of positions) {
        const allowed = state.allowed();
        const expected = logSoftmaxAt(stepper.logits(allowed), ids[position]!);
        assert.ok(Math.abs(masked[position]! - expected) < 1e-5, `position ${position}: ${masked[position]} != ${expected}`);
        state.push(ids[position]!);
        if (!state.done) stepper.advance(ids[position]!);
      }
      assert.ok(state.done);
    });
  }
});
