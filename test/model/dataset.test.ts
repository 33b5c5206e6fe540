import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTrainingData, isValidationSong, loadCorpus, RejectionTally } from '../../src/model/data/dataset.js';
import { createEncoding } from '../../src/model/encodings/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/model-dataset');

function withCache<T>(run: (cacheDir: string) => T): T {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'folkbot-dataset-'));
  try {
    return run(cacheDir);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

describe('isValidationSong', () => {
  it('holds out about the requested share, the same for a file in any folder', () => {
    const names = Array.from({ length: 20000 }, (_, i) => `deutschl/erk/deut${i}.krn`);
    const held = names.filter((name) => isValidationSong(name, 0.1, 1234)).length;
    assert.ok(Math.abs(held / names.length - 0.1) < 0.01, `held out ${held} of ${names.length}`);
    for (const name of names.slice(0, 500)) {
      assert.equal(isValidationSong(name, 0.1, 1234), isValidationSong(path.basename(name), 0.1, 1234));
    }
  });

  it('depends on the seed and keeps songs in place when the fraction grows', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `song${i}.krn`);
    const a = names.filter((name) => isValidationSong(name, 0.1, 1));
    const b = names.filter((name) => isValidationSong(name, 0.1, 2));
    assert.notDeepEqual(a, b);
    for (const name of a) assert.ok(isValidationSong(name, 0.2, 1));
    assert.throws(() => isValidationSong('x.krn', 1.5, 1), RangeError);
  });
});

describe('buildTrainingData', () => {
  it('parses, filters, encodes and splits a folder, reporting what it left out', () =>
    withCache((cacheDir) => {
      const data = buildTrainingData({ dataDir: fixtures, encoding: 'events', filter: 'default', cacheDir, minSongsPerToken: 1, validationFraction: 0.4, seed: 7 });
      const { summary } = data;
      assert.equal(summary.files, 6);
      assert.equal(summary.parsed, 5);
      assert.equal(Object.values(summary.failed).reduce((a, b) => a + b, 0), 1);
      assert.equal(summary.kept + Object.values(summary.dropped).reduce((a, b) => a + b, 0), summary.parsed);
      assert.equal(data.train.length + data.validation.length, summary.kept);
      assert.equal(summary.trainTokens, data.train.reduce((sum, song) => sum + song.length, 0));
      assert.equal(summary.validationTokens, data.validation.reduce((sum, song) => sum + song.length, 0));
      assert.equal(summary.cached, false);
      for (const file of data.validationFiles) assert.ok(isValidationSong(file, 0.4, 7));
      for (const file of data.trainFiles) assert.ok(!isValidationSong(file, 0.4, 7));
      // Every song comes back in C major / A minor.
      for (const song of [...data.train, ...data.validation]) {
        const tune = data.encoding.decode(song);
        assert.ok(tune.events.length > 0);
        const last = tune.events[tune.events.length - 1]!;
        assert.ok(last.kind === 'note' && last.pitch % 12 === (tune.mode === 'major' ? 0 : 9), 'these fixtures end on the tonic');
      }
      assert.equal(summary.notes, [...data.train, ...data.validation].reduce((sum, song) => sum + data.encoding.decode(song).events.length, 0));
    }));

  it('steps drops the triplet song with the encoding as the reason', () =>
    withCache((cacheDir) => {
      const data = buildTrainingData({ dataDir: fixtures, encoding: 'steps', filter: 'default', cacheDir, minSongsPerToken: 1 });
      const reasons = Object.keys(data.summary.dropped).filter((reason) => reason.startsWith('encoding:'));
      assert.equal(reasons.length, 1);
      assert.match(reasons[0]!, /sixteenth-note grid/);
    }));

  it('names the tokens a dropped song needed, not "…"', () =>
    withCache((cacheDir) => {
      // Tokens used by one song only leave the vocabulary, so the songs that use them are dropped.
      const data = buildTrainingData({ dataDir: fixtures, encoding: 'events', filter: 'default', cacheDir, minSongsPerToken: 2 });
      const reasons = Object.keys(data.summary.dropped).filter((reason) => reason.startsWith('encoding:'));
      assert.ok(reasons.length > 0, 'some songs are dropped');
      for (const reason of reasons) {
        assert.doesNotMatch(reason, /…/);
        assert.match(reason, /^encoding: token\(s\) "[^"]+"(, "[^"]+"){0,2}( and \d+ more)? not in the vocabulary$/);
      }
    }));

  it('tallies rejections by category, showing the three tokens most songs needed and how many more', () => {
    const tally = new RejectionTally();
    tally.add('tokens "60:1/5", "r:1/6" not in the vocabulary');
    tally.add('token "60:1/5" not in the vocabulary');
    tally.add('tokens "<M:7/8>", "60:1/5", "61:5", "62:5" not in the vocabulary');
    tally.add('the melody has no meter at tick 0');
    assert.deepEqual(tally.summary(), {
      'encoding: token(s) "60:1/5", "<M:7/8>", "61:5" and 2 more not in the vocabulary': 3,
      'encoding: the melody has no meter at tick N': 1,
    });
  });

  it('reads the dataset back from the cache, and rebuilds it when a file changes', () =>
    withCache((cacheDir) => {
      const copy = path.join(cacheDir, 'corpus');
      cpSync(fixtures, copy, { recursive: true });
      const first = buildTrainingData({ dataDir: copy, encoding: 'events', filter: 'default', cacheDir, minSongsPerToken: 1 });
      const second = buildTrainingData({ dataDir: copy, encoding: 'events', filter: 'default', cacheDir, minSongsPerToken: 1 });
      assert.equal(second.summary.cached, true);
      assert.deepEqual(second.train, first.train);
      assert.deepEqual(second.validation, first.validation);
      assert.deepEqual(second.encoding.config, first.encoding.config);
      assert.deepEqual({ ...second.summary, cached: true, seconds: 0 }, { ...first.summary, cached: true, seconds: 0 });
      const file = path.join(copy, 'set-a/tune01.krn');
      utimesSync(file, new Date(), new Date(Date.now() - 3_600_000));
      const third = buildTrainingData({ dataDir: copy, encoding: 'events', filter: 'default', cacheDir, minSongsPerToken: 1 });
      assert.equal(third.summary.cached, false);
      assert.deepEqual(third.train, first.train);
      assert.equal(loadCorpus({ dataDir: copy, filter: 'default', cacheDir }).cached, true);
      // The stale files were replaced, not kept beside the new ones.
      assert.deepEqual(readdirSync(cacheDir).filter((name) => name !== 'corpus').map((name) => name.split('-')[0]).sort(), ['corpus', 'dataset', 'dataset']);
    }));

  it('gives an encoding that a saved config restores', () =>
    withCache((cacheDir) => {
      const data = buildTrainingData({ dataDir: fixtures, encoding: 'events', filter: 'default', cacheDir, minSongsPerToken: 1 });
      const restored = createEncoding(JSON.parse(JSON.stringify(data.encoding.config)));
      for (const song of data.train) assert.deepEqual(restored.decode(song), data.encoding.decode(song));
    }));

  it('says which folder is missing', () => {
    assert.throws(() => buildTrainingData({ dataDir: path.join(fixtures, 'nope'), encoding: 'events', filter: 'default', cacheDir: null }), /nope does not exist/);
  });
});
