// The harmoniser: chooses one chord per half bar or bar (by meter) for a melody in its key, by Viterbi over the
// chords of chord-table.ts. A chord's cost in a slot is how badly the melody notes sounding there fit it (each
// weighted by its length and the strength of the beat it starts on), plus the chord's own prior; a transition
// costs by harmonic function (tonic -> subdominant -> dominant -> tonic is free, a dominant going back to a
// subdominant is not), more when the chord changes inside a bar than at a barline. The tune starts on the tonic
// and ends on it, after a dominant (V-I) or, where the melody wants it, a subdominant (IV-I).
//
// Hard rule: a melody note that sounds on a chord change (a strong beat) for a beat or more is a chord tone.
//
// Written by hand because no maintained JavaScript library harmonises melodies; tonal (tonaljs) names and
// spells the chords (roots for the key, symbols such as 'F#m', 'G7', 'Bbdim').
import { Chord as TonalChord, Note as TonalNote } from 'tonal';
import { MAJOR_KEY_CHORDS, MINOR_KEY_CHORDS, QUALITY_INTERVALS, QUALITY_TONAL_TYPE } from './chord-table.js';
import type { ChordQuality, ChordTableEntry, HarmonicFunction } from './chord-table.js';
import { tonicSpelling } from './key.js';
import { barTicks } from './kern-write.js';
import { mod } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Key, Melody, Meter } from './types.js';

export type { ChordQuality, HarmonicFunction } from './chord-table.js';

export interface HarmonyChord {
  /** Roman numeral in the key: 'I', 'V7', 'ii', 'V/V'. */
  readonly numeral: string;
  readonly function: HarmonicFunction;
  readonly quality: ChordQuality;
  /** Root pitch class, 0 = C. */
  readonly root: number;
  /** Pitch classes of the chord tones, root first. */
  readonly pitchClasses: readonly number[];
  /** Chord symbol spelt for the key: 'C', 'Am', 'F#m', 'G7', 'Bdim'. */
  readonly symbol: string;
}

/** One chord over [onset, onset + duration) in ticks. */
export interface ChordSpan {
  readonly onset: number;
  readonly duration: number;
  readonly chord: HarmonyChord;
}

export interface Harmony {
  readonly key: Key;
  /** One span per harmonic slot (half bar or bar), in time order, covering the melody. */
  readonly slots: readonly ChordSpan[];
  /** The same with repeated chords merged: where the chord changes, as a lead sheet shows it. */
  readonly changes: readonly ChordSpan[];
}

/** A place where a chord may start: a bar or half bar (or the part of one in a pickup or short bar). */
export interface HarmonicSlot {
  readonly start: number;
  readonly end: number;
  /** Where the bar holding it starts (a pickup's bar starts at 0). */
  readonly barStart: number;
  /** Whether the slot starts a bar. */
  readonly startsBar: boolean;
  /** Ticks of one beat of the meter in force. */
  readonly beat: number;
  /** Whether the slot lies in a pickup (an opening bar shorter than the meter's). */
  readonly pickup: boolean;
}

/** Length of one beat: a dotted quarter in 6/8, 9/8, 12/8 (and 3/8's whole bar), a half in 2/2 and 3/2. */
export function beatTicks(meter: Meter | null): number {
  if (meter === null) return TICKS_PER_QUARTER;
  const unit = (4 * TICKS_PER_QUARTER) / meter.denominator;
  if (meter.denominator >= 8 && meter.numerator % 3 === 0) return 3 * unit;
  return unit;
}

/**
 * Where in a full bar the chord may change, in ticks from the bar's start: at the bar and its middle in duple and
 * quadruple meters (4/4, 2/2, 6/8, 12/8), after three beats in 5/4, once a bar otherwise (2/4, 3/4, 3/8, 9/8, 3/2).
 */
export function slotOffsets(meter: Meter | null): number[] {
  if (meter === null) return [0];
  const bar = barTicks(meter);
  const { numerator } = meter;
    // 2/4 bars are short (polkas, marches): one chord a bar, as they are played.
  if (numerator === 2 && meter.denominator >= 4) return [0];
  if (numerator === 2 || numerator === 4 || numerator === 6 || numerator === 12) return [0, bar / 2];
  if (numerator === 5) return [0, (3 * bar) / 5];
  return [0];
}

/** The meter in force at `tick` (null: free meter). */
export function meterAt(melody: Melody, tick: number): Meter | null {
  let meter: Meter | null = null;
  for (const change of melody.meters) if (change.tick <= tick) meter = change.meter;
  return meter;
}

