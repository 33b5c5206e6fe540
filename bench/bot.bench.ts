// Bot latency and memory through the fake Discord: the real `folkbot bot` process (discord.js, worker pool)
// against test/fake-discord, timing INTERACTION_CREATE -> final reply for 1 and 50 concurrent /compose, and the
// bot process's peak RSS (VmHWM). Compose work is the fake service's (deterministic melody, real MIDI and
// resvg PNG) unless --real is given, which uses the real pipeline on FOLKBOT_MODEL_DIR (default models/default).
//   npm run bench:bot [-- --real] [-- --rounds N] [-- --workers N] [-- --audio mp3|opus] [-- --profile DIR]
//   [-- --accompaniment none|chords|full] (default: the bot's own default)
//   npm run bench:bot -- --soak 5000 [--real]: N tunes (4 at a time, each from a new user), printing the bot
//   process's RSS every 500 tunes and its growth after the first 500 (memory kept by work shows as growth).
// --node-arg passes an option to the bot's node (repeatable), e.g. --node-arg=--max-semi-space-size=4. The bot
// starts with the settings `npm run bot` gives it (src/bot/process-settings.ts); --plain-process leaves them out.
// --profile writes V8 CPU profiles of the bot process and its compose workers into DIR (open in Chrome DevTools).
// FOLKBOT_OPUS_ENGINE=wasm (or native) in this process picks the bot's libopus, for an A/B of the two.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FakeDiscord } from '../test/fake-discord/fake-discord.js';
import { FAKE_SERVICE, TEST_TOKEN, writeFakeModel } from '../test/bot/harness.js';
import { registerCommands } from '../src/bot/register-commands.js';
import { BOT_ENVIRONMENT, BOT_NODE_OPTIONS } from '../src/bot/process-settings.js';

