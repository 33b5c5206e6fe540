// /reload-model (administrator only; a broken model is refused and the old one keeps serving) and the bounded
// compose queue (a full queue gets a polite, private "busy").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startHarness, writeFakeModel, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import { ADMINISTRATOR, type FakeUser } from '../fake-discord/fake-discord.js';
import { SLOW_TEMPO } from './fake-compose-service.js';

let h: Harness;
const admin: FakeUser = { id: '400000000000000001', username: 'organiser', permissions: ADMINISTRATOR };
const member: FakeUser = { id: '400000000000000002', username: 'listener', permissions: 0n };

before(async () => {
  h = await startHarness({ workers: 1, queueLimit: 0 });
  await writeFakeModel(path.join(h.modelsRoot, 'v2'), JSON.stringify({ name: 'fake-lstm-v2', parameters: 222 }));
  await writeFakeModel(path.join(h.modelsRoot, 'broken'), '{ "name": ');
});
after(async () => {
  await h?.stop();
});

async function aboutText(): Promise<string> {
  const { message } = await h.fake.sendCommand('about', {}, member).finalReply();
  return JSON.stringify(message.embeds);
}

test('a non-administrator is refused', async () => {
  const { message, ephemeral } = await h.fake.sendCommand('reload-model', { folder: 'v2' }, member).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /Only administrators/);
  assert.match(await aboutText(), /fake-lstm-v1/);
});

test('an administrator reloads a model; /about and new tunes use it', async () => {
  const { message, ephemeral } = await h.fake.sendCommand('reload-model', { folder: 'v2' }, admin).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /Loaded model \*\*fake-lstm-v2\*\*/);
  assert.match(await aboutText(), /fake-lstm-v2/);
  const tune = await h.fake.sendCommand('compose', { bars: 4 }, { id: '400000000000000010', username: 'a' }).finalReply();
  assert.match(JSON.stringify(tune.message.embeds), /fake-lstm-v2/);
});

test('a broken model is refused with the reason and the old one keeps serving', async () => {
  const { message } = await h.fake.sendCommand('reload-model', { folder: 'broken' }, admin).finalReply();
  assert.match(message.content, /Refused: .*not JSON/);
  assert.match(message.content, /Still serving \*\*fake-lstm-v2\*\*/);
  const tune = await h.fake.sendCommand('compose', { bars: 4 }, { id: '400000000000000011', username: 'b' }).finalReply();
  assertTuneMessage(tune.message);
  assert.match(JSON.stringify(tune.message.embeds), /fake-lstm-v2/);
});

test('a folder name that leaves the models folder is refused', async () => {
  const { message } = await h.fake.sendCommand('reload-model', { folder: '../etc' }, admin).finalReply();
  assert.match(message.content, /not a folder name/);
});

test('a full queue answers "busy, try again in N s" privately; the running request still completes', async () => {
  // One worker, no waiting room: the second and third requests find the queue full.
  const first = h.fake.sendCommand('compose', { bars: 8, tempo: SLOW_TEMPO }, { id: '400000000000000020', username: 'c' });
  await first.waitFor((e) => e.kind === 'callback');
  const second = await h.fake.sendCommand('compose', { bars: 4 }, { id: '400000000000000021', username: 'd' }).finalReply();
  assert.equal(second.ephemeral, true);
  assert.match(second.message.content, /busy.*try again in \d+ s/);
  assertTuneMessage((await first.finalReply()).message);
});
