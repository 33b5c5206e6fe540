// Standard MIDI File -> Melody: the first track with pitched notes (drums on channel 10 are skipped), reduced to
// one line (the highest note where several start together; a note held into the next one ends there), then
// quantised. MIDI has no notation, so note starts and ends are rounded to the finest grid the file needs:
// sixteenths and eighth-note triplets, else 32nds and sixteenth triplets, else 64ths, quintuplets and finer, so
// that a file written from notation (folkbot's own, at 960 ticks per quarter) reads back exactly; what was
// rounded is reported. midi-file reads the bytes into events; the tracks are made from them here the way
// @tonejs/midi makes them (see midiTracks), because @tonejs/midi pairs note-ons and note-offs by searching and
// splicing arrays, which takes ~40 ms for a 100 KB file where this takes ~2.
import { parseMidi, type MidiData, type MidiEvent } from 'midi-file';
import { SeedFileError } from '../errors.js';
import { barlinesForMeter } from '../kern-write.js';
import { estimateKey, keyFromName, keyOf } from '../key.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type MeterChange } from '../types.js';
import type { ReadMelody } from './read-melody.js';

/** Key signature names by fifths + 7, as @tonejs/midi names them (by the major key). */
const KEY_SIGNATURE_NAMES = ['Cb', 'Gb', 'Db', 'Ab', 'Eb', 'Bb', 'F', 'C', 'G', 'D', 'A', 'E', 'B', 'F#', 'C#'];

interface TrackNote {
  readonly midi: number;
  readonly ticks: number;
  readonly durationTicks: number;
}

interface MidiTrack {
  readonly name: string;
  /** The channel of the track's last note (0 without notes), as @tonejs/midi sets it. */
  readonly channel: number;
  readonly notes: readonly TrackNote[];
}

interface MidiFile {
  readonly ppq: number | undefined;
  readonly name: string;
  readonly tracks: readonly MidiTrack[];
  readonly timeSignatures: readonly { readonly ticks: number; readonly numerator: number; readonly denominator: number }[];
  readonly keySignature: { readonly key: string | undefined; readonly scale: 'major' | 'minor' } | undefined;
}

/** A track's events and their times from its start, side by side (copying midi-file's events is slow). */
interface TimedEvents {
  readonly events: MidiEvent[];
  readonly ticks: number[];
}

/**
 * @tonejs/midi's reading of a parsed file, with the same results: a track split in one per (program, channel)
 * pair, the events without a channel staying in the first of them; each note-on paired with the first unused
 * note-off of its key at or after it (a note-on without one is dropped); the first track of a format 1 file
 * dropped when its notes end at tick 0; time signatures of all tracks sorted by tick; the first key signature.
 */
