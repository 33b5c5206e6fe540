// `folkbot bot [--shards auto|N]`: runs the Discord bot until SIGINT/SIGTERM. With --shards, discord.js's
// ShardingManager runs one process per shard (see docs/scaling.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { REST, Routes, ShardingManager } from 'discord.js';
import { parseOptions, UsageError, type CliCommand } from '../command.js';
import { ConfigError, loadBotConfig, type BotConfig } from '../../bot/config.js';
import { runBot } from '../../bot/run-bot.js';
import { BOT_ENVIRONMENT, BOT_NODE_OPTIONS } from '../../bot/process-settings.js';
import { logger } from '../../util/logger.js';

const usage = `Usage: folkbot bot [--shards auto|N]

Runs the folkbot Discord bot until interrupted (Ctrl-C / SIGTERM shut it down cleanly).
Settings come from the environment or a .env file: see .env.example.

Options:
  --shards auto|N   run N shard processes under discord.js's ShardingManager ("auto": Discord's
                    recommendation from GET /gateway/bot); default: one process, no sharding`;

function readConfig(): BotConfig {
  dotenv.config({ quiet: true });
  try {
    return loadBotConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Discord's recommended shard count, asked of the configured API (ShardingManager's own 'auto' always asks discord.com). */
async function recommendedShards(config: BotConfig): Promise<number> {
  const rest = new REST({ api: config.apiUrl }).setToken(config.discordToken);
  const gateway = (await rest.get(Routes.gatewayBot())) as { shards: number };
  return gateway.shards;
}

async function runSharded(config: BotConfig, shards: string): Promise<number> {
  const totalShards = shards === 'auto' ? await recommendedShards(config) : Number(shards);
  if (!Number.isInteger(totalShards) || totalShards < 1) throw new UsageError(`--shards must be "auto" or a whole number >= 1 (got "${shards}")`);
  const log = logger();
  // The shard script in the form this command runs in: compiled JavaScript (bin/compile.mjs) or TypeScript.
  const extension = path.extname(fileURLToPath(import.meta.url));
  // Each shard process starts fresh, so it gets the start-up settings `npm run bot` gives one process
  // (src/bot/process-settings.ts): discord.js passes this process's environment and execArgv on.
  for (const [name, value] of Object.entries(BOT_ENVIRONMENT)) process.env[name] ??= value;
  const manager = new ShardingManager(fileURLToPath(new URL(`../../bot/shard-process${extension}`, import.meta.url)), {
    token: config.discordToken,
    totalShards,
    // TypeScript needs tsx, by absolute URL: the shard processes may run in another working directory.
    execArgv: [...BOT_NODE_OPTIONS, ...(extension === '.ts' ? ['--import', import.meta.resolve('tsx')] : [])],
  });
  manager.on('shardCreate', (shard) => log.info({ shard: shard.id, totalShards }, 'shard process started'));
  await manager.spawn({ amount: totalShards });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info({ signal }, 'stopping shard processes');
  // Each shard process shuts down cleanly on the signal (finishing in-flight work); none is respawned.
  manager.respawn = false;
  await Promise.all(
    [...manager.shards.values()].map(
      (shard) =>
        new Promise<void>((resolve) => {
          if (!shard.process || shard.process.exitCode !== null) return resolve();
          shard.process.once('exit', () => resolve());
          shard.process.kill(signal);
        }),
    ),
  );
  log.info('all shard processes stopped');
  return 0;
}

export const command: CliCommand = {
  name: 'bot',
  summary: 'Run the Discord bot',
  usage,
  async run(argv) {
    const values = parseOptions(argv, { shards: { type: 'string' } });
    const config = readConfig();
    if (values.shards !== undefined) return runSharded(config, values.shards);
    const running = await runBot(config, logger());
    await running.stopped;
    return 0;
  },
};
