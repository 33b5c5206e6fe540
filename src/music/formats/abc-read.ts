// ABC notation -> Melody: the first voice of the first tune, as written (repeats are not expanded).
// abcjs parses the text (fields, keys and modes, note lengths, broken rhythm, tuplets, chords, decorations,
// inline fields, voices). Pitches are worked out here from what abcjs parsed (staff position, accidentals, key
// signature, accidentals holding to the barline): abcjs's own pitch calculation lives in its player, which plays
// the tune (repeats expanded, grace notes taking time, chord symbols as an accompaniment) rather than reading it.
import abcjs from 'abcjs';
import { SeedFileError } from '../errors.js';
import { estimateKey, keyOf, keyOfSpelledTonic } from '../key.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type MelodyEvent, type Meter, type MeterChange, type Mode } from '../types.js';
import { openingEvents, type ReadLimit, type ReadMelody } from './read-melody.js';

const TICKS_PER_WHOLE = 4 * TICKS_PER_QUARTER;
/** Characters of a tune read (whole lines): far more than the 64 notes a seed holds need. */
const ABC_READ_LIMIT = 16 * 1024;
/** Characters read first (whole lines) when a limit allows stopping early; then four times as many, up to the above. */
const ABC_OPENING = 1024;
const STEP_PITCH = [0, 2, 4, 5, 7, 9, 11];
const STEP_LETTERS = 'cdefgab';
const ACCIDENTAL_ALTER: Readonly<Record<string, number>> = { sharp: 1, flat: -1, natural: 0, dblsharp: 2, dblflat: -2, quartersharp: 0, quarterflat: 0 };

/** The parts of abcjs's parse tree this reader uses (its published types leave several out). */
interface AbcPitch {
  readonly pitch: number;
  readonly accidental?: string;
  readonly startTie?: object;
  readonly endTie?: boolean;
}
interface AbcElement {
  readonly el_type: string;
  readonly duration?: number;
  readonly pitches?: readonly AbcPitch[];
  readonly gracenotes?: readonly AbcPitch[];
  readonly rest?: { readonly type: string; readonly text?: number };
  readonly startTriplet?: number;
  readonly tripletMultiplier?: number;
  readonly endTriplet?: boolean;
  readonly decoration?: readonly string[];
  readonly value?: readonly { readonly num: string | number; readonly den: string | number }[];
  readonly type?: string;
  readonly accidentals?: readonly { readonly acc: string; readonly note: string }[];
}
interface AbcStaff {
  readonly voices?: readonly (readonly AbcElement[])[];
  readonly key?: { readonly root: string; readonly acc: string; readonly mode: string; readonly accidentals?: readonly { readonly acc: string; readonly note: string }[] };
  readonly meter?: AbcElement;
}
interface AbcTune {
  readonly lines: readonly { readonly staff?: readonly AbcStaff[] }[];
  readonly metaText: { readonly title?: string };
  readonly warnings?: readonly string[];
  getMeterFraction(): { num: number; den: number };
}

const MODES: Readonly<Record<string, { mode: Mode; name: string }>> = {
  '': { mode: 'major', name: 'major' },
  maj: { mode: 'major', name: 'major' },
  ion: { mode: 'major', name: 'major' },
  m: { mode: 'minor', name: 'minor' },
  min: { mode: 'minor', name: 'minor' },
  aeo: { mode: 'minor', name: 'minor' },
  dor: { mode: 'minor', name: 'Dorian' },
  phr: { mode: 'minor', name: 'Phrygian' },
  loc: { mode: 'minor', name: 'Locrian' },
  mix: { mode: 'major', name: 'Mixolydian' },
  lyd: { mode: 'major', name: 'Lydian' },
};

/** The signature's alteration of each letter (c..b) from abcjs's key accidentals. */
function signatureOf(accidentals: readonly { readonly acc: string; readonly note: string }[] | undefined): Map<string, number> {
  const alters = new Map<string, number>();
  for (const { acc, note } of accidentals ?? []) alters.set(note.toLowerCase(), ACCIDENTAL_ALTER[acc] ?? 0);
  return alters;
}

