import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import tonejsMidi from '@tonejs/midi';
import { melodyToMidi } from '../../src/music/midi-write.js';
import { instrumentLabel, instrumentName, instrumentProgram } from '../../src/music/instruments.js';
import { InstrumentError } from '../../src/music/errors.js';
import { parseKern } from '../../src/music/kern-parse.js';
import { keyOf } from '../../src/music/key.js';
import type { Melody } from '../../src/music/types.js';
import { fixture } from './paths.js';

const { Midi } = tonejsMidi;

describe('instrument names', () => {
  it('accepts common spellings and folk instruments, and reads numbers back with their GM names', () => {
    for (const name of ['bagpipe', 'bagpipes', 'Bag-Pipe', 'bag pipe', 'uilleann pipes']) assert.equal(instrumentProgram(name), 109, name);
    assert.equal(instrumentProgram('tin whistle'), 78);
    assert.equal(instrumentProgram('concertina'), 21);
    assert.equal(instrumentProgram('flutes'), 73);
    assert.equal(instrumentProgram('synth strings 1'), 50);
    assert.equal(instrumentLabel('24'), 'acoustic guitar (nylon) (GM 24)');
    assert.equal(instrumentLabel('fiddle'), 'fiddle (GM 110)');
  });
});

describe('melodyToMidi', () => {
  it('writes tempo, time and key signatures, a named track, the program and the notes', () => {
    const melody = parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn');
    const midi = new Midi(melodyToMidi(melody, { tempo: 90, program: 73, trackName: 'Flute' }));
    assert.equal(midi.header.ppq, 960);
    assert.equal(midi.header.name, 'Ode to Joy');
    assert.equal(midi.header.tempos.length, 1);
    assert.ok(Math.abs((midi.header.tempos[0]?.bpm ?? 0) - 90) < 0.01);
    assert.deepEqual(midi.header.timeSignatures.map((t) => [t.ticks, t.timeSignature]), [[0, [4, 4]]]);
    assert.deepEqual(midi.header.keySignatures.map((k) => [k.ticks, k.key, k.scale]), [[0, 'D', 'major']]);
    assert.equal(midi.tracks.length, 1);
    const track = midi.tracks[0];
    assert.ok(track);
    assert.equal(track.name, 'Flute');
    assert.equal(track.instrument.number, 73);
    assert.equal(track.channel, 0);
    assert.deepEqual(
      track.notes.map((n) => [n.midi, n.ticks, n.durationTicks]),
      melody.events.flatMap((e) => (e.kind === 'note' ? [[e.pitch, e.onset, e.duration]] : [])),
    );
    // 4 quarter notes at 90 per minute: the first bar lasts 8/3 seconds.
    assert.ok(Math.abs((track.notes[4]?.time ?? 0) - 8 / 3) < 1e-4, "tempo is stored in whole microseconds per quarter");
  });

  it('writes the title and track name as UTF-8 (an em dash is E2 80 94, not 0x14)', () => {
    const melody = { ...parseKern(fixture('ode-to-joy.krn').text, 'ode-to-joy.krn'), title: 'Reel — “Dawn”' };
    const bytes = melodyToMidi(melody, { tempo: 90, program: 73 });
    const utf8 = new TextEncoder().encode('Reel — “Dawn”');
    // FF 03 <length> <text>: the track name meta event, written as the UTF-8 bytes of the title.
    const text = [...bytes].join(',');
    assert.ok(text.includes([0xff, 0x03, utf8.length, ...utf8].join(',')), 'a track name meta event holds the UTF-8 bytes');
    assert.ok(!bytes.includes(0x14), 'no em dash cut to its low byte');
  });

  it('writes flat and minor key signatures, meter changes, and grace notes before their note', () => {
    const melody = parseKern(fixture('pickup-mixed.krn').text, 'pickup-mixed.krn');
    const inBbMinor: Melody = { ...melody, key: keyOf(10, 'minor') };
    const midi = new Midi(melodyToMidi(inBbMinor, { tempo: 120, program: 0 }));
    assert.deepEqual(midi.header.keySignatures.map((k) => [k.key, k.scale]), [['Db', 'minor']]);
    assert.deepEqual(
      midi.header.timeSignatures.map((t) => [t.ticks, t.timeSignature]),
      [[0, [3, 4]], [9120, [2, 4]]],
    );
    const notes = midi.tracks[0]?.notes.map((n) => [n.midi, n.ticks, n.durationTicks]) ?? [];
    assert.equal(midi.tracks[0]?.name, melody.title);
    // cc at 480; grace cc at 1440 sounds a 32nd (120 ticks), then b for the rest of its quarter.
    assert.deepEqual(notes.slice(0, 4), [[67, 0, 480], [72, 480, 960], [72, 1440, 120], [71, 1560, 840]]);
  });

  it('refuses a bad tempo or program', () => {
    const melody = parseKern(fixture('twinkle.krn').text, 'twinkle.krn');
    assert.throws(() => melodyToMidi(melody, { tempo: 0, program: 0 }), /tempo must be a positive/);
    assert.throws(() => melodyToMidi(melody, { tempo: 100, program: 128 }), /program must be a General MIDI program 0..127/);
  });
});

describe('instrumentProgram', () => {
  it('reads GM names, aliases, unique parts and numbers', () => {
    assert.equal(instrumentProgram('flute'), 73);
    assert.equal(instrumentProgram('violin'), 40);
    assert.equal(instrumentProgram('Acoustic Grand Piano'), 0);
    assert.equal(instrumentProgram('acoustic-grand_piano'), 0);
    assert.equal(instrumentProgram('piano'), 0);
    assert.equal(instrumentProgram('oboe'), 68);
    assert.equal(instrumentProgram('accordion'), 21);
    assert.equal(instrumentProgram(' 42 '), 42);
    assert.equal(instrumentProgram('127'), 127);
    assert.equal(instrumentName(73), 'flute');
  });

  it('rejects unknown names and numbers with accepted examples', () => {
    const check = (input: string, ...parts: string[]): void =>
      assert.throws(
        () => instrumentProgram(input),
        (error: unknown) => error instanceof InstrumentError && parts.every((part) => error.message.includes(part)),
        input,
      );
    check('kazooo', '"kazooo" is not a General MIDI instrument', "'flute'", "'acoustic grand piano'", '0..127');
    check('grand', 'matches several', "'acoustic grand piano'", "'electric grand piano'");
    check('128', 'outside', '0..127');
    check('', 'is not a General MIDI instrument');
  });
});
