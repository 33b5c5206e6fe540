// `folkbot compose --style` on a model with styles (a tiny one built from hand-written songs, see
// test/fixtures/style-model.ts): the help lists the styles, the summary and --json say which defaults the style gave,
// and a style the model does not have is refused by name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { saveStyleModel } from '../fixtures/style-model.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/folkbot.js');

async function folkbot(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'warn' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The rule of the (pentatonic) chinese-han style that a tune without an accompaniment asked follows. */
const NO_CHORDS = "no chords unless asked: 94% of the style's notes are pentatonic, and I-IV-V harmony does not fit them";

interface StyledResult {
  readonly meter: { numerator: number; denominator: number };
  readonly notes: readonly { pitch: number | null; duration: number }[];
  readonly options: { style?: string };
  readonly style: { name: string; description: string; meterFromStyle: boolean; modeFromStyle: boolean; minorShare: number | null; rules: string[] } | null;
}

describe('folkbot compose --style', () => {
  let root: string;
  let model: string;
  let plainModel: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'folkbot-compose-style-'));
    model = path.join(root, 'model');
    await saveStyleModel(model);
    plainModel = path.join(root, 'plain-model');
    await saveStyleModel(plainModel, 'tiny-plain', false);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const compose = async (args: readonly string[], out: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    folkbot(['compose', '--model', model, '--bars', '8', '--out', path.join(root, out), ...args]);

  it("lists the model's styles in --help with their songs, usual meter and description", async () => {
    const { code, stdout } = await folkbot(['compose', '--help', '--model', model]);
    assert.equal(code, 0);
    assert.match(stdout, /--style NAME {10}the style to compose in \(default children\); the styles of .*model:\n/);
    assert.match(stdout, /^ {26}children {5}3 songs, usually 3\/4: German children's songs \(Kinderlieder\)$/m);
    assert.match(stdout, /^ {26}chinese-han {2}3 songs, usually 2\/4: Han Chinese folk songs, largely pentatonic$/m);
    assert.match(stdout.split('\n').find((line) => line.trimStart().startsWith('--meter')) ?? '', /^ {2}--meter M {13}2\/4, 3\/4, 4\/4 \(the meters of .*\) \(default: the style's usual meter\)$/);
    // A model without styles says so, and keeps 4/4 as the meter's default.
    const plain = await folkbot(['compose', '--help', '--model', plainModel]);
    assert.match(plain.stdout, /--style NAME {10}the style to compose in, for a model with styles \(.*plain-model has none\)/);
    assert.match(plain.stdout, /--meter M .*\(default 4\/4\)/);
  });

  it("takes the style's usual meter and draws the mode from its songs, and says so and the style's rules in the summary and --json", async () => {
    const summary = await compose(['--style', 'chinese-han', '--random-seed', '5'], 'han');
    assert.equal(summary.code, 0, summary.stderr);
    const line = summary.stdout.split('\n')[1];
    assert.match(summary.stdout, /^Composed "Folk tune no\. 5": [A-G][#b]? (major|minor), 2\/4, 8 bars, \d+ notes\n/);
    assert.equal(line, `  style chinese-han: 2/4, the style's usual meter; mode drawn from its songs in 2/4 (0% minor); ${NO_CHORDS}`);
    assert.match(summary.stdout, /accompaniment none/);
    const json = await compose(['--style', 'chinese-han', '--random-seed', '5', '--json'], 'han-json');
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as StyledResult;
    assert.deepEqual(result.meter, { numerator: 2, denominator: 4 });
    assert.equal(result.options.style, 'chinese-han');
    assert.deepEqual(result.style, {
      name: 'chinese-han',
      description: 'Han Chinese folk songs, largely pentatonic',
      meterFromStyle: true,
      modeFromStyle: true,
      minorShare: 0,
      rules: [NO_CHORDS],
    });
  });

  it("composes in the model's first style by default, and takes nothing from the style that the request gives", async () => {
    const byDefault = await compose(['--random-seed', '2'], 'default');
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.match(byDefault.stdout, /, 3\/4, 8 bars, .*\n {2}style children \(the default\): 3\/4, the style's usual meter; mode drawn from its songs in 3\/4 \(0% minor\)\n/);
    const given = await compose(['--style', 'chinese-han', '--meter', '3/4', '--mode', 'minor', '--random-seed', '2', '--json'], 'given');
    assert.equal(given.code, 0, given.stderr);
    const result = JSON.parse(given.stdout) as StyledResult;
    assert.deepEqual(result.meter, { numerator: 3, denominator: 4 });
    assert.equal(result.style?.meterFromStyle, false);
    assert.equal(result.style?.modeFromStyle, false);
    const words = await compose(['--style', 'chinese-han', '--meter', '3/4', '--seed', '4c 4d 4e', '--accompaniment', 'chords', '--random-seed', '2'], 'seeded');
    assert.match(words.stdout, /\n {2}style chinese-han: the seed's key was found from its pentatonic scale\n/);
    const children = await compose(['--style', 'children', '--meter', '2/4', '--seed', '4c 4d 4e', '--random-seed', '2'], 'seeded-children');
    assert.match(children.stdout, /\n {2}style children\n/);
  });

  it('composes a different tune in another style from the same options and random seed', async () => {
    const tunes = await Promise.all(
      ['children', 'chinese-han'].map(async (style) => {
        const { code, stdout, stderr } = await compose(['--style', style, '--meter', '2/4', '--random-seed', '7', '--json'], `same-${style}`);
        assert.equal(code, 0, stderr);
        return (JSON.parse(stdout) as StyledResult).notes;
      }),
    );
    assert.notDeepEqual(tunes[0], tunes[1]);
  });

  it("refuses a style the model does not have, naming the model's styles, and any style on a model without styles", async () => {
    const unknown = await compose(['--style', 'klezmer'], 'unknown');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^folkbot compose: "klezmer" is not one of this model's styles: children, chinese-han\n$/);
    const plain = await folkbot(['compose', '--model', plainModel, '--style', 'german', '--bars', '4', '--out', path.join(root, 'plain')]);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /this model has no styles: it composes in one manner only \(got "german"\)/);
  });
});
