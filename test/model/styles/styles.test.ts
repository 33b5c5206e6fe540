import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STYLES, styleOfSong } from '../../../src/model/data/styles.js';
import { withStyles, NO_STYLE, type Corpus } from '../../../src/model/data/dataset.js';
import { buildEventsEncoding, styleToken } from '../../../src/model/encodings/events.js';
import { LOOKBACK_STYLE_FEATURES, lookbackSpec, lookbackStyleSpec } from '../../../src/model/encodings/events-lookback-features.js';
import { initialWeights, inputSize, type LstmConfig } from '../../../src/model/network/lstm-weights.js';
import { createRandom } from '../../../src/model/generation/random.js';
import { warmStartWeights, WarmStartError } from '../../../src/model/training/warm-start.js';
import type { Melody } from '../../../src/music/types.js';
import { fixtureMelody, Q } from '../melody-fixtures.js';

test('a song takes its style from its folder, whatever folder of the collection the path starts at', () => {
  assert.equal(styleOfSong('europa/deutschl/kinder/kinder01.krn'), 'children');
  assert.equal(styleOfSong('deutschl/kinder/kinder01.krn'), 'children');
  assert.equal(styleOfSong('deutschl/erk/deut0001.krn'), 'german');
  assert.equal(styleOfSong('europa/deutschl/ballad/ballad01.krn'), 'ballad');
  assert.equal(styleOfSong('asia/china/han/han0001.krn'), 'chinese-han');
  assert.equal(styleOfSong('china/shanxi/shanx001.krn'), 'chinese-shanxi');
  assert.equal(styleOfSong('europa/tirol/tirol01.krn'), 'alpine');
  assert.equal(styleOfSong('europa/magyar/magyar01.krn'), 'central-east');
  // The mixed folder goes by its region record; songs outside every style have none.
  assert.equal(styleOfSong('europa/misc/misc01.krn', 'Europa, Mitteleuropa, Steiermark'), 'alpine');
  assert.equal(styleOfSong('europa/misc/misc02.krn', 'Nordeuropa, Norwegen'), 'northern');
  assert.equal(styleOfSong('europa/misc/misc03.krn'), null);
  assert.equal(styleOfSong('asia/misc/misc01.krn', 'Asia, Nordeuropa'), null);
  assert.equal(styleOfSong('europa/italia/ital01.krn'), null);
  assert.equal(styleOfSong('america/usa/usa01.krn'), null);
  // Names are token-safe and unique, each with a description.
  assert.equal(new Set(STYLES.map((s) => s.name)).size, STYLES.length);
  for (const style of STYLES) {
    assert.match(style.name, /^[a-z][a-z0-9-]*$/);
    assert.ok(style.description.length > 10);
  }
});

const song = (pitches: readonly number[], style?: string): Melody => ({
  ...fixtureMelody(pitches.map((p) => [p, Q] as const), { meter: { numerator: 2, denominator: 4 } }),
  ...(style !== undefined ? { style } : {}),
});

test('a style model writes the style token first; a model without styles leaves the style out', () => {
  const german = song([60, 62, 64, 65, 67, 65, 64, 62], 'german');
  const han = song([62, 64, 67, 69, 67, 64, 62, 60], 'chinese-han');
  const styled = buildEventsEncoding([german, han, german, han], 1);
  assert.deepEqual(styled.styles, ['chinese-han', 'german']);
  const tokens = styled.encode(han);
  assert.equal(styled.config.vocabulary[tokens[0]!], styleToken('chinese-han'));
  // The style is conditioning: not scored.
  assert.equal(styled.scoredPositions(tokens).positions[0], 3);
  // Decoding ignores it.
  assert.equal(styled.decode(tokens).events.length, 8);
  // A song without a style cannot be written by a style model...
  assert.match(styled.reject(song([60, 62, 64, 65, 67, 65, 64, 62])) ?? '', /no style/);
  // ...and a model without styles ignores the label.
  const plain = buildEventsEncoding([song([60, 62, 64, 65, 67, 65, 64, 62])], 1);
  assert.deepEqual(plain.styles, []);
  assert.equal(plain.reject(german), null);
  assert.equal(plain.config.vocabulary[plain.encode(german)[0]!], '<M:2/4>');
});

