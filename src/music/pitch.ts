// Kern pitch spelling <-> MIDI pitch, and choosing a spelling that fits a key signature.
// Kern octaves: `c` is middle C (MIDI 60), `cc` the octave above, `C` the octave below, `CC` two below.
import type { Key } from './types.js';

const LETTER_PITCH_CLASS: Readonly<Record<string, number>> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };
/** Letters in line-of-fifths order: position p (C = 0, G = 1, F = -1) has letter LINE_OF_FIFTHS[mod(p + 1, 7)]. */
const LINE_OF_FIFTHS = 'FCGDAEB';

export function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

/** The parts of a kern pitch: letters (`cc`, `B`) and accidentals (`#`, `--`, `n`, or ''). */
export interface KernPitchParts {
  readonly letters: string;
  readonly accidentals: string;
}

/** Splits a kern spelling such as `cc#` or `B--` into letters and accidentals; null when it is not one. */
export function splitKernPitch(spelling: string): KernPitchParts | null {
  const match = /^([a-gA-G])\1*(#+|-+|n)?$/.exec(spelling);
  if (!match) return null;
  const accidentals = match[2] ?? '';
  return { letters: spelling.slice(0, spelling.length - accidentals.length), accidentals };
}

/**
 * MIDI pitch of a kern spelling (`c` = 60, `cc#` = 73, `B-` = 58), or null when the text is not a kern pitch
 * or lies outside MIDI 0..127.
 */
export function kernToMidi(spelling: string): number | null {
  const parts = splitKernPitch(spelling);
  if (!parts) return null;
  const first = parts.letters[0] ?? '';
  const lower = first.toLowerCase();
  const octave = first === lower ? 3 + parts.letters.length : 4 - parts.letters.length;
  let alter = 0;
  for (const sign of parts.accidentals) alter += sign === '#' ? 1 : sign === '-' ? -1 : 0;
  const midi = 12 * (octave + 1) + (LETTER_PITCH_CLASS[lower] ?? 0) + alter;
  return midi >= 0 && midi <= 127 ? midi : null;
}

/** Kern letters for a natural note `letter` (lower case) in scientific octave `octave` (middle C's is 4). */
function kernLetters(letter: string, octave: number): string {
  return octave >= 4 ? letter.repeat(octave - 3) : letter.toUpperCase().repeat(4 - octave);
}

/** Name (letter + alter) of line-of-fifths position p: 0 = C, 1 = G, -1 = F, 6 = F#, -2 = Bb. */
export function fifthsPositionName(position: number): { readonly letter: string; readonly alter: number } {
  const letter = (LINE_OF_FIFTHS[mod(position + 1, 7)] ?? 'C').toLowerCase();
  return { letter, alter: Math.floor((position + 1) / 7) };
}

/** The line-of-fifths position of a letter + alter (C = 0, F# = 6, Bb = -2). */
export function fifthsPosition(letter: string, alter: number): number {
  return LINE_OF_FIFTHS.indexOf(letter.toUpperCase()) - 1 + 7 * alter;
}

/**
 * Kern spelling of a MIDI pitch that fits the key: diatonic notes take the key signature's spelling; other
 * notes take the spelling nearest the key on the line of fifths (in C major: F#, Bb, Eb, Ab, C#; in A minor:
 * G#, C#, D#... as leading tones). Never writes a natural sign.
 */
export function midiToKern(pitch: number, key: Key): string {
  const pitchClass = mod(pitch, 12);
  // The diatonic scale of a signature spans positions fifths-1 .. fifths+5; minor keys lean one step sharp so
  // that raised sixth and seventh degrees are spelt as sharps.
  const centre = key.fifths + (key.mode === 'minor' ? 3 : 2);
  const base = mod(pitchClass * 7, 12); // 7 is its own inverse mod 12: position of the pitch class, in 0..11
  let best = base;
  for (const candidate of [base - 24, base - 12, base, base + 12]) {
    const distance = Math.abs(candidate - centre);
    const bestDistance = Math.abs(best - centre);
    if (distance < bestDistance || (distance === bestDistance && candidate < best)) best = candidate;
  }
  const { letter, alter } = fifthsPositionName(best);
  const natural = pitch - alter;
  const octave = Math.floor(natural / 12) - 1;
  const accidentals = alter > 0 ? '#'.repeat(alter) : '-'.repeat(-alter);
  return kernLetters(letter, octave) + accidentals;
}

/** Scientific pitch name for messages: 60 -> 'C4', 61 -> 'C#4'. */
export function midiName(pitch: number): string {
  const names = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'G#', 'A', 'Bb', 'B'];
  return `${names[mod(pitch, 12)] ?? '?'}${Math.floor(pitch / 12) - 1}`;
}
