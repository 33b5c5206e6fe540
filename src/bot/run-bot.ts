// Runs one bot process: compose pool + discord.js client, until SIGINT/SIGTERM. On a signal it stops taking
// work, answers or finishes what is in flight, stops the workers and destroys the client.
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { BotConfig } from './config.js';
import { ComposePool } from './compose-pool.js';
import { FolkBot } from './bot.js';
import { BOT_ENVIRONMENT, BOT_NODE_OPTIONS, missingProcessSettings } from './process-settings.js';
import { useBaselineWasmEverywhere } from '../util/wasm-tiering.mjs';
import { precompileComposeKernels } from '../compose/kernels.js';
import { nativeOpusAvailable } from '../render/ogg-opus.js';

/**
 * The compose service module the workers load, unless FOLKBOT_COMPOSE_MODULE names another (e.g. a fake): the
 * .ts source, or its .js beside this file when running compiled (bin/compile.mjs).
 */
export const DEFAULT_COMPOSE_MODULE = fileURLToPath(new URL(`./model-compose-service${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export interface RunningBot {
  readonly bot: FolkBot;
  readonly pool: ComposePool;
  /** Resolves when the bot has shut down. */
  readonly stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

export async function runBot(config: BotConfig, log: Logger, composeModule = process.env.FOLKBOT_COMPOSE_MODULE ?? DEFAULT_COMPOSE_MODULE): Promise<RunningBot> {
  // Before any WebAssembly is compiled: baseline code for verovio, optimised code for the hot kernels only, compiled
  // here once and shared with the compose workers (peak RSS and CPU per tune both drop; src/util/wasm-tiering.mjs).
  useBaselineWasmEverywhere();
  // Small young generations (2 MB semi-spaces, against V8's 16 MB here) for the threads started from now on:
  // the compose and engraver threads allocate a lot that dies young, and with the default their heaps grew by tens
  // of megabytes each during a burst. Measured, 50 requests at once, 2 workers: peak RSS 360 -> 324 MB, and CPU per
  // tune 191-196 -> 161-166 ms (collections touch less memory). A process started as `npm run bot` has them already
  // (process-settings.ts: for its main thread too); one started otherwise gets them here for its threads at least.
  for (const option of BOT_NODE_OPTIONS) setFlagsFromString(option);
  const kernels = precompileComposeKernels([config.audio]);
  const opusEngine = config.audio === 'opus' ? { opusEngine: nativeOpusAvailable() ? 'native' : 'wasm' } : {};
  log.info({ modelDir: config.modelDir, workers: config.workers, audio: config.audio, ...opusEngine, queueLimit: config.queueLimit, api: config.apiUrl }, 'starting');
  const missing = missingProcessSettings();
  if (missing.length > 0) {
    log.warn({ missing, advice: `start the bot with npm run bot, or as it does: ${Object.entries(BOT_ENVIRONMENT).map(([k, v]) => `${k}=${v}`).join(' ')} node ${BOT_NODE_OPTIONS.join(' ')} bin/folkbot.js bot` }, 'the process lacks settings that keep its memory down (src/bot/process-settings.ts): expect about 65 MB more');
  }
  const pool = await ComposePool.start({
    serviceModule: composeModule,
    modelDir: config.modelDir,
    size: config.workers,
    queueLimit: config.queueLimit,
    // The real pipeline engraves scores: its workers share one engraver. Other services (test fakes) need none.
    sharedEngraver: composeModule === DEFAULT_COMPOSE_MODULE,
    kernels,
    settings: { audio: config.audio },
  });
  log.info({ model: pool.modelInfo().name, backend: pool.modelInfo().backend, verovio: pool.engraverInfo()?.verovioVersion }, 'model loaded');
  for (const warning of pool.modelInfo().warnings ?? []) log.warn({ modelDir: config.modelDir, warning }, 'model folder');
  const slowStart = pool.engraverInfo()?.startNote;
  if (slowStart) log.warn({ reason: slowStart }, 'verovio started from its packed module (each start about 0.8 s slower)');
  const bot = new FolkBot({ config, composer: pool, admit: () => pool.admit(), log });
  if (log.isLevelEnabled('debug')) bot.client.on('debug', (message) => log.debug({ source: 'discord.js' }, message));
  try {
    await bot.start();
  } catch (error) {
    await pool.close(0);
    await bot.client.destroy();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason, inFlight: bot.busy }, 'shutting down');
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await bot.stop();
      await pool.close();
      log.info('shut down cleanly');
      markStopped();
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => void stop(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { bot, pool, stopped, stop };
}
