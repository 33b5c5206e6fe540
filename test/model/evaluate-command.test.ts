// `folkbot evaluate` end to end on small untrained models saved as real model folders.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, evaluationNames } from '../../src/cli/commands/evaluate.js';
import { UsageError } from '../../src/cli/command.js';
import { isValidationSong, loadCorpus, loadLabelledCorpus } from '../../src/model/data/dataset.js';
import { buildEncoding } from '../../src/model/encodings/index.js';
import { evaluateSongs, lstmScoringModel } from '../../src/model/scoring/evaluate.js';
import { loadGenerator } from '../../src/model/generation/generator.js';
import { initialWeights, type LstmConfig } from '../../src/model/network/lstm-network.js';
import { saveModelFolder, type StyleInfo } from '../../src/model/folder/model-folder.js';
import { endingShape, songShapes } from '../../src/music/song-shapes.js';
import { createRandom } from '../../src/model/generation/random.js';
import type { Encoding, EncodingName } from '../../src/model/encodings/encoding.js';
import type { Melody } from '../../src/music/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/model-dataset');

function corpusMelodies(): { file: string; melody: Melody }[] {
  return loadCorpus({ dataDir: fixtures, filter: 'default', cacheDir: null }).entries.flatMap((entry) => ('melody' in entry ? [entry] : []));
}

/** An untrained model folder for `melodies` (a multi-style one when they carry styles and `styles` describes them). */
async function saveUntrainedModel(dir: string, name: EncodingName, melodies: readonly Melody[] = corpusMelodies().map((entry) => entry.melody), styles?: StyleInfo[]): Promise<Encoding> {
  const encoding = buildEncoding(name, melodies);
  const network: LstmConfig = { vocabularySize: encoding.vocabularySize, hiddenSize: 8, layers: 1, dropout: 0 };
  const weights = initialWeights(network, createRandom(name === 'events' ? 1 : 2));
  await saveModelFolder(dir, weights, {
    format: 'folkbot-model',
    version: 1,
    name: `untrained-${styles === undefined ? name : 'styles'}`,
    encoding: encoding.config,
    network,
    parameters: 0,
    hyperparameters: { corpusFilter: 'default' },
    training: null,
    validation: { loss: null, bitsPerNote: null, accuracy: null },
    ...(styles !== undefined ? { styles } : {}),
  });
  return encoding;
}

