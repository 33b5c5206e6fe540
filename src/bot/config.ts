// The bot's settings, read once at start-up from the environment (after dotenv loads .env) into a frozen,
// typed object. Every problem is reported, one clear line each, before the bot starts; see .env.example.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { AUDIO_CODECS, type AudioCodec } from '../compose/compose-options.js';
import { OPUS_ENGINE_CHOICES, OPUS_ENGINE_VARIABLE } from '../render/ogg-opus.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface BotConfig {
  readonly discordToken: string;
  readonly applicationId: string;
  /** The home guild: commands are registered there when set, and /reload-model only works there. */
  readonly guildId: string | undefined;
  /** Absolute path of the model folder. */
  readonly modelDir: string;
  readonly logLevel: LogLevel;
  readonly workers: number;
  /** Codec of the audio previews: 'opus' (.ogg, the default: half the CPU per tune) or 'mp3' (plays on every client). */
  readonly audio: AudioCodec;
  readonly cooldownSeconds: number;
  readonly queueLimit: number;
  /** REST base URL handed to discord.js (`rest.api`); the gateway URL comes from its GET /gateway/bot. */
  readonly apiUrl: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SNOWFLAKE = /^\d{17,20}$/;
/** Bot tokens are three base64url parts joined by dots. */
const TOKEN = /^[\w-]+\.[\w-]+\.[\w-]+$/;

export const DEFAULT_API_URL = 'https://discord.com/api';

export function loadBotConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): BotConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const token = text('DISCORD_TOKEN');
  if (token === undefined) problems.push('DISCORD_TOKEN is missing: set it to the bot token from the Discord developer portal (Bot > Token)');
  // The token itself never goes into a message.
  else if (!TOKEN.test(token)) problems.push('DISCORD_TOKEN does not look like a bot token (three dot-separated parts, no spaces or "Bot " prefix)');

  const applicationId = text('DISCORD_APPLICATION_ID');
  if (applicationId === undefined) problems.push('DISCORD_APPLICATION_ID is missing: set it to the application id (General Information > Application ID)');
  else if (!SNOWFLAKE.test(applicationId)) problems.push(`DISCORD_APPLICATION_ID must be a Discord id of 17 to 20 digits (got "${applicationId}")`);

  const guildId = text('DISCORD_GUILD_ID');
  if (guildId !== undefined && !SNOWFLAKE.test(guildId)) problems.push(`DISCORD_GUILD_ID must be a Discord id of 17 to 20 digits (got "${guildId}")`);

  const logLevel = (text('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  const apiUrl = text('DISCORD_API_URL') ?? DEFAULT_API_URL;
  try {
    const url = new URL(apiUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    problems.push(`DISCORD_API_URL must be an http(s) URL such as ${DEFAULT_API_URL} (got "${apiUrl}")`);
  }

  // Each compose keeps two threads busy (its worker and the shared engraver): one worker per spare core.
  const workers = integer('FOLKBOT_WORKERS', Math.max(1, availableParallelism() - 1), 1, 64);
  // Opus by default: half the CPU of MP3 per tune, which is what lets one small machine answer 50 requests at once
  // within 5 s (bench:bot); FOLKBOT_AUDIO=mp3 for communities whose clients do not play .ogg.
  const audio = (text('FOLKBOT_AUDIO') ?? 'opus').toLowerCase();
  if (!(AUDIO_CODECS as readonly string[]).includes(audio)) problems.push(`FOLKBOT_AUDIO must be ${AUDIO_CODECS.join(' or ')} (got "${audio}")`);
  // Read by the Opus encoder itself (render/ogg-opus.ts); checked here so that a typo stops the bot at start
  // instead of failing every tune.
  const opusEngine = text(OPUS_ENGINE_VARIABLE)?.toLowerCase();
  if (opusEngine !== undefined && !(OPUS_ENGINE_CHOICES as readonly string[]).includes(opusEngine)) {
    problems.push(`${OPUS_ENGINE_VARIABLE} must be ${OPUS_ENGINE_CHOICES.join(', ')} or unset (got "${opusEngine}")`);
  }
  const cooldownSeconds = integer('FOLKBOT_COOLDOWN_SECONDS', 10, 0, 3600);
  const queueLimit = integer('FOLKBOT_QUEUE_LIMIT', 20, 0, 10_000);

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    discordToken: token!,
    applicationId: applicationId!,
    guildId,
    modelDir: path.resolve(cwd, text('FOLKBOT_MODEL_DIR') ?? 'models/default'),
    logLevel: logLevel as LogLevel,
    workers,
    audio: audio as AudioCodec,
    cooldownSeconds,
    queueLimit,
    apiUrl: apiUrl.replace(/\/+$/, ''),
  });
}
