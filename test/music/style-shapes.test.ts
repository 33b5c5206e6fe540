import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawFinal, drawFinalPlace, endingShape, songShapes } from '../../src/music/song-shapes.js';
import { estimateKey, estimatePentatonicKey, keyOf } from '../../src/music/key.js';
import type { MelodyEvent } from '../../src/music/types.js';
import { E, fixtureMelody, Q } from '../model/melody-fixtures.js';

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

test('song shapes count where the final note lies in a last bar that gives the pickup back', () => {
  const meter = { numerator: 2, denominator: 4 };
  // An eighth pickup; the last bar (3/8) holds the final quarter and an eighth rest: "start:length" = 3E:Q.
  const held = fixtureMelody([[67, E], [72, Q], [71, Q], [72, Q], [null, E]], { meter, pickup: E });
  // The same pickup, the final an eighth at the end of the last bar: E:E.
  const short = fixtureMelody([[67, E], [72, Q], [71, Q], [74, Q], [72, E]], { meter, pickup: E });
  // No pickup, a final half note that fills its bar: 2Q:2Q.
  const plain = fixtureMelody([[60, Q], [62, Q], [60, 2 * Q]], { meter });
  // A pickup whose last bar is full (it does not give the pickup back) is left out of the endings, not the pickups.
  const full = fixtureMelody([[67, E], [72, Q], [71, Q], [72, 2 * Q]], { meter, pickup: E });
  const shape = songShapes([held, held, short, plain, full])['2/4']!;
  assert.deepEqual(shape.pickups, { 0: 0.2, [E]: 0.8 });
  assert.deepEqual(shape.endings, { 0: { [`${2 * Q}:${2 * Q}`]: 1 }, [E]: { [`${3 * E}:${Q}`]: 0.6667, [`${E}:${E}`]: 0.3333 } });
  assert.deepEqual(drawFinalPlace({ '2/4': shape }, meter, E, () => 0.1), { start: 3 * E, length: Q });
  assert.deepEqual(drawFinalPlace({ '2/4': shape }, meter, E, () => 0.9), { start: E, length: E });
  // A pickup, meter or folder the shapes do not know: no place (the sampler's own rules apply).
  assert.equal(drawFinalPlace({ '2/4': shape }, meter, Q, () => 0.5), undefined);
  assert.equal(drawFinalPlace({ '2/4': shape }, { numerator: 3, denominator: 4 }, 0, () => 0.5), undefined);
  assert.equal(drawFinalPlace({ '2/4': { ...shape, endings: undefined } }, meter, E, () => 0.5), undefined);
  // Entries a damaged folder might hold are passed over, not handed to the sampler.
  const damaged = { ...shape, endings: { [E]: { 'x:1': 0.5, [`${Q}:${2 * Q}`]: 0.25, [`${3 * E}:${Q}`]: 0.25 } } };
  assert.deepEqual(drawFinalPlace({ '2/4': damaged }, meter, E, () => 0.9), { start: 3 * E, length: Q });
  assert.equal(drawFinalPlace({ '2/4': { ...shape, endings: { [E]: { 'x:1': 1 } } } }, meter, E, () => 0.5), undefined);
});
