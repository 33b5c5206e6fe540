// /help and /about end to end: the real discord.js client against the fake Discord.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

test('commands are registered in the guild with descriptions on every option', () => {
  const registered = h.fake.commands.get(`guild:${h.fake.guildId}`) ?? [];
  assert.deepEqual(registered.map((c) => c.name).sort(), ['about', 'compose', 'help', 'reload-model']);
  for (const command of registered) {
    assert.ok(typeof command.description === 'string' && command.description.length > 0, `${String(command.name)} has a description`);
    for (const option of (command.options as { name: string; description: string }[] | undefined) ?? []) {
      assert.ok(option.description.length > 0, `${String(command.name)} ${option.name} has a description`);
    }
  }
  // The model has no styles: no style option (test/bot/styles.test.ts has one with styles).
  const compose = registered.find((c) => c.name === 'compose');
  assert.equal((compose?.options as { name: string }[]).some((o) => o.name === 'style'), false);
  const reload = registered.find((c) => c.name === 'reload-model');
  assert.equal(reload?.default_member_permissions, '8');
});

test('/help answers with the seed syntax and every option', async () => {
  const interaction = h.fake.sendCommand('help');
  const { message, ephemeral } = await interaction.finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /4c 8d 8e 4f 4g/);
  for (const option of ['bars', 'meter', 'key', 'mode', 'temperature', 'tempo', 'random_seed']) {
    assert.match(message.content, new RegExp(`\`${option}\``), `help mentions ${option}`);
  }
});

test('/about shows model name, size, validation, backend and the credit', async () => {
  const { message } = await h.fake.sendCommand('about').finalReply();
  const text = JSON.stringify(message.embeds);
  assert.match(text, /fake-lstm-v1/);
  assert.match(text, /123,456 parameters/);
  assert.match(text, /loss 1\.250/);
  assert.match(text, /Essen Folksong Collection/);
  assert.match(text, /CCARH/);
  assert.match(text, /"Backend","value":"fake"/);
});
