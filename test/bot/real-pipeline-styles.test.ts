// The bot on the real compose pipeline with a model that has styles (the tiny one of test/fixtures/style-model.ts):
// the style option registered from the model folder, the composer's defaults said in the reply, and a Continue
// that keeps the style and the meter the style gave.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import { DEFAULT_COMPOSE_MODULE } from '../../src/bot/run-bot.js';
import { saveStyleModel } from '../fixtures/style-model.js';

let h: Harness;
let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'folkbot-bot-styles-'));
  await saveStyleModel(path.join(root, 'model'));
  h = await startHarness({ serviceModule: DEFAULT_COMPOSE_MODULE, modelDir: path.join(root, 'model'), workers: 1 });
});
after(async () => {
  await h?.stop();
  await rm(root, { recursive: true, force: true });
});

test("/compose in a style on the real pipeline says the style's defaults, and Continue keeps them", async () => {
  const compose = (h.fake.commands.get(`guild:${h.fake.guildId}`) ?? []).find((c) => c.name === 'compose');
  const style = (compose?.options as { name: string; choices?: { value: string }[] }[]).find((o) => o.name === 'style');
  assert.deepEqual(style?.choices?.map((c) => c.value), ['children', 'chinese-han']);
  const { message, ephemeral } = await h.fake.sendCommand('compose', { style: 'chinese-han', bars: 8, random_seed: 3 }).finalReply(60_000);
  assert.equal(ephemeral, false, message.content);
  assertTuneMessage(message);
  // The style is pentatonic (94% of its notes): no chords unless asked, and the reply says so.
  assert.match(message.content, /, 2\/4, 8 bars, .*\nStyle chinese-han: 2\/4, the style's usual meter; mode drawn from its songs in 2\/4 \(0% minor\); no chords unless asked: 94% of the style's notes are pentatonic, and I-IV-V harmony does not fit them\./);
  assert.doesNotMatch(message.content, /^X:1[^]*^"[A-G]/m, 'no chord symbols in the ABC');
  const more = await h.fake.clickButton(message, h.fake.buttons(message).get('Continue')!, { id: '610000000000000001', username: 'x' }).finalReply(60_000);
  assertTuneMessage(more.message);
  assert.match(more.message.content, /, 2\/4, 16 bars, .*\(continued\)\nStyle chinese-han: 2\/4, the style's usual meter; no chords unless asked/);
  const chords = await h.fake.sendCommand('compose', { style: 'chinese-han', accompaniment: 'chords', bars: 8, random_seed: 3 }, { id: '610000000000000003', username: 'z' }).finalReply(60_000);
  assert.match(chords.message.content, /\nStyle chinese-han: 2\/4, the style's usual meter; mode drawn from its songs in 2\/4 \(0% minor\)\./);
  const again = await h.fake.clickButton(chords.message, h.fake.buttons(chords.message).get('Continue')!, { id: '610000000000000004', username: 'w' }).finalReply(60_000);
  assert.match(again.message.content, /\(continued\)\nStyle chinese-han: 2\/4, the style's usual meter\./, 'the asked accompaniment is kept too');
  const about = await h.fake.sendCommand('about').finalReply();
  assert.match(JSON.stringify(about.message.embeds), /\*\*chinese-han\*\* \(3 songs, usually 2\/4\)/);
});

test('a forged style on the real pipeline is refused privately, naming the styles', async () => {
  const { message, ephemeral } = await h.fake.sendForgedCommand('compose', [{ name: 'style', type: 3, value: 'german' }], { id: '610000000000000002', username: 'y' }).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /style "german" is not offered; choose one of children, chinese-han/);
});
