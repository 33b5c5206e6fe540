// Small hand-made melodies and note lists shared by the format tests.
import { barlinesForMeter } from '../../../src/music/kern-write.js';
import { keyOf } from '../../../src/music/key.js';
import type { Melody, MelodyEvent } from '../../../src/music/types.js';

/** A melody of `events` in D minor, 6/8 unless `extra` says otherwise, with barlines by its meter. */
export function generated(events: MelodyEvent[], extra: Partial<Melody> = {}): Melody {
  const end = events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  const meters = extra.meters ?? [{ tick: 0, meter: { numerator: 6, denominator: 8 } }];
  return { title: 'Test tune', source: 'test', key: keyOf(2, 'minor'), keySource: 'file', meters, barlines: barlinesForMeter(meters, end), events, phraseStarts: [], ...extra };
}

/** Events one after another from [MIDI pitch or null for a rest, ticks]. */
export function notes(spec: [number | null, number][]): MelodyEvent[] {
  let onset = 0;
  return spec.map(([pitch, duration]) => {
    const event: MelodyEvent = pitch === null ? { kind: 'rest', onset, duration } : { kind: 'note', pitch, onset, duration };
    onset += duration;
    return event;
  });
}

/** [MIDI pitch, onset, duration] in ticks of a melody's sounding notes (grace notes left out). */
export function melodyNotes(melody: Melody): [number, number, number][] {
  return melody.events.flatMap((e): [number, number, number][] => (e.kind === 'note' && !e.grace ? [[e.pitch, e.onset, e.duration]] : []));
}
