import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawFinal, endingShape } from '../../src/music/song-shapes.js';
import { estimateKey, estimatePentatonicKey, keyOf } from '../../src/music/key.js';
import type { MelodyEvent } from '../../src/music/types.js';
import { fixtureMelody, Q } from '../model/melody-fixtures.js';

const notes = (pitches: readonly number[]): MelodyEvent[] => pitches.map((pitch, i) => ({ kind: 'note', pitch, onset: i * Q, duration: Q }));

test('the pentatonic key of a Chinese-style tune is its gong, where Krumhansl-Schmuckler names another key', () => {
  // "Mo Li Hua" (Jasmine Flower), opening, in G gong (G A B D E): E E G A B B A G | G A G ...
  const jasmine = notes([64, 64, 67, 69, 71, 71, 69, 67, 67, 69, 67, 67, 64, 67, 69, 67]);
  assert.deepEqual(estimatePentatonicKey(jasmine), keyOf(7, 'major'));
  // A tune on D gong moved anywhere gives the moved gong.
  const tune = notes([62, 64, 66, 69, 71, 69, 66, 64, 62, 69, 66, 62]);
  for (const shift of [0, 3, 5, 10]) assert.equal(estimatePentatonicKey(tune.map((n) => (n.kind === 'note' ? { ...n, pitch: n.pitch + shift } : n))).tonic, (2 + shift) % 12);
  assert.equal(estimatePentatonicKey([]).tonic, 0);
  // The major/minor profiles call the Jasmine opening E minor (its notes fit E minor as well as G major).
  assert.notDeepEqual(estimateKey(jasmine), keyOf(7, 'major'));
});

test('the ending shape counts finals above the major tonic, tonic endings and pentatonic notes', () => {
  const song = (pitches: readonly number[], mode: 'major' | 'minor' = 'major') => {
    const melody = fixtureMelody(pitches.map((p) => [p, Q] as const));
    return { ...melody, key: keyOf(mode === 'major' ? 0 : 9, mode) };
  };
  const shape = endingShape([song([60, 62, 64, 67]), song([60, 62, 64, 65, 67]), song([69, 71, 72, 69], 'minor'), song([60, 62, 67, 69])]);
  assert.equal(shape.songs, 4);
  // Ends: G, G, A (the tonic of minor), A (not the tonic of major).
  assert.deepEqual(shape.finals, { 7: 0.5, 9: 0.5 });
  assert.equal(shape.endsOnTonic, 0.25);
  // 17 notes, two off the pentatonic (an F and a B).
  assert.equal(shape.pentatonic, Math.round((15 / 17) * 1e4) / 1e4);
  assert.equal(drawFinal(shape.finals, () => 0.2), 7);
  assert.equal(drawFinal(shape.finals, () => 0.7), 9);
  assert.equal(drawFinal({}, () => 0.5), undefined);
});