/** The key of the K: field; a church mode becomes the major or minor key on its tonic, and a remark says so. */
function keyOfField(staff: AbcStaff | undefined, remarks: string[]): Key | null {
  const field = staff?.key;
  if (field === undefined || field.root === 'none' || !/^[A-G]$/.test(field.root)) return null;
  const mode = MODES[field.mode.toLowerCase().slice(0, 3)] ?? MODES[field.mode.toLowerCase()];
  const alter = field.acc === '#' ? 1 : field.acc === 'b' ? -1 : 0;
  if (mode === undefined) return null;
  if (mode.name !== 'major' && mode.name !== 'minor') remarks.push(`the key ${field.root}${field.acc} ${mode.name} was read as ${field.root}${field.acc} ${mode.mode}`);
  return keyOfSpelledTonic(field.root.toLowerCase(), alter, mode.mode);
}

function meterOf(element: AbcElement | undefined): Meter | null | undefined {
  if (element === undefined) return undefined;
  if (element.type === 'common_time') return { numerator: 4, denominator: 4 };
  if (element.type === 'cut_time') return { numerator: 2, denominator: 2 };
  const first = element.value?.[0];
  if (element.type !== 'specified' || first === undefined) return null;
  const numerator = Number(first.num);
  const denominator = Number(first.den);
  return Number.isInteger(numerator) && Number.isInteger(denominator) && numerator > 0 && denominator > 0 ? { numerator, denominator } : null;
}

/** The first `characters` of a text, in whole lines (at least one). */
function wholeLines(text: string, characters: number): string {
  if (text.length <= characters) return text;
  const lineEnd = text.lastIndexOf('\n', characters);
  return text.slice(0, lineEnd > 0 ? lineEnd + 1 : characters);
}

/**
 * Reads the first tune of an ABC text. `file` names it in messages. Throws SeedFileError. With `limit`, the
 * tune's first kilobyte is read, then four times more while it has no more than limit.timedEvents notes and rests.
 */
export function readAbc(text: string, file: string, limit: ReadLimit = {}): ReadMelody {
  if (limit.timedEvents !== undefined) {
    for (let characters = ABC_OPENING; characters < Math.min(text.length, ABC_READ_LIMIT); characters *= 4) {
      const opening = wholeLines(text, characters);
      if (opening.length === text.length || !/^\s*K:/m.test(opening)) continue;
      try {
        const read = readTune(opening, text, file);
        const melody = openingEvents(read.melody, limit.timedEvents);
        if (melody !== null) return { ...read, melody };
      } catch {
        // too short to hold notes, or cut where abcjs cannot read it: more is read
      }
    }
  }
  return readTune(text, text, file);
}

