// **kern seeds: one spine as parseKern reads it; a polyphonic file reduced to the highest voice of its first part
// (the rightmost **kern spine), said in words; the reader stops after the opening a seed can use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readKern } from '../../../src/music/formats/kern-read.js';
import { readSeedFile, SEED_READ_EVENTS, takeSeed } from '../../../src/music/formats/seed-file.js';
import { parseKern } from '../../../src/music/kern-parse.js';
import { fixture } from '../paths.js';
import { melodyNotes } from './melodies.js';
import { seedFileError } from './seed-errors.js';

const Q = 960;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A split spine and chords: "4c 4e 4g" is a chord, `*^` splits the spine into two voices, `*v` joins them. */
const SPLIT = ['**kern', '*M4/4', '*C:', '=1', '4c 4e 4g', '4cc 4e', '*^', '2a\t4e', '.\t4cc', '=2\t=2', '2g\t2e', '2r\t4c', '.\t4d', '*v\t*v', '=3', '1c', '==', '*-', ''].join('\n');

describe('kern seed reader', () => {
  it('takes the rightmost **kern spine of two (the soprano over the bass) and names its part', () => {
    const read = readKern(fixture('two-voices.krn').text, 'two-voices.krn');
    assert.deepEqual(melodyNotes(read.melody).map(([pitch]) => pitch), [60, 60, 67, 67, 69, 69, 67, 65, 65, 64, 64, 62, 62, 60]);
    assert.equal(read.part, "the first part, 'Soprano'");
    assert.deepEqual(read.remarks, ['the file has 2 **kern spines: the first part is the rightmost, as Humdrum orders them']);
    assert.deepEqual(read.melody.meters, [{ tick: 0, meter: { numerator: 4, denominator: 4 } }]);
    assert.deepEqual(read.melody.barlines, [4 * Q, 8 * Q, 12 * Q, 16 * Q]);
    assert.equal(read.melody.title, 'Twinkle, Twinkle, Little Star');
    const taken = takeSeed(readSeedFile(bytes(fixture('two-voices.krn').text), 'two-voices.krn'), 'two-voices.krn', { maxBars: 2 });
    assert.equal(taken.seed, '4c 4c 4g 4g | 4a 4a 2g');
    assert.match(taken.description, /^the first 2 bars of the first part, 'Soprano' of two-voices\.krn \(the file has 2 \*\*kern spines/);
  });

  it('takes the top note of chords and of split voices: a higher note entering cuts a held one, a lower one under it is left out', () => {
    const read = readKern(SPLIT, 'split.krn');
    assert.deepEqual(melodyNotes(read.melody), [
      [67, 0, Q], // the chord's top note
      [72, Q, Q],
      [69, 2 * Q, Q], // the half note a, cut where the higher cc enters
      [72, 3 * Q, Q],
      [67, 4 * Q, 2 * Q], // g over e
      [60, 6 * Q, Q], // the other voice rests: its notes are on top
      [62, 7 * Q, Q],
      [60, 8 * Q, 4 * Q],
    ]);
    assert.equal(read.part, 'the highest voice');
    assert.deepEqual(read.remarks, ['the part splits into 2 voices: the highest notes were taken', 'chords: the highest note of each was taken']);
    const taken = takeSeed(read, 'split.krn', { maxBars: 1 });
    assert.match(taken.description, /^the first bar of the highest voice of split\.krn \(the part splits/);
  });

  it('fills the silences of the part with rests and joins ties within a voice', () => {
    const text = ['**kern\t**kern', '*M3/4\t*M3/4', '4C\t4r', '4D\t[2e', '4E\t.', '=\t=', '2.F\t4e]', '.\t4r', '.\t4g', '*-\t*-', ''].join('\n');
    const read = readKern(text, 'ties.krn');
    assert.deepEqual(
      read.melody.events.map((e) => [e.kind, e.onset, e.duration]),
      [['rest', 0, Q], ['note', Q, 3 * Q], ['rest', 4 * Q, Q], ['note', 5 * Q, Q]],
    );
    assert.equal(read.part, 'the first part');
  });

  it('stops after the opening and gives the seed the whole file gives', () => {
    const lines = fixture('two-voices.krn').text.trimEnd().split('\n');
    const body = lines.slice(8, -2); // bars 1-4 of both spines
    const long = [...lines.slice(0, 8), ...Array.from({ length: 12 }, () => body).flat(), '==\t==', '*-\t*-', ''].join('\n');
    const whole = readKern(long, 'long.krn');
    const opening = readKern(long, 'long.krn', { timedEvents: SEED_READ_EVENTS });
    assert.equal(whole.melody.events.length, 12 * 14);
    assert.equal(opening.melody.events.length, SEED_READ_EVENTS);
    assert.deepEqual(opening.melody.events, whole.melody.events.slice(0, SEED_READ_EVENTS));
    for (const maxBars of [1, 4, 8, 32]) assert.deepEqual(takeSeed(opening, 'long.krn', { maxBars }), takeSeed(whole, 'long.krn', { maxBars }));
    // Damage after the opening is not read.
    assert.doesNotThrow(() => readSeedFile(bytes(long.replace(/2C\t2c}\n==/, '2C\t2x}\n==')), 'long.krn'));
    assert.throws(() => readKern(long.replace(/2C\t2c}\n==/, '2C\t2x}\n=='), 'long.krn'), /long\.krn:224: no pitch or rest in token "2x}"/);
  });

  it('stops a one-spine file after the opening too, with the same first events as parseKern', () => {
    const text = fixture('ode-to-joy.krn').text;
    const whole = parseKern(text, 'ode.krn');
    const opening = parseKern(text, 'ode.krn', { timedEvents: 5 });
    assert.deepEqual(opening.events, whole.events.slice(0, 5));
    assert.deepEqual(opening.barlines, whole.barlines.filter((b) => b <= opening.events[4]!.onset));
  });

  it('refuses spines out of step, a file without **kern and a first part without notes, naming the file', () => {
    const cases: [string, RegExp][] = [
      ['**kern\t**kern\n4c\n*-\t*-\n', /bad\.krn could not be read as \*\*kern: bad\.krn:2: spines out of step.*1 fields where 2 spines are open/],
      ['**kern\t**kern\n4c\t4.\n*-\t*-\n', /bad\.krn:2: no pitch or rest in token "4\."/],
      ['**text\t**dynam\nla\tp\n*-\t*-\n', /bad\.krn:1: no \*\*kern spine/],
      ['**kern\t**kern\n4c\t4r\n*-\t*-\n', /bad\.krn has no notes in its first part/],
      ['**kern\t**kern\n[4c\t[4e\n*-\t*-\n', /bad\.krn:4: unfinished tie/],
    ];
    for (const [text, message] of cases) {
      const error = seedFileError(() => readSeedFile(bytes(text), 'bad.krn'));
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /Error:|at .*\.ts/);
    }
  });
});
