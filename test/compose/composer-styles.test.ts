// The Composer on a model with styles (the tiny one of test/fixtures/style-model.ts): it composes in the meters of
// the model's vocabulary, lists the styles in the order of their definitions whatever the folder's order, and says
// a style's usual meter was taken only when it was.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Composer, modelChoices } from '../../src/compose/composer.js';
import { loadModelFolder, saveModelFolder } from '../../src/model/folder/model-folder.js';
import { saveStyleModel } from '../fixtures/style-model.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'folkbot-composer-styles-'));
  await saveStyleModel(path.join(root, 'model'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test("a model with styles composes in its vocabulary's meters, in each style", async () => {
  const choices = await modelChoices(path.join(root, 'model'));
  assert.deepEqual(choices.meters, ['2/4', '3/4', '4/4']);
  assert.deepEqual(choices.styles.map((style) => style.name), ['children', 'chinese-han']);
  const composer = await Composer.open(path.join(root, 'model'), { render: false });
  try {
    const han = composer.composeMelody({ style: 'chinese-han', bars: 4, randomSeed: 1 });
    assert.deepEqual(han.options.meter, { numerator: 2, denominator: 4 });
    assert.equal(han.style?.meterFromStyle, true);
  } finally {
    composer.dispose();
  }
});

test('styles come in the order of their definitions, and a usual meter the model cannot compose in is not claimed', async () => {
  const { weights, metadata } = await loadModelFolder(path.join(root, 'model'));
  const styles = [...(metadata.styles ?? [])].reverse().map((style) => (style.name === 'chinese-han' ? { ...style, usualMeter: '6/8' } : style));
  assert.deepEqual(styles.map((style) => style.name), ['chinese-han', 'children']);
  await saveModelFolder(path.join(root, 'reordered'), weights, { ...metadata, styles });
  const composer = await Composer.open(path.join(root, 'reordered'), { render: false });
  try {
    // children is defined before chinese-han (src/model/data/styles.ts): it is the default.
    assert.deepEqual(composer.styles.map((style) => style.name), ['children', 'chinese-han']);
    assert.equal(composer.composeMelody({ bars: 4, randomSeed: 1 }).options.style, 'children');
    const han = composer.composeMelody({ style: 'chinese-han', bars: 4, randomSeed: 1 });
    assert.deepEqual(han.options.meter, { numerator: 4, denominator: 4 });
    assert.equal(han.style?.meterFromStyle, false);
  } finally {
    composer.dispose();
  }
});

test('a folder calibrated before the styles had ending figures composes in every style, with a warning', async () => {
  const { weights, metadata } = await loadModelFolder(path.join(root, 'model'));
  const styles = (metadata.styles ?? []).map(({ ending: _ending, ...rest }) => rest);
  await saveModelFolder(path.join(root, 'older'), weights, { ...metadata, styles } as unknown as typeof metadata);
  const composer = await Composer.open(path.join(root, 'older'), { render: false });
  try {
    assert.match(composer.info.warnings.join('\n'), /styles children, chinese-han have no ending figures .*run `folkbot calibrate`/);
    for (const style of ['children', 'chinese-han']) {
      const tune = composer.composeMelody({ style, bars: 4, randomSeed: 2 });
      // Neutral figures: none of the pentatonic styles' own rules.
      assert.deepEqual(tune.style?.rules, []);
    }
  } finally {
    composer.dispose();
  }
});

test("a seed said to be in the asked key stays where it is (the bot's Continue and Variation), else it moves to the key", async () => {
  const composer = await Composer.open(path.join(root, 'model'), { render: false });
  try {
    const firstThree = (seedInKey: boolean): number[] =>
      composer
        .composeMelody({ style: 'children', meter: { numerator: 3, denominator: 4 }, seed: '4f 4a 4cc', key: 'C', mode: 'major', bars: 4, randomSeed: 3, ...(seedInKey ? { seedInKey } : {}) })
        .melody.events.flatMap((event) => (event.kind === 'note' ? [event.pitch % 12] : []))
        .slice(0, 3);
    // F-A-C is heard in F: with --key C it moves to C-E-G; a tune's own notes in C (an F chord in C) stay.
    assert.deepEqual(firstThree(false), [0, 4, 7]);
    assert.deepEqual(firstThree(true), [5, 9, 0]);
  } finally {
    composer.dispose();
  }
});

test('a style model not calibrated yet (a run\'s best epoch so far) composes in its styles, with a warning', async () => {
  const { weights, metadata } = await loadModelFolder(path.join(root, 'model'));
  const { styles: _styles, ...uncalibrated } = metadata;
  await saveModelFolder(path.join(root, 'uncalibrated'), weights, uncalibrated);
  const composer = await Composer.open(path.join(root, 'uncalibrated'), { render: false });
  try {
    assert.deepEqual(composer.styles.map((style) => [style.name, style.description]), [
      ['children', "German children's songs (Kinderlieder)"],
      ['chinese-han', 'Han Chinese folk songs, largely pentatonic'],
    ]);
    assert.match(composer.info.warnings.join('\n'), /styles \(children, chinese-han\) are not calibrated/);
    const tune = composer.composeMelody({ style: 'chinese-han', bars: 4, randomSeed: 2 });
    // No usual meter is known: 4/4, and the reply does not claim the style gave it.
    assert.deepEqual(tune.options.meter, { numerator: 4, denominator: 4 });
    assert.equal(tune.style?.meterFromStyle, false);
    assert.equal(composer.composeMelody({ bars: 4, randomSeed: 2 }).options.style, 'children');
  } finally {
    composer.dispose();
  }
});
