import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kernToMidi, midiName, midiToKern } from '../../src/music/pitch.js';
import { keyFromName, keyOf } from '../../src/music/key.js';

describe('kernToMidi', () => {
  it('reads kern octaves and accidentals', () => {
    const cases: [string, number][] = [
      ['c', 60], ['cc', 72], ['ccc', 84], ['C', 48], ['CC', 36], ['B-', 58], ['cc#', 73], ['e--', 62],
      ['bn', 71], ['f##', 67], ['b#', 72], ['c-', 59], ['AAA', 33], ['AAAA', 21],
    ];
    for (const [spelling, midi] of cases) assert.equal(kernToMidi(spelling), midi, spelling);
  });

  it('returns null for text that is not one kern pitch or lies outside MIDI', () => {
    for (const text of ['', 'x', 'cd', 'c#-', '4c', 'CCCCCC', 'gggggggg']) assert.equal(kernToMidi(text), null, text);
  });
});

describe('midiToKern', () => {
  it('spells diatonic notes from the signature and chromatic ones nearest the key', () => {
    const cMajor = keyOf(0, 'major');
    assert.deepEqual([61, 63, 66, 68, 70].map((p) => midiToKern(p, cMajor)), ['c#', 'e-', 'f#', 'a-', 'b-']);
    const aMinor = keyOf(9, 'minor');
    assert.deepEqual([68, 66, 61].map((p) => midiToKern(p, aMinor)), ['g#', 'f#', 'c#']);
    assert.equal(midiToKern(66, keyOf(7, 'major')), 'f#');
    assert.equal(midiToKern(70, keyOf(5, 'major')), 'b-');
    assert.equal(midiToKern(66, keyFromName('Gb', 'major')), 'g-');
  });

  it('puts B# and Cb in the right kern octave', () => {
    assert.equal(midiToKern(71, keyFromName('Db', 'major')), 'cc-'); // Cb5 sounds as B4
    assert.equal(midiToKern(60, keyFromName('C#', 'major')), 'B#'); // B#3 sounds as C4
    assert.equal(midiToKern(48, keyOf(0, 'major')), 'C');
    assert.equal(midiToKern(59, keyOf(0, 'major')), 'B');
    assert.equal(midiToKern(47, keyOf(0, 'major')), 'BB');
    assert.equal(midiToKern(35, keyOf(0, 'major')), 'BBB');
    assert.equal(midiToKern(33, keyOf(0, 'major')), 'AAA');
  });

  it('round-trips every pitch in every key signature', () => {
    for (let fifths = -7; fifths <= 7; fifths++) {
      for (const mode of ['major', 'minor'] as const) {
        const key = { tonic: 0, mode, fifths };
        for (let pitch = 12; pitch <= 120; pitch++) assert.equal(kernToMidi(midiToKern(pitch, key)), pitch);
      }
    }
  });

  it('names pitches for messages', () => {
    assert.equal(midiName(60), 'C4');
    assert.equal(midiName(97), 'C#7');
  });
});
