import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildEncoding } from '../../src/model/encodings/index.js';
import { evaluateSongs, EvaluationError, type ScoringModel } from '../../src/model/scoring/evaluate.js';
import type { Encoding } from '../../src/model/encodings/encoding.js';
import { sampleMelodies, tripletMelody } from './melody-fixtures.js';

const melodies = Object.values(sampleMelodies());

/** A model that gives every next token the same probability. */
function uniformModel(encoding: Encoding): ScoringModel {
  return {
    encoding,
    logProbs: (tokens) => Float32Array.from(tokens, (_, i) => (i === 0 ? 0 : -Math.log(encoding.vocabularySize))),
  };
}

describe('evaluateSongs', () => {
  for (const name of ['events', 'steps'] as const) {
    it(`${name}: a uniform model costs log2(V) bits per scored token`, () => {
      const encoding = buildEncoding(name, melodies);
      const result = evaluateSongs(uniformModel(encoding), melodies);
      let scored = 0;
      let notes = 0;
      for (const melody of melodies) {
        const { positions, notes: n } = encoding.scoredPositions(encoding.encode(melody));
        scored += positions.length;
        notes += n;
      }
      assert.equal(result.songs, melodies.length);
      assert.equal(result.tokens, scored);
      assert.equal(result.notes, notes);
      assert.ok(Math.abs(result.bits - scored * Math.log2(encoding.vocabularySize)) < 1e-3 * scored);
      assert.ok(Math.abs(result.bitsPerNote! - (scored * Math.log2(encoding.vocabularySize)) / notes) < 1e-4);
      assert.equal(result.accuracy, null, 'no predictions: no accuracy');
    });
  }

  it('adds up the songs of each style apart', () => {
    const styled = melodies.map((melody, i) => ({ ...melody, style: i % 2 === 0 ? 'german' : 'children' }));
    const encoding = buildEncoding('events', styled);
    const result = evaluateSongs(uniformModel(encoding), styled);
    const german = result.byStyle.german!;
    const children = result.byStyle.children!;
    assert.equal(german.songs + children.songs, result.songs);
    assert.equal(german.notes + children.notes, result.notes);
    assert.ok(Math.abs(german.bits + children.bits - result.bits) < 1e-6 * result.bits);
    assert.equal(german.grammarBits, null);
    assert.deepEqual(evaluateSongs(uniformModel(encoding), []).byStyle, {});
  });

  it('counts only scored positions, and accuracy over them', () => {
    const encoding = buildEncoding('events', melodies);
    const melody = melodies[0]!;
    const tokens = encoding.encode(melody);
    const { positions, notes } = encoding.scoredPositions(tokens);
    // p = 1/2 at scored positions, p = 1/1024 elsewhere (the conditioning): only the former may count.
    const scoredSet = new Set(positions);
    const model: ScoringModel = {
      encoding,
      logProbs: (ids) => Float32Array.from(ids, (_, i) => (i === 0 ? 0 : scoredSet.has(i) ? Math.log(0.5) : Math.log(1 / 1024))),
      // Right at every scored position whose index is even.
      predictions: (ids) => Int32Array.from(ids, (id, i) => (i % 2 === 0 ? id : (id + 1) % encoding.vocabularySize)),
    };
    const result = evaluateSongs(model, [melody]);
    assert.ok(Math.abs(result.bits - positions.length) < 1e-4);
    assert.ok(Math.abs(result.bitsPerNote! - positions.length / notes) < 1e-6);
    assert.equal(result.accuracy, positions.filter((p) => p % 2 === 0).length / positions.length);
  });

  it('skips songs the encoding cannot represent, by reason', () => {
    const encoding = buildEncoding('steps', melodies);
    const result = evaluateSongs(uniformModel(encoding), [...melodies, tripletMelody()], { categorize: () => 'off the grid' });
    assert.equal(result.songs, melodies.length);
    assert.equal(result.skipped, 1);
    assert.deepEqual(result.skippedReasons, { 'off the grid': 1 });
  });

  it('refuses log-probabilities of the wrong length or that are not finite log-probabilities', () => {
    const encoding = buildEncoding('events', melodies);
    const short: ScoringModel = { encoding, logProbs: (ids) => new Float32Array(ids.length - 1) };
    assert.throws(() => evaluateSongs(short, melodies), EvaluationError);
    const infinite: ScoringModel = { encoding, logProbs: (ids) => new Float32Array(ids.length).fill(-Infinity) };
    assert.throws(() => evaluateSongs(infinite, melodies), /log p = -Infinity/);
    const positive: ScoringModel = { encoding, logProbs: (ids) => new Float32Array(ids.length).fill(0.5) };
    assert.throws(() => evaluateSongs(positive, melodies), EvaluationError);
  });

  it('gives null figures for no songs', () => {
    const encoding = buildEncoding('events', melodies);
    const result = evaluateSongs(uniformModel(encoding), []);
    assert.equal(result.songs, 0);
    assert.equal(result.bitsPerNote, null);
  });
});