function midiTracks(data: MidiData): MidiFile {
  const split: TimedEvents[] = [];
  for (const track of data.tracks) {
    const first = split.length;
    const targets = new Map<number, number>();
    const program = new Array<number>(16).fill(0);
    let ticks = 0;
    for (const event of track) {
      ticks += event.deltaTime;
      let target = first;
      if ('channel' in event) {
        if (event.type === 'programChange') program[event.channel] = event.programNumber;
        const key = (program[event.channel] ?? 256) * 256 + event.channel; // (program, channel), both bytes
        target = targets.get(key) ?? first + targets.size;
        if (!targets.has(key)) targets.set(key, target);
      }
      if (split[target] === undefined) split.push({ events: [], ticks: [] });
      split[target]?.events.push(event);
      split[target]?.ticks.push(ticks);
    }
  }
  // A file without a single event (its header may promise tracks) counts as damaged, as @tonejs/midi has it.
  if (split.length === 0) throw new Error('no events');
  const timeSignatures: { ticks: number; numerator: number; denominator: number }[] = [];
  let keySignature: MidiFile['keySignature'];
  for (const { events, ticks: times } of split) {
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const ticks = times[i] ?? 0;
      if (event?.type === 'timeSignature') timeSignatures.push({ ticks, numerator: event.numerator, denominator: event.denominator });
      if (event?.type === 'keySignature' && keySignature === undefined) keySignature = { key: KEY_SIGNATURE_NAMES[event.key + 7], scale: event.scale === 0 ? 'major' : 'minor' };
    }
  }
  timeSignatures.sort((a, b) => a.ticks - b.ticks);
  let name = '';
  for (const event of split[0]?.events ?? []) if (event.type === 'trackName') name = event.text;
  let tracks = split.map(({ events, ticks: times }): MidiTrack => {
    const offs = new Map<number, { times: number[]; next: number }>();
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (event?.type !== 'noteOff') continue;
      const queue = offs.get(event.noteNumber) ?? { times: [], next: 0 };
      queue.times.push(times[i] ?? 0);
      offs.set(event.noteNumber, queue);
    }
    const notes: TrackNote[] = [];
    let channel = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const ticks = times[i] ?? 0;
      if (event?.type !== 'noteOn') continue;
      channel = event.channel;
      // Note-offs of a key come in time order and note-ons too: an off earlier than this on fits no later on.
      const queue = offs.get(event.noteNumber);
      if (queue === undefined) continue;
      while (queue.next < queue.times.length && (queue.times[queue.next] ?? 0) < ticks) queue.next++;
      const off = queue.times[queue.next];
      if (off === undefined) continue;
      queue.next++;
      notes.push({ midi: event.noteNumber, ticks, durationTicks: off - ticks });
    }
    const trackName = events.find((event) => event.type === 'trackName');
    return { name: trackName?.type === 'trackName' ? trackName.text : '', channel, notes };
  });
  if (data.header.format === 1 && tracks[0] !== undefined && !tracks[0].notes.some((n) => n.ticks + n.durationTicks > 0)) tracks = tracks.slice(1);
  return { ppq: data.header.ticksPerBeat, name, tracks, timeSignatures, keySignature };
}

/** Grids tried in turn (ticks at 960 per quarter): each level is a set of note values whose multiples are allowed. */
const GRID_LEVELS: readonly { readonly values: readonly number[]; readonly name: string }[] = [
  { values: [240, 320], name: 'sixteenths and eighth-note triplets' },
  { values: [120, 160], name: '32nd notes and sixteenth triplets' },
  { values: [60, 80, 96, 192], name: '64th notes, triplets and quintuplets' },
  { values: [30, 40, 48], name: '128th notes and finer tuplets' },
];
/** A level fits when no start or end moves by more than this share of its finest value. */
const GRID_TOLERANCE = 1 / 8;

function snap(tick: number, values: readonly number[]): number {
  let best = Math.round(tick);
  let bestError = Infinity;
  for (const value of values) {
    const candidate = Math.round(tick / value) * value;
    const error = Math.abs(candidate - tick);
    if (error < bestError - 1e-9) {
      best = candidate;
      bestError = error;
    }
  }
  return best;
}

interface RawNote {
  readonly pitch: number;
  readonly start: number;
  readonly end: number;
}

