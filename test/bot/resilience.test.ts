// Load and failure paths end to end: a burst of 50 users, the gateway dropping the connection, REST answering
// 429 and 5xx. Every interaction must end with an answer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requestLog, startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import type { FakeUser } from '../fake-discord/fake-discord.js';

let h: Harness;
let userCounter = 0;
function user(): FakeUser {
  userCounter += 1;
  return { id: String(300000000000000000n + BigInt(userCounter)), username: `dancer${userCounter}` };
}

before(async () => {
  h = await startHarness({ cooldownSeconds: 30, queueLimit: 100, heartbeatIntervalMs: 1_000 });
});
after(async () => {
  await h?.stop();
});

test('a burst of 50 simultaneous /compose from different users: every one answered with valid files', async () => {
  const started = Date.now();
  const interactions = Array.from({ length: 50 }, (_, i) => h.fake.sendCommand('compose', { bars: 8, random_seed: i }, user()));
  const replies = await Promise.all(interactions.map((i) => i.finalReply(60_000)));
  for (const reply of replies) {
    assert.equal(reply.ephemeral, false, reply.message.content);
    assertTuneMessage(reply.message);
  }
  // The gateway kept beating (interval 1 s) while the pool composed: no gap much longer than the interval.
  const beats = [started, ...h.fake.gatewayEvents.filter((e) => e.op === 1 && e.at >= started).map((e) => e.at), Date.now()];
  const longestGap = Math.max(...beats.slice(1).map((t, i) => t - beats[i]!));
  assert.ok(longestGap < 2_500, `longest heartbeat gap ${longestGap} ms`);
});

test('per-user cooldown: a second /compose right away is refused politely and privately', async () => {
  const who = user();
  await h.fake.sendCommand('compose', { bars: 4 }, who).finalReply();
  const { message, ephemeral } = await h.fake.sendCommand('compose', { bars: 4 }, who).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /compose again in \d+ s/);
});

test('the gateway drops the connection (close 4000): the bot resumes and keeps answering', async () => {
  const resumes = h.fake.resumes;
  h.fake.dropConnection({ code: 4000 });
  // Sent while the bot is disconnected: delivered on RESUME by replay.
  const during = h.fake.sendCommand('help', {}, user());
  await h.fake.waitForConnection();
  const { message } = await during.finalReply(20_000);
  assert.match(message.content, /folkbot/);
  assert.equal(h.fake.resumes, resumes + 1);
  const after = await h.fake.sendCommand('compose', { bars: 4 }, user()).finalReply();
  assertTuneMessage(after.message);
});

test('the gateway socket is destroyed without a close frame: the bot resumes', async () => {
  const resumes = h.fake.resumes;
  h.fake.dropConnection('destroy');
  await h.fake.waitForConnection();
  const { message } = await h.fake.sendCommand('help', {}, user()).finalReply(20_000);
  assert.match(message.content, /folkbot/);
  assert.ok(h.fake.resumes > resumes || h.fake.identifies > 1);
});

test('REST answers 429 then 200: the reply still arrives (discord.js waits retry-after and retries)', async () => {
  h.fake.failNext(1, 429, { retryAfterSeconds: 0.3, match: (r) => r.method === 'PATCH' });
  const interaction = h.fake.sendCommand('compose', { bars: 4 }, user());
  const { message } = await interaction.finalReply();
  assertTuneMessage(message);
  const patches = h.fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(interaction.token));
  assert.deepEqual(patches.map((p) => p.status), [429, 200]);
  assert.ok(patches[1]!.at - patches[0]!.at >= 250, 'waited for retry-after');
});

test('REST answers 500 twice then 200: discord.js retries and the reply arrives', async () => {
  h.fake.failNext(2, 500, { match: (r) => r.method === 'PATCH' });
  const interaction = h.fake.sendCommand('compose', { bars: 4 }, user());
  const { message } = await interaction.finalReply();
  assertTuneMessage(message);
  const patches = h.fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(interaction.token));
  assert.deepEqual(patches.map((p) => p.status), [500, 500, 200]);
});

test('the webhook edit failing 5 x 502 (past the retries): the tune arrives as a follow-up, once', async () => {
  // discord.js tries 1 + 3 times; all fail, so the tune goes as a follow-up message.
  h.fake.failNext(5, 502, { match: (r) => r.method === 'PATCH' });
  const interaction = h.fake.sendCommand('compose', { bars: 4 }, user());
  const { message, ephemeral } = await interaction.finalReply(30_000);
  assert.equal(ephemeral, false);
  assertTuneMessage(message);
  assert.equal(interaction.followups.length, 1);
  assert.doesNotMatch(JSON.stringify(interaction.events), /something went wrong/);
  const log = await requestLog(h, interaction.id);
  assert.equal(log?.outcome, 'composed');
  assert.equal(log?.delivery, 'follow-up');
  h.fake.clearFailures();
});

test('8 x 502 on every webhook call (edit and follow-up): the tune is posted in the channel', async () => {
  h.fake.failNext(8, 502, { match: (r) => r.path.startsWith('/webhooks/') && r.method !== 'DELETE' });
  const who = user();
  const interaction = h.fake.sendCommand('compose', { bars: 4 }, who);
  const message = await h.fake.waitForChannelMessage((m) => m.content.includes(`<@${who.id}>`), 30_000);
  assertTuneMessage(message);
  // The "thinking..." left by the failed edit is removed.
  await interaction.waitFor((e) => e.kind === 'delete', 10_000);
  const log = await requestLog(h, interaction.id);
  assert.equal(log?.outcome, 'composed');
  assert.equal(log?.delivery, 'channel');
});

test('8 x 503 on the interaction callback (the deferral fails): the tune still reaches the user', async () => {
  h.fake.failNext(8, 503, { match: (r) => r.path.endsWith('/callback') });
  const who = user();
  const interaction = h.fake.sendCommand('compose', { bars: 4 }, who);
  const message = await h.fake.waitForChannelMessage((m) => m.content.includes(`<@${who.id}>`), 30_000);
  assertTuneMessage(message);
  assert.equal(interaction.events.length, 0);
  assert.equal((await requestLog(h, interaction.id)).delivery, 'channel');
});

test('every way of sending failing: the loss is logged once, with each way\'s error', async () => {
  h.fake.failNext(16, 502, { match: (r) => (r.path.startsWith('/webhooks/') || r.path.startsWith('/channels/')) && r.method !== 'DELETE' });
  const interaction = h.fake.sendCommand('compose', { bars: 4 }, user());
  const log = await requestLog(h, interaction.id, 30_000);
  h.fake.clearFailures();
  assert.equal(log.outcome, 'error');
  assert.match(String(log.error), /TuneLostError: the tune could not be delivered \(edit: 502 .*follow-up: 502 .*channel: 502 /);
});
