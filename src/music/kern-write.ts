// Melody -> Humdrum **kern text that parseKern reads back to the same Melody and verovio renders as a score.
// Notes are split at barlines, phrase starts and meter changes and tied (`[` `_` `]`); a length that is not one
// kern duration becomes several tied notes. Rests are split the same way but not tied (kern has no tied rests),
// so a rest across a barline reads back as two rests. Gaps between events are written as rests.
import { tonicSpelling } from './key.js';
import { kernToMidi, midiToKern } from './pitch.js';
import { TICKS_PER_QUARTER } from './types.js';
import type { Melody, MelodyEvent, Meter, MeterChange } from './types.js';

const TICKS_PER_WHOLE = 4 * TICKS_PER_QUARTER;
/** A 128th note: every plain (non-tuplet) duration is a multiple of it. */
const PLAIN_UNIT = TICKS_PER_WHOLE / 128;

/** Ticks of one bar of `meter`. */
export function barTicks(meter: Meter): number {
  return (meter.numerator * TICKS_PER_WHOLE) / meter.denominator;
}

/**
 * Barlines for a melody without its own (a generated tune): one after the `pickup` (when > 0), then one at the
 * end of every bar of the meter in force, and one at `end` (the final barline) even when the last bar is short.
 * Spans of free meter (`meter: null`) get no barlines until the next meter change, which starts a bar.
 */
export function barlinesForMeter(meters: readonly MeterChange[], end: number, pickup = 0): number[] {
  const barlines: number[] = [];
  const add = (tick: number): void => {
    if (tick > 0 && tick <= end && barlines[barlines.length - 1] !== tick) barlines.push(tick);
  };
  const sorted = [...meters].sort((a, b) => a.tick - b.tick);
  for (let i = 0; i < sorted.length; i++) {
    const change = sorted[i];
    if (!change) continue;
    const until = Math.min(sorted[i + 1]?.tick ?? end, end);
    if (change.tick > 0) add(change.tick);
    if (change.meter === null) continue;
    const bar = barTicks(change.meter);
    let tick = change.tick;
    if (i === 0 && pickup > 0 && pickup < until) {
      tick = pickup;
      add(tick);
    }
    for (tick += bar; tick < until; tick += bar) add(tick);
  }
  add(end);
  return barlines;
}

/** Kern reciprocal text by tick length, for every length that is one kern duration (preferred spelling first). */
const SINGLE_DURATIONS: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  const add = (ticks: number, text: string): void => {
    if (Number.isInteger(ticks) && ticks > 0 && !map.has(ticks)) map.set(ticks, text);
  };
  const plain = [1, 2, 4, 8, 16, 32, 64, 128];
  for (let dots = 0; dots <= 2; dots++) {
    const factor = (2 ** (dots + 1) - 1) / 2 ** dots;
    add(2 * TICKS_PER_WHOLE * factor, '0' + '.'.repeat(dots));
    for (const recip of plain) add((TICKS_PER_WHOLE / recip) * factor, String(recip) + '.'.repeat(dots));
  }
  for (let dots = 0; dots <= 2; dots++) {
    const factor = (2 ** (dots + 1) - 1) / 2 ** dots;
    for (let recip = 3; recip <= TICKS_PER_WHOLE; recip++) {
      if (TICKS_PER_WHOLE % recip === 0) add((TICKS_PER_WHOLE / recip) * factor, String(recip) + '.'.repeat(dots));
    }
  }
  return map;
})();
const SINGLE_DESCENDING = [...SINGLE_DURATIONS.keys()].sort((a, b) => b - a);
const PLAIN_DESCENDING = SINGLE_DESCENDING.filter((ticks) => /^(0|1|2|4|8|16|32|64|128)\.*$/.test(SINGLE_DURATIONS.get(ticks) ?? ''));

/** Tuplet lengths, undotted first, then longest first: the tie partner a plain remainder needs. */
const TUPLET_PREFERRED = SINGLE_DESCENDING.filter((ticks) => ticks % PLAIN_UNIT !== 0).sort((a, b) => {
  const dots = (ticks: number): number => (SINGLE_DURATIONS.get(ticks) ?? '').split('.').length;
  return dots(a) - dots(b) || b - a;
});

function greedy(ticks: number, candidates: readonly number[]): number[] {
  const pieces: number[] = [];
  let left = ticks;
  while (left > 0) {
    const piece = candidates.find((value) => value <= left) ?? left;
    pieces.push(piece);
    left -= piece;
  }
  return pieces;
}

/** Lengths, longest first, of kern durations that add up to `ticks` (one when `ticks` is itself a duration). */
export function durationPieces(ticks: number): number[] {
  if (SINGLE_DURATIONS.has(ticks)) return [ticks];
  if (ticks % PLAIN_UNIT === 0) return greedy(ticks, PLAIN_DESCENDING);
  // One tuplet value that leaves a plain remainder (2560 = 2/3 of a whole: a half note tied to a triplet quarter).
  const tuplet = TUPLET_PREFERRED.find((value) => value < ticks && (ticks - value) % PLAIN_UNIT === 0);
  if (tuplet !== undefined) return [...greedy(ticks - tuplet, PLAIN_DESCENDING), tuplet].sort((a, b) => b - a);
  return greedy(ticks, SINGLE_DESCENDING);
}

/** The kern reciprocal of a length that is one kern duration (see durationPieces). */
export function recipText(ticks: number): string {
  const text = SINGLE_DURATIONS.get(ticks);
  if (text === undefined) throw new RangeError(`${ticks} ticks is not one kern duration; split it with durationPieces`);
  return text;
}

const SHARP_ORDER = 'fcgdaeb';
const FLAT_ORDER = 'beadgcf';

