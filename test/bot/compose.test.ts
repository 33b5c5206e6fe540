// /compose and its buttons end to end: the real discord.js client, the fake Discord, the worker pool running
// the fake compose service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, TEST_TOKEN, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import { FAILING_TEMPERATURE } from './fake-compose-service.js';
import toneMidi from '@tonejs/midi';
import type { FakeMessage, FakeUser } from '../fake-discord/fake-discord.js';

let h: Harness;
let userCounter = 0;
/** A fresh user per test, so cooldowns never couple tests. */
function user(): FakeUser {
  userCounter += 1;
  return { id: String(200000000000000000n + BigInt(userCounter)), username: `player${userCounter}` };
}

before(async () => {
  h = await startHarness({ cooldownSeconds: 0 });
});
after(async () => {
  await h?.stop();
});

async function compose(options: Record<string, string | number> = {}, who = user()): Promise<FakeMessage> {
  const interaction = h.fake.sendCommand('compose', options, who);
  const reply = await interaction.finalReply();
  assert.equal(reply.ephemeral, false, `public tune, got: ${reply.message.content}`);
  // Deferred at once, then edited.
  assert.equal(interaction.events[0]?.kind, 'callback');
  assert.equal(interaction.events[0]?.kind === 'callback' && interaction.events[0].type, 5);
  return reply.message;
}

test('/compose without a seed replies with score, MIDI, audio and kern, and states the settings', async () => {
  const message = await compose({ bars: 8, meter: '3/4', key: 'G', mode: 'major', temperature: 0.8, tempo: 100, random_seed: 42 });
  assertTuneMessage(message);
  assert.match(message.content, /G major/);
  assert.match(message.content, /3\/4/);
  assert.match(message.content, /8 bars/);
  assert.match(message.content, /temperature 0\.8/);
  assert.match(message.content, /random seed 42/);
  assert.deepEqual([...h.fake.buttons(message).keys()], ['Another take', 'Continue', 'Variation']);
  for (const id of h.fake.buttons(message).values()) assert.ok(id.length <= 100);
});

test('the ABC stands in the reply as a code block, and the MusicXML comes as tune.musicxml', async () => {
  const short = await compose({ bars: 8, random_seed: 21 });
  assertTuneMessage(short);
  assert.match(short.content, /\n```abc\nX:1\n[^]*\|\]\n```$/);
  assert.ok(!short.files.some((f) => f.filename === 'tune.abc'));
});

const KESH = 'X:1\nT:The Kesh\nM:6/8\nL:1/8\nK:G\n|:G3 GAB|A3 ABd|edd gdd|edB dBA|\nGAG GAB|ABA ABd|edd gdB|AGF G3:|\n';

test('/compose with a seed_file takes its first bars, meter and key, and says what was taken', async () => {
  const interaction = h.fake.sendCommandWithFile('compose', { bars: 8, random_seed: 3 }, 'seed_file', { filename: 'kesh.abc', data: new TextEncoder().encode(KESH) }, user());
  const { message, ephemeral } = await interaction.finalReply();
  assert.equal(ephemeral, false, message.content);
  assertTuneMessage(message);
  assert.match(message.content, /^Seed: the first 4 bars of kesh\.abc\n\*\*G major\*\*, 6\/8, 8 bars/);
  assert.match(JSON.stringify(message.embeds), /4\.g 8g 8a 8b \| 4\.a 8a 8b 8dd/);
});

test('a bad seed_file gets one private message naming it, a huge one is refused before downloading, and the bot goes on', async () => {
  const cases: [{ filename: string; data: Uint8Array; size?: number }, RegExp][] = [
    [{ filename: 'notes.pdf', data: new Uint8Array([1, 2, 3]) }, /notes\.pdf is not a file type folkbot reads as a seed: attach \.abc/],
    [{ filename: 'huge.mid', data: new Uint8Array(10), size: 8_000_000 }, /huge\.mid is 7813 KB; a seed file may have at most 256 KB/],
    [{ filename: 'empty.abc', data: new Uint8Array(0) }, /empty\.abc is empty/],
    [{ filename: 'fake.mid', data: new TextEncoder().encode(KESH) }, /fake\.mid is not a MIDI file/],
    [{ filename: 'silent.abc', data: new TextEncoder().encode('X:1\nK:C\n') }, /silent\.abc has no notes/],
  ];
  const downloadedBefore = h.fake.downloads.size;
  for (const [file, message] of cases) {
    const interaction = h.fake.sendCommandWithFile('compose', { bars: 8 }, 'seed_file', file, user());
    const reply = await interaction.finalReply();
    assert.equal(reply.ephemeral, true, `${file.filename}: ${reply.message.content}`);
    assert.match(reply.message.content, message);
    assert.doesNotMatch(reply.message.content, /Error\b|at .*\.(ts|js):\d+/);
  }
  assert.ok(![...h.fake.downloads.values()].some((n) => n > 1));
  assert.equal(h.fake.downloads.size - downloadedBefore, 2, 'only the files whose name and size pass are downloaded');
  assertTuneMessage(await compose({ bars: 4, random_seed: 8 }));
});

test('the same options and random seed give the same tune', async () => {
  const a = await compose({ bars: 8, random_seed: 7 });
  const b = await compose({ bars: 8, random_seed: 7 });
  const midi = (m: FakeMessage) => Buffer.from(m.files.find((f) => f.filename === 'tune.mid')!.data).toString('hex');
  assert.equal(midi(a), midi(b));
});

