// Each style's temperature (src/compose/style-temperature.ts): the repetition measure, the fit of the factor that
// matches the style's songs, and the composer sampling at the user's temperature times the folder's factor.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fitTemperatureFactor, meanRepetition, REPETITION_TOLERANCE } from '../../src/compose/style-temperature.js';
import { Composer } from '../../src/compose/composer.js';
import { loadModelFolder, saveModelFolder } from '../../src/model/folder/model-folder.js';
import { fixtureMelody, Q } from '../model/melody-fixtures.js';
import { saveStyleModel } from '../fixtures/style-model.js';

test('repetition: the mean over melodies of the share of 5-note interval patterns heard again', () => {
  // c d e f | c d e f: the patterns of 5 notes (4 intervals) from each start; the first comes back at the second c.
  const phrase: [number, number][] = [[60, Q], [62, Q], [64, Q], [65, Q]];
  const twice = fixtureMelody([...phrase, ...phrase, ...phrase]);
  const wandering = fixtureMelody([60, 61, 63, 66, 70, 75, 69, 62, 70, 61, 71, 60].map((pitch): [number, number] => [pitch, Q]));
  assert.ok(meanRepetition([twice]) > 0.5, `a phrase three times: ${meanRepetition([twice])}`);
  // Intervals 1 2 3 4 5 -6 -7 8 -9 10 -11: no 4-interval pattern comes twice.
  assert.equal(meanRepetition([wandering]), 0);
  assert.equal(meanRepetition([twice, wandering]), meanRepetition([twice]) / 2);
  assert.equal(meanRepetition([]), 0);
});

test('the fit finds the factor that brings the repetition to the target, and keeps 1 within the tolerance', () => {
  // Repetition falls as the temperature rises.
  const repetition = (factor: number): number => 0.7 - 0.4 * factor;
  const cooler = fitTemperatureFactor(repetition, 0.34);
  assert.ok(Math.abs(cooler.factor - 0.9) < 0.01, `factor ${cooler.factor}`);
  assert.ok(Math.abs(cooler.scaledTunes - 0.34) < 0.003);
  assert.equal(cooler.tunes, repetition(1));
  assert.equal(cooler.songs, 0.34);
  const warmer = fitTemperatureFactor(repetition, 0.22);
  assert.ok(Math.abs(warmer.factor - 1.2) < 0.01, `factor ${warmer.factor}`);
  // Within the tolerance: 1, and the repetition is the unscaled one.
  const near = fitTemperatureFactor(repetition, repetition(1) + REPETITION_TOLERANCE / 2);
  assert.deepEqual([near.factor, near.scaledTunes], [1, repetition(1)]);
  // Out of reach: the end of the range.
  assert.equal(fitTemperatureFactor(repetition, 0.9).factor < 0.81, true);
  assert.equal(fitTemperatureFactor(repetition, 0.01).factor > 1.24, true);
});

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'folkbot-style-temperature-'));
  await saveStyleModel(path.join(root, 'model'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test("the composer samples a style at the user's temperature times its folder's factor, and says so", async () => {
  const { weights, metadata } = await loadModelFolder(path.join(root, 'model'));
  const styles = (metadata.styles ?? []).map((style) => (style.name === 'children' ? { ...style, temperature: { songs: 0.52, tunes: 0.33, factor: 0.5, scaledTunes: 0.5 } } : style));
  await saveModelFolder(path.join(root, 'cooler'), weights, { ...metadata, styles });
  const plain = await Composer.open(path.join(root, 'model'), { render: false });
  const cooler = await Composer.open(path.join(root, 'cooler'), { render: false });
  try {
    const events = (composer: Composer, style: string, temperature: number) =>
      Array.from({ length: 6 }, (_, i) => composer.composeMelody({ style, bars: 8, randomSeed: i + 1, temperature }).melody.events);
    // Children at 1.2 in the folder with factor 0.5 are children at 0.6 without one; at 1.2 without, other tunes.
    assert.deepEqual(events(cooler, 'children', 1.2), events(plain, 'children', 0.6));
    assert.notDeepEqual(events(cooler, 'children', 1.2), events(plain, 'children', 1.2));
    // chinese-han has no factor in either folder: the same tunes.
    assert.deepEqual(events(cooler, 'chinese-han', 1), events(plain, 'chinese-han', 1));
    const rules = (composer: Composer) => composer.composeMelody({ style: 'children', bars: 8, randomSeed: 1 }).style?.rules.join('\n') ?? '';
    assert.match(rules(cooler), /sampled a little cooler \(temperature x0\.5\), so that it repeats its phrases about as often as the style's songs \(52% of their 5-note patterns come back\)/);
    assert.doesNotMatch(rules(plain), /sampled a little/);
    // The options' factors stand in for the folder's (as calibrate tries them), and say nothing.
    const tried = cooler.withOptions({ temperatureFactors: { children: 1 } });
    assert.deepEqual(events(tried, 'children', 1.2), events(plain, 'children', 1.2));
    assert.doesNotMatch(rules(tried), /sampled a little/);
  } finally {
    plain.dispose();
    cooler.dispose();
  }
});
