// The compose pool's shared engraver on the real pipeline: every worker engraves through it, and when it dies the
// pool starts another and reconnects the workers. Skipped while models/default has no trained model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { ComposePool } from '../../src/bot/compose-pool.js';
import { DEFAULT_COMPOSE_MODULE } from '../../src/bot/run-bot.js';
import type { ScoreRenderer } from '../../src/render/score.js';
import { resolveComposeOptions } from '../../src/compose/compose-options.js';

const modelDir = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), 'models/default');
const skip = existsSync(path.join(modelDir, 'folkbot-model.json')) ? false : `no trained model in ${modelDir} yet`;

let pool: ComposePool | undefined;
before(async () => {
  if (skip === false) {
    pool = await ComposePool.start({ serviceModule: DEFAULT_COMPOSE_MODULE, modelDir, size: 2, queueLimit: 10, sharedEngraver: true, settings: { audio: 'opus' } });
  }
});
after(async () => {
  await pool?.close(5_000);
});

/** The pool's engraver (private): the test breaks it on purpose. */
function engraverOf(p: ComposePool): ScoreRenderer {
  return (p as unknown as { engraver: ScoreRenderer }).engraver;
}

test('both workers engrave through the one shared engraver', { skip }, async () => {
  assert.match(pool!.engraverInfo()?.verovioVersion ?? '', /^\d+\.\d+/);
  const results = await Promise.all([1, 2, 3, 4].map((randomSeed) => pool!.compose(resolveComposeOptions({ bars: 8, randomSeed }))));
  for (const result of results) {
    assert.ok(decode(result.files.png).width >= 1000);
    assert.equal(result.files.audioFormat, 'ogg');
  }
  // Each worker held two of the four at once (the pipeline): each got its own tune's files, the same as alone.
  results.forEach((result, index) => assert.equal(result.options.randomSeed, index + 1));
  const alone = await pool!.compose(resolveComposeOptions({ bars: 8, randomSeed: 3 }));
  assert.equal(alone.files.kern, results[2]!.files.kern);
  assert.deepEqual(alone.files.png, results[2]!.files.png);
  assert.deepEqual(alone.files.audio, results[2]!.files.audio);
});

test('a dead engraver is replaced and the workers reconnected', { skip }, async () => {
  const first = engraverOf(pool!);
  await first.dispose();
  // Renders fail with an engine error until the new engraver is up (about half a second), then work again.
  const deadline = Date.now() + 30_000;
  let composed = false;
  while (!composed && Date.now() < deadline) {
    try {
      const result = await pool!.compose(resolveComposeOptions({ bars: 8, randomSeed: 9 }));
      composed = decode(result.files.png).width > 0;
    } catch (error) {
      assert.match(String(error), /verovio|engraver|went away|disposed/);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.ok(composed, 'composing works again after the engraver was replaced');
  assert.notEqual(engraverOf(pool!), first);
  assert.equal(engraverOf(pool!).broken, false);
});
