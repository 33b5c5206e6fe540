// Whole-collection checks against the Essen Folksong Collection, when it is present next to the repository.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { relative, sep } from 'node:path';
import { parseKern } from '../../src/music/kern-parse.js';
import { writeKern } from '../../src/music/kern-write.js';
import { KernParseError } from '../../src/music/errors.js';
import { trainingFilter } from '../../src/music/filter.js';
import { normalizeKey } from '../../src/music/key.js';
import type { Melody } from '../../src/music/types.js';
import { findKernFiles, readKernText } from '../../src/util/kern-files.js';
import { essenRoot, essenSkip } from './paths.js';

describe('Essen collection', () => {
  const melodies: Melody[] = [];

  it('parses every europa song, and reports failures elsewhere', { skip: essenSkip }, (t) => {
    const files = findKernFiles(essenRoot);
    const europaFailures: string[] = [];
    const otherFailures: string[] = [];
    for (const file of files) {
      try {
        melodies.push(parseKern(readKernText(file), file));
      } catch (error) {
        if (!(error instanceof KernParseError)) throw error;
        const inEuropa = relative(essenRoot, file).split(sep)[0] === 'europa';
        (inEuropa ? europaFailures : otherFailures).push(error.message);
      }
    }
    t.diagnostic(`${melodies.length}/${files.length} files parsed`);
    for (const message of otherFailures) t.diagnostic(`outside europa: ${message}`);
    assert.ok(files.length > 0, `no .krn files under ${essenRoot}`);
    assert.deepEqual(europaFailures, []);
  });

  it('round-trips every parsed song through writeKern', { skip: essenSkip }, () => {
    assert.ok(melodies.length > 0);
    const mismatches: string[] = [];
    for (const melody of melodies) {
      const back = parseKern(writeKern(melody), melody.source);
      if (!isDeepStrictEqual(back, melody)) mismatches.push(melody.source);
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} songs differ after writeKern -> parseKern`);
  });

  it('keeps at least 97% of europa under the default filter, and normalises every song to C major / A minor', { skip: essenSkip }, (t) => {
    const europa = melodies.filter((m) => relative(essenRoot, m.source).split(sep)[0] === 'europa');
    assert.ok(europa.length > 0);
    const keptDefault = europa.filter((m) => trainingFilter(m, 'default') === null).length;
    const keptReference = europa.filter((m) => trainingFilter(m, 'reference') === null).length;
    t.diagnostic(`europa kept: default ${keptDefault}/${europa.length}, reference ${keptReference}/${europa.length}`);
    assert.ok(keptDefault / europa.length >= 0.97, `default filter keeps only ${keptDefault}/${europa.length}`);
    for (const melody of melodies) {
      const { melody: normal, semitones } = normalizeKey(melody);
      assert.ok(semitones >= -6 && semitones <= 5);
      assert.equal(normal.key.tonic, melody.key.mode === 'major' ? 0 : 9, melody.source);
      assert.equal(normal.key.fifths, 0, melody.source);
    }
  });
});