function melodyEnd(melody: Melody): number {
  return melody.events.reduce((end, event) => Math.max(end, event.onset + event.duration), 0);
}

/**
 * The harmonic slots of a melody: its bars split by slotOffsets; a pickup is split counting back from its
 * barline; the slot where the last note starts is split there, so that the final note has a chord of its own
 * (the tonic of the cadence: `| D2 C4 |` in 3/2 is V-I).
 */
export function harmonicSlots(melody: Melody): HarmonicSlot[] {
  const slots = barSlots(melody);
  const last = [...melody.events].reverse().find((event) => event.kind === 'note' && event.grace !== true && event.duration > 0);
  const index = last === undefined ? -1 : slots.findIndex((slot) => slot.start < last.onset && last.onset < slot.end);
  const slot = slots[index];
  if (slot === undefined || last === undefined) return slots;
  return [...slots.slice(0, index), { ...slot, end: last.onset }, { ...slot, start: last.onset, startsBar: false }, ...slots.slice(index + 1)];
}

function barSlots(melody: Melody): HarmonicSlot[] {
  const end = melodyEnd(melody);
  const bounds = [...new Set([0, ...melody.barlines.filter((tick) => tick > 0 && tick < end), end])].sort((a, b) => a - b);
  const slots: HarmonicSlot[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const barStart = bounds[i]!;
    const barEnd = bounds[i + 1]!;
    const meter = meterAt(melody, barStart);
    const length = barEnd - barStart;
    const full = meter === null ? length : barTicks(meter);
    const beat = beatTicks(meter);
    const pickup = i === 0 && meter !== null && length < full;
    let starts: number[];
    if (length === full || meter === null) starts = slotOffsets(meter);
    else if (i === 0 && length < full) starts = [0, ...slotOffsets(meter).map((offset) => offset - (full - length)).filter((offset) => offset > 0)];
    else starts = slotOffsets(meter).filter((offset) => offset < length);
    starts.forEach((offset, index) => {
      const slotEnd = index + 1 < starts.length ? barStart + starts[index + 1]! : barEnd;
      slots.push({ start: barStart + offset, end: slotEnd, barStart, startsBar: offset === 0, beat, pickup });
    });
  }
  return slots;
}

/** The chords of a key, named and spelt. */
export function keyChords(key: Key): HarmonyChord[] {
  const table = key.mode === 'major' ? MAJOR_KEY_CHORDS : MINOR_KEY_CHORDS;
  const { letter, alter } = tonicSpelling(key);
  const tonicName = letter.toUpperCase() + (alter > 0 ? '#'.repeat(alter) : 'b'.repeat(-alter));
  return table.map((entry) => chordOf(entry, tonicName, key.tonic));
}

function chordOf(entry: ChordTableEntry, tonicName: string, tonic: number): HarmonyChord {
  const rootName = TonalNote.transpose(tonicName, entry.rootInterval);
  const rootPitchClass = TonalNote.chroma(rootName);
  const root = Number.isInteger(rootPitchClass) ? rootPitchClass : mod(tonic, 12);
  const symbol = TonalChord.getChord(QUALITY_TONAL_TYPE[entry.quality], rootName).symbol || rootName;
  return {
    numeral: entry.numeral,
    function: entry.function,
    quality: entry.quality,
    root,
    pitchClasses: QUALITY_INTERVALS[entry.quality].map((interval) => mod(root + interval, 12)),
    symbol,
  };
}

/** Cost of a chord that leaves a long strong-beat melody note out: never chosen while another chord fits. */
const CLASH_COST = 1000;
/** Extra cost of a non-chord tone right on the chord change (an appoggiatura, an accented passing note), per beat. */
const ACCENTED_DISSONANCE_COST = 0.6;
/** A chord change inside a bar, and at a barline. */
const CHANGE_IN_BAR_COST = 0.55;
const CHANGE_AT_BAR_COST = 0.1;
/** A tune that does not start on the tonic; a cadence from neither dominant nor subdominant. */
const START_COST = 1.2;
const WEAK_CADENCE_COST = 2;
const PLAGAL_CADENCE_COST = 0.5;