/** `*k[f#c#]` for +2, `*k[b-e-a-]` for -3. */
export function keySignatureLine(fifths: number): string {
  const count = Math.min(Math.abs(fifths), 7);
  const notes = fifths >= 0 ? [...SHARP_ORDER.slice(0, count)].map((n) => `${n}#`) : [...FLAT_ORDER.slice(0, count)].map((n) => `${n}-`);
  return `*k[${notes.join('')}]`;
}

function meterLine(meter: Meter | null): string {
  return meter === null ? '*MX' : `*M${meter.numerator}/${meter.denominator}`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

/** A note's kern spelling: as written when it still matches the pitch, else spelt for the key. */
function spellingOf(event: Extract<MelodyEvent, { kind: 'note' }>, melody: Melody): string {
  if (event.spelling !== undefined && kernToMidi(event.spelling) === event.pitch) return event.spelling;
  return midiToKern(event.pitch, melody.key);
}

export function writeKern(melody: Melody): string {
  const lines: string[] = [];
  lines.push(`!!!OTL: ${oneLine(melody.title)}`);
  if (melody.region !== undefined) lines.push(`!!!ARE: ${oneLine(melody.region)}`);
  lines.push('**kern');
  const notes = melody.events.filter((e) => e.kind === 'note' && !e.grace);
  const lowNotes = notes.filter((e) => e.kind === 'note' && e.pitch < 55).length;
  lines.push(lowNotes * 2 > notes.length ? '*clefF4' : '*clefG2');
  const meters = [...melody.meters].sort((a, b) => a.tick - b.tick);
  const openingMeter = meters[0]?.tick === 0 ? meters[0].meter : null;
  lines.push(meterLine(openingMeter));
  lines.push(keySignatureLine(melody.key.fifths));
  if (melody.keySource === 'file') {
    const { letter, alter } = tonicSpelling(melody.key);
    const accidental = alter > 0 ? '#'.repeat(alter) : '-'.repeat(-alter);
    lines.push(`*${melody.key.mode === 'major' ? letter.toUpperCase() : letter}${accidental}:`);
  }

  const end = melody.events.reduce((max, e) => Math.max(max, e.onset + e.duration), 0);
  const barlines = [...melody.barlines].sort((a, b) => a - b);
  const barlineSet = new Set(barlines);
  const meterAt = new Map(meters.filter((m) => m.tick > 0).map((m) => [m.tick, m.meter] as const));
  const phraseSet = new Set(melody.phraseStarts);
  const cuts = [...new Set([...barlines, ...melody.phraseStarts, ...meterAt.keys()])].filter((t) => t > 0 && t < end).sort((a, b) => a - b);

  // Bar numbers: with no pickup the first bar is bar 1 and gets `=1` before its first note (as Essen writes).
  const firstBar = openingMeter ? barTicks(openingMeter) : 0;
  const noPickup = openingMeter !== null && (barlines[0] === undefined || barlines[0] >= firstBar);
  let barNumber = 1;
  if (noPickup) lines.push(`=${barNumber++}`);

  let boundaryDone = -1;
  let phraseOpen = false;
  let lastTokenLine = -1;
  const boundary = (tick: number): void => {
    if (tick === boundaryDone) return;
    boundaryDone = tick;
    if (barlineSet.has(tick)) lines.push(tick === end && tick === barlines[barlines.length - 1] ? '==' : `=${barNumber++}`);
    const meter = meterAt.get(tick);
    if (meter !== undefined) lines.push(meterLine(meter));
  };
  let phraseDone = -1;
  const emit = (tick: number, body: string): void => {
    boundary(tick);
    let token = body;
    if (phraseSet.has(tick) && phraseDone !== tick) {
      phraseDone = tick;
      if (phraseOpen && lastTokenLine >= 0) lines[lastTokenLine] += '}';
      token = `{${token}`;
      phraseOpen = true;
    }
    lines.push(token);
    lastTokenLine = lines.length - 1;
  };
  /** [start, length] spans of [from, to) cut at barlines, phrase starts and meter changes, then into durations. */
  const spans = (from: number, to: number): [number, number][] => {
    const result: [number, number][] = [];
    const stops = [...cuts.filter((t) => t > from && t < to), to];
    let start = from;
    for (const stop of stops) {
      for (const piece of durationPieces(stop - start)) {
        result.push([start, piece]);
        start += piece;
      }
    }
    return result;
  };

  let tick = 0;
  for (const event of melody.events) {
    if (event.onset < tick) {
      throw new RangeError(`writeKern: ${melody.source}: events overlap at tick ${event.onset} (a melody is monophonic)`);
    }
    if (event.onset > tick) for (const [start, length] of spans(tick, event.onset)) emit(start, `${recipText(length)}r`);
    tick = event.onset;
    if (event.kind === 'note' && (event.grace === true || event.duration === 0)) {
      emit(tick, `8${spellingOf(event, melody)}q`);
      continue;
    }
    const pieces = spans(event.onset, event.onset + event.duration);
    pieces.forEach(([start, length], index) => {
      const last = index === pieces.length - 1;
      const fermata = last && event.fermata === true ? ';' : '';
      if (event.kind === 'rest') {
        emit(start, `${recipText(length)}r${fermata}`);
        return;
      }
      const tieOpen = pieces.length > 1 && index === 0 ? '[' : '';
      const tieClose = pieces.length > 1 && index > 0 ? (last ? ']' : '_') : '';
      emit(start, `${tieOpen}${recipText(length)}${spellingOf(event, melody)}${fermata}${tieClose}`);
    });
    tick = event.onset + event.duration;
  }
  if (phraseOpen && lastTokenLine >= 0) lines[lastTokenLine] += '}';
  boundary(end);
  lines.push('*-');
  return lines.join('\n') + '\n';
}
