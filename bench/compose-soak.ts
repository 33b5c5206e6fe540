// The compose soak of `npm run bench:compose -- --soak N` (see compose.bench.ts): N composes in this process
// through Composer.compose as the bot's compose worker calls it (the shipped model, Ogg Opus audio, the default
// accompaniment, the PNG score from the verovio engraver thread), with requests varied as users send them. Every
// `every` composes, after a full garbage collection, it prints the JS heap used, external and ArrayBuffer memory
// and RSS, and where the RSS lies (/proc/self/smaps: WebAssembly memories, malloc's brk heap, other anonymous
// memory, files); at the end the growth of the heap and RSS after the first checkpoint, against the goal
// (heap growth < 10%).
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type { Composer } from '../src/compose/composer.js';
import { ComposeOptionError } from '../src/compose/compose-options.js';
import type { ComposeOptions } from '../src/compose/types.js';
import { KEY_CHOICES, MODES, SEED_EXAMPLE } from '../src/bot/compose-options.js';
import { SeedError } from '../src/music/errors.js';
import { createRandom, type Random } from '../src/util/random.js';

/** The soak's goal: JS heap growth after the first checkpoint. */
export const HEAP_GROWTH_GOAL = 0.1;

/** Seeds of the kind users type: short openings, dotted rhythms, a pickup, rests, accidentals, triplets. */
const SEEDS = [
  SEED_EXAMPLE,
  '4g 8a 8g 4e 4c',
  '8.g 16a 8g 8e 4c',
  '8g | 4c 4e 4g 4e',
  '4r 8e- 8f 4g',
  '4e 4e 4f 4g 4g 4f 4e 4d',
  '8d 8e 8f# 8g 4a 4d',
  '12c 12d 12e 4f 4g',
  '2c 4e 4g',
  '8a 8b 8cc 8b 4a 4e',
];

/** Titles: none (the default "Folk tune no. N"), plain, long, with markup and non-Latin letters. */
const TITLES: readonly (string | undefined)[] = [
  undefined,
  undefined,
  'The Miller of Dee',
  'A <b>bold</b> & "quoted" song',
  'Am Brunnen vor dem Tore, wo die Linde steht und rauscht im kühlen Abendwind',
  '茉莉花',
  'Dla Ciebie, Małgosiu',
];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.int(items.length)]!;
}

/**
 * One request as users send them: every meter the model offers (or none: the style's usual one), 4-32 bars,
 * with and without a seed, every style (or none: the first), sometimes a key, mode, temperature, tempo or title,
 * and a random seed drawn over the whole range. The accompaniment and instrument are left to their defaults.
 */
export function soakRequest(random: Random, meters: readonly string[], styles: readonly string[]): Partial<ComposeOptions> {
  const meterText = random.next() < 0.2 ? undefined : pick(random, meters);
  const [numerator, denominator] = (meterText ?? '4/4').split('/').map(Number) as [number, number];
  const style = random.next() < 0.15 || styles.length === 0 ? undefined : pick(random, styles);
  const title = pick(random, TITLES);
  return {
    seed: random.next() < 0.5 ? '' : pick(random, SEEDS),
    bars: 4 + random.int(29),
    ...(meterText !== undefined ? { meter: { numerator, denominator } } : {}),
    ...(style !== undefined ? { style } : {}),
    ...(random.next() < 0.3 ? { key: pick(random, KEY_CHOICES).value } : {}),
    ...(random.next() < 0.3 ? { mode: pick(random, MODES) } : {}),
    temperature: random.next() < 0.3 ? 0.5 + random.next() : 1,
    tempo: random.next() < 0.3 ? 60 + random.int(121) : 100,
    randomSeed: random.int(2_147_483_648),
    ...(title !== undefined ? { title } : {}),
  };
}

/** Resident memory of this process by kind of mapping, in MB, from /proc/self/smaps. */
export interface ResidentParts {
  /**
   * WebAssembly memories (tfjs's wasm backend, verovio, resvg, the Opus encoder...): V8 reserves 10 GiB of address
   * space for each and makes its first pages accessible, so a memory is an anonymous read-write mapping followed
   * at once by an inaccessible one, together at least WASM_RESERVATION_BYTES.
   */
  readonly wasm: number;
  readonly wasmMemories: number;
  /** glibc malloc's main arena, the brk heap ([heap]). */
  readonly brk: number;
  /**
   * glibc malloc's thread arenas: each a 64 MiB-aligned window of 64 MiB, mapped inaccessible and made read-write
   * from its start as it fills (an anonymous read-write mapping at a 64 MiB boundary, followed by an inaccessible
   * one up to the next).
   */
  readonly arenas: number;
  /** Other anonymous memory: V8's heap pages, malloc's large blocks (mmap'd one by one), thread stacks. */
  readonly anonymous: number;
  /** File-backed pages (node, shared libraries). */
  readonly files: number;
}

