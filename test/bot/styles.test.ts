// Styles on the bot, end to end (the real discord.js client, the fake Discord, the worker pool running the fake
// compose service on a model with two styles): the style option registered from the model, the reply saying the
// style and what it decided, buttons that keep it, a forged style refused, and /about and /help listing the styles.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import type { FakeMessage, FakeUser } from '../fake-discord/fake-discord.js';

const STYLES = [
  { name: 'children', description: "German children's songs (Kinderlieder)", songs: 187, usualMeter: '3/4' },
  { name: 'chinese-han', description: 'Han Chinese folk songs, largely pentatonic', songs: 1_204, usualMeter: '2/4' },
];

let h: Harness;
let userCounter = 0;
function user(): FakeUser {
  userCounter += 1;
  return { id: String(900000000000000000n + BigInt(userCounter)), username: `stylist${userCounter}` };
}

before(async () => {
  h = await startHarness({ cooldownSeconds: 0, fakeModel: { styles: STYLES } });
});
after(async () => {
  await h?.stop();
});

async function compose(options: Record<string, string | number>): Promise<FakeMessage> {
  const { message, ephemeral } = await h.fake.sendCommand('compose', options, user()).finalReply();
  assert.equal(ephemeral, false, message.content);
  assertTuneMessage(message);
  return message;
}

const field = (message: FakeMessage, name: string): string | undefined =>
  (message.embeds as { fields?: { name: string; value: string }[] }[])[0]?.fields?.find((f) => f.name === name)?.value;

test("/compose is registered with a style option whose choices are the model's styles", () => {
  const compose = (h.fake.commands.get(`guild:${h.fake.guildId}`) ?? []).find((c) => c.name === 'compose');
  const options = (compose?.options ?? []) as { name: string; description: string; choices?: { name: string; value: string }[] }[];
  const style = options.find((o) => o.name === 'style');
  assert.deepEqual(style?.choices?.map((c) => [c.value, c.name]), [
    ['children', "children: German children's songs (Kinderlieder)"],
    ['chinese-han', 'chinese-han: Han Chinese folk songs, largely pentatonic'],
  ]);
  assert.match(options.find((o) => o.name === 'meter')?.description ?? '', /the style's usual meter/);
});

test('the reply names the style and the defaults taken from it', async () => {
  const han = await compose({ style: 'chinese-han', bars: 8, random_seed: 4 });
  assert.match(han.content, /, 2\/4, 8 bars, .*\nStyle chinese-han: 2\/4, the style's usual meter; mode drawn from its songs in 2\/4 \(25% minor\)\./);
  assert.equal(field(han, 'Meter'), '2/4');
  assert.equal(field(han, 'Style'), 'chinese-han: Han Chinese folk songs, largely pentatonic');
  const byDefault = await compose({ bars: 8 });
  assert.match(byDefault.content, /, 3\/4, 8 bars, .*\nStyle children \(the default\): 3\/4, the style's usual meter; mode drawn/);
  // What the request gives, the style does not decide.
  const given = await compose({ style: 'chinese-han', meter: '6/8', mode: 'minor', bars: 8 });
  assert.match(given.content, /, 6\/8, 8 bars, .*\nStyle chinese-han\.\n/);
});

test('Variation, Continue and Another take keep the style and its meter', async () => {
  const first = await compose({ style: 'chinese-han', bars: 8, random_seed: 12 });
  const variation = await h.fake.clickButton(first, h.fake.buttons(first).get('Variation')!, user()).finalReply();
  assertTuneMessage(variation.message);
  assert.match(variation.message.content, /, 2\/4, 8 bars, .*\(varied\)\nStyle chinese-han: 2\/4, the style's usual meter\./);
  const more = await h.fake.clickButton(variation.message, h.fake.buttons(variation.message).get('Continue')!, user()).finalReply();
  assert.match(more.message.content, /, 2\/4, 16 bars, .*\(varied, continued\)\nStyle chinese-han: 2\/4, the style's usual meter\./);
  const take = await h.fake.clickButton(more.message, h.fake.buttons(more.message).get('Another take')!, user()).finalReply();
  assert.match(take.message.content, /, 2\/4, 8 bars, .*\nStyle chinese-han: 2\/4, the style's usual meter; mode drawn from its songs/);
  for (const id of h.fake.buttons(more.message).values()) assert.ok(id.length <= 100, id);
});

test('a forged style gets a private, specific error', async () => {
  const { message, ephemeral } = await h.fake.sendForgedCommand('compose', [{ name: 'style', type: 3, value: 'klezmer' }], user()).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /style "klezmer" is not offered; choose one of children, chinese-han/);
  assert.doesNotMatch(message.content, /something went wrong|Error:/);
  const typed = await h.fake.sendForgedCommand('compose', [{ name: 'style', type: 4, value: 3 }], user()).finalReply();
  assert.equal(typed.ephemeral, true);
  assert.match(typed.message.content, /option style must be text/);
});

test('/about lists the styles with their songs; /help mentions the style option', async () => {
  const about = await h.fake.sendCommand('about', {}, user()).finalReply();
  const styles = (about.message.embeds as { fields?: { name: string; value: string }[] }[])[0]?.fields?.find((f) => f.name.startsWith('Styles'));
  assert.equal(styles?.name, 'Styles (/compose style; default children)');
  assert.equal(
    styles?.value,
    "**children** (187 songs, usually 3/4): German children's songs (Kinderlieder)\n**chinese-han** (1,204 songs, usually 2/4): Han Chinese folk songs, largely pentatonic",
  );
  const help = await h.fake.sendCommand('help', {}, user()).finalReply();
  assert.match(help.message.content, /`style`: the manner to compose in \(default children; `\/about` lists the styles\)/);
});
