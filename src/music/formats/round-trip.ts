// A melody written in each format folkbot writes and read back as a seed would be: the check behind the
// round-trip figures (scripts/formats-round-trip.ts) and the format tests.
import { parseKern } from '../kern-parse.js';
import { writeKern } from '../kern-write.js';
import { melodyToMidi } from '../midi-write.js';
import type { Melody } from '../types.js';
import { readAbc } from './abc-read.js';
import { writeAbc } from './abc-write.js';
import { readMidi } from './midi-read.js';
import { readMusicXml } from './musicxml-read.js';
import { writeMusicXml } from './musicxml-write.js';

export type SeedFormat = 'abc' | 'musicxml' | 'kern' | 'midi';

export interface RoundTrip {
  readonly format: SeedFormat;
  /** null when the notes read back are the melody's; else the first difference, in words. */
  readonly difference: string | null;
}

/** [pitch, onset, duration] of the sounding notes (grace notes aside), in ticks. */
export function soundingNotes(melody: Melody): [number, number, number][] {
  return melody.events.flatMap((e): [number, number, number][] => (e.kind === 'note' && e.grace !== true ? [[e.pitch, e.onset, e.duration]] : []));
}

/** The first difference between the sounding notes of two melodies, or null when they are the same. */
export function notesDifference(expected: Melody, actual: Melody): string | null {
  const want = soundingNotes(expected);
  const got = soundingNotes(actual);
  const index = want.findIndex((note, i) => JSON.stringify(note) !== JSON.stringify(got[i]));
  if (index < 0) return got.length === want.length ? null : `${got.length - want.length} extra notes at the end`;
  return `note ${index + 1}: expected [pitch, onset, ticks] ${JSON.stringify(want[index])}, read ${JSON.stringify(got[index] ?? null)}`;
}

export function formatRoundTrips(melody: Melody): RoundTrip[] {
  const trip = (format: SeedFormat, read: () => Melody): RoundTrip => {
    try {
      return { format, difference: notesDifference(melody, read()) };
    } catch (error) {
      return { format, difference: `not read back: ${(error as Error).message}` };
    }
  };
  return [
    trip('abc', () => readAbc(writeAbc(melody, { tempo: 100 }), 'tune.abc').melody),
    trip('musicxml', () => readMusicXml(writeMusicXml(melody, { tempo: 100, program: 73 }), 'tune.musicxml').melody),
    trip('kern', () => parseKern(writeKern(melody), 'tune.krn')),
    trip('midi', () => readMidi(melodyToMidi(melody, { tempo: 100, program: 73 }), 'tune.mid').melody),
  ];
}
