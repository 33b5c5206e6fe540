import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transpose } from '../../src/music/key.js';
import {
  melodyStyleFeatures,
  StyleClassifierError,
  styleClassifierFromJSON,
  trainStyleClassifier,
  type StyleExample,
} from '../../src/music/style-classifier.js';
import type { Melody } from '../../src/music/types.js';
import { E, fixtureMelody, Q, type Step } from '../model/melody-fixtures.js';

const twoFour = { numerator: 2, denominator: 4 };
const fourFour = { numerator: 4, denominator: 4 };

/** Notes as (pitch, ticks) in C major. */
const tune = (title: string, steps: readonly Step[], meter = fourFour, pickup = 0): Melody => fixtureMelody(steps, { title, meter, pickup });

// Diatonic tunes with fa and ti (German children's songs), in quarters and halves, 4/4.
const entchen = tune('Alle meine Entchen', [[60, Q], [62, Q], [64, Q], [65, Q], [67, 2 * Q], [67, 2 * Q], [69, Q], [69, Q], [69, Q], [69, Q], [67, 4 * Q], [69, Q], [69, Q], [69, Q], [69, Q], [67, 4 * Q], [65, Q], [65, Q], [65, Q], [65, Q], [64, 2 * Q], [64, 2 * Q], [62, Q], [62, Q], [62, Q], [62, Q], [60, 4 * Q]]);
const haenschen = tune('Haenschen klein', [[67, Q], [64, Q], [64, 2 * Q], [65, Q], [62, Q], [62, 2 * Q], [60, Q], [62, Q], [64, Q], [65, Q], [67, Q], [67, Q], [67, 2 * Q], [67, Q], [64, Q], [64, 2 * Q], [65, Q], [62, Q], [62, 2 * Q], [60, Q], [64, Q], [67, Q], [67, Q], [60, 4 * Q]]);
const kuckuck = tune('Kuckuck, Kuckuck', [[67, 2 * Q], [64, 2 * Q], [67, 2 * Q], [64, 2 * Q], [62, Q], [64, Q], [65, 2 * Q], [62, 2 * Q], [71, 2 * Q], [72, Q], [71, Q], [69, Q], [67, Q], [65, Q], [64, Q], [62, Q], [60, 3 * Q]]);
// Pentatonic tunes (do re mi sol la only) in eighths and sixteenths, 2/4, after Chinese folk songs.
const molihua = tune('Mo li hua', [[64, E], [64, E / 2], [67, E / 2], [69, E / 2], [72, E / 2], [72, E / 2], [69, E / 2], [67, E], [67, E / 2], [69, E / 2], [67, Q], [64, E], [64, E / 2], [67, E / 2], [69, E / 2], [72, E / 2], [72, E / 2], [69, E / 2], [67, E], [67, E / 2], [69, E / 2], [67, Q], [67, E], [67, E], [67, E], [64, E / 2], [67, E / 2], [69, E], [69, E], [67, Q], [64, E], [62, E / 2], [64, E / 2], [67, E], [64, E / 2], [62, E / 2], [60, E], [60, E / 2], [62, E / 2], [60, Q], [64, E / 2], [62, E / 2], [60, E / 2], [64, E / 2], [62, E * 1.5], [64, E / 2], [67, E], [69, E / 2], [72, E / 2], [67, Q]], twoFour);
const pentaA = tune('pentatonic a', [[69, E], [72, E], [74, E], [72, E], [69, E], [67, E], [64, Q], [67, E], [69, E], [72, E], [69, E], [67, E], [64, E], [62, Q], [64, E], [67, E], [69, E], [67, E], [64, E], [62, E], [60, Q]], twoFour);
const pentaB = tune('pentatonic b', [[62, E], [64, E], [67, E], [64, E], [62, E], [60, E], [62, Q], [67, E], [69, E], [67, E], [64, E], [62, E], [64, E], [67, Q], [69, E], [72, E], [69, E], [67, E], [64, E], [62, E], [60, Q]], twoFour);

