// Round trip on the real corpus: every europa song the encoding can represent decodes to its own events (and, for
// `events`, meter and mode). Skipped with a message when the Essen collection is absent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseKern } from '../../src/music/kern-parse.js';
import { normalizeKey } from '../../src/music/key.js';
import type { Melody } from '../../src/music/types.js';
import { buildEncoding } from '../../src/model/encodings/index.js';
import { listKernFiles } from '../../src/model/data/kern-files.js';
import type { EncodingName } from '../../src/model/encodings/encoding.js';
import { comparable } from './melody-fixtures.js';
import { essenRoot, essenSkip } from '../music/paths.js';

const europa = path.join(essenRoot, 'europa');
const skip = essenSkip;

function europaMelodies(): Melody[] {
  const melodies: Melody[] = [];
  for (const file of listKernFiles(europa)) {
    try {
      melodies.push(normalizeKey(parseKern(readFileSync(path.join(europa, file), 'utf8'), file)).melody);
    } catch {
      // Files the parser refuses are the parser's tests' business; the encodings see the rest.
    }
  }
  return melodies;
}

describe('encodings on every europa song', () => {
  const melodies = skip ? [] : europaMelodies();

  for (const name of ['events', 'steps'] as EncodingName[]) {
    it(`${name}: decode(encode(m)) reproduces every representable song`, { skip }, () => {
      const encoding = buildEncoding(name, melodies, { minSongs: 2 });
      let kept = 0;
      for (const melody of melodies) {
        if (encoding.reject(melody) !== null) continue;
        kept++;
        const tokens = encoding.encode(melody);
        const decoded = encoding.decode(tokens);
        assert.deepEqual(comparable(decoded.events), comparable(melody.events), melody.source);
        const { notes } = encoding.scoredPositions(tokens);
        assert.equal(notes, decoded.events.length, melody.source);
        if (name === 'events') {
          assert.deepEqual(decoded.meter, melody.meters[0]!.meter, melody.source);
          assert.equal(decoded.mode, melody.key.mode, melody.source);
        }
      }
      // Guards against an encoding that silently rejects most of the corpus.
      assert.ok(kept > 0.9 * melodies.length, `${name} represents only ${kept} of ${melodies.length} songs`);
    });

    it(`${name}: sampling with the corpus vocabulary never gets stuck, in every common meter`, { skip }, () => {
      const encoding = buildEncoding(name, melodies, { minSongs: 2 });
      let state = 99;
      const random = (): number => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state / 4294967296;
      };
      const meters = [[2, 4], [3, 4], [4, 4], [6, 8], [3, 8], [2, 2], [3, 2], [4, 2], [6, 4]] as const;
      for (const [numerator, denominator] of meters) {
        const bar = (numerator * 3840) / denominator;
        for (let tune = 0; tune < 30; tune++) {
          const pickup = tune % 3 === 0 ? 3840 / denominator : 0;
          const request = { meter: { numerator, denominator }, mode: tune % 2 ? 'major' : 'minor', bars: 4 + (tune % 5), primer: [], pickup, endOnTonic: tune % 4 !== 3 } as const;
          const sampling = encoding.startSampling(request);
          while (!sampling.done) {
            const mask = sampling.allowed();
            const choices = [...mask.keys()].filter((id) => mask[id] === 1);
            assert.ok(choices.length > 0, `stuck in ${numerator}/${denominator}`);
            sampling.push(choices[Math.floor(random() * choices.length)]!);
          }
          const events = sampling.events();
          const last = events[events.length - 1]!;
          assert.equal(last.onset + last.duration, pickup + request.bars * bar);
          if (request.endOnTonic) assert.ok(last.kind === 'note' && last.pitch % 12 === (request.mode === 'major' ? 0 : 9));
        }
      }
    });
  }
});
