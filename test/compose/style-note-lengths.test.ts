// Note-length biases per style and meter (src/compose/style-note-lengths.ts; GenerateOptions.tokenBias): a bias on the
// tokens that start notes of one length moves the tunes' share of that length, the fit brings the tunes' mix of
// lengths to the songs', and the composer samples a style in a meter with its folder's biases and says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventsEncoding } from '../../src/model/encodings/events.js';
import { sampleTune, type TokenPredictor } from '../../src/model/generation/generator.js';
import { SamplingError } from '../../src/model/generation/sampler.js';
import type { SamplingRequest } from '../../src/model/encodings/encoding.js';
import { fitNoteLengthBiases, fitStyleNoteLengths, MIN_LENGTH_SONGS, noteLengthShares, noteLengthTokenBias } from '../../src/compose/style-note-lengths.js';
import { Composer } from '../../src/compose/composer.js';
import { loadModelFolder, saveModelFolder } from '../../src/model/folder/model-folder.js';
import { histogramOverlap, type Histogram } from '../../src/music/tune-stats.js';
import { fixtureMelody, Q } from '../model/melody-fixtures.js';
import { saveStyleModel } from '../fixtures/style-model.js';
import type { Melody } from '../../src/music/types.js';

const vocabulary = ['|', '<end>', '<major>', '<minor>', '<M:2/4>', '<M:6/8>', 'r:1/2', '~:1/2'];
for (const pitch of [60, 62, 64, 67]) for (const length of ['1/2', '1']) vocabulary.push(`${pitch}:${length}`);
const encoding = new EventsEncoding({ name: 'events', vocabulary, options: {} });
const flat: TokenPredictor = { reset: () => undefined, feed: () => undefined, logits: () => new Float32Array(encoding.vocabularySize) };
const twoFour = { numerator: 2, denominator: 4 };
const request: SamplingRequest = { meter: twoFour, mode: 'major', bars: 8, primer: [], pickup: 0, endOnTonic: true };

function tunes(tokenBias?: Float32Array): Melody[] {
  return Array.from({ length: 30 }, (_, i) => {
    const events = sampleTune(encoding, flat, { ...request, temperature: 1, topP: 1, randomSeed: i + 1, ...(tokenBias ? { tokenBias } : {}) });
    return { ...fixtureMelody([], { meter: twoFour }), events };
  });
}

test("the events encoding gives each note token's length in beats, NaN for the others", () => {
  assert.equal(encoding.tokenNoteBeats[vocabulary.indexOf('64:1/2')], 0.5);
  assert.equal(encoding.tokenNoteBeats[vocabulary.indexOf('67:1')], 1);
  for (const token of ['r:1/2', '~:1/2', '|', '<M:2/4>']) assert.ok(Number.isNaN(encoding.tokenNoteBeats[vocabulary.indexOf(token)]), token);
});

test('the token bias gives each note token the bias of its length in ticks of the meter, rests and ties none', () => {
  // In 2/4 a beat is a quarter (960 ticks): 1/2 is an eighth (480); in 6/8 it is an eighth, so 1/2 is a sixteenth.
  const inTwoFour = noteLengthTokenBias(encoding.tokenNoteBeats, twoFour, { '480': 0.5, '960': -0.25 });
  assert.ok(inTwoFour);
  assert.equal(inTwoFour[vocabulary.indexOf('60:1/2')], 0.5);
  assert.equal(inTwoFour[vocabulary.indexOf('62:1')], -0.25);
  assert.equal(inTwoFour[vocabulary.indexOf('r:1/2')], 0);
  assert.equal(inTwoFour[vocabulary.indexOf('~:1/2')], 0);
  const inSixEight = noteLengthTokenBias(encoding.tokenNoteBeats, { numerator: 6, denominator: 8 }, { '240': 1 });
  assert.equal(inSixEight?.[vocabulary.indexOf('60:1/2')], 1);
  assert.equal(inSixEight?.[vocabulary.indexOf('60:1')], 0);
  // No length of the vocabulary has a bias, or none is given: no array at all.
  assert.equal(noteLengthTokenBias(encoding.tokenNoteBeats, twoFour, { '240': 1 }), undefined);
  assert.equal(noteLengthTokenBias(encoding.tokenNoteBeats, twoFour, {}), undefined);
});

