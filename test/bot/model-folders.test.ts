// /reload-model on the real pipeline with damaged model folders: weights that are not numbers and weights that
// fail their checksum are refused (the old model keeps serving), a folder from before checksums loads with a
// warning, and no message shows the server's absolute paths. Skipped while models/default has no trained model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHarness, type Harness } from './harness.js';
import { assertTuneMessage } from './tune-files.js';
import { DEFAULT_COMPOSE_MODULE } from '../../src/bot/run-bot.js';
import { ADMINISTRATOR, type FakeUser } from '../fake-discord/fake-discord.js';

const shipped = path.resolve(fileURLToPath(new URL('../..', import.meta.url)), 'models/default');
const skip = existsSync(path.join(shipped, 'folkbot-model.json')) ? false : `no trained model in ${shipped} yet`;
const admin: FakeUser = { id: '900000000000000001', username: 'keeper', permissions: ADMINISTRATOR };

let h: Harness | undefined;
let modelsRoot = '';

async function copyModel(name: string, change: (dir: string) => Promise<void>): Promise<void> {
  const dir = path.join(modelsRoot, name);
  await cp(shipped, dir, { recursive: true });
  await change(dir);
}

async function dropChecksum(dir: string): Promise<void> {
  const file = path.join(dir, 'folkbot-model.json');
  const { weightsSha256: _sum, ...old } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify(old, null, 2));
}

before(async () => {
  if (skip !== false) return;
  modelsRoot = await mkdtemp(path.join(tmpdir(), 'folkbot-models-'));
  await copyModel('default', async () => undefined);
  // All NaN, right size, and (like a folder saved before checksums) no checksum to catch it.
  await copyModel('nan-weights', async (dir) => {
    const file = path.join(dir, 'weights.bin');
    const nan = Buffer.alloc((await stat(file)).size);
    for (let offset = 0; offset < nan.length; offset += 4) nan.writeFloatLE(Number.NaN, offset);
    await writeFile(file, nan);
    await dropChecksum(dir);
  });
  await copyModel('damaged', async (dir) => {
    const file = path.join(dir, 'weights.bin');
    const bytes = await readFile(file);
    bytes[12_345] = bytes[12_345]! ^ 0x10;
    await writeFile(file, bytes);
  });
  await copyModel('before-checksums', dropChecksum);
  h = await startHarness({ serviceModule: DEFAULT_COMPOSE_MODULE, modelDir: path.join(modelsRoot, 'default'), workers: 1 });
});
after(async () => {
  await h?.stop();
  if (modelsRoot) await rm(modelsRoot, { recursive: true, force: true });
});

async function reload(folder: string): Promise<string> {
  const { message, ephemeral } = await h!.fake.sendCommand('reload-model', { folder }, admin).finalReply(60_000);
  assert.equal(ephemeral, true);
  assert.ok(!message.content.includes(modelsRoot) && !message.content.includes(tmpdir()), `no absolute path in: ${message.content}`);
  return message.content;
}

test('weights that are all NaN are refused, naming the folder inside the models folder', { skip }, async () => {
  const text = await reload('nan-weights');
  assert.match(text, /^Refused: nan-weights\/weights\.bin: weight 0 of lstm0\/input_kernel is NaN/);
  assert.match(text, /Still serving \*\*default\*\*/);
  const tune = await h!.fake.sendCommand('compose', { seed: '4c 8d 8e 4f 4g', bars: 8, random_seed: 4 }, { id: '900000000000000002', username: 'p' }).finalReply(60_000);
  assertTuneMessage(tune.message);
});

test('weights that fail the checksum are refused', { skip }, async () => {
  assert.match(await reload('damaged'), /^Refused: damaged\/weights\.bin: its SHA-256 is not the weightsSha256 recorded in folkbot-model\.json/);
});

test('a folder without a checksum loads, with a warning', { skip }, async () => {
  const text = await reload('before-checksums');
  assert.match(text, /^Loaded model \*\*default\*\* from `before-checksums`/);
  assert.match(text, /Warning: folkbot-model\.json records no weightsSha256/);
});

test('a missing folder is refused by its name', { skip }, async () => {
  assert.match(await reload('no-such-model'), /^Refused: no-such-model: no such model folder/);
});
