// The script each shard process runs under discord.js's ShardingManager (`folkbot bot --shards`). The manager
// sets SHARDS and SHARD_COUNT in the environment and discord.js's Client reads them; the rest is a normal bot.
import dotenv from 'dotenv';
import { loadBotConfig, ConfigError } from './config.js';
import { runBot } from './run-bot.js';
import { logger } from '../util/logger.js';

dotenv.config({ quiet: true });
try {
  const config = loadBotConfig();
  const log = logger().child({ shards: process.env.SHARDS });
  const running = await runBot(config, log);
  await running.stopped;
} catch (error) {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `folkbot shard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  // The IPC channel to the ShardingManager would keep this process alive after a clean shutdown.
  if (process.connected) process.disconnect();
}
