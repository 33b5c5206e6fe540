// What the bot keeps from request to request: nothing per user or per message (discord.js would otherwise cache
// every user, guild member and message it meets, so memory grew with work). The soak run that measures RSS over
// thousands of tunes is a benchmark: `npm run bench:bot -- --soak 5000`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';

let h: Harness;
before(async () => {
  h = await startHarness({ cooldownSeconds: 0, restHandlerSweepMs: 1_000 });
});
after(async () => {
  await h?.stop();
});

test('after tunes and button clicks from 40 users, no user, member or message is kept', async () => {
  const users = Array.from({ length: 40 }, (_, i) => ({ id: String(950000000000000000n + BigInt(i)), username: `visitor${i}` }));
  const replies = await Promise.all(users.map((u, i) => h.fake.sendCommand('compose', { bars: 4, random_seed: i }, u).finalReply(30_000)));
  for (const reply of replies) assertTuneMessage(reply.message);
  const first = replies[0]!.message;
  await h.fake.clickButton(first, h.fake.buttons(first).get('Variation')!, users[1]).finalReply(30_000);
  const client = h.bot.client;
  const botId = client.user!.id;
  assert.deepEqual([...client.users.cache.keys()], [botId]);
  const guild = client.guilds.cache.get(h.fake.guildId)!;
  assert.ok([...guild.members.cache.keys()].every((id) => id === botId), `members cached: ${guild.members.cache.size}`);
  const channel = client.channels.cache.get(h.fake.channelId);
  assert.ok(channel?.isTextBased());
  assert.equal(channel.messages.cache.size, 0);
});

test("the REST client's per-interaction queues are dropped once idle, not kept for an hour", async () => {
  const users = Array.from({ length: 20 }, (_, i) => ({ id: String(960000000000000000n + BigInt(i)), username: `passer${i}` }));
  await Promise.all(users.map((u, i) => h.fake.sendCommand('compose', { bars: 4, random_seed: i }, u).finalReply(30_000)));
  // Each of the 20 answers made its own queue (the default sweep, hourly, would keep all 20 now).
  const handlers = h.bot.client.rest.handlers;
  await new Promise((r) => setTimeout(r, 2_500));
  assert.ok(handlers.size < 5, `idle queues left: ${handlers.size}`);
});
