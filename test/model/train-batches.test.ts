import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../../src/model/generation/random.js';
import { FULL_BATCH_SHARE, layoutStreams, stepRateScale } from '../../src/model/training/train-batches.js';

/** Songs of very different lengths, so that the epoch's last batches hold only the longest one's tail. */
function songs(): Int32Array[] {
  const random = createRandom(4);
  const list = Array.from({ length: 30 }, () => Int32Array.from({ length: 20 + random.int(30) }, () => 1 + random.int(9)));
  list.push(Int32Array.from({ length: 400 }, (_, i) => 1 + (i % 9)));
  return list;
}

test('stepRateScale: full batches take the whole learning rate, an epoch\'s nearly empty tail a share of it', () => {
  const layout = layoutStreams(songs(), 4, 16, createRandom(1));
  const scales = layout.batches.map((batch) => stepRateScale(batch));
  const targets = layout.batches.map((batch) => batch.weights.reduce((a, w) => a + w, 0));
  const capacity = 4 * 16;
  layout.batches.forEach((_, b) => {
    const expected = Math.min(1, (targets[b] as number) / (FULL_BATCH_SHARE * capacity));
    assert.ok(Math.abs((scales[b] as number) - expected) < 1e-12, `batch ${b}: ${scales[b]} against ${expected}`);
  });
  // The first batches are full; the long song's tail leaves the last ones with one stream of four.
  assert.equal(scales[0], 1);
  const last = scales.at(-1) as number;
  assert.ok(last > 0 && last <= 0.3, `the last batch holds one stream's tail: scale ${last}`);
  assert.ok(scales.filter((s) => s === 1).length > scales.length / 2, 'most batches are full');
});
