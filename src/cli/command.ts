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

/** Distance between two option names (Levenshtein), for "did you mean". */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known option closest to `name` (a typo, a missing letter, a prefix), or undefined when none is close. */
export function closestOption(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of known) {
    const distance = option.startsWith(name) && name.length >= 3 ? 0.5 : editDistance(name, option);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = option;
    }
  }
  return bestDistance <= Math.max(1, Math.min(2, Math.floor(name.length / 3))) ? best : undefined;
}

/**
 * parseArgs with the options of one command; an unknown or malformed option becomes a UsageError in folkbot's
 * words (node's own messages speak of "ambiguous" arguments and positionals). A value that is a negative
 * number (`--temperature -1`) is taken as the value, so that the option's range check can answer it.
 */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T) {
  const names = Object.keys(options);
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const option = arg.startsWith('--') && !arg.includes('=') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(optionErrorText(error, names));
  }
}

function optionErrorText(error: unknown, names: readonly string[]): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  const quoted = /'(-[^' ]*)/.exec(text)?.[1];
  const list = `the options are ${names.map((n) => `--${n}`).join(', ')}`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    const guess = closestOption(quoted.replace(/^-+/, ''), names);
    return `unknown option ${quoted}; ${guess !== undefined ? `did you mean --${guess}?` : `${list} (see --help)`}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    if (/argument missing|ambiguous/.test(text)) return `${quoted} needs a value after it (see --help)`;
    if (/does not take an argument/.test(text)) return `${quoted} takes no value: give it alone`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const argument = /argument '([^']*)'/.exec(text)?.[1] ?? '';
    return `unexpected argument "${argument}": every value follows its option, as in --bars 16 (quote values with spaces: --seed "4c 4e")`;
  }
  return text.split('\n')[0] ?? text;
}
