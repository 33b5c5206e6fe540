// Note biases per style (src/compose/style-note-biases.ts; GenerateOptions.repeatedNoteBias and offPentatonicBias):
// the bias on the tokens that repeat the last note's pitch moves the tunes' share of repeated notes, the one on the
// tokens off the pentatonic scale their share of such notes, the fit finds the bias that matches a target, and the
// composer samples a style with its folder's biases and says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventsEncoding } from '../../src/model/encodings/events.js';
import { buildEncoding } from '../../src/model/encodings/index.js';
import { sampleTune, type TokenPredictor } from '../../src/model/generation/generator.js';
import { SamplingError } from '../../src/model/generation/sampler.js';
import type { SamplingRequest } from '../../src/model/encodings/encoding.js';
import { fitNoteBias, NOTE_BIAS_TOLERANCE, offPentatonicShare, repeatedNoteShare } from '../../src/compose/style-note-biases.js';
import { Composer } from '../../src/compose/composer.js';
import { loadModelFolder, saveModelFolder } from '../../src/model/folder/model-folder.js';
import { fixtureMelody, Q, sampleMelodies } from '../model/melody-fixtures.js';
import { saveStyleModel } from '../fixtures/style-model.js';
import type { Melody } from '../../src/music/types.js';

const vocabulary = ['|', '<end>', '<major>', '<minor>', '<M:4/4>', 'r:1'];
for (const pitch of [60, 62, 64, 65, 67]) for (const length of ['1', '2']) vocabulary.push(`${pitch}:${length}`);
const encoding = new EventsEncoding({ name: 'events', vocabulary, options: {} });
const flat: TokenPredictor = { reset: () => undefined, feed: () => undefined, logits: () => new Float32Array(encoding.vocabularySize) };
const request: SamplingRequest = { meter: { numerator: 4, denominator: 4 }, mode: 'major', bars: 8, primer: [], pickup: 0, endOnTonic: true };

function tunes(bias: number, scaleBias = 0): Melody[] {
  return Array.from({ length: 30 }, (_, i) => {
    const events = sampleTune(encoding, flat, {
      ...request,
      temperature: 1,
      topP: 1,
      randomSeed: i + 1,
      ...(bias !== 0 ? { repeatedNoteBias: bias } : {}),
      ...(scaleBias !== 0 ? { offPentatonicBias: scaleBias } : {}),
    });
    return { ...fixtureMelody([]), events };
  });
}

test('the events encoding says which tokens start notes, and of what pitch', () => {
  assert.equal(encoding.tokenPitches[vocabulary.indexOf('64:1')], 64);
  assert.equal(encoding.tokenPitches[vocabulary.indexOf('r:1')], -1);
  assert.equal(encoding.tokenPitches[vocabulary.indexOf('|')], -1);
  // Sampled in C: F (65) is off C D E G A, the others on it.
  assert.equal(encoding.offPentatonicTokens[vocabulary.indexOf('65:1')], 1);
  assert.equal(encoding.offPentatonicTokens[vocabulary.indexOf('67:1')], 0);
  assert.equal(encoding.offPentatonicTokens[vocabulary.indexOf('r:1')], 0);
});

test('a negative pentatonic bias keeps the tune off F more often, a positive one less', () => {
  const none = offPentatonicShare(tunes(0));
  const fewer = offPentatonicShare(tunes(0, -2));
  const more = offPentatonicShare(tunes(0, 2));
  // One of the five pitches (F) is off the scale.
  assert.ok(none > 0.08 && none < 0.35, `unbiased share ${none}`);
  assert.ok(fewer < none - 0.08, `bias -2: ${fewer} against ${none}`);
  assert.ok(more > none + 0.15, `bias 2: ${more} against ${none}`);
});

test('a positive bias repeats notes more often, a negative one less, and 0 changes nothing', () => {
  const none = repeatedNoteShare(tunes(0));
  const more = repeatedNoteShare(tunes(2));
  const less = repeatedNoteShare(tunes(-2));
  // Five pitches drawn alike repeat about a fifth of the time.
  assert.ok(none > 0.1 && none < 0.35, `unbiased share ${none}`);
  assert.ok(more > none + 0.2, `bias 2: ${more} against ${none}`);
  assert.ok(less < none - 0.1, `bias -2: ${less} against ${none}`);
  assert.deepEqual(tunes(0), tunes(0));
});

