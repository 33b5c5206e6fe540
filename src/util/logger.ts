// The one pino logger for surfaces (CLI, scripts, bot). Library code under src/music and src/model never logs
// directly: it reports progress through callbacks. Level from LOG_LEVEL; written to stderr so stdout stays clean
// for command output (`--json`).
import { pino, type Logger } from 'pino';

let shared: Logger | undefined;

export function logger(): Logger {
  shared ??= pino(
    {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { app: 'folkbot' },
      redact: { paths: ['token', '*.token', 'config.discordToken', 'headers.authorization'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
  return shared;
}
