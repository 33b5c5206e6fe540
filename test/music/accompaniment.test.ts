import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import tonejsMidi from '@tonejs/midi';
import { accompanimentNotes } from '../../src/music/accompaniment.js';
import { harmonize } from '../../src/music/harmony.js';
import { accompanimentProgram } from '../../src/music/instruments.js';
import { barlinesForMeter } from '../../src/music/kern-write.js';
import { keyOf } from '../../src/music/key.js';
import { ACCOMPANIMENT_TRACK_NAME, melodyToMidi } from '../../src/music/midi-write.js';
import { mod } from '../../src/music/pitch.js';
import { TICKS_PER_QUARTER, type Melody, type MelodyEvent, type Meter } from '../../src/music/types.js';

const { Midi } = tonejsMidi;
const Q = TICKS_PER_QUARTER;

function melodyOf(notes: readonly [number, number][], meter: Meter, pickup = 0): Melody {
  const events: MelodyEvent[] = [];
  let tick = 0;
  for (const [pitch, quarters] of notes) {
    events.push({ kind: 'note', pitch, onset: tick, duration: quarters * Q });
    tick += quarters * Q;
  }
  const meters = [{ tick: 0, meter }];
  return { title: 't', source: 'test', key: keyOf(0, 'major'), keySource: 'file', meters, barlines: barlinesForMeter(meters, tick, pickup), events, phraseStarts: [] };
}

/** Onsets (in quarters) of the bass and of the chords in the first bar. */
function firstBar(melody: Melody, barQuarters: number): { bass: number[]; chord: number[] } {
  const notes = accompanimentNotes(melody, harmonize(melody)).filter((note) => note.onset < barQuarters * Q);
  const onsets = (role: string): number[] => [...new Set(notes.filter((note) => note.role === role).map((note) => note.onset / Q))];
  return { bass: onsets('bass'), chord: onsets('chord') };
}

describe('accompanimentNotes', () => {
  it('plays oom-pah-pah in 3/4, oom-pah twice in 4/4, and bass with a chord in each beat of 6/8', () => {
    const waltz = melodyOf([[64, 3], [67, 3], [60, 3]], { numerator: 3, denominator: 4 });
    assert.deepEqual(firstBar(waltz, 3), { bass: [0], chord: [1, 2] });
    const common = melodyOf([[64, 4], [67, 4], [60, 4]], { numerator: 4, denominator: 4 });
    assert.deepEqual(firstBar(common, 4), { bass: [0, 2], chord: [1, 3] });
    const jig = melodyOf([[64, 3], [67, 3], [60, 3]], { numerator: 6, denominator: 8 });
    assert.deepEqual(firstBar(jig, 3), { bass: [0, 1.5], chord: [1, 2.5] });
  });

  it('plays only chord tones, the bass below the chords and both below the melody', () => {
    const melody = melodyOf([[64, 1], [65, 1], [67, 1], [69, 1], [67, 2], [62, 2], [64, 2], [62, 2], [60, 4]], { numerator: 4, denominator: 4 });
    const harmony = harmonize(melody);
    for (const note of accompanimentNotes(melody, harmony)) {
      const span = harmony.slots.find((slot) => slot.onset <= note.onset && note.onset < slot.onset + slot.duration);
      assert.ok(span?.chord.pitchClasses.includes(mod(note.pitch, 12)), `${note.pitch} at ${note.onset} in ${span?.chord.symbol}`);
      assert.ok(note.role === 'bass' ? note.pitch < 53 : note.pitch >= 53 && note.pitch < 68, `${note.role} ${note.pitch}`);
    }
  });

  it('alternates root and fifth in the bass while a chord lasts', () => {
    const melody = melodyOf([[64, 4], [64, 4], [60, 4]], { numerator: 4, denominator: 4 });
    const bass = accompanimentNotes(melody, harmonize(melody)).filter((note) => note.role === 'bass' && note.onset < 8 * Q);
    assert.deepEqual(bass.map((note) => mod(note.pitch, 12)), [0, 7, 0, 7]);
  });

  it('waits out a pickup and holds the final chord with the last note', () => {
    const melody = melodyOf([[67, 1], [72, 4], [71, 2], [74, 2], [72, 4]], { numerator: 4, denominator: 4 }, Q);
    const notes = accompanimentNotes(melody, harmonize(melody));
    assert.ok(notes.every((note) => note.onset >= Q), 'nothing in the pickup');
    const final = notes.filter((note) => note.onset === 9 * Q);
    assert.ok(final.length >= 4, 'bass and a chord on the last note');
    assert.ok(final.every((note) => note.duration === 4 * Q && [0, 4, 7].includes(mod(note.pitch, 12))));
  });
});

describe('melodyToMidi with an accompaniment', () => {
  it('writes it as a second track, "Accompaniment", on channel 2 with its program', () => {
    const melody = melodyOf([[64, 4], [67, 4], [60, 4]], { numerator: 4, denominator: 4 });
    const notes = accompanimentNotes(melody, harmonize(melody));
    const midi = new Midi(melodyToMidi(melody, { tempo: 100, program: 73, accompaniment: { notes, program: accompanimentProgram(73) } }));
    assert.equal(midi.tracks.length, 2);
    const track = midi.tracks[1];
    assert.equal(track?.name, ACCOMPANIMENT_TRACK_NAME);
    assert.equal(track?.channel, 1);
    assert.equal(track?.instrument.number, 24);
    assert.equal(track?.notes.length, notes.length);
    assert.deepEqual(track?.notes.slice(0, 2).map((note) => [note.midi, note.ticks]), notes.slice(0, 2).map((note) => [note.pitch, note.onset]));
    assert.throws(() => melodyToMidi(melody, { tempo: 100, program: 73, accompaniment: { notes, program: 128 } }), RangeError);
  });
});

describe('accompanimentProgram', () => {
  it('puts a guitar under a flute or a fiddle, an accordion under an accordion and a piano under a piano', () => {
    assert.equal(accompanimentProgram(73), 24);
    assert.equal(accompanimentProgram(110), 25);
    assert.equal(accompanimentProgram(40), 25);
    assert.equal(accompanimentProgram(21), 21);
    assert.equal(accompanimentProgram(0), 0);
    assert.equal(accompanimentProgram(24), 0);
  });
});
