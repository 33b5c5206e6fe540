// Standard MIDI File -> Melody: the first track with pitched notes (drums on channel 10 are skipped), reduced to
// one line (the highest note where several start together; a note held into the next one ends there), then
// quantised. MIDI has no notation, so note starts and ends are rounded to the finest grid the file needs:
// sixteenths and eighth-note triplets, else 32nds and sixteenth triplets, else 64ths, quintuplets and finer, so
// that a file written from notation (folkbot's own, at 960 ticks per quarter) reads back exactly; what was
// rounded is reported. midi-file reads the bytes into events; the tracks are made from them here the way
// @tonejs/midi makes them (see midiSummary and TrackNotes), because @tonejs/midi pairs note-ons and note-offs by
// searching and splicing arrays, which takes ~40 ms for a 100 KB file, and pairs every note of every track where
// a seed needs the opening of one: with a limit (a seed), only that opening is paired and quantised.
import { parseMidi, type MidiData, type MidiEvent } from 'midi-file';
import { SeedFileError } from '../errors.js';
import { barlinesForMeter } from '../kern-write.js';
import { estimateKey, keyFromName, keyOf } from '../key.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type MeterChange } from '../types.js';
import { openingEvents, type ReadLimit, type ReadMelody } from './read-melody.js';

/** Key signature names by fifths + 7, as @tonejs/midi names them (by the major key). */
const KEY_SIGNATURE_NAMES = ['Cb', 'Gb', 'Db', 'Ab', 'Eb', 'Bb', 'F', 'C', 'G', 'D', 'A', 'E', 'B', 'F#', 'C#'];

/** A note of a track; `end` is NaN while its note-off has not been read. */
interface TrackNote {
  readonly midi: number;
  readonly ticks: number;
  end: number;
}

/** One of the tracks @tonejs/midi makes of a file, without its notes: those are read by TrackNotes when needed. */
interface MidiTrack {
  /** The file's track (MTrk chunk) it comes from, and which of the tracks split from that one it is. */
  readonly source: number;
  readonly part: number;
  /** The text of its first track name event. */
  name: string | undefined;
  /** The channel of its notes (0 without notes), as @tonejs/midi sets it: a split track has one channel. */
  channel: number;
  /** Whether @tonejs/midi would give it a note: a note-on with a note-off of its key at or after it. */
  hasNotes: boolean;
}

interface MidiFile {
  readonly ppq: number | undefined;
  readonly name: string;
  readonly tracks: readonly MidiTrack[];
  readonly timeSignatures: readonly { readonly ticks: number; readonly numerator: number; readonly denominator: number }[];
  readonly keySignature: { readonly key: string | undefined; readonly scale: 'major' | 'minor' } | undefined;
}

/**
 * @tonejs/midi's split of a file's track: one track per (program, channel) pair in the order they first occur,
 * the events without a channel in the first of them. `of` is called for each event in order.
 */
class TrackSplit {
  private readonly parts = new Map<number, number>();
  private readonly program = new Array<number>(16).fill(0);

  /** The last key looked up and its track (most events continue the one before: no map lookup then). */
  private lastKey = -1;
  private lastPart = 0;

  of(event: MidiEvent): number {
    // (A property read: `'channel' in event` costs as much as the rest of the walk.)
    const channel = (event as { readonly channel?: number }).channel;
    if (channel === undefined) return 0;
    if (event.type === 'programChange') this.program[channel] = event.programNumber;
    const key = (this.program[channel] ?? 256) * 256 + channel; // (program, channel), both bytes
    if (key === this.lastKey) return this.lastPart;
    let part = this.parts.get(key);
    if (part === undefined) {
      part = this.parts.size;
      this.parts.set(key, part);
    }
    this.lastKey = key;
    this.lastPart = part;
    return part;
  }
}

/**
 * The notes of one track, paired as @tonejs/midi pairs them: each note-on with the first unused note-off of its
 * key at or after it (a note-on without one is dropped), in the order they start. Read from the track's start
 * as far as asked (readUntil), so that a seed pairs only the opening of a long track; the pairing is the one the
 * whole track gives, since each note-off goes to the earliest note of its key still waiting.
 */
