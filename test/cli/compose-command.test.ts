// `folkbot compose` as a user runs it: files written, --json, and clear errors with a non-zero exit code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/folkbot.js');

async function folkbot(args: readonly string[], cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('folkbot compose', () => {
  it('writes MIDI, kern, ABC, MusicXML, PNG and MP3 and prints one JSON object with --json', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'folkbot-compose-'));
    try {
      const { code, stdout } = await folkbot(['compose', '--seed', '4g 8a 8g 4e 4c', '--bars', '8', '--meter', '3/4', '--key', 'F', '--random-seed', '9', '--out', out, '--json']);
      assert.equal(code, 0);
      const result = JSON.parse(stdout) as Record<string, unknown> & { files: Record<string, string>; options: { randomSeed: number }; key: { name: string }; timings: Record<string, number> };
      assert.equal(result.options.randomSeed, 9);
      assert.equal(result.key.name, 'F major');
      assert.deepEqual(result.meter, { numerator: 3, denominator: 4 });
      assert.equal(result.bars, 8);
      assert.ok(Array.isArray(result.notes));
      assert.ok(typeof result.timings.generate === 'number' && typeof result.timings.total === 'number');
      assert.deepEqual((await readdir(out)).sort(), ['tune.abc', 'tune.krn', 'tune.mid', 'tune.mp3', 'tune.musicxml', 'tune.png']);
      assert.equal(result.files.midi, path.join(out, 'tune.mid'));
      assert.match(await readFile(path.join(out, 'tune.abc'), 'utf8'), /^X:1\nT:Folk tune no\. 9\nM:3\/4\n[^]*^K:Fmaj$/m);
      assert.match(await readFile(path.join(out, 'tune.musicxml'), 'utf8'), /<score-partwise version="4\.0">[^]*<fifths>-1<\/fifths><mode>major<\/mode>/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('writes the audio as Ogg Opus with --audio opus, and refuses another codec', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'folkbot-compose-'));
    try {
      const { code } = await folkbot(['compose', '--audio', 'opus', '--bars', '4', '--random-seed', '3', '--out', out]);
      assert.equal(code, 0);
      assert.deepEqual((await readdir(out)).sort(), ['tune.abc', 'tune.krn', 'tune.mid', 'tune.musicxml', 'tune.ogg', 'tune.png']);
      const ogg = (await readFile(path.join(out, 'tune.ogg'))).subarray(0, 64).toString('latin1');
      assert.ok(ogg.startsWith('OggS') && ogg.includes('OpusHead'));
    } finally {
      await rm(out, { recursive: true, force: true });
    }
    const flac = await folkbot(['compose', '--audio', 'flac']);
    assert.equal(flac.code, 2);
    assert.match(flac.stderr, /--audio must be mp3 or opus, got "flac"/);
  });

  it('composes with no options at all into a new folder and prints the random seed', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'folkbot-compose-cwd-'));
    try {
      const { code, stdout } = await run(process.execPath, [bin, 'compose', '--model', path.join(repoRoot, 'models/default')], { cwd, env: { ...process.env, LOG_LEVEL: 'warn' } }).then((r) => ({ code: 0, ...r }));
      assert.equal(code, 0);
      const seed = /random seed (\d+)/.exec(stdout)?.[1];
      assert.ok(seed, stdout);
      assert.deepEqual(await readdir(cwd), [`folkbot-tune-${seed}`]);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('points at the bad seed token, shows an example and exits 2 without a stack trace', async () => {
    const { code, stderr } = await folkbot(['compose', '--seed', '4c 8x 4e']);
    assert.equal(code, 2);
    assert.match(stderr, /bad --seed \(token 2 "8x", column 4\)/);
    assert.match(stderr, /4c 8\.d 16e-/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  it('has every option of --help in the README synopsis, and its default folder git-ignored', async () => {
    const { stdout } = await folkbot(['compose', '--help']);
    const options = [...new Set([...stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!))];
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const synopsis = /```\nfolkbot compose ([^`]*)```/.exec(readme)?.[1] ?? '';
    assert.ok(options.length >= 15, stdout);
    assert.deepEqual(options.filter((option) => !synopsis.includes(`[${option}`)), [], 'options missing from the README synopsis');
    const ignored = await run('git', ['check-ignore', 'folkbot-tune-42/tune.mid', 'folkbot-tune-42-2/tune.png'], { cwd: repoRoot }).then(({ stdout }) => stdout.trim().split('\n').length === 2, () => false);
    assert.ok(ignored, 'folkbot-tune-*/ is git-ignored');
  });

  it('offers in --help only the meters of the model', async () => {
    const { code, stdout } = await folkbot(['compose', '--help']);
    assert.equal(code, 0);
    const line = stdout.split('\n').find((l) => l.trimStart().startsWith('--meter'));
    assert.match(line ?? '', /2\/4, 3\/4, 4\/4, .*6\/8/);
    assert.doesNotMatch(line ?? '', /12\/8/);
  });

  it('answers negative numbers and option typos in its own words', async () => {
    const negative = await folkbot(['compose', '--temperature', '-1']);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /temperature must be a number from 0\.1 to 2 \(got -1\)/);
    const typo = await folkbot(['compose', '--bar', '8']);
    assert.match(typo.stderr, /unknown option --bar; did you mean --bars\?/);
  });

  it('names a bad option and a missing model folder', async () => {
    const bars = await folkbot(['compose', '--bars', 'many']);
    assert.equal(bars.code, 2);
    assert.match(bars.stderr, /--bars must be a number, got "many"/);
    const meter = await folkbot(['compose', '--meter', '7/16']);
    assert.equal(meter.code, 2);
    assert.match(meter.stderr, /meter "7\/16" is not supported; use one of 2\/4, 3\/4/);
    const twelveEight = await folkbot(['compose', '--meter', '12/8']);
    assert.equal(twelveEight.code, 2);
    assert.match(twelveEight.stderr, /meter "12\/8" is not one the model "default" was trained on; use one of 2\/4, 3\/4, 4\/4/);
    assert.doesNotMatch(twelveEight.stderr, /seed/);
    const model = await folkbot(['compose', '--model', '/nonexistent/model']);
    assert.equal(model.code, 1);
    assert.match(model.stderr, /\/nonexistent\/model/);
    assert.doesNotMatch(model.stderr, /ModelFolderError|Error:/, 'the message, not the class');
    assert.doesNotMatch(model.stderr, /\n\s+at /);
  });
  it('takes the seed from an ABC file, a MIDI file or an ABC line, keeps the meter and key, and says what was taken', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'folkbot-seed-file-'));
    try {
      const abcFile = path.join(dir, 'kesh.abc');
      await writeFile(abcFile, 'X:1\nT:The Kesh\nM:6/8\nL:1/8\nK:G\n|:G3 GAB|A3 ABd|edd gdd|edB dBA|\nGAG GAB|ABA ABd|edd gdB|AGF G3:|\n');
      const fromAbc = await folkbot(['compose', '--seed-file', abcFile, '--bars', '8', '--random-seed', '4', '--out', path.join(dir, 'a'), '--json']);
      assert.equal(fromAbc.code, 0, fromAbc.stderr);
      const result = JSON.parse(fromAbc.stdout) as { seedFrom: string; options: { seed: string }; meter: unknown; key: { name: string } };
      assert.equal(result.seedFrom, 'the first 4 bars of kesh.abc');
      assert.equal(result.options.seed, '4.g 8g 8a 8b | 4.a 8a 8b 8dd | 8ee 8dd 8dd 8gg 8dd 8dd | 8ee 8dd 8b 8dd 8b 8a');
      assert.deepEqual(result.meter, { numerator: 6, denominator: 8 });
      assert.equal(result.key.name, 'G major');
      const fromMidi = await folkbot(['compose', '--seed-file', path.join(dir, 'a', 'tune.mid'), '--bars', '8', '--random-seed', '5', '--out', path.join(dir, 'm')]);
      assert.equal(fromMidi.code, 0, fromMidi.stderr);
      // The melody is track 1; the accompaniment's track is left, and the reply says so.
      assert.match(fromMidi.stdout, /^Seed: the first 4 bars of track 1, 'Folk tune no\. 4' of tune\.mid \(the file has 2 tracks with notes: track 1, 'Folk tune no\. 4' was taken\)\n {2}4\.g 8g 8a 8b \|/);
      const fromLine = await folkbot(['compose', '--seed-abc', 'G2AB c2BA|', '--key', 'G', '--bars', '4', '--random-seed', '6', '--out', path.join(dir, 'l')]);
      assert.equal(fromLine.code, 0, fromLine.stderr);
      assert.match(fromLine.stdout, /^Seed: the first bar of the ABC seed\n {2}4g 8a 8b 4cc 8b 8a\n/);
      await writeFile(path.join(dir, 'empty.mid'), '');
      for (const [args, message] of [
        [['--seed-file', path.join(dir, 'empty.mid')], /^folkbot compose: --seed-file: empty\.mid is empty\n$/],
        [['--seed-file', abcFile.replace('.abc', '.pdf')], /--seed-file: kesh\.pdf is not a file type folkbot reads as a seed/],
        [['--seed-file', path.join(dir, 'missing.krn')], /--seed-file: .*missing\.krn cannot be read: no such file/],
        [['--seed', '4c', '--seed-abc', 'C'], /give one seed: --seed and --seed-abc were both given/],
      ] as const) {
        const failed = await folkbot(['compose', ...args]);
        assert.equal(failed.code, 2);
        assert.match(failed.stderr, message);
        assert.doesNotMatch(failed.stderr, /\bat .*\.(ts|js):\d+/);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
