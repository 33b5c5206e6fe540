// Admission under bursts: a request past the queue's capacity is refused privately at once (never after a public
// "thinking..."), a refused user is not put on cooldown, and the "try again in N s" estimate comes from measured
// compose times (the pool's warm-up tunes) and is close to the real wait.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import type { FakeInteraction, FakeUser } from '../fake-discord/fake-discord.js';

/** Every fake compose takes this long (warm-up included), like a model of known speed. */
const COMPOSE_MS = 1_200;

let h: Harness;
let userCounter = 0;
function user(): FakeUser {
  userCounter += 1;
  return { id: String(700000000000000000n + BigInt(userCounter)), username: `reeler${userCounter}` };
}

before(async () => {
  // One worker and two places in the queue: three requests at a time; a 30 s cooldown per user.
  h = await startHarness({ workers: 1, queueLimit: 2, cooldownSeconds: 30, fakeModel: { composeMs: COMPOSE_MS } });
});
after(async () => {
  await h?.stop();
});

/** The interaction's answers: exactly one callback, and a tune or a refusal. */
function assertAnsweredOnce(interaction: FakeInteraction): void {
  const callbacks = interaction.events.filter((e) => e.kind === 'callback');
  assert.equal(callbacks.length, 1, `one callback for ${interaction.id}`);
}

function isBusy(interaction: FakeInteraction): boolean {
  const first = interaction.events[0];
  return first?.kind === 'callback' && first.type === 4 && /busy/.test(String(first.data?.content));
}

test('a burst of 10: three are composed, seven refused privately at once, never after a public deferral', async () => {
  const burst = Array.from({ length: 10 }, (_, i) => h.fake.sendCommand('compose', { bars: 4, random_seed: i }, user()));
  const replies = await Promise.all(burst.map((i) => i.finalReply(30_000)));
  const refused = burst.filter(isBusy);
  assert.equal(refused.length, 7, `refused: ${refused.length}`);
  for (const [index, interaction] of burst.entries()) {
    assertAnsweredOnce(interaction);
    const reply = replies[index]!;
    if (refused.includes(interaction)) {
      // Answered with an ephemeral reply (callback type 4), no deferral, no deletion, within a second.
      assert.deepEqual(interaction.events.map((e) => e.kind), ['callback']);
      assert.equal(reply.ephemeral, true);
      assert.ok(reply.at - interaction.createdAt < 1_000, `refused after ${Math.round(reply.at - interaction.createdAt)} ms`);
      assert.match(reply.message.content, /busy.*try again in \d+ s/);
    } else {
      assert.equal(reply.ephemeral, false);
      assertTuneMessage(reply.message);
    }
  }
});

test('the busy estimate starts from the warm-up tune and is within 2x of the real wait', async () => {
  const running = Array.from({ length: 3 }, () => h.fake.sendCommand('compose', { bars: 4 }, user()));
  await Promise.all(running.map((i) => i.waitFor((e) => e.kind === 'callback')));
  const refusedAt = performance.now();
  const { message } = await h.fake.sendCommand('compose', { bars: 4 }, user()).finalReply();
  const estimate = Number(/try again in (\d+) s/.exec(message.content)?.[1]);
  // The real wait: until the bot admits a request again.
  while (h.pool.status().full) await new Promise((r) => setTimeout(r, 20));
  const realSeconds = (performance.now() - refusedAt) / 1000;
  assert.ok(estimate <= Math.max(1, 2 * realSeconds) && estimate >= realSeconds / 2, `estimate ${estimate} s, real wait ${realSeconds.toFixed(2)} s`);
  await Promise.all(running.map((i) => i.finalReply(30_000)));
});

test('a refused user is not put on cooldown: trying again when told is served', async () => {
  const others = Array.from({ length: 3 }, () => h.fake.sendCommand('compose', { bars: 4 }, user()));
  await Promise.all(others.map((i) => i.waitFor((e) => e.kind === 'callback')));
  const who = user();
  const refused = await h.fake.sendCommand('compose', { bars: 4 }, who).finalReply();
  const seconds = Number(/try again in (\d+) s/.exec(refused.message.content)?.[1]);
  assert.ok(seconds >= 1);
  await Promise.all(others.map((i) => i.finalReply(30_000)));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const again = await h.fake.sendCommand('compose', { bars: 4 }, who).finalReply(30_000);
  assert.doesNotMatch(again.message.content, /compose again in/);
  assertTuneMessage(again.message);
  // Served, so now the cooldown applies.
  const third = await h.fake.sendCommand('compose', { bars: 4 }, who).finalReply();
  assert.match(third.message.content, /compose again in \d+ s/);
});

test('a request with bad input does not start a cooldown', async () => {
  const who = user();
  const bad = await h.fake.sendCommand('compose', { seed: '4c xyz' }, who).finalReply(30_000);
  assert.equal(bad.ephemeral, true);
  assert.match(bad.message.content, /xyz/);
  const good = await h.fake.sendCommand('compose', { bars: 4 }, who).finalReply(30_000);
  assertTuneMessage(good.message);
});
