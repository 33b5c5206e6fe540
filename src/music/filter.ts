// Which songs go into training. Two policies:
// - 'reference': the reference system's rule: every note and rest lasts one of 1/4, 1/2, 3/4, 1, 3/2, 2, 3 or 4
//   quarter notes (keeps 5060 of 5692 europa songs, 88.9%).
// - 'default': keeps everything a model can learn from and drops only what cannot be a sensible training
//   example (measured on europa: 5544 of 5692 kept, 97.4%; all 148 drops are songs in free meter throughout).
//   Tuplets, 32nds, long notes and grace notes stay: encodings reject what their vocabulary cannot hold.
import { TICKS_PER_QUARTER } from './types.js';
import type { Melody } from './types.js';

export type FilterPolicy = 'default' | 'reference';
export const FILTER_POLICIES: readonly FilterPolicy[] = ['default', 'reference'];

/** Durations the reference system trains on, in ticks: 1/4, 1/2, 3/4, 1, 3/2, 2, 3 and 4 quarter notes. */
export const REFERENCE_DURATIONS: ReadonlySet<number> = new Set(
  [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4].map((quarters) => quarters * TICKS_PER_QUARTER),
);

/** Limits of the default policy. Europa's songs span 8..259 notes and MIDI 45..89. */
export const DEFAULT_LIMITS = {
  minNotes: 8,
  maxNotes: 400,
  lowestPitch: 36,
  highestPitch: 96,
} as const;

/** Drop reasons, stable strings that reports count by. */
export const DROP_REASONS = {
  referenceDuration: 'duration outside the reference set (1/4, 1/2, 3/4, 1, 3/2, 2, 3, 4 quarters)',
  freeMeter: 'free meter throughout',
  tooFewNotes: `fewer than ${DEFAULT_LIMITS.minNotes} notes`,
  tooManyNotes: `more than ${DEFAULT_LIMITS.maxNotes} notes`,
  pitchRange: `pitch outside MIDI ${DEFAULT_LIMITS.lowestPitch}..${DEFAULT_LIMITS.highestPitch}`,
} as const;

/** Why `melody` is left out of training under `policy`, or null when it is kept. */
export function trainingFilter(melody: Melody, policy: FilterPolicy): string | null {
  if (policy === 'reference') {
    return melody.events.every((event) => REFERENCE_DURATIONS.has(event.duration)) ? null : DROP_REASONS.referenceDuration;
  }
  if (melody.meters.every((change) => change.meter === null)) return DROP_REASONS.freeMeter;
  let notes = 0;
  for (const event of melody.events) {
    if (event.kind !== 'note') continue;
    if (!event.grace) notes++;
    if (event.pitch < DEFAULT_LIMITS.lowestPitch || event.pitch > DEFAULT_LIMITS.highestPitch) return DROP_REASONS.pitchRange;
  }
  if (notes < DEFAULT_LIMITS.minNotes) return DROP_REASONS.tooFewNotes;
  if (notes > DEFAULT_LIMITS.maxNotes) return DROP_REASONS.tooManyNotes;
  return null;
}