/** Reads a MIDI file. `file` names it in messages. Throws SeedFileError. */
export function readMidi(bytes: Uint8Array, file: string): ReadMelody {
  if (bytes.length < 14 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'MThd') {
    throw new SeedFileError(file, `${file} is not a MIDI file: a Standard MIDI File starts with "MThd"`);
  }
  let midi: MidiFile;
  try {
    midi = midiTracks(parseMidi(bytes));
  } catch {
    throw new SeedFileError(file, `${file} is a damaged MIDI file: its tracks could not be read`);
  }
  const ppq = midi.ppq;
  if (ppq === undefined || !(ppq > 0)) throw new SeedFileError(file, `${file} is a MIDI file without a time division (ticks per quarter note)`);
  const remarks: string[] = [];
  const pitched = midi.tracks
    .map((track, index) => ({ track, index }))
    .filter(({ track }) => track.notes.length > 0 && track.channel !== 9);
  const chosen = pitched[0];
  if (chosen === undefined) {
    const drums = midi.tracks.some((track) => track.notes.length > 0);
    throw new SeedFileError(file, drums ? `${file} has only drums (channel 10): a seed needs a melody` : `${file} has no notes`);
  }
  const { track, index } = chosen;
  const name = track.name.trim();
  const part = `track ${index + 1}${name !== '' ? `, '${name}'` : ''}`;
  if (pitched.length > 1) remarks.push(`the file has ${pitched.length} tracks with notes: ${part} was taken`);

  const scale = TICKS_PER_QUARTER / ppq;
  const sorted = [...track.notes].sort((a, b) => a.ticks - b.ticks || b.midi - a.midi);
  // Times count from the file's start, so that bars stay where its time signature puts them.
  const origin = 0;
  let raw: RawNote[] = sorted.map((n) => ({ pitch: n.midi, start: (n.ticks - origin) * scale, end: (n.ticks + n.durationTicks - origin) * scale }));

  // The grid: the coarsest level that moves no start or end by more than the tolerance.
  const points: number[] = [];
  for (const n of raw) points.push(n.start, n.end); // (flatMap takes ~8 ms on a 100 KB file)
  const level = GRID_LEVELS.find(({ values }) => points.every((p) => Math.abs(snap(p, values) - p) <= Math.min(...values) * GRID_TOLERANCE));
  const values = level?.values ?? [1];
  const moved = points.filter((p) => Math.abs(snap(p, values) - p) > 1e-6).length;
  if (moved > 0) remarks.push(`${moved} note start${moved === 1 ? '' : 's'} and end${moved === 1 ? '' : 's'} were rounded to ${level?.name ?? 'the nearest tick at 960 per quarter note'}`);
  raw = raw.map((n) => ({ pitch: n.pitch, start: snap(n.start, values), end: Math.max(snap(n.end, values), snap(n.start, values) + Math.min(...values)) }));

  // One line: the highest of notes starting together; a note still sounding when the next starts ends there.
  const line: RawNote[] = [];
  let chords = 0;
  let overlaps = 0;
  for (const note of raw) {
    const last = line[line.length - 1];
    if (last !== undefined && last.start === note.start) {
      chords++;
      continue; // sorted highest first at equal starts
    }
    if (last !== undefined && last.end > note.start) {
      overlaps++;
      line[line.length - 1] = { ...last, end: note.start };
    }
    line.push(note);
  }
  if (chords > 0) remarks.push(`the track plays several notes at once: the highest of each ${chords === 1 ? 'chord' : `of ${chords} chords`} was taken`);
  if (overlaps > 0) remarks.push(`${overlaps} note${overlaps === 1 ? '' : 's'} held into the next one ${overlaps === 1 ? 'was' : 'were'} shortened`);

  const events: MelodyEvent[] = [];
  let tick = 0;
  for (const note of line) {
    if (note.start > tick) events.push({ kind: 'rest', onset: tick, duration: note.start - tick });
    events.push({ kind: 'note', pitch: note.pitch, onset: note.start, duration: note.end - note.start });
    tick = note.end;
  }

  const meters: MeterChange[] = [];
  for (const signature of midi.timeSignatures) {
    const { numerator, denominator } = signature;
    const at = Math.max(0, snap((signature.ticks - origin) * scale, values));
    if (numerator === undefined || denominator === undefined || !(numerator > 0 && denominator > 0)) continue;
    if (meters[meters.length - 1]?.tick === at) meters.pop();
    meters.push({ tick: at, meter: { numerator, denominator } });
  }
  if (meters.length === 0 || (meters[0]?.tick ?? 0) > 0) {
    meters.unshift({ tick: 0, meter: { numerator: 4, denominator: 4 } });
    remarks.push('the file has no time signature: 4/4 was assumed');
  }
  let key: Key | null = null;
  const signature = midi.keySignature;
  if (signature?.key !== undefined) {
    try {
      // The signature is named by its major key (two flats: "Bb", also for G minor).
      const major = keyFromName(signature.key, 'major');
      key = signature.scale === 'minor' ? keyOf(major.tonic + 9, 'minor') : major;
    } catch {
      key = null;
    }
  }
  const melody: Melody = {
    title: midi.name.trim() || name || file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'Untitled',
    source: file,
    key: key ?? estimateKey(events),
    keySource: key === null ? 'estimated' : 'file',
    meters,
    barlines: barlinesForMeter(meters, tick),
    events,
    phraseStarts: [],
  };
  return { melody, part, remarks };
}