/** Reads the first tune of `text`, the whole file being `whole` (for the count of its tunes). */
function readTune(text: string, whole: string, file: string): ReadMelody {
  if (!/^\s*X:/m.test(text) && !/^\s*K:/m.test(text)) {
    throw new SeedFileError(file, `${file} is not ABC notation: an ABC tune starts with an "X:" line and has a "K:" line before its notes`);
  }
  // Only the first tune is read, and of it no more than a seed can use: abcjs takes ~4 ms per KB, and a 100 KB
  // songbook would cost far more than the opening needs.
  const tuneCount = Math.max(1, (whole.match(/^\s*X:/gm) ?? []).length);
  const secondTune = text.search(/\n\s*X:/);
  const firstTune = secondTune > 0 && /^\s*X:/.test(text) ? text.slice(0, secondTune + 1) : text;
  let tunes: AbcTune[];
  try {
    tunes = abcjs.parseOnly(wholeLines(firstTune, ABC_READ_LIMIT)) as unknown as AbcTune[];
  } catch {
    throw new SeedFileError(file, `${file} could not be read as ABC notation`);
  }
  const tune = tunes[0];
  const remarks: string[] = [];
  if (tuneCount > 1) remarks.push(`the file holds ${tuneCount} tunes: the first was taken`);
  const staves = tune?.lines.flatMap((line) => (line.staff === undefined ? [] : [line.staff])) ?? [];
  const firstStaves = staves[0] ?? [];
  const voiceCount = firstStaves.reduce((n, staff) => n + (staff.voices?.length ?? 0), 0);
  if (voiceCount > 1) remarks.push(`the tune has ${voiceCount} voices: the first was taken`);

  const remarksBefore = remarks.length;
  const fileKey = keyOfField(firstStaves[0], remarks);
  const events: MelodyEvent[] = [];
  const barlines: number[] = [];
  const meters: MeterChange[] = [];
  let tick = 0;
  let multiplier = 1;
  let chords = false;
  let signature = signatureOf(firstStaves[0]?.key?.accidentals);
  let measure = new Map<number, number>();
  let openTie: number | null = null;
  const setMeter = (meter: Meter | null): void => {
    const last = meters[meters.length - 1];
    if (last?.tick === tick) meters.pop();
    const previous = meters[meters.length - 1];
    if (previous === undefined || JSON.stringify(previous.meter) !== JSON.stringify(meter)) meters.push({ tick, meter });
  };
  const initialMeter = meterOf(firstStaves[0]?.meter);
  setMeter(initialMeter === undefined ? null : initialMeter);
  const pitchOf = (note: AbcPitch, record: boolean): number => {
    const step = ((note.pitch % 7) + 7) % 7;
    const octave = Math.floor(note.pitch / 7);
    let alter = measure.get(note.pitch) ?? signature.get(STEP_LETTERS[step] ?? 'c') ?? 0;
    if (note.accidental !== undefined) {
      alter = ACCIDENTAL_ALTER[note.accidental] ?? 0;
      if (record) measure.set(note.pitch, alter);
    }
    return 60 + 12 * octave + (STEP_PITCH[step] ?? 0) + alter;
  };
  for (const staff of staves) {
    const voice = staff[0]?.voices?.[0] ?? [];
    if (staff[0]?.key !== undefined && staff !== firstStaves) signature = signatureOf(staff[0].key.accidentals);
    for (const element of voice) {
      if (element.el_type === 'bar') {
        if (tick > 0 && barlines[barlines.length - 1] !== tick) barlines.push(tick);
        measure = new Map();
        continue;
      }
      if (element.el_type === 'meter') {
        const meter = meterOf(element);
        if (meter !== undefined) setMeter(meter);
        continue;
      }
      if (element.el_type === 'key') {
        signature = signatureOf(element.accidentals);
        continue;
      }
      if (element.el_type !== 'note') continue;
      if (element.startTriplet !== undefined && element.tripletMultiplier !== undefined) multiplier = element.tripletMultiplier;
      const duration = Math.round((element.duration ?? 0) * multiplier * TICKS_PER_WHOLE);
      if (element.endTriplet === true) multiplier = 1;
      for (const grace of element.gracenotes ?? []) events.push({ kind: 'note', pitch: pitchOf(grace, true), onset: tick, duration: 0, grace: true });
      if (duration <= 0) continue;
      const fermata = element.decoration?.includes('fermata') === true;
      const pitches = element.pitches ?? [];
      if (element.rest !== undefined || pitches.length === 0) {
        if (element.rest?.type === 'spacer') continue;
        events.push({ kind: 'rest', onset: tick, duration, ...(fermata ? { fermata } : {}) });
        openTie = null;
        tick += duration;
        continue;
      }
      if (pitches.length > 1) chords = true;
      const values = pitches.map((p) => pitchOf(p, true));
      const pitch = Math.max(...values);
      const top = pitches[values.indexOf(pitch)];
      const previous = openTie === null ? undefined : events[openTie];
      if (previous !== undefined && previous.kind === 'note' && previous.pitch === pitch && previous.onset + previous.duration === tick) {
        events[openTie ?? 0] = { ...previous, duration: previous.duration + duration, ...(fermata ? { fermata } : {}) };
      } else {
        events.push({ kind: 'note', pitch, onset: tick, duration, ...(fermata ? { fermata } : {}) });
      }
      openTie = top?.startTie !== undefined ? events.length - 1 : null;
      tick += duration;
    }
  }
  if (!events.some((e) => e.kind === 'note' && e.grace !== true)) {
    throw new SeedFileError(file, `${file} has no notes: an ABC tune needs notes after its "K:" line, e.g. "K:G\\nGABc d2BG|"`);
  }
  if (chords) remarks.splice(remarksBefore, 0, 'chords: the highest note of each was taken');
  const key = fileKey ?? estimateKey(events);
  const melody: Melody = {
    title: tune?.metaText.title?.trim() || file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'Untitled',
    source: file,
    key: fileKey ?? keyOf(key.tonic, key.mode),
    keySource: fileKey === null ? 'estimated' : 'file',
    meters,
    barlines,
    events,
    phraseStarts: [],
  };
  return { melody, part: voiceCount > 1 ? 'voice 1' : 'the tune', remarks };
}
