// Fuzzing of the seed readers: truncated and bit-flipped copies of files folkbot writes (ABC, MusicXML, **kern,
// MIDI), each read as a seed file. Every read must end in a melody or in a SeedFileError (one clear message),
// never in another exception, and within 5 s. Reads run in a worker thread, so that a hang can be caught.
//   npx tsx scripts/fuzz-seed-readers.ts [--count 1000]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { writeAbc } from '../src/music/formats/abc-write.js';
import { writeMusicXml } from '../src/music/formats/musicxml-write.js';
import { readSeedFile } from '../src/music/formats/seed-file.js';
import { parseKern } from '../src/music/kern-parse.js';
import { writeKern } from '../src/music/kern-write.js';
import { melodyToMidi } from '../src/music/midi-write.js';

const HANG_MS = 5000;

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
}

type Reply = { readonly index: number; readonly outcome: 'read' | 'refused' | 'crashed'; readonly ms: number; readonly detail?: string };

if (!isMainThread) {
  const cases = workerData as Case[];
  for (let index = 0; index < cases.length; index++) {
    const job = cases[index]!;
    const started = performance.now();
    let reply: Reply;
    try {
      readSeedFile(job.bytes, job.name);
      reply = { index, outcome: 'read', ms: performance.now() - started };
    } catch (error) {
      const refused = error instanceof Error && error.name === 'SeedFileError';
      reply = { index, outcome: refused ? 'refused' : 'crashed', ms: performance.now() - started, ...(refused ? {} : { detail: String((error as Error).stack ?? error) }) };
    }
    parentPort?.postMessage(reply);
  }
} else {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' } } });
  const count = Number(values.count);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const melodies = ['pickup-mixed.krn', 'ode-to-joy.krn', 'twinkle.krn'].map((name) => parseKern(readFileSync(path.join(root, 'test/fixtures/kern', name), 'utf8'), name));
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const originals: Record<string, Uint8Array[]> = {
    abc: melodies.map((m) => text(writeAbc(m, { tempo: 100, chords: [{ tick: 0, symbol: 'G' }] }))),
    musicxml: melodies.map((m) => text(writeMusicXml(m, { tempo: 100, program: 40 }))),
    // The kern files include a polyphonic one (two spines), whose reader reduces it to the top voice.
    kern: [...melodies.map((m) => text(writeKern(m))), text(readFileSync(path.join(root, 'test/fixtures/kern/two-voices.krn'), 'utf8'))],
    midi: melodies.map((m) => melodyToMidi(m, { tempo: 100, program: 40 })),
  };
  const extension: Record<string, string> = { abc: 'abc', musicxml: 'musicxml', kern: 'krn', midi: 'mid' };
  let state = 20261201;
  const random = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % Math.max(1, n);
  };
  let failures = 0;
  for (const [format, files] of Object.entries(originals)) {
    const cases: Case[] = [];
    for (let i = 0; i < count; i++) {
      const original = files[i % files.length]!;
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = original.slice(0, random(original.length));
      } else {
        bytes = original.slice();
        for (let k = 0, flips = 1 + random(16); k < flips; k++) {
          const at = random(bytes.length);
          bytes[at] = (bytes[at] ?? 0) ^ (1 << random(8));
        }
      }
      cases.push({ name: `fuzz-${i}.${extension[format]}`, bytes });
    }
    const outcomes = { read: 0, refused: 0, crashed: 0, hung: 0 };
    let slowest = 0;
    let next = 0;
    while (next < cases.length) {
      const start = next;
      // A worker does not inherit tsx's loader: it registers it, then loads this file.
      const bootstrap = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`;
      const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: cases.slice(start) });
      await new Promise<void>((resolve) => {
        let timer = setTimeout(onHang, HANG_MS + 10_000); // the first read also loads the readers
        function onHang(): void {
          outcomes.hung++;
          console.log(`  HANG ${format} case ${next}`);
          next++;
          void worker.terminate().then(() => resolve());
        }
        worker.on('message', (reply: Reply) => {
          clearTimeout(timer);
          timer = setTimeout(onHang, HANG_MS);
          outcomes[reply.outcome]++;
          slowest = Math.max(slowest, reply.ms);
          if (reply.outcome === 'crashed') console.log(`  CRASH ${format} case ${start + reply.index}: ${reply.detail?.split('\n').slice(0, 3).join(' | ')}`);
          next = start + reply.index + 1;
          if (next === cases.length) {
            clearTimeout(timer);
            void worker.terminate().then(() => resolve());
          }
        });
        worker.on('error', (error) => {
          clearTimeout(timer);
          outcomes.crashed++;
          console.log(`  CRASH ${format} case ${next} (worker): ${error.message}`);
          next++;
          resolve();
        });
      });
    }
    failures += outcomes.crashed + outcomes.hung;
    console.log(`${format.padEnd(9)} ${count} damaged files: ${outcomes.read} read, ${outcomes.refused} refused with a message, ${outcomes.crashed} crashes, ${outcomes.hung} hangs; slowest read ${slowest.toFixed(1)} ms`);
  }
  process.exitCode = failures > 0 ? 1 : 0;
}
