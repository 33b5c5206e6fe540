// Standard MIDI File -> Melody: the first track with pitched notes (drums on channel 10 are skipped), reduced to
// one line (the highest note where several start together; a note held into the next one ends there), then
// quantised. MIDI has no notation, so note starts and ends are rounded to the finest grid the file needs:
// sixteenths and eighth-note triplets, else 32nds and sixteenth triplets, else 64ths, quintuplets and finer, so
// that a file written from notation (folkbot's own, at 960 ticks per quarter) reads back exactly; what was
// rounded is reported. @tonejs/midi reads the bytes.
import tonejsMidi from '@tonejs/midi';
import { SeedFileError } from '../errors.js';
import { barlinesForMeter } from '../kern-write.js';
import { estimateKey, keyFromName, keyOf } from '../key.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type MeterChange } from '../types.js';
import type { ReadMelody } from './read-melody.js';

const { Midi } = tonejsMidi;

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
  let midi: InstanceType<typeof Midi>;
  try {
    midi = new Midi(bytes);
  } catch {
    throw new SeedFileError(file, `${file} is a damaged MIDI file: its tracks could not be read`);
  }
  const ppq = midi.header.ppq;
  if (!(ppq > 0)) throw new SeedFileError(file, `${file} is a MIDI file without a time division (ticks per quarter note)`);
  const remarks: string[] = [];
  const pitched = midi.tracks
    .map((track, index) => ({ track, index }))
    .filter(({ track }) => track.notes.length > 0 && !(track.channel === 9 || track.instrument.percussion));
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
  const points = raw.flatMap((n) => [n.start, n.end]);
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
  for (const signature of midi.header.timeSignatures) {
    const [numerator, denominator] = signature.timeSignature;
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
  const signature = midi.header.keySignatures[0];
  if (signature !== undefined) {
    try {
      // @tonejs/midi names the signature by its major key (two flats: "Bb", also for G minor).
      const major = keyFromName(signature.key, 'major');
      key = signature.scale === 'minor' ? keyOf(major.tonic + 9, 'minor') : major;
    } catch {
      key = null;
    }
  }
  const melody: Melody = {
    title: midi.header.name.trim() || name || file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'Untitled',
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