const training: StyleExample[] = [
  { melody: entchen, style: 'diatonic' },
  { melody: haenschen, style: 'diatonic' },
  { melody: molihua, style: 'pentatonic' },
  { melody: pentaA, style: 'pentatonic' },
];

// Unseen tunes of each kind: "Kuckuck" (diatonic, with fa and ti) and a pentatonic tune not trained on.
test('a classifier trained on diatonic and pentatonic tunes tells unseen tunes of each apart', () => {
  for (const families of [undefined, ['degree'] as const, ['interval-bigram', 'length-bigram'] as const]) {
    const classifier = trainStyleClassifier(training, families === undefined ? {} : { families });
    assert.deepEqual(classifier.styles, ['diatonic', 'pentatonic']);
    assert.equal(classifier.classify(kuckuck).style, 'diatonic', `Kuckuck with ${families?.join('+') ?? 'the default families'}`);
    assert.equal(classifier.classify(pentaB).style, 'pentatonic', `pentatonic b with ${families?.join('+') ?? 'the default families'}`);
  }
});

test('scores are per note, sorted most likely first, and name the chosen style first', () => {
  const classifier = trainStyleClassifier(training, { families: ['degree'] });
  const result = classifier.classify(pentaB);
  assert.equal(result.scores.length, 2);
  assert.equal(result.scores[0]!.style, result.style);
  assert.ok(result.scores[0]!.score > result.scores[1]!.score);
  // With the degree family alone the score is the mean log-probability of a note's degree (plus prior / notes).
  const json = classifier.toJSON();
  const seen = new Set(Object.values(json.counts.degree!).flatMap((counts) => Object.keys(counts)));
  const vocabulary = seen.size;
  const k = classifier.options.smoothing;
  for (const melody of [pentaB, kuckuck]) {
    for (const style of classifier.styles) {
      const counts = json.counts.degree![style]!;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      let expected = Math.log(1 / 2);
      for (const event of melody.events) {
        // Kuckuck's B is a degree (11) no training tune has: it says nothing about the style and is left out.
        if (event.kind === 'note' && seen.has(String(event.pitch % 12))) expected += Math.log(((counts[String(event.pitch % 12)] ?? 0) + k) / (total + k * vocabulary));
      }
      const score = classifier.classify(melody).scores.find((s) => s.style === style)!.score;
      assert.ok(Math.abs(score - expected / melody.events.length) < 1e-9, `${melody.title} as ${style}: ${score} against ${expected / melody.events.length}`);
    }
  }
});

test('a tune counts the same in any key: degrees are taken from the key of the melody', () => {
  const classifier = trainStyleClassifier(training);
  const inD = transpose(pentaB, 2);
  assert.equal(inD.key.tonic, 2);
  assert.deepEqual(classifier.classify(inD), classifier.classify(pentaB));
});

test('features: degree trigrams, intervals skip rests, positions count a pickup back from the first barline', () => {
  // 2/4 with an eighth pickup: g | c e r e | c
  const melody = tune('features', [[67, E], [72, E], [76, E], [null, E], [76, E], [72, Q]], twoFour, E);
  const features = melodyStyleFeatures(melody, ['degree-trigram', 'interval', 'position-degree', 'meter']);
  assert.deepEqual(Object.fromEntries(features.get('degree-trigram')!), { '7 0 4': 1, '0 4 r': 1, '4 r 4': 1, 'r 4 0': 1 });
  assert.deepEqual(Object.fromEntries(features.get('interval')!), { '5': 1, '4': 1, '0': 1, '-4': 1 });
  // The pickup eighth stands on the bar's fourth eighth (tick 3E of the bar).
  assert.deepEqual(Object.fromEntries(features.get('position-degree')!), { [`${3 * E}@7`]: 1, '0@0': 2, [`${E}@4`]: 1, [`${2 * E}@r`]: 1, [`${3 * E}@4`]: 1 });
  assert.deepEqual(Object.fromEntries(features.get('meter')!), { '2/4': 1 });
});