/** Cost of going from one function to another (only when the chord changes). */
const FUNCTION_COST: Readonly<Record<HarmonicFunction, Readonly<Record<HarmonicFunction, number>>>> = {
  tonic: { tonic: 0.3, subdominant: 0, dominant: 0.05 },
  subdominant: { tonic: 0.1, subdominant: 0.3, dominant: 0 },
  dominant: { tonic: 0, subdominant: 0.7, dominant: 0.5 },
};
/** A chord that wants to resolve (V7, a secondary dominant) and goes elsewhere. */
const UNRESOLVED_COST = 1.2;

interface SlotNotes {
  /** Per pitch class: weighted length of the notes there (beats x strength). */
  readonly weight: Float64Array;
  /** Per pitch class: the part of that weight that is on a beat. */
  readonly strongWeight: Float64Array;
  /** Pitch classes that must be chord tones: sounding at the slot's start for a beat or more. */
  readonly required: readonly number[];
  /** The pitch class sounding at the slot's start, if any, and for how many beats of the slot. */
  readonly onStart: number | null;
  readonly onStartBeats: number;
}

function slotNotes(melody: Melody, slot: HarmonicSlot): SlotNotes {
  const weight = new Float64Array(12);
  const strongWeight = new Float64Array(12);
  const required: number[] = [];
  let onStart: number | null = null;
  let onStartBeats = 0;
  for (const event of melody.events) {
    if (event.kind !== 'note' || event.grace === true || event.duration === 0) continue;
    const from = Math.max(event.onset, slot.start);
    const to = Math.min(event.onset + event.duration, slot.end);
    if (to <= from) continue;
    const pitchClass = mod(event.pitch, 12);
    const beats = (to - from) / slot.beat;
    const onBeat = (from - slot.barStart) % slot.beat === 0;
    const strength = from === slot.start ? 1 : onBeat ? 0.5 : 0.25;
    weight[pitchClass] = weight[pitchClass]! + beats * strength;
    if (strength >= 0.5) strongWeight[pitchClass] = strongWeight[pitchClass]! + beats * strength;
    if (from === slot.start) {
      onStart = pitchClass;
      onStartBeats = beats;
      if (event.onset + event.duration - slot.start >= slot.beat) required.push(pitchClass);
    }
  }
  return { weight, strongWeight, required, onStart, onStartBeats };
}

/** How badly a chord fits the notes of a slot (lower is better). */
function fitCost(notes: SlotNotes, chord: HarmonyChord): number {
  const tones = chord.pitchClasses;
  let cost = 0;
  for (let pitchClass = 0; pitchClass < 12; pitchClass++) {
    const weight = notes.weight[pitchClass]!;
    if (weight === 0) continue;
    if (tones.includes(pitchClass)) cost -= weight;
    // A non-chord tone on a beat hurts more than a passing note between beats.
    else cost += 0.5 * weight + 0.5 * notes.strongWeight[pitchClass]!;
  }
  if (notes.onStart !== null && !tones.includes(notes.onStart)) cost += ACCENTED_DISSONANCE_COST * Math.min(1, notes.onStartBeats);
  for (const pitchClass of notes.required) if (!tones.includes(pitchClass)) cost += CLASH_COST;
  return cost;
}

function transitionCost(from: ChordTableEntry, to: ChordTableEntry, slot: HarmonicSlot): number {
  if (from.numeral === to.numeral) return 0;
  let cost = slot.startsBar ? CHANGE_AT_BAR_COST : CHANGE_IN_BAR_COST;
  cost += FUNCTION_COST[from.function][to.function];
  if (from.resolvesTo !== undefined && !from.resolvesTo.includes(to.numeral)) cost += UNRESOLVED_COST;
  // The seventh after its own triad is the dominant going on; the triad after the seventh drops it.
  if (from.rootInterval === to.rootInterval && from.quality === 'dominant-seventh') cost += 0.5;
  return cost;
}

/**
 * Chooses the chords of a melody in its key (melody.key): one per slot of harmonicSlots, by Viterbi. Works for
 * every meter, pickups and free-meter bars; a melody with no notes gets the tonic throughout.
 */
