// A tune that copies four bars or more of a training song is drawn again. The test makes the copy certain: the
// model's originality index holds the very tune the request gives at first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Composer } from '../../src/compose/composer.js';
import { buildOriginalityIndex } from '../../src/music/originality.js';
import { saveOriginalityIndex } from '../../src/model/folder/originality-file.js';

const modelDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/default');

test('a tune that would copy a training song for four bars or more is drawn again, deterministically', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'folkbot-redraw-'));
  try {
    for (const file of ['model.json', 'weights.bin', 'folkbot-model.json', 'long-term.bin']) await copyFile(path.join(modelDir, file), path.join(dir, file));
    const request = { bars: 8, randomSeed: 5, meter: { numerator: 3, denominator: 4 } };
    const plain = await Composer.open(dir, { render: false });
    const first = plain.composeMelody(request);
    plain.dispose();
    assert.equal(first.originality.checked, false);

    await saveOriginalityIndex(dir, buildOriginalityIndex([{ melody: { ...first.melody, title: 'The first draw' }, file: 'test/first.krn' }]));
    const checked = await Composer.open(dir, { render: false });
    try {
      const tune = checked.composeMelody(request);
      assert.ok((tune.originality.redraws ?? 0) >= 1, 'drawn again');
      assert.notDeepEqual(tune.melody.events, first.melody.events);
      assert.ok((tune.originality.passage?.bars ?? 0) < 4, `still copies: ${JSON.stringify(tune.originality.passage)}`);
      assert.equal(tune.originality.note, null);
      assert.deepEqual(checked.composeMelody(request).melody.events, tune.melody.events, 'the same request gives the same tune');
      // A request whose first draw copies nothing is left as it is.
      const other = checked.composeMelody({ ...request, randomSeed: 6 });
      assert.equal(other.originality.redraws, undefined);
    } finally {
      checked.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
