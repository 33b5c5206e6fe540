// `folkbot <command> [options]`: a thin dispatcher over the commands in ./commands.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands } from './commands.js';
import { UsageError } from './command.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['Usage: folkbot <command> [options]', '', 'Commands:', ...lines, '', 'Run `folkbot <command> --help` for its options, `folkbot --version` for the version.'].join('\n');
}

/** folkbot's version, from the package.json above this file (src/cli/ or its compiled copy under dist/). */
function version(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'folkbot' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`folkbot ${version()} (node ${process.versions.node})\n`);
    return 0;
  }
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