const WASM_RESERVATION_BYTES = 4 * 2 ** 30;
const ARENA_BYTES = 64 * 2 ** 20;

interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly name: string;
  readonly anonymous: boolean;
  rss: number;
}

export function residentParts(smaps = readFileSync('/proc/self/smaps', 'utf8')): ResidentParts {
  const mappings: Mapping[] = [];
  for (const line of smaps.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (header) {
      const name = header[5]!.trim();
      mappings.push({ start: Number.parseInt(header[1]!, 16), end: Number.parseInt(header[2]!, 16), perms: header[3]!, name, anonymous: header[4] === '0' && !name.startsWith('/'), rss: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && mappings.length > 0) mappings[mappings.length - 1]!.rss = Number(rss[1]) / 1024;
  }
  const wasm = new Set<Mapping>();
  let wasmMemories = 0;
  mappings.forEach((mapping, index) => {
    const before = mappings[index - 1];
    if (!mapping.anonymous || mapping.name !== '' || !mapping.perms.startsWith('---')) return;
    const withBefore = before !== undefined && before.anonymous && before.name === '' && before.end === mapping.start && before.perms.startsWith('rw');
    if ((withBefore ? mapping.end - before.start : mapping.end - mapping.start) < WASM_RESERVATION_BYTES) return;
    wasmMemories++;
    wasm.add(mapping);
    if (withBefore) wasm.add(before);
  });
  const arenas = new Set<Mapping>();
  mappings.forEach((mapping, index) => {
    const after = mappings[index + 1];
    if (!mapping.anonymous || mapping.name !== '' || !mapping.perms.startsWith('rw') || mapping.start % ARENA_BYTES !== 0 || wasm.has(mapping)) return;
    const end = mapping.start + ARENA_BYTES;
    const rest = after !== undefined && after.anonymous && after.name === '' && after.start === mapping.end && after.perms.startsWith('---') && after.end === end;
    if (mapping.end === end || rest) arenas.add(mapping);
  });
  const sum = (of: (mapping: Mapping) => boolean): number => mappings.filter(of).reduce((total, mapping) => total + mapping.rss, 0);
  return {
    wasm: sum((mapping) => wasm.has(mapping)),
    wasmMemories,
    brk: sum((mapping) => mapping.name === '[heap]'),
    arenas: sum((mapping) => arenas.has(mapping)),
    anonymous: sum((mapping) => mapping.anonymous && mapping.name !== '[heap]' && !wasm.has(mapping) && !arenas.has(mapping)),
    files: sum((mapping) => !mapping.anonymous),
  };
}

interface Reading {
  readonly composes: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  readonly parts: ResidentParts;
}

const MB = 1024 * 1024;

function read(composes: number, gc: () => void): Reading {
  // Twice: the first collection's finalizers (wasm objects, ArrayBuffers) free more for the second.
  gc();
  gc();
  const usage = process.memoryUsage();
  return { composes, heapUsed: usage.heapUsed / MB, external: usage.external / MB, arrayBuffers: usage.arrayBuffers / MB, rss: usage.rss / MB, parts: residentParts() };
}

function describe(reading: Reading): string {
  const { parts } = reading;
  return (
    `heap ${reading.heapUsed.toFixed(1)} MB, external ${reading.external.toFixed(1)} MB (arrayBuffers ${reading.arrayBuffers.toFixed(1)}), RSS ${reading.rss.toFixed(0)} MB ` +
    `= wasm ${parts.wasm.toFixed(0)} (${parts.wasmMemories} memories) + malloc ${parts.brk.toFixed(0)} brk, ${parts.arenas.toFixed(0)} arenas + other anonymous ${parts.anonymous.toFixed(0)} + files ${parts.files.toFixed(0)}`
  );
}

const percent = (from: number, to: number): string => `${to >= from ? '+' : ''}${(((to - from) / from) * 100).toFixed(1)}%`;

export interface SoakSettings {
  readonly total: number;
  readonly every: number;
  /** Seed of the request generator (the requests are the same run to run). */
  readonly requestSeed: number;
  /** Write heap snapshots into this folder at the first checkpoint and the last (after the reading), to diff. */
  readonly snapshotDir?: string;
  readonly label: string;
}

/** Runs the soak on an open composer; returns whether the heap goal was met. */
export async function composeSoak(composer: Composer, settings: SoakSettings): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the soak needs node --expose-gc (npm run bench:compose passes it)');
  const { total, every } = settings;
  if (!Number.isInteger(total) || !Number.isInteger(every) || every < 1 || total < 2 * every) {
    throw new Error(`--soak takes a whole number of composes of at least twice --every (${every}) (got ${total})`);
  }
  if (settings.snapshotDir) mkdirSync(settings.snapshotDir, { recursive: true });
  const random = createRandom(settings.requestSeed);
  const styles = composer.styles.map((style) => style.name);
  console.log(`compose soak: ${total} composes in one process (${settings.label}, Node ${process.version})`);
  console.log(`  meters ${composer.meters.join(' ')}; styles ${styles.join(' ')}; 4-32 bars; request seed ${settings.requestSeed}`);
  const start = read(0, gc);
  console.log(`  after open:    ${describe(start)}`);
  const readings: Reading[] = [];
  let refused = 0;
  let totalMs = 0;
  const started = performance.now();
  for (let done = 1; done <= total; done++) {
    const request = soakRequest(random, composer.meters, styles);
    const t0 = performance.now();
    try {
      await composer.compose(request);
    } catch (error) {
      // A request users get a message for (a seed too long for its bars in 3/8, say) counts as refused.
      if (!(error instanceof SeedError || error instanceof ComposeOptionError)) throw error;
      refused++;
    }
    totalMs += performance.now() - t0;
    if (done % 100 === 0 && done % every !== 0) {
      process.stdout.write(`  ${String(done).padStart(6)} composes, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
    if (done % every === 0) {
      const reading = read(done, gc);
      readings.push(reading);
      console.log(
        `  ${String(done).padStart(6)} composes: ${describe(reading)}` +
          `${readings.length > 1 ? `; heap ${percent(readings[0]!.heapUsed, reading.heapUsed)}, RSS ${percent(readings[0]!.rss, reading.rss)} against ${readings[0]!.composes}` : ''}` +
          `  (${((performance.now() - started) / 1000).toFixed(0)} s, ${(totalMs / done).toFixed(0)} ms a compose, ${refused} refused)`,
      );
      if (settings.snapshotDir && (done === every || done + every > total)) console.log(`    heap snapshot ${writeHeapSnapshot(path.join(settings.snapshotDir, `compose-soak-${done}.heapsnapshot`))}`);
    }
  }
  const first = readings[0]!;
  const last = readings[readings.length - 1]!;
  const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
  const heapGrowth = (last.heapUsed - first.heapUsed) / first.heapUsed;
  const met = heapGrowth < HEAP_GROWTH_GOAL;
  console.log(`growth from compose ${first.composes} to ${last.composes}:`);
  console.log(`  JS heap ${first.heapUsed.toFixed(1)} -> ${last.heapUsed.toFixed(1)} MB (${percent(first.heapUsed, last.heapUsed)}; goal < +${HEAP_GROWTH_GOAL * 100}%: ${met ? 'met' : 'NOT met'})`);
  console.log(`  external ${first.external.toFixed(1)} -> ${last.external.toFixed(1)} MB; arrayBuffers ${first.arrayBuffers.toFixed(1)} -> ${last.arrayBuffers.toFixed(1)} MB`);
  console.log(`  RSS ${first.rss.toFixed(0)} -> ${last.rss.toFixed(0)} MB (${percent(first.rss, last.rss)}), peak ${peakRss.toFixed(0)} MB`);
  console.log(
    `  RSS parts: wasm ${first.parts.wasm.toFixed(0)} -> ${last.parts.wasm.toFixed(0)}, brk ${first.parts.brk.toFixed(0)} -> ${last.parts.brk.toFixed(0)}, ` +
      `other anonymous ${first.parts.anonymous.toFixed(0)} -> ${last.parts.anonymous.toFixed(0)}, files ${first.parts.files.toFixed(0)} -> ${last.parts.files.toFixed(0)} MB`,
  );
  console.log(`  ${total} composes (${refused} refused) in ${((performance.now() - started) / 1000).toFixed(0)} s, ${(totalMs / total).toFixed(0)} ms a compose`);
  return met;
}
