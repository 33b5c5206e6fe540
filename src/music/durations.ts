// Note lengths as written: which tick lengths are one written duration (kern reciprocal, with dots), how a
// length that is not splits into tied pieces, and the tuplet a piece belongs to. Shared by the **kern, ABC and
// MusicXML writers.
import { TICKS_PER_QUARTER } from './types.js';
import type { Meter } from './types.js';

export const TICKS_PER_WHOLE = 4 * TICKS_PER_QUARTER;
/** A 128th note: every plain (non-tuplet) duration is a multiple of it. */
export const PLAIN_UNIT = TICKS_PER_WHOLE / 128;

/** Ticks of one bar of `meter`. */
export function barTicks(meter: Meter): number {
  return (meter.numerator * TICKS_PER_WHOLE) / meter.denominator;
}

/** Kern reciprocal text by tick length, for every length that is one kern duration (preferred spelling first). */
export const SINGLE_DURATIONS: ReadonlyMap<number, string> = (() => {
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

/** A tuplet: `actual` notes in the time of `normal` (3:2 for triplets, 5:4 for quintuplets). */
export interface TupletRatio {
  readonly actual: number;
  readonly normal: number;
}

/** A written piece's tuplet, or null for a plain length (a multiple of a 128th). */
export function tupletOf(ticks: number): TupletRatio | null {
  if (ticks % PLAIN_UNIT === 0) return null;
  for (let actual = 3; actual <= 15; actual += 2) {
    const normal = 2 ** Math.floor(Math.log2(actual));
    const nominal = (ticks * actual) / normal;
    if (Number.isInteger(nominal) && nominal % PLAIN_UNIT === 0 && SINGLE_DURATIONS.has(nominal)) return { actual, normal };
  }
  return null;
}

/** Note value names by reciprocal (MusicXML's <type>), for plain written lengths. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  '0': 'breve', '1': 'whole', '2': 'half', '4': 'quarter', '8': 'eighth', '16': '16th', '32': '32nd', '64': '64th', '128': '128th',
};

/**
 * The note value and dots of a written piece, its tuplet taken out: 640 ticks (a triplet quarter) is a quarter,
 * 1440 a dotted quarter. Null when the length is no single written value.
 */
export function writtenValue(ticks: number): { readonly reciprocal: number; readonly type: string; readonly dots: number; readonly tuplet: TupletRatio | null } | null {
  const tuplet = tupletOf(ticks);
  const nominal = tuplet === null ? ticks : (ticks * tuplet.actual) / tuplet.normal;
  const text = SINGLE_DURATIONS.get(nominal);
  if (text === undefined) return null;
  const match = /^(\d+)(\.*)$/.exec(text);
  const type = TYPE_NAMES[match?.[1] ?? ''];
  if (match === null || type === undefined) return null;
  return { reciprocal: Number(match[1]), type, dots: (match[2] ?? '').length, tuplet };
}
