import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  estimateKey,
  estimateSeedKey,
  keyFromName,
  keyName,
  keyOf,
  normalizeKey,
  transpose,
  transposeToKey,
} from '../../src/music/key.js';
import { KeyNameError } from '../../src/music/errors.js';
import { parseKern } from '../../src/music/kern-parse.js';
import { parseSeed } from '../../src/music/seed.js';
import type { Melody, MelodyEvent, NoteEvent } from '../../src/music/types.js';
import { fixture } from './paths.js';

const twinkle = (): Melody => parseKern(fixture('twinkle.krn').text, 'twinkle.krn');
const ode = (): Melody => parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
const notes = (m: Melody): NoteEvent[] => m.events.filter((e): e is NoteEvent => e.kind === 'note');

function line(pitches: number[], durations: number[] = []): MelodyEvent[] {
  let onset = 0;
  return pitches.map((pitch, i) => {
    const duration = durations[i] ?? 960;
    const event: MelodyEvent = { kind: 'note', pitch, onset, duration };
    onset += duration;
    return event;
  });
}

describe('keyOf / keyName / keyFromName', () => {
  it('gives conventional signatures', () => {
    assert.deepEqual(keyOf(7, 'major'), { tonic: 7, mode: 'major', fifths: 1 });
    assert.deepEqual(keyOf(1, 'major'), { tonic: 1, mode: 'major', fifths: -5 });
    assert.deepEqual(keyOf(6, 'major'), { tonic: 6, mode: 'major', fifths: 6 });
    assert.deepEqual(keyOf(2, 'minor'), { tonic: 2, mode: 'minor', fifths: -1 });
    assert.deepEqual(keyOf(10, 'minor'), { tonic: 10, mode: 'minor', fifths: -5 });
  });

  it('names keys with ASCII b and #', () => {
    assert.equal(keyName(keyOf(7, 'major')), 'G major');
    assert.equal(keyName(keyOf(10, 'minor')), 'Bb minor');
    assert.equal(keyName(keyOf(6, 'major')), 'F# major');
    assert.equal(keyName({ tonic: 6, mode: 'major', fifths: -6 }), 'Gb major');
    assert.equal(keyName(keyOf(1, 'minor')), 'C# minor');
    assert.equal(keyName(keyOf(9, 'minor')), 'A minor');
  });

  it('reads tonic names in several spellings', () => {
    assert.deepEqual(keyFromName('G', 'major'), { tonic: 7, mode: 'major', fifths: 1 });
    assert.deepEqual(keyFromName('F#', 'major'), { tonic: 6, mode: 'major', fifths: 6 });
    for (const name of ['B-', 'Bb', 'bb', 'b-', 'B flat', 'B♭']) {
      assert.deepEqual(keyFromName(name, 'major'), { tonic: 10, mode: 'major', fifths: -2 }, name);
    }
    assert.deepEqual(keyFromName('eb', 'minor'), { tonic: 3, mode: 'minor', fifths: -6 });
    assert.deepEqual(keyFromName(' a ', 'minor'), { tonic: 9, mode: 'minor', fifths: 0 });
    assert.deepEqual(keyFromName('C#', 'major'), { tonic: 1, mode: 'major', fifths: 7 });
  });

  it('rejects other names with a clear message', () => {
    for (const name of ['H', '', 'G major', 'c###', 'X#']) {
      assert.throws(
        () => keyFromName(name, 'major'),
        (error: unknown) =>
          error instanceof KeyNameError && error.message.includes(`"${name}"`) && error.message.includes('"F#", "Bb"'),
        name,
      );
    }
  });
});

describe('estimateKey', () => {
  it('finds the key of plain tunes', () => {
    assert.deepEqual(estimateKey(twinkle().events), keyOf(0, 'major'));
    assert.deepEqual(estimateKey(ode().events), keyOf(2, 'major'));
    // A harmonic minor line that starts and ends on A.
    assert.deepEqual(estimateKey(line([69, 71, 72, 74, 76, 77, 80, 81, 76, 72, 69], [1920])), keyOf(9, 'minor'));
  });

  it('weights pitch classes by duration', () => {
    // Equal counts of E and G: a long E with a short G leans to E minor, a long G with a short E to G major.
    const eLong = estimateKey(line([64, 67, 71, 64, 66, 64], [3840, 240, 960, 3840, 240, 3840]));
    assert.deepEqual(eLong, keyOf(4, 'minor'));
    const gLong = estimateKey(line([67, 64, 71, 67, 66, 67, 62], [3840, 240, 960, 3840, 240, 3840, 960]));
    assert.deepEqual(gLong, keyOf(7, 'major'));
  });

  it('answers C major without notes', () => {
    assert.deepEqual(estimateKey([]), keyOf(0, 'major'));
    assert.deepEqual(estimateKey([{ kind: 'rest', onset: 0, duration: 960 }]), keyOf(0, 'major'));
  });
});

