// `folkbot calibrate` end to end on a copy of the shipped multi-style folder, with the Chinese minorities' songs of the
// Essen collection (copied into a folder of the collection's layout, so that their style is known from the path): the
// only style with songs here, so the only one fitted. Skips without the collection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { calibrateModelFolder } from '../../src/cli/commands/calibrate.js';
import { loadModelFolder } from '../../src/model/folder/model-folder.js';
import { loadOriginalityIndex, ORIGINALITY_FILE } from '../../src/model/folder/originality-file.js';
import { essenRoot, essenSkip, repoRoot } from '../music/paths.js';

const SHIPPED = path.join(repoRoot, 'models/default');
const STYLE = 'chinese-minorities';

test('calibrate fits the style that has songs (temperature, note biases), keeps the weights, and leaves the originality index in the folder', { skip: essenSkip }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'folkbot-calibrate-'));
  try {
    const modelDir = path.join(root, 'model');
    cpSync(SHIPPED, modelDir, { recursive: true });
    rmSync(path.join(modelDir, ORIGINALITY_FILE), { force: true });
    const dataDir = path.join(root, 'data');
    cpSync(path.join(essenRoot, 'asia/china/natmin'), path.join(dataDir, 'asia/china/natmin'), { recursive: true });

    const calibration = await calibrateModelFolder(modelDir, dataDir, { longTerm: false, cacheDir: null });
    assert.ok(calibration.saved);
    assert.ok(calibration.validationSongs >= 10 && calibration.trainingSongs > 100, `${calibration.validationSongs} / ${calibration.trainingSongs} songs`);
    // The folder's own weights, untouched.
    assert.deepEqual(readFileSync(path.join(modelDir, 'weights.bin')), readFileSync(path.join(SHIPPED, 'weights.bin')));
    // The index of the training songs survives the second save (the one with the style fits).
    assert.ok(existsSync(path.join(modelDir, ORIGINALITY_FILE)), 'the originality index is in the folder');
    const index = await loadOriginalityIndex(modelDir);
    assert.ok(index !== null);
    const { metadata } = await loadModelFolder(modelDir);
    const styles = metadata.styles ?? [];
    assert.equal(styles.length, 10, 'every style of the model is listed');
    for (const style of styles) {
      if (style.name === STYLE) {
        assert.equal(style.trainSongs, calibration.trainingSongs);
        assert.ok(style.repeatedNotes !== undefined && style.offPentatonicNotes !== undefined, 'its note biases are fitted');
        // Its temperature: a factor in the fit's range, and the tunes' repetition with it nearer the songs' than without.
        const fit = style.temperature;
        assert.ok(fit !== undefined, 'its temperature is fitted');
        assert.ok(fit.factor >= 0.8 && fit.factor <= 1.25, `factor ${fit.factor}`);
        assert.ok(Math.abs(fit.scaledTunes - fit.songs) <= Math.abs(fit.tunes - fit.songs), JSON.stringify(fit));
      } else {
        assert.equal(style.trainSongs, 0, style.name);
        assert.equal(style.repeatedNotes, undefined, `${style.name} has no songs here, so no note biases`);
        assert.equal(style.temperature, undefined, `${style.name} has no songs here, so no temperature`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
