// The bot on the real compose pipeline (src/bot/model-compose-service.ts in the worker pool) with the shipped
// model: /compose, a bad seed and /about end to end. Skipped while models/default has no trained model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import { DEFAULT_COMPOSE_MODULE } from '../../src/bot/run-bot.js';

const modelDir = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), 'models/default');
const skip = existsSync(path.join(modelDir, 'folkbot-model.json')) ? false : `no trained model in ${modelDir} yet`;

let h: Harness | undefined;
before(async () => {
  if (skip === false) h = await startHarness({ serviceModule: DEFAULT_COMPOSE_MODULE, modelDir, workers: 1 });
});
after(async () => {
  await h?.stop();
});

test('/compose on the real pipeline returns decodable files', { skip }, async () => {
  const { message, ephemeral } = await h!.fake.sendCommand('compose', { seed: '4c 8d 8e 4f 4g', bars: 8, meter: '4/4', random_seed: 1 }).finalReply(60_000);
  assert.equal(ephemeral, false, message.content);
  assertTuneMessage(message);
  assert.ok(message.files.some((f) => f.filename === 'tune.ogg'), 'the audio is Ogg Opus, the bot\'s default');
  const more = await h!.fake.clickButton(message, h!.fake.buttons(message).get('Continue')!, { id: '600000000000000001', username: 'x' }).finalReply(60_000);
  assertTuneMessage(more.message);
  assert.match(more.message.content, /16 bars/);
});

test('a bad seed on the real pipeline gets the parser error privately', { skip }, async () => {
  const { message, ephemeral } = await h!.fake.sendCommand('compose', { seed: '4c 8d 7q' }, { id: '600000000000000002', username: 'y' }).finalReply(60_000);
  assert.equal(ephemeral, true);
  assert.match(message.content, /7q/);
});

test('a seed of rests filling the tune gets a clear private error, not the generic one', { skip }, async () => {
  const { message, ephemeral } = await h!.fake.sendCommand('compose', { seed: '1r 1r 1r 1r', bars: 4 }, { id: '600000000000000003', username: 'z' }).finalReply(60_000);
  assert.equal(ephemeral, true, message.content);
  assert.match(message.content, /the last bar is left for the ending/);
  assert.doesNotMatch(message.content, /something went wrong|RenderError/);
});

test('/about shows the real model', { skip }, async () => {
  const { message } = await h!.fake.sendCommand('about').finalReply();
  assert.match(JSON.stringify(message.embeds), /Essen|songs/);
});
