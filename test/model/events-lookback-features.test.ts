import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEventsEncoding } from '../../src/model/encodings/events.js';
import { lookbackSpec, MAX_BARS_TO_GO } from '../../src/model/encodings/events-lookback-features.js';
import type { Melody } from '../../src/music/types.js';
import { E, fixtureMelody, Q } from './melody-fixtures.js';

/** Each token with the lookback features after it: "text back1 back2 repeats phrase barsToGo" (back as token text). */
function trace(melody: Melody, start: 'tokens' | { pickup: number; barlines: number } = 'tokens'): string[] {
  const encoding = buildEventsEncoding([melody]);
  const V = encoding.vocabularySize;
  const spec = lookbackSpec(V);
  assert.ok(encoding.inputFeatureSets?.some((set) => set.name === spec.name));
  const tokens = encoding.encode(melody);
  const tracker = encoding.inputFeatureTracker!(spec.name);
  tracker.reset(start === 'tokens' ? { tokens } : start);
  const name = (value: number): string => (value === V ? '-' : value === V + 1 ? 'x' : encoding.config.vocabulary[value]!);
  return Array.from(tokens, (token) => {
    const v = tracker.next(token);
    assert.equal(v.length, spec.sizes.length);
    v.forEach((value, k) => assert.ok(value >= 0 && value < spec.sizes[k]!, `feature ${k} = ${value}`));
    return [encoding.config.vocabulary[token], name(v[2]!), name(v[3]!), v[4], v[5], v[6]].join(' ');
  });
}

test('the bar one and two back, a repeated bar, the phrase position and the bars to go', () => {
  // 2/4: | c d | c d | e (half) |
  const melody = fixtureMelody([[60, Q], [62, Q], [60, Q], [62, Q], [64, 2 * Q]], { meter: { numerator: 2, denominator: 4 } });
  assert.deepEqual(trace(melody), [
    '<M:2/4> x x 0 0 2',
    '<major> x x 0 0 2',
    '60:1 x x 0 0 2',
    '62:1 x x 0 0 2',
    // Bar 2 starts: one bar back begins with c; nothing two back; the bar so far repeats bar 1 (trivially).
    '| 60:1 x 1 1 1',
    '60:1 62:1 x 1 1 1',
    '62:1 - x 1 1 1',
    '| 60:1 60:1 3 2 0',
    // e differs from c: the repeat flags drop; the half note leaves no onset at beat 2.
    '64:2 - - 0 2 0',
    '<end> - - 0 2 0',
  ]);
});

test('a pickup bar is not a phrase bar, and sampling gives the length instead of looking ahead', () => {
  const melody = fixtureMelody([[67, Q], [72, Q], [71, E], [69, E], [67, Q], [72, Q]], { meter: { numerator: 3, denominator: 4 }, pickup: Q });
  const expected = [
    '<M:3/4> x x 0 4 2',
    '<major> x x 0 4 2',
    '67:1 x x 0 4 2',
    // The first full bar: one back is the pickup, whose g started on beat 3 (2 beats into the bar).
    '| - x 1 0 1',
    '72:1 - x 0 0 1',
    '71:1/2 - x 0 0 1',
    '69:1/2 67:1 x 0 0 1',
    '67:1 - x 0 0 1',
    // Two bars back is the pickup, which exists: both flags start up, and the first c keeps only the one-back.
    '| 72:1 - 3 1 0',
    '72:1 71:1/2 - 1 1 0',
    '<end> 71:1/2 - 1 1 0',
  ];
  assert.deepEqual(trace(melody), expected);
  assert.deepEqual(trace(melody, { pickup: Q, barlines: 2 }), expected);
});

test('bars to go are capped', () => {
  const melody = fixtureMelody(Array.from({ length: 20 }, () => [60, 4 * Q] as const), { meter: { numerator: 4, denominator: 4 } });
  assert.equal(trace(melody)[0]!.split(' ').pop(), String(MAX_BARS_TO_GO));
});
