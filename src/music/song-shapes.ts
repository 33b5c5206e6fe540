// The shapes of a corpus's songs per meter: how often they are in minor, how long their pickups (upbeats) are, and
// where in the last bar their final note lies. A tune composed without a seed takes its mode and pickup from these,
// and every tune its final's place, so that tunes start and end the way written songs of their meter do. Pure:
// melodies in, shares out.
import { barTicks } from './kern-write.js';
import type { Melody, MelodyEvent, Meter } from './types.js';

export interface MeterShape {
  readonly songs: number;
  /** Share of the songs in minor. */
  readonly minor: number;
  /** Pickup length in ticks (0: none) -> share of the songs, the shares adding up to 1. */
  readonly pickups: Readonly<Record<string, number>>;
  /**
   * Per pickup length in ticks: where the final note lies in the songs whose last bar gives that pickup back (a
   * bar less the pickup long; a full bar without one), as "start:length" (ticks from the final's onset to the end
   * of the song, and its length; a rest fills what is left) -> share of those songs, the shares adding up to 1.
   * Absent in folders calibrated before it.
   */
  readonly endings?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Where the final note lies: it starts `start` ticks before the end of the tune and sounds `length` ticks. */
export interface FinalPlace {
  readonly start: number;
  readonly length: number;
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

/**
 * Where `melody`'s final note lies ("start:length", see MeterShape.endings), when it has one meter, its last bar
 * gives the pickup back, and the final note starts in that bar (not tied into it); else null.
 */
function finalPlaceKey(melody: Melody, bar: number, pickup: number): string | null {
  if (melody.meters.length !== 1) return null;
  const last = melody.events[melody.events.length - 1];
  let final: MelodyEvent | undefined;
  for (let i = melody.events.length - 1; i >= 0 && final === undefined; i--) {
    const event = melody.events[i]!;
    if (event.kind === 'note' && event.grace !== true) final = event;
  }
  if (last === undefined || final === undefined) return null;
  const end = last.onset + last.duration;
  const lastBarStart = melody.barlines.filter((tick) => tick < end).pop() ?? 0;
  if (end - lastBarStart !== (pickup > 0 ? bar - pickup : bar) || final.onset < lastBarStart) return null;
  return `${end - final.onset}:${final.duration}`;
}

const share = (n: number, of: number): number => Math.round((n / of) * 1e4) / 1e4;

function shares(counts: ReadonlyMap<string, number>): Record<string, number> {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const out: Record<string, number> = {};
  for (const [key, n] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) out[key] = share(n, total);
  return out;
}

export function songShapes(melodies: readonly Melody[]): SongShapes {
  interface Counts {
    songs: number;
    minor: number;
    pickups: Map<number, number>;
    endings: Map<number, Map<string, number>>;
  }
  const counts = new Map<string, Counts>();
  for (const melody of melodies) {
    const meter = melody.meters[0]?.meter;
    if (meter === null || meter === undefined) continue;
    const key = meterText(meter);
    const entry = counts.get(key) ?? { songs: 0, minor: 0, pickups: new Map<number, number>(), endings: new Map<number, Map<string, number>>() };
    entry.songs++;
    if (melody.key.mode === 'minor') entry.minor++;
    const pickup = pickupTicks(melody);
    entry.pickups.set(pickup, (entry.pickups.get(pickup) ?? 0) + 1);
    const place = finalPlaceKey(melody, barTicks(meter), pickup);
    if (place !== null) {
      const places = entry.endings.get(pickup) ?? new Map<string, number>();
      places.set(place, (places.get(place) ?? 0) + 1);
      entry.endings.set(pickup, places);
    }
    counts.set(key, entry);
  }
  const shapes: Record<string, MeterShape> = {};
  for (const [key, entry] of [...counts].sort((a, b) => b[1].songs - a[1].songs)) {
    const pickups: Record<string, number> = {};
    for (const [ticks, n] of [...entry.pickups].sort((a, b) => a[0] - b[0])) pickups[String(ticks)] = share(n, entry.songs);
    const endings: Record<string, Record<string, number>> = {};
    for (const [ticks, places] of [...entry.endings].sort((a, b) => a[0] - b[0])) endings[String(ticks)] = shares(places);
    shapes[key] = { songs: entry.songs, minor: share(entry.minor, entry.songs), pickups, endings };
  }
  return shapes;
}

/**
 * The final note's place for a tune of `meter` with `pickup`, drawn with `draw` (a number in [0, 1)) from the songs
 * of that meter and pickup; undefined when the shapes know none (then the sampler's own ending rules apply).
 */
export function drawFinalPlace(shapes: SongShapes | undefined, meter: Meter, pickup: number, draw: () => number): FinalPlace | undefined {
  const places = shapes?.[meterText(meter)]?.endings?.[String(pickup)];
  if (places === undefined) return undefined;
  // A folder's entry that is not "start:length" in whole ticks with 0 < length <= start is passed over.
  const valid = Object.entries(places).filter(([key]) => {
    const [start, length] = key.split(':').map(Number) as [number, number];
    return Number.isInteger(start) && Number.isInteger(length) && length > 0 && length <= start;
  });
  const place = drawKey(valid, draw);
  if (place === undefined) return undefined;
  const [start, length] = place.split(':').map(Number) as [number, number];
  return { start, length };
}

/**
 * A key drawn with `draw` (one number in [0, 1)) from `shares` (key -> share, adding up to about 1): the last key
 * when rounding leaves the draw past them all; undefined when there are none.
 */
function drawKey(shares: readonly (readonly [string, number])[], draw: () => number): string | undefined {
  let left = draw();
  let key: string | undefined;
  for (const [k, share] of shares) {
    key = k;
    left -= share;
    if (left < 0) break;
  }
  return key;
}

/**
 * A mode and pickup for a tune of `meter`, drawn with `draw` (a number in [0, 1)) twice from the meter's shape;
 * major and no pickup when the shapes do not know the meter.
 */
export function drawSongShape(shapes: SongShapes | undefined, meter: Meter, draw: () => number): { mode: 'major' | 'minor'; pickup: number } {
  const shape = shapes?.[meterText(meter)];
  if (shape === undefined) return { mode: 'major', pickup: 0 };
  const mode = draw() < shape.minor ? 'minor' : 'major';
  return { mode, pickup: Number(drawKey(Object.entries(shape.pickups), draw) ?? 0) };
}

/** How a style's songs end and which scale they use: what the composer's rules for the style follow. */
export interface EndingShape {
  readonly songs: number;
  /** Share of the songs whose last note is the tonic of their mode. */
  readonly endsOnTonic: number;
  /** The last note's pitch class above the key's major tonic (0 = the tonic of major, 9 = of minor) -> share. */
  readonly finals: Readonly<Record<string, number>>;
  /** Share of the notes (by count) on the major pentatonic of the key (degrees 1, 2, 3, 5, 6). */
  readonly pentatonic: number;
}

/** The major pentatonic's pitch classes above the major tonic. */
export const PENTATONIC_CLASSES: ReadonlySet<number> = new Set([0, 2, 4, 7, 9]);

/** Endings and scale of `melodies` (each in its own key: pitch classes are taken relative to the key's tonic). */
export function endingShape(melodies: readonly Melody[]): EndingShape {
  let tonic = 0;
  let notes = 0;
  let pentatonic = 0;
  const finals = new Map<number, number>();
  for (const melody of melodies) {
    const major = (melody.key.tonic + (melody.key.mode === 'minor' ? 3 : 0)) % 12;
    const degrees = melody.events.flatMap((event) => (event.kind === 'note' && !event.grace ? [(event.pitch - major + 120) % 12] : []));
    notes += degrees.length;
    pentatonic += degrees.filter((degree) => PENTATONIC_CLASSES.has(degree)).length;
    const final = degrees[degrees.length - 1];
    if (final === undefined) continue;
    finals.set(final, (finals.get(final) ?? 0) + 1);
    if (final === (melody.key.mode === 'minor' ? 9 : 0)) tonic++;
  }
  const songs = [...finals.values()].reduce((sum, n) => sum + n, 0);
  return {
    songs,
    endsOnTonic: songs === 0 ? 0 : share(tonic, songs),
    finals: Object.fromEntries([...finals].map(([pc, n]) => [String(pc), share(n, songs)])),
    pentatonic: notes === 0 ? 0 : share(pentatonic, notes),
  };
}

/** A final pitch class drawn with `draw` (a number in [0, 1)) from `finals`; undefined when it is empty. */
export function drawFinal(finals: Readonly<Record<string, number>>, draw: () => number): number | undefined {
  const final = drawKey(Object.entries(finals), draw);
  return final === undefined ? undefined : Number(final);
}
