// The one domain type shared by every part of folkbot: a monophonic melody.
// Pure data: read-only plain objects, no classes, nothing from TensorFlow, Discord or the file system.

/** Ticks per quarter note. 960 = 2^6 * 3 * 5: exact for 64ths, triplets, quintuplets, dots and double dots. */
export const TICKS_PER_QUARTER = 960;

export type Mode = 'major' | 'minor';

/** A time signature such as 3/4. */
export interface Meter {
  readonly numerator: number;
  readonly denominator: number;
}

/** A meter in force from `tick` on; `meter: null` is free/unknown meter (kern `*MX`). */
export interface MeterChange {
  readonly tick: number;
  readonly meter: Meter | null;
}

/**
 * A key: tonic pitch class (0 = C ... 11 = B), mode, and its key signature as a count of fifths
 * (sharps positive, flats negative: G major = 1, F major = -1, A minor = 0, D minor = -1).
 */
export interface Key {
  readonly tonic: number;
  readonly mode: Mode;
  readonly fifths: number;
}

export interface NoteEvent {
  readonly kind: 'note';
  /** MIDI pitch: middle C (kern `c`) = 60. */
  readonly pitch: number;
  /** Start, in ticks from the start of the melody (the first event starts at 0). */
  readonly onset: number;
  /** Length in ticks, ties already merged. 0 only for grace notes. */
  readonly duration: number;
  /** Kern spelling of the pitch as written (`c#`, `B-`, `cc`), so writing back keeps the spelling. */
  readonly spelling?: string;
  /** A grace note (kern `q`): duration 0, takes no time. */
  readonly grace?: boolean;
  /** A fermata (kern `;`) stands on this note. */
  readonly fermata?: boolean;
}

export interface RestEvent {
  readonly kind: 'rest';
  readonly onset: number;
  readonly duration: number;
  readonly fermata?: boolean;
}

export type MelodyEvent = NoteEvent | RestEvent;

export interface Melody {
  readonly title: string;
  /** Where it came from (a file path, "seed", "generated"), for error messages and reports. */
  readonly source: string;
  /** `!!!ARE` region record, when present. */
  readonly region?: string;
  /** The style (tradition) the song belongs to, when a corpus loader assigned one (src/model/data/styles.ts). */
  readonly style?: string;
  readonly key: Key;
  /** Whether the key was read from the file (`*G:`) or estimated from the notes. */
  readonly keySource: 'file' | 'estimated';
  /** Meters in force, sorted by tick; the first is at tick 0. */
  readonly meters: readonly MeterChange[];
  /**
   * Ticks at which a barline stands, sorted, excluding tick 0; the last one is the final barline when the
   * melody ends on one. The span before the first barline may be shorter than a bar (an anacrusis/pickup).
   */
  readonly barlines: readonly number[];
  /** Notes and rests in time order; monophonic: each non-grace event starts where the previous one ends. */
  readonly events: readonly MelodyEvent[];
  /** Ticks at which a phrase begins (kern `{`), sorted. */
  readonly phraseStarts: readonly number[];
}
