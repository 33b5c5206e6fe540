// A Melody laid out as written notation, for the ABC and MusicXML writers: measures between its barlines, each
// a list of written pieces. A note that crosses a barline, a meter change or an extra cut (a chord symbol's
// position) is split there and tied; a length that is no single written value becomes several tied pieces
// (durationPieces); gaps between events become rests. Pieces carry their spelled pitch, note value, tuplet and
// beam marks (by beat, as the **kern writer beams).
import { beamTokens, type BeamMark } from '../beams.js';
import { barTicks, durationPieces, PLAIN_UNIT, writtenValue, type TupletRatio } from '../durations.js';
import { kernToMidi, midiToKern, splitKernPitch } from '../pitch.js';
import type { Key, Melody, MelodyEvent, Meter, NoteEvent } from '../types.js';

/** A pitch as engravers spell it: step C..B, alteration in semitones, octave (middle C is C4). */
export interface SpelledPitch {
  readonly step: string;
  readonly alter: number;
  readonly octave: number;
}

export interface WrittenPiece {
  readonly kind: 'note' | 'rest';
  /** Start in ticks from the melody's start. */
  readonly start: number;
  /** Sounding length in ticks; 0 for a grace note. */
  readonly length: number;
  /** Spelled pitch (notes only). */
  readonly pitch?: SpelledPitch;
  /** Note value and dots, its tuplet taken out (see writtenValue). */
  readonly value: { readonly reciprocal: number; readonly type: string; readonly dots: number };
  /** The tuplet it belongs to, with whether it opens or closes the tuplet bracket. */
  readonly tuplet?: TupletRatio & { readonly first: boolean; readonly last: boolean; readonly count: number };
  /** Tied to the next piece / from the previous one. */
  readonly tieStart: boolean;
  readonly tieStop: boolean;
  readonly grace: boolean;
  readonly fermata: boolean;
  /** Beam marks from the eighth's beam down; empty when not beamed. */
  readonly beams: readonly BeamMark[];
}

export interface WrittenMeasure {
  /** 1-based; a pickup is measure 0. */
  readonly number: number;
  readonly start: number;
  readonly end: number;
  /** The meter in force (null: free meter) and whether it changes at this measure (or is the first). */
  readonly meter: Meter | null;
  readonly meterChange: boolean;
  /** A pickup (an anacrusis shorter than the meter's bar) before the first full measure. */
  readonly pickup: boolean;
  readonly pieces: readonly WrittenPiece[];
}

const LETTER_PITCH_CLASS: Readonly<Record<string, number>> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };

/** The spelled pitch of a note: its kern spelling when that still matches its pitch, else spelt for the key. */
export function spelledPitch(event: NoteEvent, key: Key): SpelledPitch {
  const kern = event.spelling !== undefined && kernToMidi(event.spelling) === event.pitch ? event.spelling : midiToKern(event.pitch, key);
  const parts = splitKernPitch(kern);
  const letter = (parts?.letters[0] ?? 'c').toLowerCase();
  let alter = 0;
  for (const sign of parts?.accidentals ?? '') alter += sign === '#' ? 1 : sign === '-' ? -1 : 0;
  // The octave of the written letter (B#3 sounds as C4): from the pitch less the alteration.
  const octave = Math.round((event.pitch - alter - (LETTER_PITCH_CLASS[letter] ?? 0)) / 12) - 1;
  return { step: letter.toUpperCase(), alter, octave };
}

const SHARP_ORDER = 'FCGDAEB';
const FLAT_ORDER = 'BEADGCF';

/** The alteration a key signature gives each step: { F: 1, C: 1 } for D major. */
export function signatureAlters(fifths: number): Readonly<Record<string, number>> {
  const alters: Record<string, number> = { C: 0, D: 0, E: 0, F: 0, G: 0, A: 0, B: 0 };
  const order = fifths >= 0 ? SHARP_ORDER : FLAT_ORDER;
  for (const step of order.slice(0, Math.min(7, Math.abs(fifths)))) alters[step] = fifths >= 0 ? 1 : -1;
  return alters;
}

/**
 * Accidentals as a reader of one measure sees them: the key signature, then each accidental written in the
 * measure holding for that step and octave until the barline. `needs` says whether a pitch must be written with
 * its accidental; `write` records one that was.
 */
export class MeasureAccidentals {
  private readonly written = new Map<string, number>();
  constructor(private readonly signature: Readonly<Record<string, number>>) {}

  private current(pitch: SpelledPitch): number {
    return this.written.get(`${pitch.step}${pitch.octave}`) ?? this.signature[pitch.step] ?? 0;
  }

  needs(pitch: SpelledPitch): boolean {
    return this.current(pitch) !== pitch.alter;
  }

  write(pitch: SpelledPitch): void {
    this.written.set(`${pitch.step}${pitch.octave}`, pitch.alter);
  }
}

/** The clef that suits a melody: bass when most of its notes lie below G3, as the **kern writer chooses. */
export function suitsBassClef(melody: Melody): boolean {
  const notes = melody.events.filter((e): e is NoteEvent => e.kind === 'note' && !e.grace);
  return notes.filter((e) => e.pitch < 55).length * 2 > notes.length;
}

/** The meter in force at `tick`. */
function meterAt(melody: Melody, tick: number): Meter | null {
  let meter: Meter | null = null;
  for (const change of melody.meters) if (change.tick <= tick) meter = change.meter;
  return meter;
}

interface DraftPiece {
  readonly event: MelodyEvent;
  readonly start: number;
  readonly length: number;
  readonly tieStart: boolean;
  readonly tieStop: boolean;
  readonly grace: boolean;
  readonly fermata: boolean;
}