const { values } = parseArgs({ options: { real: { type: 'boolean' }, rounds: { type: 'string' }, workers: { type: 'string' }, audio: { type: 'string' }, accompaniment: { type: 'string' }, profile: { type: 'string' }, 'node-arg': { type: 'string', multiple: true }, soak: { type: 'string' }, 'plain-process': { type: 'boolean' } } });
const rounds = Number(values.rounds ?? 3);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** CPU time (user + system, all threads) the process has used so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the ") " that ends the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** CPU time (ms) of each thread of a process so far, by thread id, with the thread's name. */
function threadCpu(pid: number): Map<string, { name: string; ms: number }> {
  const threads = new Map<string, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      threads.set(tid, { name, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return threads;
}

/** VmHWM (peak) or VmRSS (now) of a process, in MB. */
function rssMb(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** --soak: `total` tunes, `SOAK_CONCURRENCY` at a time; RSS every 500, growth measured from the 500th tune. */
const SOAK_CONCURRENCY = 4;
const SOAK_STEP = 500;
async function soak(total: number, one: (i: number) => Promise<number>, pid: number, warmRss: number): Promise<void> {
  if (!Number.isInteger(total) || total < SOAK_STEP) throw new Error(`--soak takes a number of tunes of at least ${SOAK_STEP} (got ${values.soak})`);
  console.log(`folkbot bot soak (${values.real ? 'real compose pipeline' : 'fake compose service'}, ${workers} workers, ${values.audio ?? 'opus'} audio, ${SOAK_CONCURRENCY} at a time, Node ${process.version})`);
  console.log(`  after warm-up: RSS ${warmRss.toFixed(0)} MB`);
  const started = performance.now();
  let baseline = NaN;
  for (let done = 0; done < total; ) {
    const batch = Math.min(SOAK_CONCURRENCY, total - done);
    await Promise.all(Array.from({ length: batch }, (_, k) => one(10_000 + done + k)));
    done += batch;
    if (done % SOAK_STEP === 0 || done === total) {
      const rss = rssMb(pid, 'VmRSS');
      if (done === SOAK_STEP) baseline = rss;
      const growth = Number.isNaN(baseline) ? '' : `, ${(((rss - baseline) / baseline) * 100).toFixed(1)}% against tune ${SOAK_STEP}`;
      console.log(`  ${String(done).padStart(6)} tunes: RSS ${rss.toFixed(0)} MB, peak ${rssMb(pid).toFixed(0)} MB${growth}  (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  const last = rssMb(pid, 'VmRSS');
  console.log(`  growth after the first ${SOAK_STEP}: ${(((last - baseline) / baseline) * 100).toFixed(1)}%   (goal: < 10%); peak RSS (VmHWM) ${rssMb(pid).toFixed(0)} MB   (goal: < 300 MB)`);
}

/** The default run: 1 at a time, then bursts of 50, with CPU per tune and peak RSS. */
async function latencies(one: (i: number) => Promise<number>, warmRss: number, idleRss: number): Promise<void> {
  const single: number[] = [];
  for (let i = 0; i < 20 * rounds; i++) single.push(await one(1000 + i));
  const burst: number[] = [];
  const cpuBefore = { bot: cpuMs(child.pid!), bench: process.cpuUsage(), threads: threadCpu(child.pid!) };
  for (let r = 0; r < rounds; r++) burst.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => one(2000 + r * 50 + i)))));
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  const cpuPerTune = { bot: (cpuMs(child.pid!) - cpuBefore.bot) / burst.length, fake: (benchCpu.user + benchCpu.system) / 1000 / burst.length };
  const busiest = [...threadCpu(child.pid!)]
    .map(([tid, { name, ms }]) => ({ tid, name, ms: (ms - (cpuBefore.threads.get(tid)?.ms ?? 0)) / burst.length }))
    .filter((thread) => thread.ms >= 1)
    .sort((a, b) => b.ms - a.ms);

  single.sort((a, b) => a - b);
  burst.sort((a, b) => a - b);
  const rss = rssMb(child.pid!);
  const format = (ms: number): string => `${ms.toFixed(0)} ms`;
  console.log(`folkbot bot benchmark (${values.real ? 'real compose pipeline' : 'fake compose service'}, ${workers} workers, ${values.audio ?? 'opus'} audio, accompaniment ${values.accompaniment ?? 'default'}, Node ${process.version})`);
  console.log(`  1 at a time : n=${single.length}  median ${format(percentile(single, 50))}  p95 ${format(percentile(single, 95))}   (goal: median < 1000 ms)`);
  console.log(`  50 at once  : n=${burst.length}  median ${format(percentile(burst, 50))}  p95 ${format(percentile(burst, 95))}   (goal: p95 < 5000 ms)`);
  console.log(`  CPU per tune in the bursts: bot process ${cpuPerTune.bot.toFixed(0)} ms, fake Discord and bench ${cpuPerTune.fake.toFixed(0)} ms`);
  console.log(`    by thread: ${busiest.map((t) => `${t.name}#${t.tid} ${t.ms.toFixed(0)} ms`).join(', ')}`);
  console.log(`  bot process peak RSS (VmHWM): ${rss.toFixed(0)} MB   (goal: < 300 MB); RSS when started ${idleRss.toFixed(0)} MB, after one tune per worker ${warmRss.toFixed(0)} MB`);
}

const fake = new FakeDiscord({ token: TEST_TOKEN });
await fake.start();
const modelsRoot = await mkdtemp(path.join(tmpdir(), 'folkbot-bench-'));
await writeFakeModel(path.join(modelsRoot, 'default'), JSON.stringify({ name: 'fake-bench' }));
// Unless given, workers and audio are the bot's defaults (one worker per core but one; Ogg Opus).
const workers = values.workers ?? String(Math.max(1, availableParallelism() - 1));
const profileArgs = values.profile ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values.profile)] : [];
// The bot starts as `npm run bot` starts it (src/bot/process-settings.ts), unless --plain-process.
const child = spawn(process.execPath, [...profileArgs, ...(values['plain-process'] ? [] : BOT_NODE_OPTIONS), ...(values['node-arg'] ?? []), path.join(repoRoot, 'bin/folkbot.js'), 'bot'], {
  cwd: modelsRoot,
  env: {
    PATH: process.env.PATH,
    // glibc's malloc settings: this process's, if it has them.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('MALLOC_'))),
    ...(values['plain-process'] ? {} : Object.fromEntries(Object.entries(BOT_ENVIRONMENT).map(([name, value]) => [name, process.env[name] ?? value]))),
    DISCORD_TOKEN: TEST_TOKEN,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.apiUrl,
    FOLKBOT_MODEL_DIR: values.real ? path.resolve(repoRoot, process.env.FOLKBOT_MODEL_DIR ?? 'models/default') : path.join(modelsRoot, 'default'),
    ...(values.real ? {} : { FOLKBOT_COMPOSE_MODULE: FAKE_SERVICE }),
    FOLKBOT_WORKERS: workers,
    ...(values.audio ? { FOLKBOT_AUDIO: values.audio } : {}),
    // Which libopus the bot encodes with (src/render/ogg-opus.ts): this process's setting, if it has one.
    ...(process.env.FOLKBOT_OPUS_ENGINE ? { FOLKBOT_OPUS_ENGINE: process.env.FOLKBOT_OPUS_ENGINE } : {}),
    FOLKBOT_COOLDOWN_SECONDS: '0',
    FOLKBOT_QUEUE_LIMIT: '200',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

try {
  await registerCommands({ token: TEST_TOKEN, applicationId: fake.applicationId, guildId: fake.guildId, apiUrl: fake.apiUrl });
  await fake.waitForConnection(60_000);
  await new Promise((r) => setTimeout(r, 300));
  const idleRss = rssMb(child.pid!, 'VmRSS');
  let userId = 500000000000000000n;
  const one = async (i: number): Promise<number> => {
    userId += 1n;
    const interaction = fake.sendCommand('compose', { bars: 16, random_seed: i, ...(values.accompaniment ? { accompaniment: values.accompaniment } : {}) }, { id: String(userId), username: `bench${userId}` });
    const reply = await interaction.finalReply(120_000);
    // A tune comes with its score, MIDI, audio, kern and MusicXML (and the ABC when it does not fit in the text).
    if (!reply.message.files.some((file) => /^tune\.(ogg|mp3)$/.test(file.filename))) throw new Error(`request ${i} got no tune: ${reply.message.content}`);
    return reply.at - interaction.createdAt;
  };
  // Warm-up: the first compose in each worker pays for lazy initialisation.
  await Promise.all(Array.from({ length: Number(workers) }, (_, i) => one(i)));
  const warmRss = rssMb(child.pid!, 'VmRSS');
  if (values.soak !== undefined) await soak(Number(values.soak), one, child.pid!, warmRss);
  else await latencies(one, warmRss, idleRss);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await fake.close();
  await rm(modelsRoot, { recursive: true, force: true });
}