class TrackNotes {
  private readonly list: TrackNote[] = [];
  private readonly split = new TrackSplit();
  /**
   * Per key: its note-offs read while none of its notes waited (used from nextOff on), and its notes waiting for a
   * note-off (indices in list, the first at nextWaiting). Queues by index: shift() on a long array can be slow.
   */
  private readonly keys = new Map<number, { readonly offs: number[]; nextOff: number; readonly waiting: number[]; nextWaiting: number }>();
  private waitingCount = 0;
  private index = 0;
  private ticks = 0;
  private ended = false;

  constructor(
    private readonly events: readonly MidiEvent[],
    private readonly part: number,
  ) {}

  /** The notes read: all whole while the track goes on; at its end, the note-ons never released are left out. */
  get notes(): readonly TrackNote[] {
    return this.ended && this.waitingCount > 0 ? this.list.filter((n) => !Number.isNaN(n.end)) : this.list;
  }

  /**
   * Reads until at least `count` notes are read, none waits for its note-off, and the next note starts later
   * than all of them (so no later note sorts among them). False when the track ended first: then it is read whole.
   */
  readUntil(count: number): boolean {
    const { events, list } = this;
    for (; this.index < events.length; this.index++) {
      const event = events[this.index];
      if (event === undefined) continue;
      // The time is added once per event: it is kept when the loop stops at an event and resumes there.
      const ticks = this.ticks + event.deltaTime;
      const ours = this.split.of(event) === this.part;
      if (ours && event.type === 'noteOn') {
        if (list.length >= count && this.waitingCount === 0 && ticks > (list[list.length - 1]?.ticks ?? -1)) return true;
        const key = this.keys.get(event.noteNumber) ?? { offs: [], nextOff: 0, waiting: [], nextWaiting: 0 };
        this.keys.set(event.noteNumber, key);
        let off: number | undefined;
        if (key.nextWaiting === key.waiting.length) {
          // Note-offs before this note's start fit no later note either: they are passed for good.
          while (key.nextOff < key.offs.length && (key.offs[key.nextOff] ?? 0) < ticks) key.nextOff++;
          off = key.offs[key.nextOff];
        }
        if (off === undefined) {
          key.waiting.push(list.length);
          this.waitingCount++;
        } else key.nextOff++;
        list.push({ midi: event.noteNumber, ticks, end: off ?? NaN });
      } else if (ours && event.type === 'noteOff') {
        const key = this.keys.get(event.noteNumber) ?? { offs: [], nextOff: 0, waiting: [], nextWaiting: 0 };
        this.keys.set(event.noteNumber, key);
        const waited = key.nextWaiting < key.waiting.length ? list[key.waiting[key.nextWaiting++] ?? -1] : undefined;
        if (waited === undefined) key.offs.push(ticks);
        else {
          this.waitingCount--;
          waited.end = ticks;
        }
      }
      this.ticks = ticks;
    }
    this.ended = true;
    return false;
  }
}

/** Whether a track has a note that ends after tick 0 (@tonejs/midi drops a format 1 file's first track without one). */
function endsAfterStart(events: readonly MidiEvent[], part: number): boolean {
  const reader = new TrackNotes(events, part);
  for (let count = 1; ; count *= 2) {
    const more = reader.readUntil(count);
    if (reader.notes.some((n) => n.end > 0)) return true;
    if (!more) return false;
  }
}

/**
 * @tonejs/midi's reading of a parsed file, with the same tracks, but without pairing their notes (TrackNotes
 * does that for the track taken): a file's track split in one per (program, channel) pair, the events without a
 * channel staying in the first of them; the first track of a format 1 file dropped when its notes end at tick 0;
 * time signatures of all tracks sorted by tick; the first key signature. Linear in the events, and it allocates
 * nothing per event (@tonejs/midi pairs note-ons and note-offs by searching and splicing arrays: ~40 ms for a
 * 100 KB file).
 */
