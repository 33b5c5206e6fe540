// Keys: naming, reading names, estimating a key from notes (Krumhansl-Schmuckler for melodies, a weighing of
// salient notes for short seeds), transposition.
import { KeyNameError } from './errors.js';
import { fifthsPosition, fifthsPositionName, midiToKern, mod } from './pitch.js';
import type { Key, Melody, MelodyEvent, Mode, NoteEvent } from './types.js';

/** Krumhansl-Kessler key profiles (probe-tone ratings), index 0 = tonic. */
const MAJOR_PROFILE = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88] as const;
const MINOR_PROFILE = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17] as const;

/** Brings a signature into -7..+7 by swapping for its enharmonic equivalent (12 fifths away). */
function foldFifths(fifths: number): number {
  if (fifths > 7) return fifths - 12;
  if (fifths < -7) return fifths + 12;
  return fifths;
}

/**
 * The key of a tonic pitch class and mode, with its signature. Where two signatures are equally plausible
 * (F#/Gb major, D#/Eb minor) the sharp one is taken; Db major (not C#) and Bb minor (not A#) are chosen by
 * keeping the signature within -5..+6 fifths.
 */
export function keyOf(tonic: number, mode: Mode): Key {
  const pitchClass = mod(tonic, 12);
  const relativeMajor = mode === 'major' ? pitchClass : mod(pitchClass + 3, 12);
  const fifths = mod(relativeMajor * 7 + 5, 12) - 5;
  return { tonic: pitchClass, mode, fifths };
}

/**
 * The key of a spelled tonic (letter a-g, alter in semitones) and mode: `B-` major -> fifths -2, `f#` minor ->
 * +3. Keys beyond 7 sharps or flats (D# major, Fb major...) take the enharmonic signature.
 */
export function keyOfSpelledTonic(letter: string, alter: number, mode: Mode): Key {
  const majorPosition = fifthsPosition(letter, alter) - (mode === 'minor' ? 3 : 0);
  const tonic = mod((LETTER_CLASS[letter.toLowerCase()] ?? 0) + alter, 12);
  return { tonic, mode, fifths: foldFifths(majorPosition) };
}

const LETTER_CLASS: Readonly<Record<string, number>> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };

/** The tonic spelt as the signature implies, e.g. { letter: 'b', alter: -1 } for Bb major. */
export function tonicSpelling(key: Key): { readonly letter: string; readonly alter: number } {
  const fromSignature = fifthsPositionName(key.fifths + (key.mode === 'minor' ? 3 : 0));
  const pitchClass = mod((LETTER_CLASS[fromSignature.letter] ?? 0) + fromSignature.alter, 12);
  if (pitchClass === key.tonic) return fromSignature;
  // An inconsistent Key (signature not matching the tonic): spell the tonic on its own.
  return fifthsPositionName(keyOf(key.tonic, key.mode).fifths + (key.mode === 'minor' ? 3 : 0));
}

/**
 * Display name: tonic letter in upper case, 'b' for flat and '#' for sharp (ASCII, readable in Discord and
 * terminals), then the mode: 'G major', 'Bb minor', 'F# major'.
 */
export function keyName(key: Key): string {
  const { letter, alter } = tonicSpelling(key);
  const accidental = alter > 0 ? '#'.repeat(alter) : 'b'.repeat(-alter);
  return `${letter.toUpperCase()}${accidental} ${key.mode}`;
}

/**
 * Reads a tonic name: a letter A-G (either case) then an optional accidental: '#', 'b' or kern '-' (one or two),
 * or the words 'sharp'/'flat' ('F sharp'). Examples: 'G', 'F#', 'B-', 'Bb', 'bb' (B flat), 'e-'.
 * Throws KeyNameError for anything else.
 */
