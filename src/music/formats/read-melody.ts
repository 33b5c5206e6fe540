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

/** How much of a file a reader needs: it may stop once this many notes and rests with a duration are read whole. */
export interface ReadLimit {
  readonly timedEvents?: number;
}

/**
 * The melody cut after its first `count` notes and rests with a duration (grace notes before them kept), when it
 * has more: read from the opening of a file, these are then whole (a later one follows them), so the same as the
 * whole file's. Null when it has no more than `count`: the opening read was too short to tell.
 */
export function openingEvents(melody: Melody, count: number): Melody | null {
  let timed = 0;
  const cut = melody.events.findIndex((e) => !(e.kind === 'note' && e.grace === true) && timed++ === count);
  if (cut < 0) return null;
  const events = melody.events.slice(0, cut);
  const end = events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  return { ...melody, events, barlines: melody.barlines.filter((b) => b <= end) };
}
