// The one pino logger for surfaces (CLI, scripts, bot). Library code under src/music and src/model never logs
// directly: it reports progress through callbacks. Level from LOG_LEVEL; written to stderr so stdout stays clean
// for command output (`--json`).
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

import pinoPretty from 'pino-pretty';

let shared: Logger | undefined;

const OPTIONS = {
  level: process.env.LOG_LEVEL ?? 'info',
  base: { app: 'folkbot' },
  redact: { paths: ['token', '*.token', 'config.discordToken', 'headers.authorization'], censor: '[redacted]' },
};

export function logger(): Logger {
  shared ??= pino(OPTIONS, pino.destination(2));
  return shared;
}

/**
 * A logger for a person at a terminal: the same records (level, redaction), written as one readable line each
 * ("12:03:04 WARN: interrupt: ... epoch=3") through `write`, e.g. above a progress bar. JSON stays the form
 * for anything that is not a terminal (logger()).
 */
export function terminalLogger(write: (text: string) => void, colorize: boolean): Logger {
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      write(chunk.toString());
      done();
    },
  });
  const pretty = pinoPretty({ destination, sync: true, colorize, singleLine: true, ignore: 'pid,hostname,app,command', translateTime: 'SYS:HH:MM:ss' });
  return pino(OPTIONS, pretty);
}
