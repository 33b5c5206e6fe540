// Round trip through the four file formats: every Essen validation song written with folkbot's writers (ABC,
// MusicXML, **kern, MIDI) and read back with the seed readers; prints the share per format that gives the same
// notes (pitch, onset and length of every note, grace notes aside) and the first differences.
//   npx tsx scripts/formats-round-trip.ts [--data ../shared/data/essen/europa] [--limit N]
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isValidationSong } from '../src/model/data/dataset.js';
import { formatRoundTrips } from '../src/music/formats/round-trip.js';
import { parseKern } from '../src/music/kern-parse.js';
import { findKernFiles, readKernText } from '../src/util/kern-files.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data/essen/europa' }, limit: { type: 'string' } } });
const root = path.resolve(values.data ?? '');
if (!existsSync(root)) {
  console.log(`no Essen collection at ${root}: nothing to check (npm run fetch-essen)`);
  process.exit(0);
}
const files = findKernFiles(root)
  .filter((file) => isValidationSong(path.relative(root, file), 0.1, 1234))
  .slice(0, values.limit === undefined ? undefined : Number(values.limit));
const totals = new Map<string, { same: number; failures: string[] }>();
let songs = 0;
for (const file of files) {
  let melody;
  try {
    melody = parseKern(readKernText(file), file);
  } catch {
    continue;
  }
  songs++;
  for (const trip of formatRoundTrips(melody)) {
    const total = totals.get(trip.format) ?? { same: 0, failures: [] };
    if (trip.difference === null) total.same++;
    else total.failures.push(`${path.relative(root, file)}: ${trip.difference}`);
    totals.set(trip.format, total);
  }
}
console.log(`${songs} Essen validation songs (${root}), written and read back as seeds:`);
for (const [format, { same, failures }] of totals) {
  console.log(`  ${format.padEnd(9)} ${same}/${songs} the same notes (${((100 * same) / Math.max(1, songs)).toFixed(1)}%)`);
  for (const failure of failures.slice(0, 3)) console.log(`      ${failure}`);
}
