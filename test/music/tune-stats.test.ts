import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramOverlap, pentatonicPitchClasses, tuneStats } from '../../src/music/tune-stats.js';
import { drawSongShape, pickupTicks, songShapes } from '../../src/music/song-shapes.js';
import { barlinesForMeter } from '../../src/music/kern-write.js';
import type { Melody, MelodyEvent, Meter } from '../../src/music/types.js';
import { fixtureMelody, Q } from '../model/melody-fixtures.js';

const twoFour: Meter = { numerator: 2, denominator: 4 };

/** A melody from (pitch, quarters) pairs with barlines by the meter, a pickup and a last bar that gives it back. */
function tune(steps: readonly [number | null, number][], meter: Meter, pickup = 0): Melody {
  const events: MelodyEvent[] = [];
  let time = 0;
  for (const [pitch, quarters] of steps) {
    const duration = quarters * Q;
    events.push(pitch === null ? { kind: 'rest', onset: time, duration } : { kind: 'note', pitch, onset: time, duration });
    time += duration;
  }
  const meters = [{ tick: 0, meter }];
  return { title: 't', source: 't', key: { tonic: 0, mode: 'major', fifths: 0 }, keySource: 'file', meters, barlines: barlinesForMeter(meters, time, pickup), events, phraseStarts: [] };
}

test('repetition: the share of 5-note interval patterns heard again; a transposed repeat counts', () => {
  // c d e f g, then the same steps from d: the 4-interval pattern +2 +2 +1 +2 ... comes back transposed.
  const stats = tuneStats(tune([[60, 0.5], [62, 0.5], [64, 0.5], [65, 0.5], [67, 1], [62, 0.5], [64, 0.5], [66, 0.5], [67, 0.5], [69, 1]], twoFour));
  // Intervals: 2 2 1 2 -5 2 2 1 2; patterns of 4: 2212, 212-5, 12-52, 2-522, -5221, 2212: the first and last repeat.
  assert.equal(stats.repetition, 2 / 6);
  assert.equal(stats.notes, 10);
  assert.equal(stats.intervals.get(-5), 1);
});

test('bars: the longest run of identical bars, distinct bars, notes per bar', () => {
  const bar: [number, number][] = [[60, 1], [62, 1]];
  const stats = tuneStats(tune([...bar, ...bar, ...bar, [64, 2]], twoFour));
  assert.equal(stats.bars, 4);
  assert.equal(stats.longestIdenticalRun, 3);
  assert.equal(stats.distinctBars, 2 / 4);
  assert.equal(stats.notesPerBar, 7 / 4);
});

test('bars: the longest run of identical two-bar units, from either bar', () => {
  const a: [number, number][] = [[60, 1], [62, 1]];
  const b: [number, number][] = [[64, 2]];
  const c: [number, number][] = [[67, 2]];
  // c | A B A B A B | c: three A B units in a row, starting on the second bar.
  assert.equal(tuneStats(tune([...c, ...a, ...b, ...a, ...b, ...a, ...b, ...c], twoFour)).longestPairRun, 3);
  // A B A B C B: two.
  assert.equal(tuneStats(tune([...a, ...b, ...a, ...b, ...c, ...b], twoFour)).longestPairRun, 2);
  assert.equal(tuneStats(tune([...a, ...b, ...c, ...a], twoFour)).longestPairRun, 1);
});

test('the final note: its length in beats, where it starts, the tonic', () => {
  // 3/4 with a one-beat pickup; the last bar (two beats) gives it back: the final half note starts on the downbeat.
  const threeFour: Meter = { numerator: 3, denominator: 4 };
  const withPickup = tune([[67, 1], [72, 1], [71, 1], [69, 1], [67, 1], [65, 1], [64, 1], [60, 2]], threeFour, Q);
  const stats = tuneStats(withPickup);
  assert.equal(stats.finalPosition, 'downbeat');
  assert.equal(stats.finalBeats, 2);
  assert.equal(stats.endsOnTonic, true);
  // 4/4 ending on a quarter on beat 4: neither downbeat nor mid-bar; mid-bar for a half note on beat 3.
  const fourFour: Meter = { numerator: 4, denominator: 4 };
  assert.equal(tuneStats(tune([[60, 1], [62, 1], [64, 1], [62, 1]], fourFour)).finalPosition, 'other');
  assert.equal(tuneStats(tune([[60, 1], [62, 1], [60, 2]], fourFour)).finalPosition, 'mid-bar');
  // 6/8 counts dotted quarters as beats.
  assert.equal(tuneStats(tune([[60, 1.5], [60, 1.5]], { numerator: 6, denominator: 8 })).finalBeats, 1);
});

