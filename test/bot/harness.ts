// Starts the fake Discord, a compose pool on the fake compose service, and the real bot connected to the fake
// through DISCORD_API_URL; collects every log line. Tests call `stop()` in `after`.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { FakeDiscord } from '../fake-discord/fake-discord.js';
import { loadBotConfig, type BotConfig } from '../../src/bot/config.js';
import { DEFAULT_COMPOSE_MODULE } from '../../src/bot/run-bot.js';
import { ComposePool } from '../../src/bot/compose-pool.js';
import { FolkBot } from '../../src/bot/bot.js';
import { registerCommands } from '../../src/bot/register-commands.js';

export const TEST_TOKEN = 'MTEyMzQ1Njc4OTAxMjM0NTY3OA.GfAkEt.sEcReT-tOkEn_for_folkbot_tests';
export const FAKE_SERVICE = fileURLToPath(new URL('./fake-compose-service.ts', import.meta.url));

export interface Harness {
  readonly fake: FakeDiscord;
  readonly bot: FolkBot;
  readonly pool: ComposePool;
  readonly config: BotConfig;
  readonly logs: string[];
  /** The folder holding model folders (`default`, ...). */
  readonly modelsRoot: string;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly cooldownSeconds?: number;
  readonly queueLimit?: number;
  readonly workers?: number;
  readonly heartbeatIntervalMs?: number;
  /** Compose service module for the workers (default: the fake) and its model folder (default: a fake model). */
  readonly serviceModule?: string;
  readonly modelDir?: string;
  /** Extra fields of the default fake model's fake-model.json, e.g. { composeMs: 300 } (see fake-compose-service.ts). */
  readonly fakeModel?: Readonly<Record<string, unknown>>;
  /** How often the bot's REST client drops idle route queues (default: the bot's). */
  readonly restHandlerSweepMs?: number;
  /** FOLKBOT_AUDIO (default: the bot's default). */
  readonly audio?: 'mp3' | 'opus';
}

/** The bot's log line for an interaction, once written (it is written after the reply has been sent). */
export async function requestLog(h: Harness, interactionId: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request' && l.interaction === interactionId);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no request log line for interaction ${interactionId}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function writeFakeModel(dir: string, content: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'fake-model.json'), content);
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fake = new FakeDiscord({ token: TEST_TOKEN, heartbeatIntervalMs: options.heartbeatIntervalMs ?? 2_000 });
  await fake.start();
  const modelsRoot = await mkdtemp(path.join(tmpdir(), 'folkbot-bot-test-'));
  await writeFakeModel(path.join(modelsRoot, 'default'), JSON.stringify({ name: 'fake-lstm-v1', parameters: 123456, ...options.fakeModel }));
  const config = loadBotConfig({
    DISCORD_TOKEN: TEST_TOKEN,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_GUILD_ID: fake.guildId,
    DISCORD_API_URL: fake.apiUrl,
    FOLKBOT_MODEL_DIR: options.modelDir ?? path.join(modelsRoot, 'default'),
    FOLKBOT_WORKERS: String(options.workers ?? 2),
    FOLKBOT_COOLDOWN_SECONDS: String(options.cooldownSeconds ?? 0),
    FOLKBOT_QUEUE_LIMIT: String(options.queueLimit ?? 100),
    ...(options.audio ? { FOLKBOT_AUDIO: options.audio } : {}),
    LOG_LEVEL: 'debug',
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const log = pino({ level: 'debug', base: { app: 'folkbot' } }, sink);
  // Like runBot: the real pipeline shares one engraver; every service gets the configured audio codec.
  const serviceModule = options.serviceModule ?? FAKE_SERVICE;
  const pool = await ComposePool.start({
    serviceModule,
    modelDir: config.modelDir,
    size: config.workers,
    queueLimit: config.queueLimit,
    sharedEngraver: serviceModule === DEFAULT_COMPOSE_MODULE,
    settings: { audio: config.audio },
  });
  // As `folkbot register-commands` does: the commands of the model the bot serves (its meters, its styles).
  const served = pool.modelInfo();
  await registerCommands({ token: config.discordToken, applicationId: config.applicationId, guildId: config.guildId, apiUrl: config.apiUrl, meters: served.meters, styles: served.styles });
  const bot = new FolkBot({ config, composer: pool, admit: () => pool.admit(), log, ...(options.restHandlerSweepMs ? { restHandlerSweepMs: options.restHandlerSweepMs } : {}) });
  // discord.js debug output goes to the log too, so the token test sees everything the client says.
  bot.client.on('debug', (message) => log.debug({ source: 'discord.js' }, message));
  await bot.start();
  return {
    fake,
    bot,
    pool,
    config,
    logs,
    modelsRoot,
    async stop() {
      await bot.stop(5_000);
      await pool.close(5_000);
      await fake.close();
      await rm(modelsRoot, { recursive: true, force: true });
    },
  };
}