function midiSummary(data: MidiData): MidiFile {
  const tracks: MidiTrack[] = [];
  // Per (track, key), until the track is known to have a note: the first note-on's and the last note-off's tick.
  const firstOn = new Map<number, number>();
  const lastOff = new Map<number, number>();
  const timeSignatures: { ticks: number; numerator: number; denominator: number }[] = [];
  let keySignature: MidiFile['keySignature'];
  let name = '';
  for (let source = 0; source < data.tracks.length; source++) {
    const events = data.tracks[source] ?? [];
    const first = tracks.length;
    const split = new TrackSplit();
    let ticks = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as MidiEvent;
      ticks += event.deltaTime;
      const part = split.of(event);
      const index = first + part;
      const track = tracks[index] ?? (tracks[index] = { source, part, name: undefined, channel: 0, hasNotes: false });
      switch (event.type) {
        case 'noteOn': {
          if (track.hasNotes) break; // its channel is set: a split track's notes share one
          track.channel = event.channel;
          const key = index * 128 + event.noteNumber;
          if (!firstOn.has(key)) firstOn.set(key, ticks);
          if (lastOff.get(key) === ticks) track.hasNotes = true; // a note-off at the same tick, earlier in the file
          break;
        }
        case 'noteOff': {
          if (track.hasNotes) break;
          const key = index * 128 + event.noteNumber;
          if (firstOn.has(key)) track.hasNotes = true;
          lastOff.set(key, ticks);
          break;
        }
        case 'trackName':
          track.name ??= event.text;
          if (index === 0) name = event.text; // the file's name: the first track's last name event
          break;
        case 'timeSignature':
          timeSignatures.push({ ticks, numerator: event.numerator, denominator: event.denominator });
          break;
        case 'keySignature':
          keySignature ??= { key: KEY_SIGNATURE_NAMES[event.key + 7], scale: event.scale === 0 ? 'major' : 'minor' };
          break;
        default:
      }
    }
  }
  // A file without a single event (its header may promise tracks) counts as damaged, as @tonejs/midi has it.
  if (tracks.length === 0) throw new Error('no events');
  timeSignatures.sort((a, b) => a.ticks - b.ticks);
  const first = tracks[0];
  const dropFirst = data.header.format === 1 && first !== undefined && !(first.hasNotes && endsAfterStart(data.tracks[first.source] ?? [], first.part));
  return { ppq: data.header.ticksPerBeat, name, tracks: dropFirst ? tracks.slice(1) : tracks, timeSignatures, keySignature };
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

/** A track's notes made one line on a grid (see quantise), with what was rounded and reduced on the way. */
interface Quantised {
  readonly line: readonly RawNote[];
  readonly level: (typeof GRID_LEVELS)[number] | undefined;
  readonly values: readonly number[];
  readonly moved: number;
  readonly chords: number;
  readonly overlaps: number;
}

/**
 * Notes (in the order they start, times at `scale` x the file's ticks) rounded to the coarsest grid level that
 * moves no start or end by more than the tolerance, then made one line: the highest of notes starting together;
 * a note still sounding when the next starts ends there. On the same grid, the line's notes but the last are the
 * same whatever notes start after these (rounding keeps times in order, so a later note can only join the last
 * one as a chord or cut it short): the opening of a track gives the opening of the whole track's line.
 */