describe('estimateSeedKey', () => {
  // Short seeds and the key a musician would name for each; the bar length in quarters (4/4 unless said),
  // and a bar line before a whole bar makes a pickup, as in `compose`.
  const table: ReadonlyArray<readonly [seed: string, key: string, barQuarters?: number]> = [
    ['4c 4e 4g 4e', 'C major'],
    ['8g | 4c 4e 4g 4e', 'C major'],
    ['4c 8d 8e 4f 4g', 'C major'],
    ['4g 8a 8g 4e 4c', 'C major'],
    ['4c 4d 4e 4f 4g', 'C major'],
    ['4e 4d 2c', 'C major'],
    ['4g 4e 2c', 'C major'],
    ['4c 4c 4g 4g | 4a 4a 2g', 'C major'],
    ['4e 4e 4f 4g | 4g 4f 4e 4d | 4c 4c 4d 4e | 4.e 8d 2d', 'C major'],
    ['8g | 4e 4c 4d 4B | 2c', 'C major'],
    ['4g | 4cc 4b 4a | 2g 4e | 2.c', 'C major', 3],
    ['4A 4c 4e 4c', 'A minor'],
    ['4a 4e 4a 4cc 4b 4a', 'A minor'],
    ['4a 4g# 4a 4b 4cc', 'A minor'],
    ['4e | 4a 4a 4cc | 2b 4a', 'A minor', 3],
    ['4g 4b 4dd 4b', 'G major'],
    ['8d | 4g 4g 4a 4b | 4a 4g 2d', 'G major'],
    ['4g 4a 4b 4cc 4dd', 'G major'],
    ['4b 4a 4g 4a | 4b 4b 2b | 4a 4a 4b 4a | 1g', 'G major'],
    ['8d | 8g 8a 8b 4dd 8b | 4.a 4.g', 'G major', 1.5],
    ['4d 4f# 4a 4f#', 'D major'],
    ['4f# 4d 4A 4d', 'D major'],
    ['4d 4d 4a 4a | 4b 4b 2a', 'D major'],
    ['4d 4f 4a 4f', 'D minor'],
    ['4d 4e 4f 4g 4a', 'D minor'],
    ['4d 4a 4f 4d', 'D minor'],
    ['4e 4g 4b 4g', 'E minor'],
    ['4e 4f# 4g 4a 4b', 'E minor'],
    ['4e 4d# 4e 4f# 4g', 'E minor'],
    ['4e 4g# 4b 4g#', 'E major'],
    ['4f 4a 4cc 4a', 'F major'],
    ['4cc 4b- 4a 4g | 2f', 'F major'],
    ['4b- 4dd 4ff 4dd', 'Bb major'],
    ['4e- 4g 4b- 4g', 'Eb major'],
    ['4c 4e- 4g 4e-', 'C minor'],
    ['4c 4d 4e- 4f 4g', 'C minor'],
    ['4g 4f 4e- 4d 2c', 'C minor'],
    ['4a 4b 4cc# 4dd 4ee', 'A major'],
    ['2c', 'C major'],
    ['4g', 'G major'],
  ];
  for (const [text, expected, barQuarters = 4] of table) {
    it(`names "${text}" ${expected}`, () => {
      const seed = parseSeed(text);
      const barTicks = barQuarters * 960;
      const pickup = seed.firstBarline !== null && seed.firstBarline < barTicks ? seed.firstBarline : 0;
      assert.equal(keyName(estimateSeedKey(seed.events, { barTicks, pickup })), expected);
    });
  }

  it('gives the signature of keyOf and C major without notes', () => {
    assert.deepEqual(estimateSeedKey(parseSeed('4e 4g 4b 4g').events), keyOf(4, 'minor'));
    assert.deepEqual(estimateSeedKey(parseSeed('4r').events), keyOf(0, 'major'));
  });
});

describe('transpose', () => {
  it('moves notes and key and respells for the new key', () => {
    const up = transpose(twinkle(), 7);
    assert.deepEqual(up.key, { tonic: 7, mode: 'major', fifths: 1 });
    assert.deepEqual(notes(up).map((n) => n.pitch), notes(twinkle()).map((n) => n.pitch + 7));
    assert.deepEqual(notes(up).slice(7, 9).map((n) => n.spelling), ['cc', 'cc']);
    assert.equal(notes(transpose(twinkle(), 2)).find((n) => n.pitch === 66)?.spelling, 'f#');
    const db = transpose(twinkle(), 1);
    assert.equal(keyName(db.key), 'Db major');
    assert.deepEqual(notes(db).slice(0, 3).map((n) => n.spelling), ['d-', 'd-', 'a-']);
    assert.deepEqual(up.barlines, twinkle().barlines);
  });

  it('refuses to leave the MIDI range or move by a fraction', () => {
    assert.throws(() => transpose(twinkle(), 80), /MIDI 0\.\.127/);
    assert.throws(() => transpose(twinkle(), 0.5), /integer/);
  });

  it('transposeToKey takes the nearest shift and the requested spelling', () => {
    const bb = transposeToKey(twinkle(), keyFromName('Bb', 'major'));
    assert.deepEqual(bb.key, { tonic: 10, mode: 'major', fifths: -2 });
    assert.equal(notes(bb)[0]?.pitch, 58);
    assert.equal(notes(bb)[0]?.spelling, 'B-');
    const gb = transposeToKey(twinkle(), keyFromName('Gb', 'major'));
    assert.equal(notes(gb)[0]?.pitch, 54, 'C to Gb is 6 semitones down (shifts lie in -6..+5)');
    assert.equal(notes(gb)[0]?.spelling, 'G-');
    assert.throws(() => transposeToKey(twinkle(), keyFromName('a', 'minor')), /major melody/);
  });

  it('normalizeKey moves to C major or A minor by -6..+5 semitones', () => {
    const d = normalizeKey(ode());
    assert.equal(d.semitones, -2);
    assert.deepEqual(d.melody.key, keyOf(0, 'major'));
    assert.equal(notes(d.melody)[0]?.pitch, 64);
    const g = normalizeKey(transpose(twinkle(), 7));
    assert.equal(g.semitones, 5);
    const fSharp = normalizeKey(transpose(twinkle(), 6));
    assert.equal(fSharp.semitones, -6);
    const eMinor: Melody = { ...twinkle(), key: keyOf(4, 'minor') };
    const am = normalizeKey(eMinor);
    assert.equal(am.semitones, 5);
    assert.deepEqual(am.melody.key, keyOf(9, 'minor'));
  });
});