/** Runs `folkbot evaluate` in a child process (the command writes to stdout, which the test runner also uses). */
function runCommand(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'evaluate', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('folkbot evaluate', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'folkbot-evaluate-'));
  const eventsDir = path.join(root, 'events');
  const stepsDir = path.join(root, 'steps');
  const ready = Promise.all([saveUntrainedModel(eventsDir, 'events'), saveUntrainedModel(stepsDir, 'steps')]);

  it('scores every song with --split all and prints one JSON object', async () => {
    await ready;
    const { code, stdout } = runCommand(['--model', eventsDir, '--data', fixtures, '--split', 'all', '--json', '--no-cache']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    const songs = corpusMelodies();
    assert.equal(report.songsInSplit, songs.length);
    assert.equal(report.songsScored, songs.length);
    assert.equal(report.results.length, 1);
    const [result] = report.results;
    assert.equal(result.encoding, 'events');
    assert.ok(result.bitsPerNote > 0 && result.accuracy >= 0 && result.accuracy <= 1);
    // The same figure straight from the generator's own log-probabilities.
    const generator = await loadGenerator(eventsDir);
    const direct = evaluateSongs({ encoding: generator.encoding, logProbs: (tokens) => generator.logProbs(tokens) }, songs.map((s) => s.melody));
    assert.ok(Math.abs(direct.bitsPerNote! - result.bitsPerNote) < 1e-6 * direct.bitsPerNote!);
    const stepped = evaluateSongs(lstmScoringModel(generator.encoding, generator.weights), songs.map((s) => s.melody));
    assert.equal(stepped.bits, direct.bits);
    // With the grammar: the same songs under the masked, renormalized distribution, fallbacks counted.
    const withGrammar = evaluateSongs(lstmScoringModel(generator.encoding, generator.weights), songs.map((s) => s.melody), { grammar: true });
    assert.ok(Math.abs(withGrammar.grammarBitsPerNote! - result.grammarBitsPerNote) < 1e-6 * result.grammarBitsPerNote);
    assert.ok(result.grammarBitsPerNote < result.bitsPerNote, `${result.grammarBitsPerNote} < ${result.bitsPerNote}`);
    assert.equal(result.grammarFallbackSongs, withGrammar.grammarFallbackSongs);
    assert.ok(result.grammarFallbackSongs < songs.length, 'most fixture songs replay');
  });

  it('compares models on the songs all of them can encode', async () => {
    await ready;
    const { stdout } = runCommand(['--model', eventsDir, '--model', stepsDir, '--data', fixtures, '--split', 'all', '--json', '--no-cache']);
    const report = JSON.parse(stdout);
    assert.equal(report.songsScored, report.songsInSplit - 1, 'the triplet song is left out for both');
    assert.deepEqual(Object.values(report.skippedReasons), [1]);
    assert.deepEqual(report.results.map((r: { encoding: string; notes: number }) => r.encoding), ['events', 'steps']);
    assert.equal(report.results[0].notes, report.results[1].notes, 'both count the same notes and rests');
  });

  it('takes the validation split by default, and prints a table without --json', async () => {
    await ready;
    const { stdout } = runCommand(['--model', eventsDir, '--data', fixtures, '--validation-fraction', '0.5', '--seed', '3', '--no-cache']);
    const expected = corpusMelodies().filter((entry) => isValidationSong(entry.file, 0.5, 3)).length;
    assert.match(stdout, new RegExp(`Songs: ${expected} in the split`));
    assert.match(stdout, /untrained-events\tevents\t/);
    assert.match(stdout, /bits\/note\tgrammar bits\/note\t/);
  });

  it('names rows after their folders where saved names repeat, or as --name says', async () => {
    assert.deepEqual(evaluationNames(['default', 'default'], ['/r/ballad/model', '/m/models/default'], []), ['ballad', 'default']);
    assert.deepEqual(evaluationNames(['default', 'default'], ['/a/model', '/b/model'], []), ['a', 'b']);
    assert.deepEqual(evaluationNames(['x', 'x'], ['/a/m', '/b/m'], []), ['/a/m', '/b/m']);
    assert.deepEqual(evaluationNames(['default', 'default'], ['/a/model', '/b/model'], ['first']), ['first', 'default']);
    await ready;
    const { code, stdout } = runCommand(['--model', eventsDir, '--model', eventsDir, '--name', 'one', '--name', 'two', '--data', fixtures, '--split', 'all', '--json', '--no-cache']);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout).results.map((r: { name: string }) => r.name), ['one', 'two']);
    const tooMany = runCommand(['--model', eventsDir, '--name', 'a', '--name', 'b', '--data', fixtures]);
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /2 --name for 1 --model/);
  });

  it('with a memory: a row with it and one for the network alone; --generate adds the tune-quality report', async () => {
    await ready;
    const withMemory = path.join(root, 'memory');
    const { loadModelFolder } = await import('../../src/model/folder/model-folder.js');
    const { weights, metadata } = await loadModelFolder(eventsDir);
    await saveModelFolder(withMemory, weights, { ...metadata, name: 'with-memory', memory: { kind: 'short-term-linear-v1', maxOrder: 4, weights: [0, 0.1, 0.3, 0.6, 0.8] } });
    const { code, stdout } = runCommand(['--model', withMemory, '--data', fixtures, '--split', 'all', '--json', '--no-cache', '--generate', '2']);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.results.map((r: { name: string; memory: boolean }) => [r.name, r.memory]), [['with-memory', true], ['with-memory (network alone)', false]]);
    assert.notEqual(report.results[0].bitsPerNote, report.results[1].bitsPerNote);
    const [quality] = report.quality;
    assert.equal(quality.name, 'with-memory');
    assert.ok(quality.meters.length >= 1, 'at least one of the common meters is in the vocabulary');
    assert.deepEqual(quality.styles, [], 'a model without styles has no per-style report');
    assert.deepEqual(quality.training, [], 'with --split all no song is left for training rows');
    for (const meter of quality.meters) {
      assert.equal(meter.generated.tunes, 2);
      for (const overlap of Object.values(meter.overlap) as number[]) assert.ok(overlap >= 0 && overlap <= 1);
    }
    const table = runCommand(['--model', withMemory, '--data', fixtures, '--split', 'all', '--no-cache', '--generate', '1']).stdout;
    assert.match(table, /Tune quality/);
    assert.match(table, /with-memory\t\d\/\d\ttunes\t1\t/);
  });

  it('on the validation split the report adds, per meter, the training songs set against the split songs', async () => {
    await ready;
    const songs = loadLabelledCorpus({ dataDir: fixtures, filter: 'default', cacheDir: null }).entries.flatMap((entry) => ('melody' in entry ? [entry] : []));
    const meterOf = (melody: Melody): string => `${melody.meters[0]!.meter!.numerator}/${melody.meters[0]!.meter!.denominator}`;
    const { code, stdout, stderr } = runCommand(['--model', eventsDir, '--data', fixtures, '--json', '--no-cache', '--generate', '2']);
    assert.equal(code, 0, stderr);
    const [quality] = JSON.parse(stdout).quality;
    assert.equal(quality.training.length, quality.meters.length);
    for (const [index, meter] of quality.meters.entries()) {
      const training = quality.training[index];
      assert.equal(training.meter, meter.meter);
      // The songs outside the split in the tunes' place; the real side is the same split songs as the tunes'.
      const outside = songs.filter((entry) => !isValidationSong(entry.file, 0.1, 1234) && meterOf(entry.melody) === meter.meter);
      assert.equal(training.generated.tunes, outside.length);
      assert.equal(training.real.tunes, meter.real.tunes);
      for (const overlap of Object.values(training.overlap) as number[]) assert.ok(overlap >= 0 && overlap <= 1);
    }
    const table = runCommand(['--model', eventsDir, '--data', fixtures, '--no-cache', '--generate', '1']).stdout;
    assert.match(table, /\d\/\d\ttraining\t\d+\t/);
  });

  it('a multi-style model: the tune-quality report per style, with the style check and the pentatonic share', async () => {
    // The fixture songs laid out as two styles' folders: tune01-03 German, tune04-05 Han (tune03 is the one on the
    // validation side of the split, so the classifier trains on songs of both styles).
    const styleData = path.join(root, 'style-data');
    const layout: [string, string][] = [
      ['set-a/tune01.krn', 'europa/deutschl/erk/tune01.krn'],
      ['set-a/tune02.krn', 'europa/deutschl/erk/tune02.krn'],
      ['set-a/tune03.krn', 'europa/deutschl/erk/tune03.krn'],
      ['set-b/tune04.krn', 'asia/china/han/tune04.krn'],
      ['set-b/tune05.krn', 'asia/china/han/tune05.krn'],
    ];
    for (const [from, to] of layout) {
      mkdirSync(path.dirname(path.join(styleData, to)), { recursive: true });
      copyFileSync(path.join(fixtures, from), path.join(styleData, to));
    }
    const songs = loadLabelledCorpus({ dataDir: styleData, filter: 'default', cacheDir: null }).entries.flatMap((entry) => ('melody' in entry ? [entry.melody] : []));
    assert.deepEqual(songs.map((song) => song.style), ['chinese-han', 'chinese-han', 'german', 'german', 'german']);
    const styleInfo = (name: string, meter: string): StyleInfo => {
      const own = songs.filter((song) => song.style === name);
      return { name, description: name, sources: [], trainSongs: own.length, validationSongs: 0, usualMeter: meter, usualMode: 'major', shapes: songShapes(own), ending: endingShape(own), validation: { bitsPerNote: null, networkBitsPerNote: null, notes: 0 } };
    };
    const styleModel = path.join(root, 'styles');
    await saveUntrainedModel(styleModel, 'events', songs, [styleInfo('german', '4/4'), styleInfo('chinese-han', '4/4')]);
    const { code, stdout, stderr } = runCommand(['--model', styleModel, '--data', styleData, '--split', 'all', '--json', '--no-cache', '--generate', '3']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.styleCheck.trainSongs, 4);
    const [quality] = report.quality;
    // The per-meter report is of the default style (german, the first) against the german songs alone.
    const germanSongs = songs.filter((song) => song.style === 'german');
    assert.ok(quality.meters.length >= 1);
    for (const meter of quality.meters) {
      assert.equal(meter.generated.tunes, 3);
      assert.equal(meter.real.tunes, germanSongs.filter((song) => `${song.meters[0]!.meter!.numerator}/${song.meters[0]!.meter!.denominator}` === meter.meter).length);
    }
    assert.deepEqual(quality.styles.map((style: { style: string }) => style.style), ['german', 'chinese-han']);
    for (const style of quality.styles) {
      const own = songs.filter((song) => song.style === style.style);
      // Three tunes, shared out over the meters of the style's songs; the real side is those songs.
      assert.equal(style.generated.tunes, 3);
      assert.equal(Object.values(style.meters as Record<string, number>).reduce((a, b) => a + b, 0), 3);
      for (const meter of Object.keys(style.meters)) assert.ok(own.some((song) => `${song.meters[0]!.meter!.numerator}/${song.meters[0]!.meter!.denominator}` === meter), meter);
      assert.equal(style.real.tunes, own.length);
      assert.equal(style.check.real.melodies, own.length);
      assert.equal(style.check.generated.melodies, 3);
      for (const share of [style.check.real.share, style.check.generated.share, style.generated.pentatonicShare, style.real.pentatonicShare]) assert.ok(share >= 0 && share <= 1);
    }
    const table = runCommand(['--model', styleModel, '--data', styleData, '--split', 'all', '--no-cache', '--generate', '1']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Tune quality per style/);
    assert.match(table.stdout, /untrained-styles\tchinese-han\ttunes\t1\t/);
    assert.match(table.stdout, /untrained-styles\tgerman\treal\t3\t/);
  });

  it('--temperature composes the tunes of the report at that temperature, and says so', async () => {
    await ready;
    const args = ['--model', eventsDir, '--data', fixtures, '--split', 'all', '--no-cache', '--generate', '3'];
    const [plain, cooler] = [runCommand([...args, '--json']), runCommand([...args, '--json', '--temperature', '0.3'])];
    assert.equal(cooler.code, 0, cooler.stderr);
    const [before, after] = [JSON.parse(plain.stdout), JSON.parse(cooler.stdout)];
    assert.equal(after.temperature, 0.3);
    assert.equal(before.temperature, undefined, 'no temperature field at the default');
    // The same songs scored, other tunes composed.
    assert.deepEqual(after.results, before.results);
    assert.notDeepEqual(after.quality[0].meters.map((m: { generated: unknown }) => m.generated), before.quality[0].meters.map((m: { generated: unknown }) => m.generated));
    const table = runCommand([...args, '--temperature', '1.5']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Tunes composed at temperature 1\.5 \(compose's default: 1\)/);
  });

  it('refuses bad usage with a UsageError', async () => {
    await assert.rejects(command.run(['--data', fixtures]), UsageError);
    await assert.rejects(command.run(['--model', eventsDir]), UsageError);
    await assert.rejects(command.run(['--model', eventsDir, '--data', fixtures, '--split', 'test']), /--split must be validation or all/);
    await assert.rejects(command.run(['--model', eventsDir, '--data', fixtures, '--bogus']), UsageError);
    await assert.rejects(command.run(['--model', eventsDir, '--data', fixtures, '--temperature', '0.8']), /--temperature is for the tunes of --generate N/);
    for (const bad of ['0', '2.5', 'warm', ' ']) {
      await assert.rejects(command.run(['--model', eventsDir, '--data', fixtures, '--generate', '1', '--temperature', bad]), /--temperature must be a number from 0.1 to 2/, bad);
    }
  });

  it('cleans up', () => rmSync(root, { recursive: true, force: true }));
});