export function harmonize(melody: Melody): Harmony {
  const key = melody.key;
  const table = key.mode === 'major' ? MAJOR_KEY_CHORDS : MINOR_KEY_CHORDS;
  const chords = keyChords(key);
  const slots = harmonicSlots(melody);
  if (slots.length === 0) return { key, slots: [], changes: [] };
  const tonicIndex = 0;
  const states = chords.length;
  const notes = slots.map((slot) => slotNotes(melody, slot));

  // The final tonic covers the slots from the one where the last note starts to the end; the slot before is the cadence.
  const lastNote = [...melody.events].reverse().find((event) => event.kind === 'note' && event.grace !== true && event.duration > 0);
  const lastOnset = lastNote?.onset ?? slots[slots.length - 1]!.start;
  let finalFrom = slots.findIndex((slot) => slot.end > lastOnset);
  if (finalFrom < 0) finalFrom = slots.length - 1;
  // A final note that starts in the middle of a slot: that slot still ends on the tonic.
  const cadenceSlot = finalFrom - 1;
  const firstBarSlot = slots.findIndex((slot) => !slot.pickup);

  const slotCost = (index: number, state: number): number => {
    if (index >= finalFrom && state !== tonicIndex) return Infinity;
    let cost = fitCost(notes[index]!, chords[state]!) + table[state]!.prior;
    if (index === firstBarSlot && state !== tonicIndex) cost += START_COST;
    if (index === cadenceSlot) {
      const fn = table[state]!.function;
      cost += fn === 'dominant' ? 0 : fn === 'subdominant' ? PLAGAL_CADENCE_COST : WEAK_CADENCE_COST;
    }
    return cost;
  };

  const total: Float64Array[] = [];
  const back: Int32Array[] = [];
  total.push(Float64Array.from({ length: states }, (_, state) => slotCost(0, state)));
  back.push(new Int32Array(states).fill(-1));
  for (let index = 1; index < slots.length; index++) {
    const previous = total[index - 1]!;
    const here = new Float64Array(states);
    const from = new Int32Array(states);
    for (let state = 0; state < states; state++) {
      const own = slotCost(index, state);
      let best = Infinity;
      let bestFrom = 0;
      for (let before = 0; before < states; before++) {
        const cost = previous[before]! + transitionCost(table[before]!, table[state]!, slots[index]!);
        if (cost < best) {
          best = cost;
          bestFrom = before;
        }
      }
      here[state] = best + own;
      from[state] = bestFrom;
    }
    total.push(here);
    back.push(from);
  }
  const last = total[slots.length - 1]!;
  let state = 0;
  for (let candidate = 1; candidate < states; candidate++) if (last[candidate]! < last[state]!) state = candidate;
  const path = new Array<number>(slots.length);
  for (let index = slots.length - 1; index >= 0; index--) {
    path[index] = state;
    state = back[index]![state]!;
  }

  const spans: ChordSpan[] = slots.map((slot, index) => ({ onset: slot.start, duration: slot.end - slot.start, chord: chords[path[index]!]! }));
  return { key, slots: spans, changes: chordChanges(spans) };
}

/** Spans with each run of one chord merged into one span: where the chord changes. */
export function chordChanges(spans: readonly ChordSpan[]): ChordSpan[] {
  const merged: ChordSpan[] = [];
  for (const span of spans) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && previous.chord.numeral === span.chord.numeral && previous.onset + previous.duration === span.onset) {
      merged[merged.length - 1] = { ...previous, duration: previous.duration + span.duration };
    } else merged.push(span);
  }
  return merged;
}

/** The chord sounding at `tick`, or null outside the harmony. */
export function chordAt(harmony: Harmony, tick: number): HarmonyChord | null {
  for (const span of harmony.slots) if (span.onset <= tick && tick < span.onset + span.duration) return span.chord;
  return null;
}

/**
 * The harmonic function of a chord symbol ('G7', 'Am', 'D') in a key, by the chord of the key with that root and
 * quality (a dominant seventh may stand for the major triad and back); null when the key has no such chord.
 * For comparing published harmonisations with the harmoniser's.
 */
export function functionOfSymbol(symbol: string, key: Key): HarmonicFunction | null {
  const parsed = TonalChord.get(symbol);
  if (parsed.empty || parsed.tonic === null) return null;
  const root = TonalNote.chroma(parsed.tonic);
  const quality: ChordQuality | null = parsed.quality === 'Major' ? (parsed.intervals.includes('7m') ? 'dominant-seventh' : 'major') : parsed.quality === 'Minor' ? 'minor' : parsed.quality === 'Diminished' ? 'diminished' : null;
  if (quality === null) return null;
  const chords = keyChords(key);
  const exact = chords.find((chord) => chord.root === root && chord.quality === quality);
  if (exact) return exact.function;
  const loose = chords.find((chord) => chord.root === root && (chord.quality === 'major' || chord.quality === 'dominant-seventh') === (quality === 'major' || quality === 'dominant-seventh'));
  return loose?.function ?? null;
}
