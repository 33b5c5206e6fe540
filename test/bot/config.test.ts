// Bot configuration: validation with one clear message per problem, defaults, and a frozen result.
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadBotConfig } from '../../src/bot/config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadBotConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

const valid = {
  DISCORD_TOKEN: 'MTEyMzQ1Njc4OTAxMjM0NTY3OA.GfAkEt.sEcReT-tOkEn',
  DISCORD_APPLICATION_ID: '112345678901234567',
};

test('defaults fill everything optional; the result is frozen', () => {
  const config = loadBotConfig(valid, '/srv/folkbot');
  assert.equal(config.modelDir, path.resolve('/srv/folkbot', 'models/default'));
  assert.equal(config.apiUrl, 'https://discord.com/api');
  assert.equal(config.guildId, undefined);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.workers, Math.max(1, availableParallelism() - 1));
  assert.equal(config.cooldownSeconds, 10);
  assert.equal(config.queueLimit, 20);
  assert.equal(config.audio, 'opus');
  assert.ok(Object.isFrozen(config));
  assert.equal(loadBotConfig({ ...valid, FOLKBOT_AUDIO: 'MP3' }).audio, 'mp3');
  for (const engine of ['native', 'WASM', 'auto']) assert.doesNotThrow(() => loadBotConfig({ ...valid, FOLKBOT_OPUS_ENGINE: engine }));
});

test('every problem is reported, one line each, and the token is never echoed', () => {
  const env = {
    DISCORD_TOKEN: 'Bot not a token',
    DISCORD_APPLICATION_ID: 'abc',
    DISCORD_GUILD_ID: '12',
    LOG_LEVEL: 'loud',
    FOLKBOT_WORKERS: '0',
    FOLKBOT_AUDIO: 'flac',
    FOLKBOT_OPUS_ENGINE: 'fast',
    FOLKBOT_COOLDOWN_SECONDS: 'soon',
    FOLKBOT_QUEUE_LIMIT: '-1',
    DISCORD_API_URL: 'ftp://example.com',
  };
  const error = configError(env);
  const names = ['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID', 'DISCORD_GUILD_ID', 'LOG_LEVEL', 'DISCORD_API_URL', 'FOLKBOT_WORKERS', 'FOLKBOT_AUDIO', 'FOLKBOT_OPUS_ENGINE', 'FOLKBOT_COOLDOWN_SECONDS', 'FOLKBOT_QUEUE_LIMIT'];
  assert.equal(error.problems.length, names.length);
  names.forEach((name, i) => assert.ok(error.problems[i]!.startsWith(name), error.problems[i]));
  assert.ok(!error.message.includes('not a token'));
});

test('missing required settings say where to find them', () => {
  const error = configError({});
  assert.equal(error.problems.length, 2);
  assert.match(error.problems[0]!, /DISCORD_TOKEN is missing.*developer portal/);
  assert.match(error.problems[1]!, /DISCORD_APPLICATION_ID is missing/);
});

test('.env.example documents every setting the config reads', () => {
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const source = readFileSync(new URL('../../src/bot/config.ts', import.meta.url), 'utf8');
  const read = [...source.matchAll(/(?:text|integer)\('([A-Z_]+)'/g)].map((m) => m[1]!);
  assert.ok(read.length >= 9);
  for (const name of read) assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} in .env.example`);
});
