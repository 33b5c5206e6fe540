// The harmoniser on tunes from the shipped model, in every meter the model knows and both modes: each ends on
// its tonic chord, no chord clashes with a long strong-beat note, and few strong-beat notes are non-chord tones.
// (scripts/harmony-report.ts runs the same checks on 500 tunes.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUPPORTED_METERS, parseMeter } from '../../src/compose/compose-options.js';
import { checkHarmony } from '../../src/music/harmony-check.js';
import { harmonize } from '../../src/music/harmony.js';
import { barlinesForMeter } from '../../src/music/kern-write.js';
import { keyOf } from '../../src/music/key.js';
import type { Melody } from '../../src/music/types.js';
import { loadGenerator } from '../../src/model/generation/generator.js';

const modelDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/default');

describe('harmonize on generated tunes', () => {
  it('ends every tune on the tonic, never clashes, and keeps strong-beat non-chord tones under 10%', async () => {
    const generator = await loadGenerator(modelDir);
    // A style model composes in one of its styles: its first (german), where I-IV-V harmony belongs.
    const first = generator.info.styles[0]?.name;
    const style = first !== undefined ? { style: first } : {};
    let strong = 0;
    let nonChord = 0;
    let tunes = 0;
    try {
      for (const meterText of SUPPORTED_METERS) {
        for (const mode of ['major', 'minor'] as const) {
          for (let randomSeed = 1; randomSeed <= 3; randomSeed++) {
            const meter = parseMeter(meterText);
            let events;
            try {
              events = generator.generate({ meter, mode, bars: 16, primer: [], pickup: 0, endOnTonic: true, temperature: 0.9, topP: 0.95, randomSeed, ...style });
            } catch (error) {
              if ((error as Error).name === 'EncodingError') continue; // a meter the model does not know
              throw error;
            }
            const end = events.reduce((latest, event) => Math.max(latest, event.onset + event.duration), 0);
            const meters = [{ tick: 0, meter }];
            const melody: Melody = { title: 't', source: 'test', key: keyOf(mode === 'major' ? 0 : 9, mode), keySource: 'file', meters, barlines: barlinesForMeter(meters, end), events, phraseStarts: [] };
            const check = checkHarmony(melody, harmonize(melody));
            const where = `${meterText} ${mode}, random seed ${randomSeed}`;
            assert.ok(check.endsOnTonic, `${where} ends off the tonic`);
            assert.deepEqual(check.clashes, [], where);
            strong += check.strongBeatNotes;
            nonChord += check.strongBeatNonChordTones;
            tunes++;
          }
        }
      }
    } finally {
      generator.dispose();
    }
    assert.ok(tunes >= 40, `${tunes} tunes`);
    assert.ok(nonChord / strong < 0.1, `${nonChord}/${strong} strong-beat notes are non-chord tones`);
  });
});
