// The contract every `folkbot` subcommand fulfils. Commands are listed explicitly in ./commands.ts.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliCommand {
  readonly name: string;
  /** One line for `folkbot --help`. */
  readonly summary: string;
  /** Full usage text for `folkbot <name> --help`. */
  readonly usage: string;
  /** Usage text that depends on the other arguments (e.g. the meters of the `--model` named); wins over usage. */
  help?(argv: readonly string[]): Promise<string>;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Bad command-line usage: printed as one message (no stack trace), exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** parseArgs with the options of one command; an unknown or malformed option becomes a UsageError. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