test('/compose with a seed shows the seed and starts with it', async () => {
  const message = await compose({ seed: '4c 8d 8e 4f 4g', bars: 4, random_seed: 3 });
  const { notes } = assertTuneMessage(message);
  assert.ok(notes >= 5);
  assert.match(JSON.stringify(message.embeds), /4c 8d 8e 4f 4g/);
});

test('a random seed is chosen and reported when none is given', async () => {
  const message = await compose({ bars: 4 });
  assert.match(message.content, /random seed \d+/);
});

test('Another take: same options, new random seed', async () => {
  const first = await compose({ bars: 8, meter: '6/8', key: 'D', random_seed: 11 });
  const take = h.fake.clickButton(first, h.fake.buttons(first).get('Another take')!, user());
  const { message, ephemeral } = await take.finalReply();
  assert.equal(ephemeral, false);
  assertTuneMessage(message);
  assert.match(message.content, /6\/8/);
  assert.match(message.content, /D major/);
  assert.doesNotMatch(message.content, /random seed 11\b/);
});

test('Continue: the same tune, 8 bars longer, note for note', async () => {
  const first = await compose({ bars: 8, meter: '4/4', random_seed: 5 });
  const more = h.fake.clickButton(first, h.fake.buttons(first).get('Continue')!, user());
  const { message } = await more.finalReply();
  assertTuneMessage(message);
  assert.match(message.content, /16 bars/);
  assert.match(message.content, /random seed 5\b/);
  assert.match(message.content, /continued/);
  // The continued tune starts with the original's notes.
  const { Midi } = toneMidi;
  const notes = (m: FakeMessage) => new Midi(m.files.find((f) => f.filename === 'tune.mid')!.data).tracks[0]!.notes.map((n) => n.midi);
  const before = notes(first);
  assert.deepEqual(notes(message).slice(0, before.length), before);
  // Continue again works from the new message (history in the custom id).
  const again = await h.fake.clickButton(message, h.fake.buttons(message).get('Continue')!, user()).finalReply();
  assert.match(again.message.content, /24 bars/);
});

test('Variation: same opening, new ending', async () => {
  const first = await compose({ bars: 8, random_seed: 9 });
  const variation = await h.fake.clickButton(first, h.fake.buttons(first).get('Variation')!, user()).finalReply();
  assertTuneMessage(variation.message);
  assert.match(variation.message.content, /varied/);
  const { Midi } = toneMidi;
  const notes = (m: FakeMessage) => new Midi(m.files.find((f) => f.filename === 'tune.mid')!.data).tracks[0]!.notes.map((n) => n.time);
  const a = notes(first);
  const b = notes(variation.message);
  const half = a.filter((t) => t < a[a.length - 1]! / 2);
  assert.deepEqual(b.slice(0, half.length - 1), half.slice(0, -1));
});

test('buttons work for a message whose seed is too long for the custom id', async () => {
  const seed = '4c 8d 8e 4f 4g 4a 4b 4cc 4b 4a 4g 4f 4e 4d 2c 4e 4f 4g 4a 2b 4a 4g 4f 4e 4d 4c 4B 2c';
  const first = await compose({ seed, bars: 8, random_seed: 2 });
  const id = h.fake.buttons(first).get('Another take')!;
  assert.ok(!id.includes(seed) && id.length <= 100);
  const { message } = await h.fake.clickButton(first, id, user()).finalReply();
  assertTuneMessage(message);
  assert.match(JSON.stringify(message.embeds), /4d 4c 4B 2c/);
});

test('a bad seed gets an ephemeral reply with the parser error and an example', async () => {
  const interaction = h.fake.sendCommand('compose', { seed: '4c 8d xyz 4f' }, user());
  const { message, ephemeral } = await interaction.finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /xyz/);
  assert.match(message.content, /token 3/);
  assert.match(message.content, /Example: `\/compose seed: 4c 8d 8e 4f 4g/);
});

test('an out-of-range option (as a modified client could send) gets an ephemeral error', async () => {
  const { message, ephemeral } = await h.fake.sendCommand('compose', { temperature: 7 }, user()).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /temperature must be a number from 0\.1 to 2/);
});

test('a failing compose still gets an answer', async () => {
  const { message } = await h.fake.sendCommand('compose', { temperature: FAILING_TEMPERATURE }, user()).finalReply();
  assert.match(message.content, /something went wrong/);
  // The bot keeps working.
  await compose({ bars: 4 });
});

test('an unknown button gets an answer', async () => {
  const first = await compose({ bars: 4 });
  const forged = { ...first, components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Old', custom_id: 'legacy-button' }] }] };
  const { message, ephemeral } = await h.fake.clickButton(forged, 'legacy-button', user()).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /no longer supported/);
});

test('one log line per request with id, user, options, outcome, timings; the token never appears', () => {
  const requests = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
  assert.ok(requests.length >= 10);
  const composed = requests.find((r) => r.outcome === 'composed');
  assert.ok(composed);
  for (const field of ['interaction', 'user', 'options', 'ms', 'timings']) assert.ok(field in composed, `log has ${field}`);
  const secret = TEST_TOKEN.split('.')[2]!;
  for (const line of h.logs) {
    assert.ok(!line.includes(TEST_TOKEN), 'full token in a log line');
    assert.ok(!line.includes(secret), `token secret in a log line: ${line.slice(0, 120)}`);
  }
  // discord.js's own debug output did reach the log, so the check above covers it.
  assert.ok(h.logs.some((l) => l.includes('Provided token')));
});
