// The shapes of a corpus's songs per meter: how often they are in minor, and how long their pickups (upbeats) are.
// A tune composed without a seed takes its mode and pickup from these, so that default tunes start (and, with the
// last bar giving the pickup back, end) the way written songs of their meter do. Pure: melodies in, shares out.
import { barTicks } from './kern-write.js';
import type { Melody, Meter } from './types.js';

export interface MeterShape {
  readonly songs: number;
  /** Share of the songs in minor. */
  readonly minor: number;
  /** Pickup length in ticks (0: none) -> share of the songs, the shares adding up to 1. */
  readonly pickups: Readonly<Record<string, number>>;
}

/** By meter text ("3/4"). */
export type SongShapes = Readonly<Record<string, MeterShape>>;

function meterText(meter: Meter): string {
  return `${meter.numerator}/${meter.denominator}`;
}

/** The ticks before the first barline when that first bar is short (a pickup), else 0. */
export function pickupTicks(melody: Melody): number {
  const meter = melody.meters[0]?.meter;
  if (meter === null || meter === undefined) return 0;
  const bar = barTicks(meter);
  const first = melody.barlines.find((tick) => tick > 0);
  return first !== undefined && first < bar ? first : 0;
}

export function songShapes(melodies: readonly Melody[]): SongShapes {
  const counts = new Map<string, { songs: number; minor: number; pickups: Map<number, number> }>();
  for (const melody of melodies) {
    const meter = melody.meters[0]?.meter;
    if (meter === null || meter === undefined) continue;
    const key = meterText(meter);
    const entry = counts.get(key) ?? { songs: 0, minor: 0, pickups: new Map<number, number>() };
    entry.songs++;
    if (melody.key.mode === 'minor') entry.minor++;
    const pickup = pickupTicks(melody);
    entry.pickups.set(pickup, (entry.pickups.get(pickup) ?? 0) + 1);
    counts.set(key, entry);
  }
  const shapes: Record<string, MeterShape> = {};
  for (const [key, entry] of [...counts].sort((a, b) => b[1].songs - a[1].songs)) {
    const pickups: Record<string, number> = {};
    for (const [ticks, n] of [...entry.pickups].sort((a, b) => a[0] - b[0])) pickups[String(ticks)] = Math.round((n / entry.songs) * 1e4) / 1e4;
    shapes[key] = { songs: entry.songs, minor: Math.round((entry.minor / entry.songs) * 1e4) / 1e4, pickups };
  }
  return shapes;
}

/**
 * A mode and pickup for a tune of `meter`, drawn with `draw` (a number in [0, 1)) twice from the meter's shape;
 * major and no pickup when the shapes do not know the meter.
 */
export function drawSongShape(shapes: SongShapes | undefined, meter: Meter, draw: () => number): { mode: 'major' | 'minor'; pickup: number } {
  const shape = shapes?.[meterText(meter)];
  if (shape === undefined) return { mode: 'major', pickup: 0 };
  const mode = draw() < shape.minor ? 'minor' : 'major';
  let left = draw();
  let pickup = 0;
  for (const [ticks, share] of Object.entries(shape.pickups)) {
    pickup = Number(ticks);
    left -= share;
    if (left < 0) break;
  }
  return { mode, pickup };
}
