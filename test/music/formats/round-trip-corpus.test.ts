// Essen validation songs written as ABC, MusicXML, kern and MIDI and read back as seeds give the same notes
// (a sample of 100; `npx tsx scripts/formats-round-trip.ts` checks all of them and prints the share per format).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isValidationSong } from '../../../src/model/data/dataset.js';
import { formatRoundTrips } from '../../../src/music/formats/round-trip.js';
import { parseKern } from '../../../src/music/kern-parse.js';
import { findKernFiles, readKernText } from '../../../src/util/kern-files.js';
import { essenRoot, essenSkip } from '../paths.js';

describe('format round trip on Essen validation songs', () => {
  it('gives the same notes in every format', { skip: essenSkip }, () => {
    const root = path.join(essenRoot, 'europa');
    const files = findKernFiles(root).filter((file) => isValidationSong(path.relative(root, file), 0.1, 1234)).slice(0, 100);
    assert.ok(files.length > 50);
    const failures = files.flatMap((file) =>
      formatRoundTrips(parseKern(readKernText(file), file)).flatMap((trip) => (trip.difference === null ? [] : [`${path.basename(file)} ${trip.format}: ${trip.difference}`])),
    );
    assert.deepEqual(failures, []);
  });
});
