// Statistics of a tune that say whether it sounds like a folk song: its pitch classes, intervals and note lengths,
// how much it repeats itself, how it ends. Used by the tune-quality report (generated tunes against real songs of
// the same meter). Pure: melodies in, numbers out.
import { barTicks } from './kern-write.js';
import { PENTATONIC_CLASSES } from './song-shapes.js';
import { TICKS_PER_QUARTER, type Key, type Melody, type Meter, type NoteEvent } from './types.js';

/** Notes per interval pattern for the repetition rate: 5 notes, 4 intervals. */
export const PATTERN_NOTES = 5;

export type Histogram = Map<number, number>;

export interface TuneStats {
  readonly notes: number;
  /** Pitch class relative to the key's tonic (0..11) -> notes. */
  readonly pitchClasses: Histogram;
  /** Notes on the five pitch classes of the key's pentatonic scale (pentatonicPitchClasses). */
  readonly pentatonicNotes: number;
  /** Semitones from one note to the next (rests skipped), clamped to +-13 (13 = an octave and more) -> count. */
  readonly intervals: Histogram;
  /** Note length in ticks -> notes. */
  readonly lengths: Histogram;
  /** Share of the tune's 5-note interval patterns that occur more than once in it (0 with fewer than 2 patterns). */
  readonly repetition: number;
  /** Complete bars, pickup and a short last bar not counted. */
  readonly bars: number;
  /** The longest run of consecutive identical bars (1: no bar is the same as the one before). */
  readonly longestIdenticalRun: number;
  /** The longest run of consecutive identical two-bar units, starting at any bar (ABABAB: 3). */
  readonly longestPairRun: number;
  /** Distinct bars / bars. */
  readonly distinctBars: number;
  readonly notesPerBar: number;
  /** The last note's length in beats of the meter (a dotted beat in compound meters). */
  readonly finalBeats: number;
  /** Where the last note starts: on the downbeat, in the middle of the bar (its second half's first beat), elsewhere. */
  readonly finalPosition: 'downbeat' | 'mid-bar' | 'other';
  readonly endsOnTonic: boolean;
}

function add(histogram: Histogram, key: number, count = 1): void {
  histogram.set(key, (histogram.get(key) ?? 0) + count);
}

/** The meter's beat in ticks: a dotted beat in compound meters (6/8, 9/8, 12/8, 6/4), else the denominator's note. */
export function beatTicks(meter: Meter): number {
  const unit = (4 * TICKS_PER_QUARTER) / meter.denominator;
  const compound = meter.numerator % 3 === 0 && meter.numerator > 3;
  return compound ? 3 * unit : unit;
}

/**
 * The pitch classes (0 = C .. 11) of the key's pentatonic scale: degrees 1, 2, 3, 5 and 6 of the major scale on the
 * tonic of the key signature; for a minor key that is its relative major's (A minor: C D E G A, its own minor
 * pentatonic), so that a tune counts the same whichever of the two relative keys it was read in, as endingShape
 * (song-shapes.ts) counts them. The Essen Chinese songs are written in the major key of their pentatonic system
 * (*G:, *F:...), whatever their final.
 */
export function pentatonicPitchClasses(key: Key): ReadonlySet<number> {
  const majorTonic = key.mode === 'major' ? key.tonic : key.tonic + 3;
  return new Set([...PENTATONIC_CLASSES].map((degree) => (majorTonic + degree) % 12));
}

