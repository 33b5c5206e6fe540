import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidationSong, type CorpusEntry } from '../../src/model/data/dataset.js';
import { balancedAccuracy, splitStyledSongs, styleAccuracy, styledSongs, trainOnSongs } from '../../src/model/scoring/style-check.js';
import { E, fixtureMelody, Q } from './melody-fixtures.js';

const twoFour = { numerator: 2, denominator: 4 };
// Diatonic tunes in quarters (4/4) and pentatonic ones in eighths (2/4): two styles that a classifier can tell apart.
const diatonic = (shift: number) => fixtureMelody([[60 + shift, Q], [62, Q], [64, Q], [65, Q], [67, 2 * Q], [71, Q], [72, Q], [65, Q], [64, Q], [62, Q], [60, 2 * Q]], { title: `d${shift}` });
const pentatonic = (shift: number) => fixtureMelody([[69 + shift, E], [72, E], [74, E], [72, E], [69, E], [67, E], [64, Q], [67, E], [69, E], [64, E], [62, E], [60, Q]], { title: `p${shift}`, meter: twoFour });

test('styledSongs keeps the parsed songs that have a style, with the style the function gives', () => {
  const entries: CorpusEntry[] = [
    { file: 'europa/deutschl/kinder/k1.krn', melody: diatonic(0) },
    { file: 'asia/china/han/h1.krn', melody: { ...pentatonic(0), region: 'Asia, China' } },
    { file: 'europa/italia/i1.krn', melody: diatonic(2) },
    { file: 'europa/deutschl/erk/bad.krn', failed: 'chord', message: 'bad.krn:3: chord' },
    { file: 'europa/deutschl/erk/free.krn', dropped: 'free meter throughout' },
  ];
  const seen: [string, string | undefined][] = [];
  const songs = styledSongs(entries, (file, region) => {
    seen.push([file, region]);
    return file.includes('kinder') ? 'children' : file.includes('china') ? 'chinese-han' : null;
  });
  assert.deepEqual(songs.map((song) => [song.file, song.style]), [['europa/deutschl/kinder/k1.krn', 'children'], ['asia/china/han/h1.krn', 'chinese-han']]);
  assert.deepEqual(seen[1], ['asia/china/han/h1.krn', 'Asia, China']);
  assert.equal(seen.length, 3);
});

test('the split is the project split: isValidationSong on the file name', () => {
  const songs = Array.from({ length: 200 }, (_, i) => ({ file: `europa/deutschl/erk/s${i}.krn`, melody: diatonic(0), style: 'german' }));
  const { train, validation } = splitStyledSongs(songs);
  assert.equal(train.length + validation.length, 200);
  assert.ok(validation.length > 5 && validation.length < 40, `${validation.length} validation songs of 200`);
  for (const song of validation) assert.ok(isValidationSong(song.file, 0.1, 1234));
  for (const song of train) assert.ok(!isValidationSong(song.file, 0.1, 1234));
});

test('accuracy per style counts the songs assigned to their own style and names the commonest mistake', () => {
  const train = [0, 1, 2].flatMap((i) => [
    { file: `d${i}.krn`, melody: diatonic(i), style: 'diatonic' },
    { file: `p${i}.krn`, melody: pentatonic(i), style: 'pentatonic' },
  ]);
  const classifier = trainOnSongs(train);
  // Two diatonic tunes, one pentatonic tune labelled diatonic (a mistake the classifier must not copy), one pentatonic.
  const accuracy = styleAccuracy(classifier, [
    { melody: diatonic(3), style: 'diatonic' },
    { melody: diatonic(-1), style: 'diatonic' },
    { melody: pentatonic(3), style: 'diatonic' },
    { melody: pentatonic(-1), style: 'pentatonic' },
  ]);
  assert.deepEqual(accuracy, [
    { style: 'diatonic', songs: 3, correct: 2, share: 2 / 3, mostConfusedWith: { style: 'pentatonic', songs: 1 } },
    { style: 'pentatonic', songs: 1, correct: 1, share: 1, mostConfusedWith: null },
  ]);
  assert.equal(balancedAccuracy(accuracy), (2 / 3 + 1) / 2);
  // A style with no test songs is listed with none and left out of the balanced figure.
  const none = styleAccuracy(classifier, [{ melody: diatonic(3), style: 'diatonic' }]);
  assert.deepEqual(none[1], { style: 'pentatonic', songs: 0, correct: 0, share: 0, mostConfusedWith: null });
  assert.equal(balancedAccuracy(none), 1);
});
