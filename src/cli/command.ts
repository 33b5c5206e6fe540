// The contract every `folkbot` subcommand fulfils. Commands are listed explicitly in ./commands.ts.

export interface CliCommand {
  readonly name: string;
  /** One line for `folkbot --help`. */
  readonly summary: string;
  /** Full usage text for `folkbot <name> --help`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** Bad command-line usage: printed as one message (no stack trace), exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