test('histogram overlap: 1 for the same mix, 0 for disjoint ones', () => {
  assert.equal(histogramOverlap(new Map([[1, 2], [2, 2]]), new Map([[1, 5], [2, 5]])), 1);
  assert.equal(histogramOverlap(new Map([[1, 1]]), new Map([[2, 1]])), 0);
  assert.equal(histogramOverlap(new Map([[1, 3], [2, 1]]), new Map([[1, 1], [2, 1]])), 0.75);
});

test('song shapes: minor share and pickups per meter, and draws from them', () => {
  const songs = [
    fixtureMelody([[60, Q], [62, Q], [64, 2 * Q]], { meter: twoFour }),
    fixtureMelody([[67, Q], [60, 2 * Q], [62, Q]], { meter: twoFour, pickup: Q }),
    fixtureMelody([[67, Q], [69, 2 * Q], [69, Q]], { meter: twoFour, pickup: Q, mode: 'minor' }),
    fixtureMelody([[60, 4 * Q]]),
  ];
  assert.equal(pickupTicks(songs[1]!), Q);
  const shapes = songShapes(songs);
  // Endings: the final half note of the first song fills its last bar; the others' final quarter fills the short
  // last bar that gives their pickup back.
  assert.deepEqual(shapes['2/4'], {
    songs: 3,
    minor: 0.3333,
    pickups: { '0': 0.3333, [String(Q)]: 0.6667 },
    endings: { '0': { [`${2 * Q}:${2 * Q}`]: 1 }, [String(Q)]: { [`${Q}:${Q}`]: 1 } },
  });
  assert.deepEqual(drawSongShape(shapes, twoFour, () => 0.1), { mode: 'minor', pickup: 0 });
  assert.deepEqual(drawSongShape(shapes, twoFour, () => 0.9), { mode: 'major', pickup: Q });
  let draws = [0.9, 0.2];
  assert.deepEqual(drawSongShape(shapes, twoFour, () => draws.shift()!), { mode: 'major', pickup: 0 });
  draws = [0.5, 0.5];
  assert.deepEqual(drawSongShape(undefined, twoFour, () => draws.shift()!), { mode: 'major', pickup: 0 }, 'no shapes: major, no pickup');
});

test('pentatonic notes: the major pentatonic of the key, the relative major for a minor key', () => {
  assert.deepEqual([...pentatonicPitchClasses({ tonic: 7, mode: 'major', fifths: 1 })].sort((a, b) => a - b), [2, 4, 7, 9, 11]);
  // A minor: C D E G A, the same five as C major.
  assert.deepEqual([...pentatonicPitchClasses({ tonic: 9, mode: 'minor', fifths: 0 })].sort((a, b) => a - b), [0, 2, 4, 7, 9]);
  // In C: c d e f g a b c: f and b are not pentatonic.
  assert.equal(tuneStats(tune([[60, 0.5], [62, 0.5], [64, 0.5], [65, 0.5], [67, 0.5], [69, 0.5], [71, 0.5], [72, 0.5]], twoFour)).pentatonicNotes, 6);
  // The same notes read in G major: c and f are outside G A B D E.
  const inG = { ...tune([[60, 0.5], [62, 0.5], [64, 0.5], [65, 0.5], [67, 0.5], [69, 0.5], [71, 0.5], [72, 0.5]], twoFour), key: { tonic: 7, mode: 'major' as const, fifths: 1 } };
  assert.equal(tuneStats(inG).pentatonicNotes, 5);
});