/** Statistics of one melody in one meter (the meter at tick 0; later changes are not followed). */
export function tuneStats(melody: Melody): TuneStats {
  const meter = melody.meters[0]?.meter;
  if (meter === null || meter === undefined) throw new RangeError(`${melody.source}: tune statistics need a meter at the start`);
  const notes = melody.events.filter((event): event is NoteEvent => event.kind === 'note' && event.grace !== true);
  const pitchClasses: Histogram = new Map();
  const intervals: Histogram = new Map();
  const lengths: Histogram = new Map();
  const pentatonic = pentatonicPitchClasses(melody.key);
  let pentatonicNotes = 0;
  for (const note of notes) {
    add(pitchClasses, (((note.pitch - melody.key.tonic) % 12) + 12) % 12);
    add(lengths, note.duration);
    if (pentatonic.has(((note.pitch % 12) + 12) % 12)) pentatonicNotes++;
  }
  const steps: number[] = [];
  for (let i = 1; i < notes.length; i++) {
    const step = Math.max(-13, Math.min(13, notes[i]!.pitch - notes[i - 1]!.pitch));
    add(intervals, step);
    steps.push(notes[i]!.pitch - notes[i - 1]!.pitch);
  }
  const patterns = new Map<string, number>();
  const keys: string[] = [];
  for (let i = 0; i + PATTERN_NOTES - 1 <= steps.length; i++) {
    const key = steps.slice(i, i + PATTERN_NOTES - 1).join(',');
    keys.push(key);
    patterns.set(key, (patterns.get(key) ?? 0) + 1);
  }
  const repetition = keys.length < 2 ? 0 : keys.filter((key) => patterns.get(key)! > 1).length / keys.length;

  // Bars: the spans between barlines that are a whole bar long.
  const bar = barTicks(meter);
  const sounding = melody.events.filter((event) => !(event.kind === 'note' && event.grace === true));
  const last = sounding[sounding.length - 1];
  const end = last === undefined ? 0 : last.onset + last.duration;
  const lines = [0, ...melody.barlines.filter((tick) => tick > 0 && tick < end), end];
  const barTexts: string[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const start = lines[i]!;
    const stop = lines[i + 1]!;
    if (stop - start !== bar) continue;
    barTexts.push(
      sounding
        .filter((event) => event.onset < stop && event.onset + event.duration > start)
        .map((event) => `${Math.max(event.onset, start) - start}:${event.kind === 'note' ? event.pitch : 'r'}:${Math.min(event.onset + event.duration, stop) - Math.max(event.onset, start)}`)
        .join(' '),
    );
  }
  let longestIdenticalRun = barTexts.length > 0 ? 1 : 0;
  for (let i = 1, run = 1; i < barTexts.length; i++) {
    run = barTexts[i] === barTexts[i - 1] ? run + 1 : 1;
    longestIdenticalRun = Math.max(longestIdenticalRun, run);
  }
  let longestPairRun = barTexts.length > 1 ? 1 : 0;
  for (let start = 0; start < 2; start++) {
    for (let i = start + 2, run = 1; i + 1 < barTexts.length; i += 2) {
      run = barTexts[i] === barTexts[i - 2] && barTexts[i + 1] === barTexts[i - 1] ? run + 1 : 1;
      longestPairRun = Math.max(longestPairRun, run);
    }
  }

  const final = notes[notes.length - 1];
  const beat = beatTicks(meter);
  let finalPosition: TuneStats['finalPosition'] = 'other';
  if (final !== undefined) {
    const barStart = [0, ...melody.barlines].filter((tick) => tick <= final.onset).pop() ?? 0;
    // A pickup's bar is counted back from its barline, so that its positions are metric ones.
    const firstBarline = melody.barlines.find((tick) => tick > 0);
    const offset = firstBarline !== undefined && final.onset < firstBarline ? bar - firstBarline + final.onset : final.onset - barStart;
    const beats = bar / beat;
    if (offset === 0) finalPosition = 'downbeat';
    else if (beats % 2 === 0 && offset === bar / 2) finalPosition = 'mid-bar';
  }
  return {
    notes: notes.length,
    pitchClasses,
    pentatonicNotes,
    intervals,
    lengths,
    repetition,
    bars: barTexts.length,
    longestIdenticalRun,
    longestPairRun,
    distinctBars: barTexts.length === 0 ? 1 : new Set(barTexts).size / barTexts.length,
    notesPerBar: barTexts.length === 0 ? 0 : notes.length / (end / bar),
    finalBeats: final === undefined ? 0 : final.duration / beat,
    finalPosition,
    endsOnTonic: final !== undefined && (((final.pitch - melody.key.tonic) % 12) + 12) % 12 === 0,
  };
}

/** Overlap of two histograms as distributions: the sum over keys of the smaller share (1 = identical, 0 = disjoint). */
export function histogramOverlap(a: Histogram, b: Histogram): number {
  const total = (h: Histogram): number => [...h.values()].reduce((sum, n) => sum + n, 0);
  const ta = total(a);
  const tb = total(b);
  if (ta === 0 || tb === 0) return 0;
  let overlap = 0;
  for (const [key, count] of a) overlap += Math.min(count / ta, (b.get(key) ?? 0) / tb);
  return overlap;
}

/** Adds histograms together. */
export function mergeHistograms(histograms: readonly Histogram[]): Histogram {
  const merged: Histogram = new Map();
  for (const histogram of histograms) for (const [key, count] of histogram) add(merged, key, count);
  return merged;
}
