// Options as a modified client could send them: any type, any value, whatever the command declares. Each gets a
// private, specific error (which option, what it must be), never the public generic error or a class name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import { ADMINISTRATOR, type FakeUser } from '../fake-discord/fake-discord.js';

let h: Harness;
let userCounter = 0;
function user(permissions?: bigint): FakeUser {
  userCounter += 1;
  return { id: String(800000000000000000n + BigInt(userCounter)), username: `forger${userCounter}`, ...(permissions ? { permissions } : {}) };
}

before(async () => {
  h = await startHarness({ cooldownSeconds: 0 });
});
after(async () => {
  await h?.stop();
});

const cases: { what: string; options: { name: string; type: number; value: unknown }[]; expected: RegExp }[] = [
  { what: 'a number for the seed (declared text)', options: [{ name: 'seed', type: 3, value: 42 }], expected: /option seed must be text \(got the number 42\)/ },
  { what: 'the seed sent as an integer option', options: [{ name: 'seed', type: 4, value: 42 }], expected: /option seed must be text/ },
  { what: 'text for bars (declared integer)', options: [{ name: 'bars', type: 4, value: '8' }], expected: /option bars must be a whole number \(got text\)/ },
  { what: 'a fraction for bars', options: [{ name: 'bars', type: 4, value: 8.5 }], expected: /option bars must be a whole number/ },
  { what: 'text for the temperature', options: [{ name: 'temperature', type: 10, value: 'hot' }], expected: /option temperature must be a number \(got text\)/ },
  { what: 'a list for the meter', options: [{ name: 'meter', type: 3, value: ['4/4'] }], expected: /option meter must be text \(got a list or object\)/ },
  { what: 'a boolean for the random seed', options: [{ name: 'random_seed', type: 5, value: true }], expected: /option random_seed must be a whole number/ },
  // The harness's model has no styles, so /compose was registered without the option.
  { what: 'a style for a model without styles', options: [{ name: 'style', type: 3, value: 'german' }], expected: /style "german" is not offered: the loaded model has no styles/ },
];

for (const { what, options, expected } of cases) {
  test(`/compose with ${what}: a private, specific error`, async () => {
    const { message, ephemeral } = await h.fake.sendForgedCommand('compose', options, user()).finalReply();
    assert.equal(ephemeral, true, message.content);
    assert.match(message.content, expected);
    assert.doesNotMatch(message.content, /something went wrong|TypeError|Error:|is not a function/);
  });
}

test('/reload-model with a number for the folder: a private, specific error', async () => {
  const { message, ephemeral } = await h.fake.sendForgedCommand('reload-model', [{ name: 'folder', type: 3, value: 7 }], user(ADMINISTRATOR)).finalReply();
  assert.equal(ephemeral, true);
  assert.match(message.content, /option folder must be text/);
});

test('well-typed options still compose', async () => {
  const { message } = await h.fake.sendForgedCommand('compose', [{ name: 'bars', type: 4, value: 4 }, { name: 'seed', type: 3, value: '4c 4d' }], user()).finalReply();
  assertTuneMessage(message);
});
