// What the encodings read from a Melody: its sounding (non-grace) notes and rests, checked to be contiguous.
import type { MelodyEvent, Melody, Mode } from '../../music/types.js';
import { EncodingError } from './encoding-error.js';

/**
 * The notes and rests that take time, in order. Grace notes are left out: they take no time and neither encoding
 * represents them. Throws EncodingError when the events are empty or not contiguous from tick 0.
 */
export function soundingEvents(events: readonly MelodyEvent[]): readonly MelodyEvent[] {
  const sounding = events.filter((event) => !(event.kind === 'note' && event.grace === true));
  if (sounding.length === 0) throw new EncodingError('the melody has no notes or rests');
  let time = 0;
  for (const event of sounding) {
    if (event.onset !== time) {
      throw new EncodingError(`event at tick ${event.onset} should start at tick ${time}, where the previous one ends`);
    }
    if (!Number.isInteger(event.duration) || event.duration <= 0) {
      throw new EncodingError(`event at tick ${event.onset} has duration ${event.duration}; only positive whole ticks are encoded`);
    }
    time += event.duration;
  }
  return sounding;
}

export function melodySoundingEvents(melody: Melody): readonly MelodyEvent[] {
  return soundingEvents(melody.events);
}

/** Pitch class of the tonic a tune is encoded in: C for major, A for minor. */
export function tonicPitchClass(mode: Mode): number {
  return mode === 'major' ? 0 : 9;
}

/** A note or rest being built while decoding or sampling. */
export interface MutableEvent {
  kind: 'note' | 'rest';
  pitch: number;
  onset: number;
  duration: number;
}

export function freezeEvents(events: readonly MutableEvent[]): readonly MelodyEvent[] {
  return events.map((event) =>
    event.kind === 'note'
      ? { kind: 'note', pitch: event.pitch, onset: event.onset, duration: event.duration }
      : { kind: 'rest', onset: event.onset, duration: event.duration },
  );
}