test('the training prior favours the larger style when the notes say nothing; the uniform prior does not', () => {
  const uneven: StyleExample[] = [...training, { melody: kuckuck, style: 'diatonic' }, { melody: transpose(entchen, 5), style: 'diatonic' }];
  // A tune of one note length no training tune has, on one pitch: none of its length trigrams were seen.
  const unheard = tune('unheard', [[60, 3 * E], [60, 3 * E], [60, 3 * E], [60, 3 * E]]);
  const weighted = trainStyleClassifier(uneven, { families: ['length-trigram'], prior: 'training' });
  assert.equal(weighted.classify(unheard).style, 'diatonic');
  assert.ok(Math.abs(weighted.classify(unheard).scores[0]!.score - Math.log(4 / 6) / 4) < 1e-12);
  const uniform = trainStyleClassifier(uneven, { families: ['length-trigram'], prior: 'uniform' });
  const scores = uniform.classify(unheard).scores.map((s) => s.score);
  assert.equal(scores[0], scores[1]);
});

test('toJSON and styleClassifierFromJSON give back a classifier that scores the same', () => {
  const classifier = trainStyleClassifier(training, { smoothing: 0.3, prior: 'training' });
  const restored = styleClassifierFromJSON(JSON.parse(JSON.stringify(classifier.toJSON())));
  assert.deepEqual(restored.options, classifier.options);
  for (const melody of [kuckuck, pentaB, molihua]) assert.deepEqual(restored.classify(melody), classifier.classify(melody));
});

test('a damaged classifier file is refused with what is wrong', () => {
  const good = trainStyleClassifier(training).toJSON();
  const cases: [unknown, RegExp][] = [
    [null, /JSON object/],
    [{ ...good, version: 7 }, /version 7 is not the supported version 1/],
    [{ ...good, families: ['degree', 'timbre'] }, /unknown feature family "timbre"/],
    [{ ...good, smoothing: -1 }, /smoothing must be a number above 0, got -1/],
    [{ ...good, songs: { diatonic: 2 } }, /at least two styles, got 1/],
    [{ ...good, counts: { ...good.counts, 'interval-trigram': undefined } }, /no counts for feature family "interval-trigram"/],
    [{ ...good, counts: { ...good.counts, 'interval-trigram': { diatonic: { '2 2 1': -3 } } } }, /count of "2 2 1" in "interval-trigram" for "diatonic" must be a whole number, got -3/],
    [{ ...good, counts: { ...good.counts, 'interval-trigram': { modal: {} } } }, /name style "modal", which has no songs/],
  ];
  for (const [json, message] of cases) assert.throws(() => styleClassifierFromJSON(json), (error: unknown) => error instanceof StyleClassifierError && message.test(error.message));
});

test('training needs two styles with notes and sane options; a melody without notes has no style', () => {
  assert.throws(() => trainStyleClassifier(training.slice(0, 2)), /at least two styles, got only "diatonic"/);
  assert.throws(() => trainStyleClassifier([]), /at least two styles, got none/);
  assert.throws(() => trainStyleClassifier(training, { families: [] }), /at least one feature family/);
  assert.throws(() => trainStyleClassifier(training, { smoothing: 0 }), /smoothing must be a number above 0, got 0/);
  assert.throws(() => trainStyleClassifier(training, { families: ['degree', 'degree'] }), /listed twice/);
  assert.throws(() => trainStyleClassifier([...training, { melody: kuckuck, style: '' }]), /needs a style name/);
  const classifier = trainStyleClassifier(training);
  assert.throws(() => classifier.classify(tune('silence', [[null, 4 * Q]])), (error: unknown) => error instanceof StyleClassifierError && /fixture:silence: a melody without notes/.test(error.message));
});
