// Style balancing in training (train-batches.ts's styleRepeats, preset.balanceStyles): small styles' songs are
// repeated in every epoch, large ones and songs without a style are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { styleRepeats } from '../../../src/model/training/train-batches.js';

// Tokens 0-2 are style tokens (a, b, c), 9 is anything else.
const styleOf = (token: number): string | null => ['a', 'b', 'c'][token] ?? null;
const song = (style: number | null): Int32Array => Int32Array.from(style === null ? [9, 9, 9] : [style, 9, 9]);

test('a style with fewer songs than asked is repeated, up to the limit; others and songs of no style once', () => {
  // a: 10 songs, b: 3 songs, c: 1 song, one song without a style.
  const songs = [...Array.from({ length: 10 }, () => song(0)), song(1), song(1), song(1), song(2), song(null)];
  const { order, styles } = styleRepeats(songs, styleOf, 9, 4);
  assert.deepEqual(styles, [
    { style: 'a', songs: 10, repeats: 1 },
    { style: 'b', songs: 3, repeats: 3 },
    { style: 'c', songs: 1, repeats: 4 },
  ]);
  const times = (index: number): number => order.filter((i) => i === index).length;
  assert.equal(times(0), 1);
  assert.equal(times(10), 3);
  assert.equal(times(13), 4);
  assert.equal(times(14), 1);
  assert.equal(order.length, 10 + 9 + 4 + 1);
});

test('the style token is found after a start token too; bad settings are refused', () => {
  const withStart = [Int32Array.from([9, 1, 9]), Int32Array.from([9, 0, 9]), Int32Array.from([9, 0, 9])];
  assert.deepEqual(styleRepeats(withStart, styleOf, 2, 4).styles, [
    { style: 'a', songs: 2, repeats: 1 },
    { style: 'b', songs: 1, repeats: 2 },
  ]);
  assert.throws(() => styleRepeats(withStart, styleOf, 0, 4), /whole numbers of at least 1/);
  assert.throws(() => styleRepeats(withStart, styleOf, 5, 1.5), /whole numbers of at least 1/);
});