test('a positive bias on eighths gives the tunes more of them, a negative one fewer', () => {
  const eighths = (melodies: Melody[]): number => noteLengthShares(melodies).get(480) ?? 0;
  const none = eighths(tunes());
  const more = eighths(tunes(noteLengthTokenBias(encoding.tokenNoteBeats, twoFour, { '480': 1.5 })));
  const fewer = eighths(tunes(noteLengthTokenBias(encoding.tokenNoteBeats, twoFour, { '480': -1.5 })));
  assert.ok(none > 0.2 && none < 0.8, `unbiased share ${none}`);
  assert.ok(more > none + 0.1, `bias 1.5: ${more} against ${none}`);
  assert.ok(fewer < none - 0.1, `bias -1.5: ${fewer} against ${none}`);
});

test('a token bias must hold one finite number per token', () => {
  const run = (tokenBias: Float32Array) => sampleTune(encoding, flat, { ...request, temperature: 1, topP: 1, randomSeed: 1, tokenBias });
  assert.throws(() => run(new Float32Array(3)), (error: unknown) => error instanceof SamplingError && /tokenBias has 3 entries but the vocabulary 16 tokens/.test(error.message));
  const bad = new Float32Array(encoding.vocabularySize);
  bad[9] = Number.NaN;
  assert.throws(() => run(bad), /tokenBias must hold finite numbers, got NaN for token 9/);
});

test('the shares count notes by length, a note tied over the barline as one, rests left out', () => {
  const melody = fixtureMelody([[60, Q / 2], [62, Q / 2], [null, Q], [64, Q]]);
  const shares = noteLengthShares([melody]);
  assert.deepEqual([...shares].sort((a, b) => a[0] - b[0]), [[Q / 2, 2 / 3], [Q, 1 / 3]]);
});

/** A stand-in for the tunes: the base mix with each length's odds times e^bias. */
function biasedMix(base: Histogram): (biases: Readonly<Record<string, number>>) => Histogram {
  return (biases) => {
    const weights = [...base].map(([ticks, share]) => [ticks, share * Math.exp(biases[String(ticks)] ?? 0)] as const);
    const total = weights.reduce((sum, [, w]) => sum + w, 0);
    return new Map(weights.map(([ticks, w]) => [ticks, w / total]));
  };
}

