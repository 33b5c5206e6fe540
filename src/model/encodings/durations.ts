// Durations and meters as token text: a duration is written as an exact fraction of a unit (a whole note: "1/4",
// "3/8", "1/12" for a triplet eighth; or a meter's beat unit: "1/2", "3"), and read back to ticks.
import { TICKS_PER_QUARTER, type Meter } from '../../music/types.js';
import { EncodingError } from './encoding-error.js';

export const WHOLE_NOTE_TICKS = 4 * TICKS_PER_QUARTER;
/** The grid of the steps encoding. */
export const SIXTEENTH_TICKS = WHOLE_NOTE_TICKS / 16;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** "1/4" for 960 ticks, "3/8" for 1440, "1" for 3840, "3/2" for 5760. */
export function durationText(ticks: number): string {
  return ratioText(ticks, WHOLE_NOTE_TICKS);
}

/** A positive rational length, e.g. a duration in beats. */
export interface Ratio {
  readonly numerator: number;
  readonly denominator: number;
}

/** `ticks` in units of `unitTicks`, reduced: "1/2", "3", "3/2", "1/3". */
export function ratioText(ticks: number, unitTicks: number): string {
  if (!Number.isInteger(ticks) || ticks <= 0) throw new EncodingError(`a duration must be a positive whole number of ticks, got ${ticks}`);
  const divisor = gcd(ticks, unitTicks);
  const numerator = ticks / divisor;
  const denominator = unitTicks / divisor;
  return denominator === 1 ? String(numerator) : `${numerator}/${denominator}`;
}

/** Reads "3/2" or "2"; throws for anything else. */
export function parseRatioText(text: string): Ratio {
  const match = /^(\d+)(?:\/(\d+))?$/.exec(text);
  const numerator = match ? Number(match[1]) : NaN;
  const denominator = match?.[2] !== undefined ? Number(match[2]) : 1;
  if (!(numerator > 0 && denominator > 0)) {
    throw new EncodingError(`"${text}" is not a duration (expected a positive fraction such as 1/2, 3 or 3/2)`);
  }
  return { numerator, denominator };
}

/** `ratio` units of `unitTicks` ticks, or null when that is not a whole number of ticks. */
export function ratioTicks(ratio: Ratio, unitTicks: number): number | null {
  const ticks = (ratio.numerator * unitTicks) / ratio.denominator;
  return Number.isInteger(ticks) ? ticks : null;
}

/**
 * The note value the meter counts in (its denominator: a quarter in 3/4, a half in 4/2, an eighth in 6/8), in
 * ticks; a quarter for free meter. Null when it is not a whole number of ticks.
 */
export function beatUnitTicks(meter: Meter | null): number | null {
  const ticks = WHOLE_NOTE_TICKS / (meter?.denominator ?? 4);
  return Number.isInteger(ticks) && ticks > 0 ? ticks : null;
}

/** The length of one bar of `meter` in ticks, or null when it is not a whole number of ticks. */
export function barTicks(meter: Meter): number | null {
  const ticks = (meter.numerator * WHOLE_NOTE_TICKS) / meter.denominator;
  return Number.isInteger(ticks) && ticks > 0 ? ticks : null;
}

export function meterText(meter: Meter | null): string {
  return meter === null ? 'X' : `${meter.numerator}/${meter.denominator}`;
}

export function parseMeterText(text: string): Meter | null {
  if (text === 'X') return null;
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new EncodingError(`"${text}" is not a meter (expected e.g. 3/4, or X for free meter)`);
  return { numerator: Number(match[1]), denominator: Number(match[2]) };
}
