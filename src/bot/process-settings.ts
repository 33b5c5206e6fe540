// Settings of the bot's process that only take effect when the process starts, so they cannot be set from inside:
// `npm run bot` starts node with them, the shard processes of `folkbot bot --shards` get them from their manager,
// `npm run bench:bot` starts the bot it measures with them, and a bot started some other way warns at start.
// Measured with `npm run bench:bot -- --real --rounds 1` (one compose worker and the engraver, 2026-12-01, quiet
// machine), the CPU per tune the same within the noise (407-418 ms) each time:
// - glibc gives each thread that allocates its own malloc arena (up to 8 a core), and memory freed in one stays
//   there: with the bot's dozen threads, peak RSS 305 without MALLOC_ARENA_MAX against 270 MB with 2.
// - The main thread's V8 young generation grew to V8's default 16 MB semi-spaces (58 MB of heap committed for 22 MB
//   live after a full collection, `--trace-gc`): with 2 MB semi-spaces, as the worker threads already have
//   (run-bot.ts), peak RSS 268-274 against 238 MB.
/** Environment the bot's process must start with (defaults: a value already set is kept). */
export const BOT_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Node options the bot's process must start with. */
export const BOT_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=2'];

/**
 * What this process lacks of those settings, in words (empty when it has them all). `execArgv` and `env` are the
 * process's own unless given.
 */
export function missingProcessSettings(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  // glibc's malloc reads it; other C libraries (and other systems) have no such setting.
  if (process.platform === 'linux') {
    for (const name of Object.keys(BOT_ENVIRONMENT)) if (env[name] === undefined) missing.push(`${name} is not set`);
  }
  const nodeOptions = (env.NODE_OPTIONS ?? '').split(/\s+/);
  for (const option of BOT_NODE_OPTIONS) {
    const flag = option.split('=')[0]!;
    // V8 takes its flags with - or _ between the words.
    const given = (arg: string): boolean => arg.replaceAll('_', '-').split('=')[0] === flag;
    if (!execArgv.some(given) && !nodeOptions.some(given)) missing.push(`node was started without ${option}`);
  }
  return missing;
}
