// The chords the harmoniser chooses from, per mode: diatonic triads, the dominant seventh (in minor on the
// raised leading tone), the subtonic, natural-minor v and Dorian IV that folk tunes in minor use, and the secondary
// dominants of brief modulations (to the dominant in major, the relative major or minor).

export type HarmonicFunction = 'tonic' | 'subdominant' | 'dominant';
export type ChordQuality = 'major' | 'minor' | 'diminished' | 'dominant-seventh';

export interface ChordTableEntry {
  /** Roman numeral in the key: 'I', 'ii', 'V7', 'V/V'. */
  readonly numeral: string;
  /** The root as an interval above the tonic, in tonal's notation ('5P', '3m'): spells the root for the key. */
  readonly rootInterval: string;
  readonly quality: ChordQuality;
  readonly function: HarmonicFunction;
  /** Cost of choosing the chord at all: folk tunes live on I, IV and V; the others need the melody's reason. */
  readonly prior: number;
  /** A chord that wants to go to one particular chord next (a secondary dominant, the dominant seventh). */
  readonly resolvesTo?: readonly string[];
}

/** Semitones of each chord tone above the root. */
export const QUALITY_INTERVALS: Readonly<Record<ChordQuality, readonly number[]>> = {
  major: [0, 4, 7],
  minor: [0, 3, 7],
  diminished: [0, 3, 6],
  'dominant-seventh': [0, 4, 7, 10],
};

/** tonal's chord type name for each quality ('' is a major triad: 'C', not 'CM'). */
export const QUALITY_TONAL_TYPE: Readonly<Record<ChordQuality, string>> = {
  major: '',
  minor: 'm',
  diminished: 'dim',
  'dominant-seventh': '7',
};

export const MAJOR_KEY_CHORDS: readonly ChordTableEntry[] = [
  { numeral: 'I', rootInterval: '1P', quality: 'major', function: 'tonic', prior: 0 },
  { numeral: 'ii', rootInterval: '2M', quality: 'minor', function: 'subdominant', prior: 0.9 },
  { numeral: 'iii', rootInterval: '3M', quality: 'minor', function: 'tonic', prior: 1.6 },
  { numeral: 'IV', rootInterval: '4P', quality: 'major', function: 'subdominant', prior: 0.15 },
  { numeral: 'V', rootInterval: '5P', quality: 'major', function: 'dominant', prior: 0.1 },
  { numeral: 'V7', rootInterval: '5P', quality: 'dominant-seventh', function: 'dominant', prior: 0.35, resolvesTo: ['I', 'vi'] },
  { numeral: 'vi', rootInterval: '6M', quality: 'minor', function: 'tonic', prior: 0.7 },
  { numeral: 'vii°', rootInterval: '7M', quality: 'diminished', function: 'dominant', prior: 2.5, resolvesTo: ['I'] },
  { numeral: 'V/V', rootInterval: '2M', quality: 'major', function: 'subdominant', prior: 1.2, resolvesTo: ['V', 'V7'] },
  { numeral: 'V7/V', rootInterval: '2M', quality: 'dominant-seventh', function: 'subdominant', prior: 1.4, resolvesTo: ['V', 'V7'] },
  { numeral: 'V/vi', rootInterval: '3M', quality: 'major', function: 'dominant', prior: 1.8, resolvesTo: ['vi'] },
];

export const MINOR_KEY_CHORDS: readonly ChordTableEntry[] = [
  { numeral: 'i', rootInterval: '1P', quality: 'minor', function: 'tonic', prior: 0 },
  { numeral: 'ii°', rootInterval: '2M', quality: 'diminished', function: 'subdominant', prior: 2.5 },
  { numeral: 'III', rootInterval: '3m', quality: 'major', function: 'tonic', prior: 0.5 },
  { numeral: 'iv', rootInterval: '4P', quality: 'minor', function: 'subdominant', prior: 0.25 },
  // The Dorian (melodic minor) subdominant and supertonic, over a raised sixth: D and Bm in A minor.
  { numeral: 'IV', rootInterval: '4P', quality: 'major', function: 'subdominant', prior: 0.9 },
  { numeral: 'ii', rootInterval: '2M', quality: 'minor', function: 'subdominant', prior: 1.6 },
  { numeral: 'v', rootInterval: '5P', quality: 'minor', function: 'dominant', prior: 0.8 },
  { numeral: 'V', rootInterval: '5P', quality: 'major', function: 'dominant', prior: 0.15 },
  { numeral: 'V7', rootInterval: '5P', quality: 'dominant-seventh', function: 'dominant', prior: 0.4, resolvesTo: ['i', 'VI'] },
  { numeral: 'VI', rootInterval: '6m', quality: 'major', function: 'subdominant', prior: 0.7 },
  // The subtonic: the dominant of the relative major, and a dominant of its own in modal folk tunes.
  { numeral: 'VII', rootInterval: '7m', quality: 'major', function: 'dominant', prior: 0.5 },
  { numeral: 'V/iv', rootInterval: '1P', quality: 'major', function: 'tonic', prior: 2.2, resolvesTo: ['iv'] },
];
