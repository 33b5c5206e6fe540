// What a reader of a notation file hands back: the first melody line as a Melody, which part of the file it is,
// and what the reader had to decide on the way (polyphony reduced, durations rounded...), in words for the user.
import type { Melody } from '../types.js';

export interface ReadMelody {
  readonly melody: Melody;
  /** Which line of the file this is, in words: "voice 1", "track 2, 'Violin'", "part 1, 'Flute'". */
  readonly part: string;
  /** What was dropped or changed, in words ("chords: the highest note of each was taken"). */
  readonly remarks: readonly string[];
}

/** The largest seed file read, in bytes: far above any folk tune, small enough to read in a few milliseconds. */
export const SEED_FILE_MAX_BYTES = 256 * 1024;