function quantise(notes: readonly TrackNote[], scale: number): Quantised {
  const sorted = [...notes].sort((a, b) => a.ticks - b.ticks || b.midi - a.midi);
  const raw: RawNote[] = sorted.map((n) => ({ pitch: n.midi, start: n.ticks * scale, end: n.end * scale }));
  const points: number[] = [];
  for (const n of raw) points.push(n.start, n.end); // (flatMap takes ~8 ms on a 100 KB file)
  const level = GRID_LEVELS.find(({ values }) => {
    const tolerance = Math.min(...values) * GRID_TOLERANCE;
    return points.every((p) => Math.abs(snap(p, values) - p) <= tolerance);
  });
  const values = level?.values ?? [1];
  const finest = Math.min(...values);
  const moved = points.filter((p) => Math.abs(snap(p, values) - p) > 1e-6).length;
  const line: RawNote[] = [];
  let chords = 0;
  let overlaps = 0;
  for (const n of raw) {
    const start = snap(n.start, values);
    const note = { pitch: n.pitch, start, end: Math.max(snap(n.end, values), start + finest) };
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
  return { line, level, values, moved, chords, overlaps };
}

/**
 * Reads a MIDI file. `file` names it in messages. Throws SeedFileError. With `limit`, only the opening of the
 * track taken is paired, quantised and returned: its first notes, twice as many while their line has no more
 * than limit.timedEvents notes and rests; the grid is then chosen from them, and the remarks count in them.
 */
export function readMidi(bytes: Uint8Array, file: string, limit: ReadLimit = {}): ReadMelody {
  if (bytes.length < 14 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'MThd') {
    throw new SeedFileError(file, `${file} is not a MIDI file: a Standard MIDI File starts with "MThd"`);
  }
  let data: MidiData;
  let midi: MidiFile;
  try {
    // The whole file is parsed (midi-file reads all of it; ~2 ms for 100 KB), so damage anywhere is refused.
    data = parseMidi(bytes);
    midi = midiSummary(data);
  } catch {
    throw new SeedFileError(file, `${file} is a damaged MIDI file: its tracks could not be read`);
  }
  const ppq = midi.ppq;
  if (ppq === undefined || !(ppq > 0)) throw new SeedFileError(file, `${file} is a MIDI file without a time division (ticks per quarter note)`);
  const remarks: string[] = [];
  const pitched = midi.tracks.map((track, index) => ({ track, index })).filter(({ track }) => track.hasNotes && track.channel !== 9);
  const chosen = pitched[0];
  if (chosen === undefined) {
    const drums = midi.tracks.some((track) => track.hasNotes);
    throw new SeedFileError(file, drums ? `${file} has only drums (channel 10): a seed needs a melody` : `${file} has no notes`);
  }
  const { track, index } = chosen;
  const name = (track.name ?? '').trim();
  const part = `track ${index + 1}${name !== '' ? `, '${name}'` : ''}`;
  if (pitched.length > 1) remarks.push(`the file has ${pitched.length} tracks with notes: ${part} was taken`);

  // Times count from the file's start, so that bars stay where its time signature puts them.
  const scale = TICKS_PER_QUARTER / ppq;
  const reader = new TrackNotes(data.tracks[track.source] ?? [], track.part);
  const enough = limit.timedEvents;
  let count = enough === undefined ? Infinity : enough + 1;
  let cut = reader.readUntil(count);
  let quantised = quantise(reader.notes, scale);
  while (cut && enough !== undefined && quantised.line.length <= enough) {
    count *= 2;
    cut = reader.readUntil(count);
    quantised = quantise(reader.notes, scale);
  }
  const { line, level, values, moved, chords, overlaps } = quantised;
  // When only the opening was read, the counts say so: they are the opening's, not the track's.
  const within = cut ? ` in the track's first ${reader.notes.length} notes` : '';
  if (moved > 0) remarks.push(`${moved} note start${moved === 1 ? '' : 's'} and end${moved === 1 ? '' : 's'}${within} were rounded to ${level?.name ?? 'the nearest tick at 960 per quarter note'}`);
  if (chords > 0) remarks.push(`the track plays several notes at once: the highest of each ${chords === 1 ? 'chord' : `of ${chords} chords`}${within} was taken`);
  if (overlaps > 0) remarks.push(`${overlaps} note${overlaps === 1 ? '' : 's'} held into the next one${within} ${overlaps === 1 ? 'was' : 'were'} shortened`);

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
    const at = Math.max(0, snap(signature.ticks * scale, values));
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
  // The line's notes but the last are whole (see quantise): its first limit.timedEvents notes and rests are kept.
  const opening = cut && enough !== undefined ? openingEvents(melody, enough) : null;
  return { melody: opening ?? melody, part, remarks };
}
