import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOriginalityIndex, longestSharedPassage } from '../../src/music/originality.js';
import { decodeOriginalityIndex, encodeOriginalityIndex, OriginalityFileError } from '../../src/model/folder/originality-file.js';
import { transpose } from '../../src/music/key.js';
import { fixtureMelody, Q, E } from '../model/melody-fixtures.js';

const song = fixtureMelody(
  [[67, E], [72, Q], [72, E], [74, E], [76, Q], [76, Q], [74, E], [72, E], [71, Q], [67, Q], [69, Q], [71, E], [72, E], [74, 2 * Q]],
  { meter: { numerator: 2, denominator: 4 }, pickup: E, title: 'Es steht ein Lind' },
);
const other = fixtureMelody([[60, Q], [64, Q], [67, Q], [64, Q], [60, 2 * Q], [62, 2 * Q]], { meter: { numerator: 2, denominator: 4 }, title: 'other' });
const index = buildOriginalityIndex([
  { melody: other, file: 'b/other.krn' },
  { melody: song, file: 'a/lind.krn' },
]);

test('a transposed copy of a song is found whole, with its bars', () => {
  const copy = transpose(song, 5);
  const found = longestSharedPassage(index, copy)!;
  assert.equal(found.notes, song.events.length);
  assert.deepEqual(found.song, { title: 'Es steht ein Lind', file: 'a/lind.krn' });
  assert.equal(found.tuneStart, 0);
  assert.equal(found.firstBar, 0, 'from the pickup');
  assert.equal(found.lastBar, 5, 'the last half note starts in bar 5');
});

test('a passage inside another tune, with a different rhythm around it', () => {
  // Six notes of the song (76 76 74 72 71 67, from its bar 2) in the middle of other notes.
  const tune = fixtureMelody([[60, Q], [62, Q], [64, Q], [64, Q], [62, E], [60, E], [59, Q], [55, Q], [57, 2 * Q], [50, 2 * Q]], { meter: { numerator: 2, denominator: 4 } });
  const found = longestSharedPassage(index, tune)!;
  assert.equal(found.notes, 6);
  assert.equal(found.song.file, 'a/lind.krn');
  assert.equal(found.tuneStart, 2);
  assert.equal(found.firstBar, 2);
  assert.equal(found.lastBar, 4);
});

test('nothing shared: null; a changed duration breaks the passage', () => {
  assert.equal(longestSharedPassage(index, fixtureMelody([[60, 4 * Q], [61, 4 * Q], [63, 4 * Q], [66, 4 * Q], [70, 4 * Q], [75, 4 * Q]])), null);
  const slower = fixtureMelody([[60, 2 * Q], [64, Q], [67, Q], [64, Q], [60, 2 * Q], [62, 2 * Q]], { meter: { numerator: 2, denominator: 4 } });
  assert.equal(longestSharedPassage(index, slower)?.notes, 5, 'all but the first note of "other"');
});

test('the index file round-trips, and a damaged one is refused', () => {
  const bytes = encodeOriginalityIndex(index);
  const back = decodeOriginalityIndex(bytes);
  assert.deepEqual(back.songs, index.songs);
  assert.deepEqual(longestSharedPassage(back, transpose(song, -2)), longestSharedPassage(index, transpose(song, -2)));
  assert.throws(() => decodeOriginalityIndex(bytes.subarray(0, bytes.length - 4)), OriginalityFileError);
  assert.throws(() => decodeOriginalityIndex(Buffer.from('nonsense')), OriginalityFileError);
  assert.throws(() => decodeOriginalityIndex(Buffer.alloc(0)), OriginalityFileError);
});