test('the style input feature gives the song\'s style at every step, and only a style model offers it', () => {
  const german = song([60, 62, 64, 65, 67, 65, 64, 62], 'german');
  const han = song([62, 64, 67, 69, 67, 64, 62, 60], 'chinese-han');
  const styled = buildEventsEncoding([german, han], 1);
  const spec = lookbackStyleSpec(styled.vocabularySize, 2);
  assert.deepEqual(styled.inputFeatureSets?.map((set) => set.name), ['events-metric-position-v1', 'events-lookback-v1', LOOKBACK_STYLE_FEATURES]);
  assert.deepEqual(spec.sizes, [...lookbackSpec(styled.vocabularySize).sizes, 3]);
  const tracker = styled.inputFeatureTracker!(LOOKBACK_STYLE_FEATURES);
  for (const [melody, value] of [[han, 1], [german, 2]] as const) {
    const tokens = styled.encode(melody);
    tracker.reset({ tokens });
    const values = Array.from(tokens, (token) => tracker.next(token).at(-1));
    // After the style token (the first), every step carries the style: 1 + its index in the vocabulary's styles.
    assert.deepEqual(values, Array.from(tokens, () => value));
  }
  // Without style tokens there is no such set.
  const plain = buildEventsEncoding([song([60, 62, 64, 65, 67, 65, 64, 62])], 1);
  assert.ok(!plain.inputFeatureSets?.some((set) => set.name === LOOKBACK_STYLE_FEATURES));
  assert.throws(() => plain.inputFeatureTracker!(LOOKBACK_STYLE_FEATURES), /no input features named/);
});

test('a warm start onto added input features starts their rows at zero and keeps every other row', () => {
  const vocabulary = ['|', '<end>', '<S:german>', '60:1'];
  const from: LstmConfig = { vocabularySize: 4, hiddenSize: 2, layers: 1, dropout: 0, inputFeatures: { name: 'events-lookback-v1', sizes: [3, 6] } };
  const to: LstmConfig = { ...from, inputFeatures: { name: LOOKBACK_STYLE_FEATURES, sizes: [3, 6, 2] } };
  const old = initialWeights(from, createRandom(7));
  const { weights } = warmStartWeights(old, vocabulary, to, vocabulary, createRandom(9));
  const H4 = 8;
  const newK = weights.layers[0]!.inputKernel;
  assert.equal(newK.length, inputSize(to) * H4);
  assert.deepEqual(Array.from(newK.subarray(0, inputSize(from) * H4)), Array.from(old.layers[0]!.inputKernel));
  assert.deepEqual(Array.from(newK.subarray(inputSize(from) * H4)), new Array(2 * H4).fill(0));
  // Features that are not an extension of the old ones still refuse.
  assert.throws(() => warmStartWeights(old, vocabulary, { ...from, inputFeatures: { name: 'other', sizes: [3, 6] } }, vocabulary, createRandom(1)), WarmStartError);
});