test('a bias needs an encoding that says which tokens start notes, and must be finite', () => {
  const steps = buildEncoding('steps', Object.values(sampleMelodies()));
  assert.equal(steps.tokenPitches, undefined);
  const predictor: TokenPredictor = { reset: () => undefined, feed: () => undefined, logits: () => new Float32Array(steps.vocabularySize) };
  assert.throws(() => sampleTune(steps, predictor, { ...request, bars: 2, temperature: 1, topP: 1, randomSeed: 1, repeatedNoteBias: 1 }), (error: unknown) => error instanceof SamplingError && /repeatedNoteBias needs it/.test(error.message));
  assert.throws(() => sampleTune(encoding, flat, { ...request, temperature: 1, topP: 1, randomSeed: 1, repeatedNoteBias: Number.NaN }), /repeatedNoteBias must be a finite number/);
  assert.throws(() => sampleTune(steps, predictor, { ...request, bars: 2, temperature: 1, topP: 1, randomSeed: 1, offPentatonicBias: 1 }), /offPentatonicBias needs it/);
});

test('the share counts notes on the pitch of the note before, rests skipped', () => {
  const melody = fixtureMelody([[60, Q], [60, Q], [null, Q], [60, Q], [62, Q]]);
  // Pairs: 60-60 (repeat), 60-60 across the rest (repeat), 60-62.
  assert.equal(repeatedNoteShare([melody]), 2 / 3);
  assert.equal(repeatedNoteShare([fixtureMelody([[60, Q]])]), 0);
});

test('the fit finds the bias that brings the share to the target, and none within the tolerance', () => {
  const share = (bias: number): number => 0.2 + 0.05 * bias;
  const fit = fitNoteBias(share, 0.25);
  assert.ok(Math.abs(fit.bias - 1) < 0.05, `bias ${fit.bias}`);
  assert.ok(Math.abs(fit.biasedTunes - 0.25) < 0.003);
  assert.equal(fit.tunes, 0.2);
  assert.equal(fitNoteBias(share, 0.2 * (1 + NOTE_BIAS_TOLERANCE / 2)).bias, 0);
  assert.notEqual(fitNoteBias(share, 0.2 * (1 + NOTE_BIAS_TOLERANCE * 2)).bias, 0);
  assert.ok(fitNoteBias(share, 0.15).bias < -0.9);
});

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'folkbot-note-biases-'));
  await saveStyleModel(path.join(root, 'model'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test("the composer samples a style with its folder's bias and says so; a style without one is composed as before", async () => {
  const { weights, metadata } = await loadModelFolder(path.join(root, 'model'));
  const fit = (songs: number, bias: number) => ({ songs, tunes: 0.2, bias, biasedTunes: songs });
  const styles = (metadata.styles ?? []).map((style) => (style.name === 'children' ? { ...style, repeatedNotes: fit(0.32, 2), offPentatonicNotes: fit(0.07, -2) } : style));
  await saveModelFolder(path.join(root, 'biased'), weights, { ...metadata, styles });
  const plain = await Composer.open(path.join(root, 'model'), { render: false });
  const biased = await Composer.open(path.join(root, 'biased'), { render: false });
  try {
    const melodies = (composer: Composer, style: string) => Array.from({ length: 20 }, (_, i) => composer.composeMelody({ style, bars: 8, randomSeed: i + 1 }));
    const before = melodies(plain, 'children');
    const after = melodies(biased, 'children');
    assert.ok(repeatedNoteShare(after.map((tune) => tune.melody)) > repeatedNoteShare(before.map((tune) => tune.melody)) + 0.05);
    assert.ok(offPentatonicShare(after.map((tune) => tune.melody)) < offPentatonicShare(before.map((tune) => tune.melody)));
    assert.match(after[0]!.style?.rules.join('\n') ?? '', /repeats notes about as often as the style's songs \(32% of their notes/);
    assert.match(after[0]!.style?.rules.join('\n') ?? '', /keep to the pentatonic scale about as often as the style's songs' \(93%\)/);
    assert.doesNotMatch(before[0]!.style?.rules.join('\n') ?? '', /repeats notes|pentatonic scale about/);
    // chinese-han has no bias in either folder: the same tunes.
    assert.deepEqual(melodies(biased, 'chinese-han').map((tune) => tune.melody.events), melodies(plain, 'chinese-han').map((tune) => tune.melody.events));
  } finally {
    plain.dispose();
    biased.dispose();
  }
});
