// The bot as an operator runs it: `folkbot register-commands` and `folkbot bot` as child processes against the
// fake Discord; bad configuration exits non-zero; SIGTERM finishes in-flight work and exits cleanly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeDiscord } from '../fake-discord/fake-discord.js';
import { FAKE_SERVICE, TEST_TOKEN, writeFakeModel } from './harness.js';
import { SLOW_TEMPO } from './fake-compose-service.js';
import { assertTuneMessage } from './tune-files.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const folkbot = path.join(repoRoot, 'bin/folkbot.js');
let fake: FakeDiscord;
let modelsRoot: string;

before(async () => {
  fake = new FakeDiscord({ token: TEST_TOKEN, heartbeatIntervalMs: 2_000 });
  await fake.start();
  modelsRoot = await mkdtemp(path.join(tmpdir(), 'folkbot-cli-test-'));
  await writeFakeModel(path.join(modelsRoot, 'default'), JSON.stringify({ name: 'fake-cli' }));
});
after(async () => {
  await fake?.close();
  await rm(modelsRoot, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return {
    ...base,
    DISCORD_TOKEN: TEST_TOKEN,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    FOLKBOT_MODEL_DIR: path.join(modelsRoot, 'default'),
    FOLKBOT_COMPOSE_MODULE: FAKE_SERVICE,
    FOLKBOT_WORKERS: '1',
    FOLKBOT_COOLDOWN_SECONDS: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

interface Run {
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

function run(args: string[], environment: NodeJS.ProcessEnv): Run {
  // cwd without a .env file, so only `environment` counts.
  const child = spawn(process.execPath, [folkbot, ...args], { cwd: modelsRoot, env: environment });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    code: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    kill: (signal) => child.kill(signal),
  };
}

test('folkbot bot with a broken configuration lists every problem and exits non-zero', async () => {
  const r = run(['bot'], { PATH: process.env.PATH, DISCORD_APPLICATION_ID: 'x', FOLKBOT_WORKERS: 'many' });
  assert.notEqual(await r.code, 0);
  assert.match(r.stderr(), /DISCORD_TOKEN is missing/);
  assert.match(r.stderr(), /DISCORD_APPLICATION_ID must be/);
  assert.match(r.stderr(), /FOLKBOT_WORKERS must be/);
});

test('folkbot register-commands --guild registers in that guild', async () => {
  const r = run(['register-commands', '--guild', fake.guildId], env());
  assert.equal(await r.code, 0, r.stderr());
  assert.match(r.stdout(), /Registered \/compose, \/help, \/about, \/reload-model in guild/);
  assert.equal(fake.commands.get(`guild:${fake.guildId}`)?.length, 4);
});

test('folkbot register-commands without a guild registers globally', async () => {
  const r = run(['register-commands'], env());
  assert.equal(await r.code, 0, r.stderr());
  assert.match(r.stdout(), /globally/);
  assert.equal(fake.commands.get('global')?.length, 4);
});

test('folkbot bot serves; on SIGTERM it declines new work, answers the request in flight, then exits 0', async () => {
  const bot = run(['bot'], env());
  try {
    await fake.waitForConnection(30_000);
    await new Promise((r) => setTimeout(r, 200));
    const slow = fake.sendCommand('compose', { bars: 4, tempo: SLOW_TEMPO });
    await slow.waitFor((e) => e.kind === 'callback');
    bot.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // New work during shutdown is declined politely, not dropped.
    const late = await fake.sendCommand('help').finalReply(10_000);
    assert.equal(late.ephemeral, true);
    assert.match(late.message.content, /restarting/);
    const { message } = await slow.finalReply(20_000);
    assertTuneMessage(message);
    assert.equal(await bot.code, 0, bot.stderr());
    assert.match(bot.stderr(), /shut down cleanly/);
    assert.ok(!bot.stderr().includes(TEST_TOKEN.split('.')[2]!), 'no token in the logs');
  } finally {
    bot.kill('SIGKILL');
  }
});

test('folkbot bot --shards auto runs the bot in a shard process under the ShardingManager', async () => {
  const identifies = fake.identifies;
  const bot = run(['bot', '--shards', 'auto'], env());
  try {
    const started = Date.now();
    while (fake.identifies === identifies && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
    await fake.waitForConnection(30_000);
    const identify = fake.gatewayEvents.filter((e) => e.op === 2).length;
    assert.ok(identify > 0);
    const { message } = await fake.sendCommand('help').finalReply(20_000);
    assert.match(message.content, /folkbot/);
    bot.kill('SIGTERM');
    assert.equal(await bot.code, 0, bot.stderr());
  } finally {
    bot.kill('SIGKILL');
  }
});