test('sampling in a style starts with its token; a style model refuses an unknown or missing style', () => {
  const encoding = buildEventsEncoding([song([60, 62, 64, 65, 67, 65, 64, 60], 'german'), song([62, 64, 67, 69, 67, 64, 62, 60], 'chinese-han')], 1);
  const request = { meter: { numerator: 2, denominator: 4 }, mode: 'major' as const, bars: 4, primer: [], pickup: 0, endOnTonic: true };
  const state = encoding.startSampling({ ...request, style: 'german' });
  assert.equal(encoding.config.vocabulary[state.prefix[0]!], '<S:german>');
  assert.throws(() => encoding.startSampling(request), /no style was given: it composes in chinese-han, german/);
  assert.throws(() => encoding.startSampling({ ...request, style: 'klezmer' }), /style "klezmer" is not one of this model's/);
  // The input feature trackers take the style token like other conditioning.
  const tracker = encoding.inputFeatureTracker!(lookbackSpec(encoding.vocabularySize).name);
  tracker.reset({ tokens: encoding.encode(song([60, 62, 64, 65, 67, 65, 64, 60], 'german')) });
  assert.equal(tracker.next(state.prefix[0]!).length, lookbackSpec(encoding.vocabularySize).sizes.length);
});

test('a corpus labelled with styles drops the songs of no style', () => {
  const melody = song([60, 62, 64, 65, 67, 65, 64, 62]);
  const corpus: Corpus = {
    cached: false,
    entries: [
      { file: 'europa/deutschl/kinder/k1.krn', melody },
      { file: 'europa/italia/i1.krn', melody },
      { file: 'europa/deutschl/erk/e1.krn', failed: 'x', message: 'x' },
    ],
  };
  const labelled = withStyles(corpus);
  assert.equal('melody' in labelled.entries[0]! && labelled.entries[0].melody.style, 'children');
  assert.deepEqual(labelled.entries[1], { file: 'europa/italia/i1.krn', dropped: NO_STYLE });
  assert.deepEqual(labelled.entries[2], corpus.entries[2]);
  const kept = withStyles(corpus, true);
  assert.ok('melody' in kept.entries[1]! && kept.entries[1].melody.style === undefined);
});

test('a warm start carries every known token over and gives new tokens fresh, rare rows', () => {
  const oldVocabulary = ['|', '<end>', '60:1', '62:1'];
  const newVocabulary = ['|', '<end>', '<S:german>', '60:1', '61:1', '62:1'];
  const spec = (V: number) => ({ name: 'events-lookback-v1', sizes: [3, V + 2, 2] });
  const from: LstmConfig = { vocabularySize: 4, hiddenSize: 2, layers: 1, dropout: 0, inputFeatures: spec(4) };
  const to: LstmConfig = { vocabularySize: 6, hiddenSize: 2, layers: 1, dropout: 0, inputFeatures: spec(6) };
  const old = initialWeights(from, createRandom(7));
  old.outputBias.set([0.5, -1, -2, -3]);
  const { weights, carried, fresh } = warmStartWeights(old, oldVocabulary, to, newVocabulary, createRandom(9));
  assert.equal(carried, 4);
  assert.deepEqual(fresh, ['<S:german>', '61:1']);
  const H4 = 8;
  const row = (kernel: Float32Array, r: number): number[] => Array.from(kernel.subarray(r * H4, (r + 1) * H4));
  const oldK = old.layers[0]!.inputKernel;
  const newK = weights.layers[0]!.inputKernel;
  assert.equal(newK.length, inputSize(to) * H4);
  // Tokens: 62:1 is old row 3, new row 5.
  assert.deepEqual(row(newK, 5), row(oldK, 3));
  // The clock feature (3 values) is copied as it is: old rows 4..6, new rows 6..8.
  assert.deepEqual(row(newK, 7), row(oldK, 5));
  // The token-valued feature: its "60:1" value (old 7 + 2, new 9 + 3) and its "none" value (old 7 + 4, new 9 + 6).
  assert.deepEqual(row(newK, 9 + 3), row(oldK, 7 + 2));
  assert.deepEqual(row(newK, 9 + 6), row(oldK, 7 + 4));
  // The last feature (2 values).
  assert.deepEqual(row(newK, 17), row(oldK, 13));
  // A new token's row is fresh, not a copy of anything.
  assert.notDeepEqual(row(newK, 2), row(oldK, 2));
  // Output: columns by token; the new tokens' biases start at the old biases' 10th percentile.
  assert.equal(weights.outputKernel[1 * 6 + 5], old.outputKernel[1 * 4 + 3]);
  assert.deepEqual(Array.from(weights.outputBias), [0.5, -1, -3, -2, -3, -3]);
  assert.deepEqual(weights.layers[0]!.recurrentKernel, old.layers[0]!.recurrentKernel);
  assert.throws(() => warmStartWeights(old, oldVocabulary, { ...to, hiddenSize: 3 }, newVocabulary, createRandom(1)), WarmStartError);
});