export function keyFromName(tonic: string, mode: Mode): Key {
  const text = tonic.trim();
  const match = /^([A-Ga-g])\s*(##|#|bb|b|--|-|♯|♭|\s*sharp|\s*flat)?$/i.exec(text);
  if (!match || (mode !== 'major' && mode !== 'minor')) {
    throw new KeyNameError(
      `"${tonic}" is not a key tonic (mode "${String(mode)}"): expected a letter A-G with an optional accidental ` +
        `and mode major or minor, e.g. "G", "F#", "Bb", "B-", "eb"`,
    );
  }
  const letter = (match[1] ?? 'c').toLowerCase();
  const sign = (match[2] ?? '').toLowerCase().replace(/\s+/g, '');
  const alter = (
    {
      '': 0,
      '#': 1,
      '##': 2,
      '♯': 1,
      sharp: 1,
      b: -1,
      bb: -2,
      '-': -1,
      '--': -2,
      '♭': -1,
      flat: -1,
    } as Readonly<Record<string, number>>
  )[sign];
  return keyOfSpelledTonic(letter, alter ?? 0, mode);
}

/**
 * Krumhansl-Schmuckler key finding: correlates the duration-weighted pitch-class histogram with the 24 rotated
 * major/minor profiles and returns the best key (signature from keyOf). Grace notes count as nothing unless
 * the melody has only grace notes; with no notes at all the answer is C major.
 */
export function estimateKey(events: readonly MelodyEvent[]): Key {
  const histogram = pitchClassHistogram(events);
  if (histogram.every((weight) => weight === 0)) return keyOf(0, 'major');
  let best: Key = keyOf(0, 'major');
  let bestScore = -Infinity;
  for (const key of ALL_KEYS) {
    const score = profileCorrelation(histogram, key);
    if (score > bestScore + 1e-12) {
      bestScore = score;
      best = key;
    }
  }
  return best;
}

/** The 24 keys, majors first, each tonic from C up: the order in which ties are broken. */
const ALL_KEYS: readonly Key[] = (['major', 'minor'] as const).flatMap((mode) =>
  Array.from({ length: 12 }, (_, tonic) => keyOf(tonic, mode)),
);

/** Correlation of a pitch-class histogram with the Krumhansl-Kessler profile of `key` (-1..1). */
function profileCorrelation(histogram: readonly number[], key: Key): number {
  const profile = key.mode === 'major' ? MAJOR_PROFILE : MINOR_PROFILE;
  return correlation(histogram, histogram.map((_, pc) => profile[mod(pc - key.tonic, 12)] ?? 0));
}

/** Duration-weighted pitch classes; grace notes count once each when the melody has nothing else. */
function pitchClassHistogram(events: readonly MelodyEvent[]): number[] {
  const histogram = new Array<number>(12).fill(0);
  let total = 0;
  for (const event of events) {
    if (event.kind !== 'note' || event.duration <= 0) continue;
    histogram[mod(event.pitch, 12)] = (histogram[mod(event.pitch, 12)] ?? 0) + event.duration;
    total += event.duration;
  }
  if (total === 0) {
    for (const event of events) {
      if (event.kind === 'note') histogram[mod(event.pitch, 12)] = (histogram[mod(event.pitch, 12)] ?? 0) + 1;
      total += event.kind === 'note' ? 1 : 0;
    }
  }
  return histogram;
}

/** Where the bars of a seed fall, so that its downbeat notes can be found. */
export interface SeedMetre {
  /** Ticks in a bar. */
  readonly barTicks: number;
  /** Ticks before the first full bar (a pickup), 0 when the seed starts on a downbeat. */
  readonly pickup: number;
}

/** Scale degrees (semitones above the tonic) that each mode's signature holds. */
const DIATONIC: Readonly<Record<Mode, readonly number[]>> = {
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
};
/** The raised sixth and seventh of melodic and harmonic minor: in the key, but written with an accidental. */
const MINOR_RAISED: readonly number[] = [9, 11];
/** Degrees of the tonic triad: tonic, third, fifth. */
const TRIAD: Readonly<Record<Mode, readonly number[]>> = { major: [0, 4, 7], minor: [0, 3, 7] };

/**
 * The key a musician would name for a few notes (a compose seed). Krumhansl-Schmuckler alone is unreliable on a
 * handful of notes (it calls C-E-G-E E minor), so each of the 24 keys is scored on what a listener hears in a
 * short line: notes outside the key count heavily against it; the tonic triad on the first note, the last note
 * and the downbeats counts for it; so does the share of time on the triad and, a little, the profile
 * correlation; and among keys that hold every note, the one with the fewest accidentals (signature plus
 * raised degrees of minor) is preferred. `metre` finds the downbeats; without it only the first and last
 * notes and the time spent on each note are weighed. With no notes the answer is C major.
 */
export function estimateSeedKey(events: readonly MelodyEvent[], metre?: SeedMetre): Key {
  const notes = events.filter((event): event is NoteEvent => event.kind === 'note' && event.duration > 0);
  if (notes.length === 0) return estimateKey(events);
  const histogram = pitchClassHistogram(notes);
  const total = histogram.reduce((sum, weight) => sum + weight, 0);
  const first = notes.find((note) => metre === undefined || note.onset >= metre.pickup) ?? notes[0];
  const last = notes[notes.length - 1];
  const downbeats = metre
    ? notes.filter((note) => note.onset >= metre.pickup && (note.onset - metre.pickup) % metre.barTicks === 0)
    : [];
  const pitchClasses = [...new Set(notes.map((note) => mod(note.pitch, 12)))];
  let best: Key = keyOf(0, 'major');
  let bestScore = -Infinity;
  for (const key of ALL_KEYS) {
    const degree = (pitch: number): number => mod(pitch - key.tonic, 12);
    const role = (note: NoteEvent | undefined): number => {
      if (note === undefined) return 0;
      const d = degree(note.pitch);
      return d === 0 ? 1 : TRIAD[key.mode].includes(d) ? 0.5 : 0;
    };
    const inKey = (d: number): boolean => DIATONIC[key.mode].includes(d) || (key.mode === 'minor' && MINOR_RAISED.includes(d));
    let outside = 0;
    let onTriad = 0;
    for (let pc = 0; pc < 12; pc++) {
      const weight = (histogram[pc] ?? 0) / total;
      if (!inKey(degree(pc))) outside += weight;
      if (TRIAD[key.mode].includes(degree(pc))) onTriad += weight;
    }
    const raised = pitchClasses.filter((pc) => !DIATONIC[key.mode].includes(degree(pc))).length;
    const accidentals = Math.abs(key.fifths) + raised;
    const downbeatRole = downbeats.length === 0 ? 0 : downbeats.reduce((sum, note) => sum + role(note), 0) / downbeats.length;
    const score =
      -4 * outside -
      (outside > 0 ? 1 : 0) +
      1.0 * role(first) +
      1.0 * role(last) +
      1.5 * downbeatRole +
      1.0 * onTriad +
      0.5 * profileCorrelation(histogram, key) -
      0.1 * accidentals;
    if (score > bestScore + 1e-12) {
      bestScore = score;
      best = key;
    }
  }
  return best;
}

/** Semitones above the gong (the major tonic) of the five notes of the major pentatonic. */
const PENTATONIC: readonly number[] = [0, 2, 4, 7, 9];

/**
 * The key of a pentatonic melody, named by its gong (the major key whose pentatonic holds the notes), as the Essen
 * collection labels its Chinese songs. Krumhansl-Schmuckler's major/minor profiles do not fit such tunes: on the
 * collection's Chinese songs, moved to random keys, they name the labelled key for 21% of the songs (19% of their
 * first 12 notes), the seed estimate above for 26% (22%). Here the time spent outside each pentatonic counts
 * heavily against it and the time on its gong and zhi (its most stable degrees, 1 and 5) for it: 89% (77%). Measured
 * by `npm run style-rules`. With no notes the answer is C major.
 */
export function estimatePentatonicKey(events: readonly MelodyEvent[]): Key {
  const histogram = pitchClassHistogram(events.filter((event) => event.kind === 'note' && event.duration > 0));
  const total = histogram.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return keyOf(0, 'major');
  let best = 0;
  let bestScore = -Infinity;
  for (let gong = 0; gong < 12; gong++) {
    let outside = 0;
    let stable = 0;
    for (let pc = 0; pc < 12; pc++) {
      const degree = mod(pc - gong, 12);
      const weight = (histogram[pc] ?? 0) / total;
      if (!PENTATONIC.includes(degree)) outside += weight;
      if (degree === 0 || degree === 7) stable += weight;
    }
    const score = -4 * outside + 0.5 * stable;
    if (score > bestScore + 1e-12) {
      bestScore = score;
      best = gong;
    }
  }
  return keyOf(best, 'major');
}

function correlation(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - meanX;
    const dy = (ys[i] ?? 0) - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** The key `semitones` above `key`, with the conventional signature for the new tonic (keyOf). */
export function transposeKey(key: Key, semitones: number): Key {
  return keyOf(key.tonic + semitones, key.mode);
}

/**
 * The melody moved by `semitones` (any integer); the key moves with it and every note is respelt for the new
 * key (midiToKern). Throws RangeError when a note would leave MIDI 0..127.
 */
export function transpose(melody: Melody, semitones: number): Melody {
  if (!Number.isInteger(semitones)) throw new RangeError(`transpose: semitones must be an integer, got ${semitones}`);
  const key = transposeKey(melody.key, semitones);
  const events = melody.events.map((event): MelodyEvent => {
    if (event.kind !== 'note') return event;
    const pitch = event.pitch + semitones;
    if (pitch < 0 || pitch > 127) {
      throw new RangeError(`transpose by ${semitones}: a note at tick ${event.onset} would leave MIDI 0..127 (${pitch})`);
    }
    return { ...event, pitch, spelling: midiToKern(pitch, key) };
  });
  return { ...melody, key, events };
}

/** Signed shift in -6..+5 semitones that takes pitch class `from` to `to`. */
export function nearestShift(from: number, to: number): number {
  const up = mod(to - from, 12);
  return up > 5 ? up - 12 : up;
}

/**
 * The melody moved to `key`'s tonic (same mode as `key`, which must match the melody's mode) by the shift in
 * -6..+5 semitones, respelt for `key`'s signature.
 */
export function transposeToKey(melody: Melody, key: Key): Melody {
  if (key.mode !== melody.key.mode) {
    throw new RangeError(
      `transposeToKey: cannot move a ${melody.key.mode} melody to ${keyName(key)}; pick a ${melody.key.mode} key`,
    );
  }
  const moved = transpose(melody, nearestShift(melody.key.tonic, key.tonic));
  const events = moved.events.map((event): MelodyEvent =>
    event.kind === 'note' ? { ...event, spelling: midiToKern(event.pitch, key) } : event,
  );
  return { ...moved, key, events };
}

/** The melody moved to C major (major) or A minor (minor) by a shift in -6..+5 semitones, and that shift. */
export function normalizeKey(melody: Melody): { melody: Melody; semitones: number } {
  const target = melody.key.mode === 'major' ? keyOf(0, 'major') : keyOf(9, 'minor');
  const semitones = nearestShift(melody.key.tonic, target.tonic);
  return { melody: transposeToKey(melody, target), semitones };
}
