// Melody -> Standard MIDI File bytes (format 1: a conductor track with tempo, time and key signatures, then one
// named track with the GM program and the notes, and an "Accompaniment" track on channel 2 when one is given),
// written with @tonejs/midi at the Melody's own resolution.
import tonejsMidi from '@tonejs/midi';
import { midiText } from './title-text.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Melody, NoteEvent } from './types.js';

// @tonejs/midi is CommonJS: Node exposes it to ESM as a default export only.
const { Midi } = tonejsMidi;

export interface MidiOptions {
  /** Quarter notes per minute. */
  readonly tempo: number;
  /** General MIDI program 0..127 (see instrumentProgram in ./instruments.ts). */
  readonly program: number;
  /** Track name; the melody's title when absent. */
  readonly trackName?: string;
  /** Note-on velocity 0..1; 0.8 when absent. */
  readonly velocity?: number;
  /** A second part on its own track and channel (see accompaniment.ts). */
  readonly accompaniment?: {
    readonly notes: readonly { readonly pitch: number; readonly onset: number; readonly duration: number; readonly velocity: number }[];
    /** General MIDI program 0..127 (see accompanimentProgram). */
    readonly program: number;
  };
}

export const ACCOMPANIMENT_TRACK_NAME = 'Accompaniment';

/** How long a grace note sounds: a 32nd note, taken from the start of the note it leads to. */
const GRACE_TICKS = TICKS_PER_QUARTER / 8;

/** The key-signature meta event as bytes FF 59 02 sf mi. */
const KEY_SIGNATURE_META = [0xff, 0x59, 0x02] as const;

/** Sounding notes (onset, length) with grace notes given a short time borrowed from the note after them. */
function soundingNotes(melody: Melody): { pitch: number; onset: number; duration: number }[] {
  const result: { pitch: number; onset: number; duration: number }[] = [];
  const events = melody.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (!event || event.kind !== 'note') continue;
    if (event.grace === true || event.duration === 0) continue; // placed together with the note they lead to
    const graces: NoteEvent[] = [];
    for (let j = i - 1; j >= 0; j--) {
      const before = events[j];
      if (!before || before.kind !== 'note' || before.onset !== event.onset || !(before.grace === true || before.duration === 0)) break;
      graces.unshift(before);
    }
    // Grace notes take at most half of the main note, a 32nd each at most.
    const each = Math.max(1, Math.min(GRACE_TICKS, Math.floor(event.duration / 2 / Math.max(1, graces.length))));
    let onset = event.onset;
    for (const grace of graces) {
      result.push({ pitch: grace.pitch, onset, duration: each });
      onset += each;
    }
    result.push({ pitch: event.pitch, onset, duration: event.onset + event.duration - onset });
  }
  return result;
}

export function melodyToMidi(melody: Melody, options: MidiOptions): Uint8Array {
  if (!(options.tempo > 0 && Number.isFinite(options.tempo))) {
    throw new RangeError(`melodyToMidi: tempo must be a positive number of quarter notes per minute, got ${options.tempo}`);
  }
  for (const program of [options.program, ...(options.accompaniment ? [options.accompaniment.program] : [])]) {
    if (!Number.isInteger(program) || program < 0 || program > 127) {
      throw new RangeError(`melodyToMidi: program must be a General MIDI program 0..127, got ${program}`);
    }
  }
  const velocity = options.velocity ?? 0.8;
  const midi = new Midi();
  midi.header.fromJSON({
    name: midiText(melody.title),
    ppq: TICKS_PER_QUARTER,
    meta: [],
    tempos: [{ ticks: 0, bpm: options.tempo }],
    // MIDI has no free meter: a `*MX` span keeps the previous time signature (or none at the start).
    timeSignatures: melody.meters.flatMap((change) =>
      change.meter === null ? [] : [{ ticks: change.tick, timeSignature: [change.meter.numerator, change.meter.denominator] }],
    ),
    // Written by @tonejs/midi with a wrong sharps/flats byte; fixed in the bytes below.
    keySignatures: [{ ticks: 0, key: 'C', scale: melody.key.mode }],
  });
  const track = midi.addTrack();
  track.name = midiText(options.trackName ?? melody.title);
  track.channel = 0;
  track.instrument.number = options.program;
  for (const note of soundingNotes(melody)) {
    track.addNote({ midi: note.pitch, ticks: note.onset, durationTicks: note.duration, velocity });
  }
  if (options.accompaniment) {
    const accompaniment = midi.addTrack();
    accompaniment.name = ACCOMPANIMENT_TRACK_NAME;
    accompaniment.channel = 1;
    accompaniment.instrument.number = options.accompaniment.program;
    for (const note of options.accompaniment.notes) {
      accompaniment.addNote({ midi: note.pitch, ticks: note.onset, durationTicks: note.duration, velocity: note.velocity });
    }
  }
  const bytes = midi.toArray();
  return withKeySignature(bytes, melody.key.fifths, melody.key.mode === 'minor');
}

/**
 * Sets the sharps/flats and mode bytes of the key-signature meta event (FF 59 02 sf mi). It is the conductor
 * track's, the first track after the header, so the first match is the one; note data never holds FF.
 */
function withKeySignature(bytes: Uint8Array, fifths: number, minor: boolean): Uint8Array {
  const fixed = new Uint8Array(bytes);
  for (let i = 0; i + 4 < fixed.length; i++) {
    if (fixed[i] === KEY_SIGNATURE_META[0] && fixed[i + 1] === KEY_SIGNATURE_META[1] && fixed[i + 2] === KEY_SIGNATURE_META[2]) {
      fixed[i + 3] = fifths & 0xff; // signed byte: -2 (two flats) is 0xFE
      fixed[i + 4] = minor ? 1 : 0;
      break;
    }
  }
  return fixed;
}
