// `folkbot <command> [options]`: a thin dispatcher over the commands in ./commands.ts.
import { commands } from './commands.js';
import { UsageError } from './command.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['Usage: folkbot <command> [options]', '', 'Commands:', ...lines, '', 'Run `folkbot <command> --help` for its options.'].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview() + '\n');
    return name === undefined ? 2 : 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`folkbot: unknown command "${name}".\n\n${overview()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write((command.help ? await command.help(rest) : command.usage) + '\n');
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`folkbot ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The message, not the class (ModelFolderError, TrainingError...): every folkbot error says what and where.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`folkbot: ${message}\n`);
    if (process.env.FOLKBOT_DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
