// `npx tsx bench/dataset.bench.ts [--data DIR] [--filter default|reference]`: the training-data builder on a
// corpus, for both encodings: build time with no cache, from the parsed-corpus cache and from the dataset cache
// (a fresh cache folder under the system temp dir, deleted afterwards), and what each encoding makes of the corpus:
// songs represented, vocabulary size, tokens per note.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildTrainingData, type CorpusFilter } from '../src/model/data/dataset.js';
import type { EncodingName } from '../src/model/encodings/encoding.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: { data: { type: 'string' }, filter: { type: 'string', default: 'default' } },
});
const dataDir = path.resolve(values.data ?? path.join(repoRoot, '../shared/data/essen/europa'));
const filter = values.filter as CorpusFilter;
if (filter !== 'default' && filter !== 'reference') throw new Error(`--filter must be default or reference, got ${filter}`);

const cacheDir = mkdtempSync(path.join(tmpdir(), 'folkbot-dataset-bench-'));
try {
  console.log(`data ${dataDir}, filter ${filter}`);
  for (const encoding of ['events', 'steps'] as EncodingName[]) {
    const build = (): ReturnType<typeof buildTrainingData> => buildTrainingData({ dataDir, encoding, filter, cacheDir });
    // Empty cache, then only the parsed corpus cached, then the whole dataset cached.
    for (const name of readdirSync(cacheDir)) rmSync(path.join(cacheDir, name));
    const cold = build();
    for (const name of readdirSync(cacheDir)) if (name.startsWith('dataset-')) rmSync(path.join(cacheDir, name));
    const corpusCached = build();
    const datasetCached = build();
    const s = cold.summary;
    const tokens = s.trainTokens + s.validationTokens;
    console.log(
      `${encoding.padEnd(6)}  build ${s.seconds.toFixed(2)} s no cache, ${corpusCached.summary.seconds.toFixed(2)} s parsed corpus cached, ` +
        `${datasetCached.summary.seconds.toFixed(2)} s dataset cached`,
    );
    console.log(
      `        songs: ${s.files} files, ${s.parsed} parsed, ${s.kept} represented (${((100 * s.kept) / s.files).toFixed(1)}% of files); ` +
        `train ${s.trainSongs}, validation ${s.validationSongs}`,
    );
    console.log(`        vocabulary ${s.vocabularySize} tokens; ${tokens} tokens for ${s.notes} notes and rests = ${(tokens / s.notes).toFixed(3)} tokens per note`);
    console.log(`        dropped: ${JSON.stringify(s.dropped)}`);
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
