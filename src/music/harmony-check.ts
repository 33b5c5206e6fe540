// Checks of a harmonisation against its melody, for tests and the harmony report (scripts/harmony-report.ts):
// does it end on the tonic, does any chord clash with a long strong-beat note, how many strong-beat notes are
// not chord tones; and how often its chord functions agree with published chords. "Strong beats" are the places where a chord may change (harmonicSlots): the downbeat, and
// the middle of the bar in 4/4, 2/2, 6/8 and 12/8 (after three beats in 5/4).
import { chordAt, functionOfSymbol, harmonicSlots, meterAt, type Harmony } from './harmony.js';
import { barTicks } from './kern-write.js';
import { mod } from './pitch.js';
import type { Melody } from './types.js';

export interface HarmonyCheck {
  /** Whether the last chord is the tonic triad (I or i). */
  readonly endsOnTonic: boolean;
  /** Melody notes sounding on a strong beat (not rests). */
  readonly strongBeatNotes: number;
  /** Of those, notes that are not tones of the chord there. */
  readonly strongBeatNonChordTones: number;
  /** Non-chord tones on a strong beat that last a beat or more from it: clashes. Each as its tick. */
  readonly clashes: readonly number[];
}

export function checkHarmony(melody: Melody, harmony: Harmony): HarmonyCheck {
  const last = harmony.slots[harmony.slots.length - 1];
  const endsOnTonic = last !== undefined && last.chord.root === harmony.key.tonic && (last.chord.quality === (harmony.key.mode === 'major' ? 'major' : 'minor'));
  let strongBeatNotes = 0;
  let strongBeatNonChordTones = 0;
  const clashes: number[] = [];
  const slots = harmonicSlots(melody);
  slots.forEach((slot, index) => {
    const chord = harmony.slots[index]?.chord;
    if (chord === undefined) return;
    const note = melody.events.find(
      (event) => event.kind === 'note' && event.grace !== true && event.onset <= slot.start && event.onset + event.duration > slot.start,
    );
    if (note === undefined || note.kind !== 'note') return;
    strongBeatNotes++;
    if (chord.pitchClasses.includes(mod(note.pitch, 12))) return;
    strongBeatNonChordTones++;
    if (note.onset + note.duration - slot.start >= slot.beat) clashes.push(slot.start);
  });
  return { endsOnTonic, strongBeatNotes, strongBeatNonChordTones, clashes };
}

/**
 * How often a harmonisation's chord function (tonic, subdominant, dominant) matches published chords: compared
 * at every half bar of full bars in duple and quadruple meters (the bar and its middle), at every bar in others;
 * the published chord at a place is the last symbol at or before it.
 */
export function functionAgreement(melody: Melody, harmony: Harmony, published: readonly { readonly tick: number; readonly symbol: string }[]): { agree: number; total: number } {
  const sorted = [...published].sort((a, b) => a.tick - b.tick);
  const bounds = [0, ...melody.barlines];
  let agree = 0;
  let total = 0;
  bounds.forEach((start, index) => {
    const next = bounds[index + 1];
    const meter = meterAt(melody, start);
    if (next === undefined || meter === null || next - start !== barTicks(meter)) return;
    for (const point of meter.numerator % 2 === 0 ? [start, (start + next) / 2] : [start]) {
      const symbol = [...sorted].reverse().find((chord) => chord.tick <= point)?.symbol;
      const chosen = chordAt(harmony, point);
      if (symbol === undefined || chosen === null) continue;
      total++;
      if (functionOfSymbol(symbol, melody.key) === chosen.function) agree++;
    }
  });
  return { agree, total };
}
