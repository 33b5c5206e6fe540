import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEventsEncoding, EventsEncoding } from '../../src/model/encodings/events.js';
import { EVENTS_INPUT_FEATURES, NO_CLOCK } from '../../src/model/encodings/events-features.js';
import { buildStepsEncoding } from '../../src/model/encodings/steps.js';
import type { Encoding } from '../../src/model/encodings/encoding.js';
import type { Melody } from '../../src/music/types.js';
import { E, fixtureMelody, Q, S, sampleMelodies, T } from './melody-fixtures.js';

/** Each token of the melody's encoding with the features after it: "text position remaining". */
function featureTrace(encoding: Encoding, melody: Melody, start: 'tokens' | { pickup: number } | 'nothing' = 'tokens'): string[] {
  const tokens = encoding.encode(melody);
  const tracker = encoding.inputFeatureTracker!(EVENTS_INPUT_FEATURES.name);
  tracker.reset(start === 'tokens' ? { tokens } : start === 'nothing' ? {} : start);
  return Array.from(tokens, (token) => `${encoding.config.vocabulary[token]} ${tracker.next(token).join(' ')}`);
}

function encodingFor(melody: Melody): EventsEncoding {
  return buildEventsEncoding([melody]);
}

test('a pickup is counted back from the first barline; a tie continuation after a barline starts at 0', () => {
  // 3/4 with an eighth pickup; the last quarter crosses the barline and is split into 67:1/2 | ~:1/2.
  const melody = fixtureMelody([[67, E], [72, Q], [71, E], [69, Q], [67, Q]], { meter: { numerator: 3, denominator: 4 }, pickup: E, finalBarline: false });
  const encoding = encodingFor(melody);
  const expected = [
    '<M:3/4> 30 6', // the pickup's note starts at beat 2.5 (30 = 2.5 * 12), half a beat before the barline
    '<major> 30 6',
    '67:1/2 36 0',
    '| 0 36',
    '72:1 12 24',
    '71:1/2 18 18',
    '69:1 30 6',
    '67:1/2 36 0',
    '| 0 36',
    '~:1/2 6 30',
    '<end> 6 30',
  ];
  assert.deepEqual(featureTrace(encoding, melody), expected);
  // Sampling knows the pickup from the request instead of looking ahead: the same features.
  assert.deepEqual(featureTrace(encoding, melody, { pickup: E }), expected);
  // Told nothing, the tracker starts the song on a downbeat.
  assert.equal(featureTrace(encoding, melody, 'nothing')[0], '<M:3/4> 0 36');
});

test('6/8 counts in eighths: sixteenths and dotted quarters are exact buckets', () => {
  const melody = fixtureMelody([[64, E], [65, S], [67, S], [69, E], [67, Q + E], [60, Q + E], [62, Q + E]], { meter: { numerator: 6, denominator: 8 } });
  assert.deepEqual(featureTrace(encodingFor(melody), melody), [
    '<M:6/8> 0 72',
    '<major> 0 72',
    '64:1 12 60',
    '65:1/2 18 54',
    '67:1/2 24 48',
    '69:1 36 36',
    '67:3 72 0',
    '| 0 72',
    '60:3 36 36',
    '62:3 72 0',
    '<end> 72 0',
  ]);
});

test('triplets are exact, and a meter change after a barline switches the bar and the beat', () => {
  const melody = fixtureMelody([[60, T], [62, T], [64, T], [65, Q], [67, Q], [69, Q], [67, 2 * Q], [60, Q]], {
    meter: { numerator: 2, denominator: 4 },
    meterChanges: [{ tick: 4 * Q, meter: { numerator: 3, denominator: 4 } }],
  });
  assert.deepEqual(featureTrace(encodingFor(melody), melody), [
    '<M:2/4> 0 24',
    '<major> 0 24',
    '60:1/3 4 20',
    '62:1/3 8 16',
    '64:1/3 12 12',
    '65:1 24 0',
    '| 0 24',
    '67:1 12 12',
    '69:1 24 0',
    '| 0 24',
    '<M:3/4> 0 36',
    '67:2 24 12',
    '60:1 36 0',
    '<end> 36 0',
  ]);
});

test('free meter has no clock; positions past the cap share the last bucket; every value fits the spec', () => {
  const encoding = new EventsEncoding({ name: 'events', vocabulary: ['|', '<end>', '<major>', '<minor>', '<M:X>', '<M:12/4>', '60:1', '60:12'], options: {} });
  const id = (text: string): number => encoding.config.vocabulary.indexOf(text);
  const tracker = encoding.inputFeatureTracker(EVENTS_INPUT_FEATURES.name);
  tracker.reset();
  assert.deepEqual([...tracker.next(id('<M:X>'))], [NO_CLOCK, NO_CLOCK]);
  assert.deepEqual([...tracker.next(id('60:1'))], [NO_CLOCK, NO_CLOCK]);
  tracker.reset();
  tracker.next(id('<M:12/4>'));
  assert.deepEqual([...tracker.next(id('60:12'))], [144, 0]);
  assert.deepEqual([...tracker.next(id('60:1'))], [144, 0], 'an overfull bar stays in the last bucket');
  assert.deepEqual(encoding.inputFeatureSets?.[0], EVENTS_INPUT_FEATURES);
  for (const melody of Object.values(sampleMelodies())) {
    const events = buildEventsEncoding([melody]);
    const tokens = events.encode(melody);
    const songTracker = events.inputFeatureTracker(EVENTS_INPUT_FEATURES.name);
    songTracker.reset({ tokens });
    for (const token of tokens) {
      songTracker.next(token).forEach((value, k) => assert.ok(Number.isInteger(value) && value >= 0 && value < EVENTS_INPUT_FEATURES.sizes[k]!, `${melody.title}: ${value}`));
    }
  }
});

test('the steps encoding gives no input features', () => {
  const steps: Encoding = buildStepsEncoding(Object.values(sampleMelodies()));
  assert.equal(steps.inputFeatureSets, undefined);
  assert.equal(steps.inputFeatureTracker, undefined);
});
