import { test } from 'node:test';
import assert from 'node:assert/strict';
import { styleMeterPlan, styleQuality } from '../../src/model/scoring/tune-quality.js';
import { trainStyleClassifier } from '../../src/music/style-classifier.js';
import type { Melody } from '../../src/music/types.js';
import { E, fixtureMelody, Q } from './melody-fixtures.js';

const twoFour = { numerator: 2, denominator: 4 };
const threeFour = { numerator: 3, denominator: 4 };
// Diatonic tunes in quarters with fa and ti; pentatonic ones in eighths (do re mi sol la only).
const diatonic = (top: number, meter = threeFour): Melody =>
  fixtureMelody([[60, Q], [62, Q], [64, Q], [65, Q], [top, Q], [71, Q], [72, Q], [71, Q], [69, Q], [65, Q], [64, Q], [62, Q], [60, 3 * Q]], { meter, title: `d${top}` });
const pentatonic = (top: number, meter = twoFour): Melody =>
  fixtureMelody([[69, E], [72, E], [top, E], [72, E], [69, E], [67, E], [64, Q], [67, E], [69, E], [64, E], [62, E], [60, E], [62, E], [64, E], [62, E], [60, Q]], { meter, title: `p${top}` });

test('the plan shares the tunes out over the meters as the real songs do, by largest remainders', () => {
  assert.deepEqual([...styleMeterPlan(new Map([['2/4', 70], ['3/4', 20], ['4/4', 10]]), 20)], [['2/4', 14], ['3/4', 4], ['4/4', 2]]);
  // 10 tunes over 99/99/2 songs: 4.95, 4.95, 0.1 -> 4, 4, 0 and two more to the largest remainders.
  assert.deepEqual([...styleMeterPlan(new Map([['2/4', 99], ['3/4', 99], ['6/8', 2]]), 10)], [['2/4', 5], ['3/4', 5]]);
  // A tie goes to the meter listed first; a meter that gets no tune is left out.
  assert.deepEqual([...styleMeterPlan(new Map([['2/4', 1], ['3/4', 1], ['4/4', 1]]), 2)], [['2/4', 1], ['3/4', 1]]);
  assert.equal(styleMeterPlan(new Map(), 5).size, 0);
});

test('a style report: overlaps with its real songs, the pentatonic share, and how the classifier hears both sides', () => {
  const classifier = trainStyleClassifier([
    { melody: diatonic(67), style: 'german' },
    { melody: diatonic(69), style: 'german' },
    { melody: pentatonic(74), style: 'chinese-han' },
    { melody: pentatonic(76), style: 'chinese-han' },
  ]);
  const real = [pentatonic(79), pentatonic(81), diatonic(74)];
  // Two tunes in the style, one that sounds German.
  const generated = [pentatonic(72, threeFour), pentatonic(74), diatonic(76)];
  const report = styleQuality('chinese-han', generated, real, classifier);
  assert.equal(report.style, 'chinese-han');
  assert.deepEqual(report.meters, { '3/4': 2, '2/4': 1 });
  assert.deepEqual(report.check.real, { melodies: 3, share: 2 / 3, mostOftenElse: { style: 'german', share: 1 / 3 } });
  assert.deepEqual(report.check.generated, { melodies: 3, share: 2 / 3, mostOftenElse: { style: 'german', share: 1 / 3 } });
  // Pentatonic notes: every note of the pentatonic tunes; of a diatonic tune's 13, all but f, b, b, f (4).
  assert.equal(report.real.pentatonicShare, (16 + 16 + 9) / (16 + 16 + 13));
  assert.equal(report.generated.pentatonicShare, (16 + 16 + 9) / 45);
  assert.equal(report.generated.tunes, 3);
  assert.ok(report.overlap.pitchClass > 0.9 && report.overlap.pitchClass <= 1, `pitch-class overlap ${report.overlap.pitchClass}`);
});

test('a style with no real songs reports none heard, not a division by zero', () => {
  const classifier = trainStyleClassifier([
    { melody: diatonic(67), style: 'german' },
    { melody: pentatonic(74), style: 'chinese-han' },
  ]);
  const report = styleQuality('german', [], [], classifier);
  assert.deepEqual(report.check.real, { melodies: 0, share: 0, mostOftenElse: null });
  assert.equal(report.real.pentatonicShare, 0);
  assert.deepEqual(report.meters, {});
});