/** Closes tuplet groups: consecutive pieces of one ratio until their total time is a plain length again. */
function tupletGroups(pieces: readonly DraftPiece[]): Map<number, TupletRatio & { first: boolean; last: boolean; count: number }> {
  const result = new Map<number, TupletRatio & { first: boolean; last: boolean; count: number }>();
  let group: { ratio: TupletRatio; members: number[]; total: number } | null = null;
  const close = (): void => {
    if (group === null) return;
    const { ratio, members } = group;
    members.forEach((index, position) =>
      result.set(index, { ...ratio, first: position === 0, last: position === members.length - 1, count: members.length }),
    );
    group = null;
  };
  pieces.forEach((piece, index) => {
    if (piece.grace) return;
    const ratio = writtenValue(piece.length)?.tuplet ?? null;
    const open: { ratio: TupletRatio; members: number[]; total: number } | null = group;
    if (ratio === null || (open !== null && (open.ratio.actual !== ratio.actual || open.ratio.normal !== ratio.normal))) close();
    if (ratio === null) return;
    if (group === null) group = { ratio, members: [], total: 0 };
    const current: { ratio: TupletRatio; members: number[]; total: number } = group;
    current.members.push(index);
    current.total += piece.length;
    // The group is complete when its time is that of plain notes again (three triplet eighths = a quarter).
    if (current.total % PLAIN_UNIT === 0) close();
  });
  close();
  return result;
}

/**
 * Lays a melody out in measures. `cuts` are extra ticks where every note is split (a chord symbol's place).
 * Throws RangeError when events overlap (a melody is monophonic).
 */
export function layoutMelody(melody: Melody, cuts: readonly number[] = []): WrittenMeasure[] {
  const end = melody.events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  const barlines = [...new Set(melody.barlines)].filter((t) => t > 0 && t < end).sort((a, b) => a - b);
  const meterTicks = melody.meters.map((m) => m.tick).filter((t) => t > 0 && t < end);
  const splits = [...new Set([...barlines, ...meterTicks, ...cuts.filter((t) => t > 0 && t < end)])].sort((a, b) => a - b);

  const drafts: DraftPiece[] = [];
  const place = (event: MelodyEvent, from: number, to: number, tie: boolean, fermata: boolean): void => {
    const stops = [...splits.filter((t) => t > from && t < to), to];
    const lengths: [number, number][] = [];
    let start = from;
    for (const stop of stops) {
      for (const piece of durationPieces(stop - start)) {
        lengths.push([start, piece]);
        start += piece;
      }
    }
    lengths.forEach(([pieceStart, length], index) => {
      const last = index === lengths.length - 1;
      drafts.push({
        event,
        start: pieceStart,
        length,
        tieStart: tie && !last,
        tieStop: tie && index > 0,
        grace: false,
        fermata: fermata && last,
      });
    });
  };
  let tick = 0;
  for (const event of melody.events) {
    if (event.onset < tick) throw new RangeError(`layoutMelody: ${melody.source}: events overlap at tick ${event.onset} (a melody is monophonic)`);
    if (event.onset > tick) place({ kind: 'rest', onset: tick, duration: event.onset - tick }, tick, event.onset, false, false);
    tick = event.onset;
    if (event.kind === 'note' && (event.grace === true || event.duration === 0)) {
      drafts.push({ event, start: tick, length: 0, tieStart: false, tieStop: false, grace: true, fermata: false });
      continue;
    }
    place(event, event.onset, event.onset + event.duration, event.kind === 'note', event.fermata === true);
    tick = event.onset + event.duration;
  }

  const beams = beamTokens(
    drafts.map((d) => ({ start: d.start, length: d.length, kind: d.grace ? 'grace' : d.event.kind })),
    melody.meters,
    barlines,
  );
  const tuplets = tupletGroups(drafts);
  const pieces: WrittenPiece[] = drafts.map((draft, index) => {
    const value = draft.grace ? { reciprocal: 8, type: 'eighth', dots: 0 } : writtenValue(draft.length);
    if (value === null) throw new RangeError(`layoutMelody: ${draft.length} ticks is no written note value`);
    const tuplet = tuplets.get(index);
    return {
      kind: draft.event.kind,
      start: draft.start,
      length: draft.length,
      ...(draft.event.kind === 'note' ? { pitch: spelledPitch(draft.event, melody.key) } : {}),
      value: { reciprocal: value.reciprocal, type: value.type, dots: value.dots },
      ...(tuplet !== undefined ? { tuplet } : {}),
      tieStart: draft.tieStart,
      tieStop: draft.tieStop,
      grace: draft.grace,
      fermata: draft.fermata,
      beams: beams.get(index) ?? [],
    };
  });

  const bounds = [0, ...barlines, end];
  const measures: WrittenMeasure[] = [];
  let previousMeter: Meter | null | undefined;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i] ?? 0;
    const stop = bounds[i + 1] ?? end;
    const meter = meterAt(melody, start);
    const pickup = i === 0 && bounds.length > 2 && meter !== null && stop - start < barTicks(meter);
    const meterChange =
      previousMeter === undefined ||
      (previousMeter === null ? meter !== null : meter === null || meter.numerator !== previousMeter.numerator || meter.denominator !== previousMeter.denominator);
    previousMeter = meter;
    measures.push({
      number: pickup ? 0 : measures.length + (measures[0]?.pickup === true ? 0 : 1),
      start,
      end: stop,
      meter,
      meterChange,
      pickup,
      // Grace notes at a barline belong to the note after them.
      pieces: pieces.filter((p) => p.start >= start && (p.start < stop || (i + 2 === bounds.length && p.start === stop && p.grace))),
    });
  }
  return measures;
}