test('the fit brings the mix to the songs, leaves rare lengths alone, and gives no biases where none are needed', () => {
  const base: Histogram = new Map([[240, 0.1], [480, 0.6], [960, 0.295], [1920, 0.005]]);
  const target: Histogram = new Map([[240, 0.2], [480, 0.5], [960, 0.295], [1920, 0.005]]);
  const fit = fitNoteLengthBiases(biasedMix(base), target, 150);
  assert.equal(fit.songs, 150);
  assert.ok(Math.abs(fit.overlap - 0.9) < 1e-9, `overlap ${fit.overlap}`);
  assert.ok(fit.biasedOverlap > 0.99, `biased overlap ${fit.biasedOverlap}`);
  assert.ok((fit.biases['240'] ?? 0) > 0.5 && (fit.biases['480'] ?? 0) < 0, JSON.stringify(fit.biases));
  // Under MIN_LENGTH_SHARE of the songs' notes: no bias.
  assert.equal(fit.biases['1920'], undefined);
  assert.ok(Math.abs(histogramOverlap(biasedMix(base)(fit.biases), target) - fit.biasedOverlap) < 1e-9);
  assert.deepEqual(fitNoteLengthBiases(biasedMix(base), base, 150).biases, {});
  // A length the tunes never take gets at most the largest bias.
  const missing = fitNoteLengthBiases(biasedMix(new Map([[480, 0.999], [240, 0.001]])), new Map([[480, 0.5], [240, 0.5]]), 150);
  assert.ok((missing.biases['240'] ?? 0) <= 1.5);
});

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'folkbot-note-lengths-'));
  await saveStyleModel(path.join(root, 'model'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test("the composer samples a style in a meter with its folder's biases and says so; other meters and styles as before", async () => {
  const { weights, metadata } = await loadModelFolder(path.join(root, 'model'));
  const plain = await Composer.open(path.join(root, 'model'), { render: false });
  const meter = plain.meters.includes('4/4') ? '4/4' : plain.meters[0]!;
  const other = plain.meters.find((text) => text !== meter);
  const fit = { songs: 120, overlap: 0.8, biases: { '480': 1.5, '960': -1.5 }, biasedOverlap: 0.9 };
  const styles = (metadata.styles ?? []).map((style) => (style.name === 'children' ? { ...style, noteLengths: { [meter]: fit } } : style));
  await saveModelFolder(path.join(root, 'biased'), weights, { ...metadata, styles });
  const biased = await Composer.open(path.join(root, 'biased'), { render: false });
  try {
    const melodies = (composer: Composer, style: string, text = meter) => {
      const [n, d] = text.split('/').map(Number) as [number, number];
      return Array.from({ length: 20 }, (_, i) => composer.composeMelody({ style, meter: { numerator: n, denominator: d }, bars: 8, randomSeed: i + 1 }));
    };
    const eighths = (tunes: ReturnType<typeof melodies>) => noteLengthShares(tunes.map((tune) => tune.melody)).get(480) ?? 0;
    const beforeTunes = melodies(plain, 'children');
    const afterTunes = melodies(biased, 'children');
    assert.ok(eighths(afterTunes) > eighths(beforeTunes) + 0.05, `${eighths(afterTunes)} against ${eighths(beforeTunes)}`);
    assert.match(afterTunes[0]!.style?.rules.join('\n') ?? '', new RegExp(`note lengths are mixed as in the style's 120 songs in ${meter}`));
    assert.doesNotMatch(beforeTunes[0]!.style?.rules.join('\n') ?? '', /note lengths/);
    // chinese-han has no biases, and children none in the other meter: the same tunes.
    assert.deepEqual(melodies(biased, 'chinese-han').map((tune) => tune.melody.events), melodies(plain, 'chinese-han').map((tune) => tune.melody.events));
    if (other !== undefined) assert.deepEqual(melodies(biased, 'children', other).map((tune) => tune.melody.events), melodies(plain, 'children', other).map((tune) => tune.melody.events));
    // An override (calibrate's trials) wins over the folder's biases: none at all gives the plain tunes.
    const overridden = biased.withOptions({ noteLengthBiases: { children: { [meter]: {} } } });
    assert.deepEqual(melodies(overridden, 'children').map((tune) => tune.melody.events), beforeTunes.map((tune) => tune.melody.events));
  } finally {
    plain.dispose();
    biased.dispose();
  }
});

test('the style fit runs per meter with enough songs, and skips styles and meters with fewer', async () => {
  const composer = await Composer.open(path.join(root, 'model'), { render: false });
  try {
    const meter = composer.meters.includes('4/4') ? '4/4' : composer.meters[0]!;
    const [numerator, denominator] = meter.split('/').map(Number) as [number, number];
    const song = fixtureMelody([[60, Q / 2], [62, Q / 2], [64, Q], [65, Q], [67, Q]], { meter: { numerator, denominator } });
    const fits = fitStyleNoteLengths(composer, (style) => (style === 'children' ? Array.from({ length: MIN_LENGTH_SONGS }, () => song) : [song]));
    assert.deepEqual([...fits.keys()], ['children']);
    const fit = fits.get('children')?.[meter];
    assert.ok(fit, JSON.stringify(Object.fromEntries(fits)));
    assert.equal(fit.songs, MIN_LENGTH_SONGS);
    assert.ok(fit.biasedOverlap >= fit.overlap);
  } finally {
    composer.dispose();
  }
});
