// Every subcommand, loaded lazily so that `folkbot compose` does not pay for the bot's imports and vice versa.
import type { CliCommand } from './command.js';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

export const commands: readonly CommandEntry[] = [
];
