// Hand-built melodies for the encoding, dataset and evaluation tests (no corpus needed).
import { TICKS_PER_QUARTER, type Melody, type MelodyEvent, type Meter, type MeterChange, type Mode } from '../../src/music/types.js';

export const Q = TICKS_PER_QUARTER;
export const E = Q / 2;
export const S = Q / 4;
/** Triplet eighth. */
export const T = Q / 3;

/** A note (pitch) or rest (null) and its length in ticks. */
export type Step = readonly [pitch: number | null, ticks: number];

export interface FixtureOptions {
  readonly title?: string;
  readonly meter?: Meter;
  readonly mode?: Mode;
  /** Ticks before the first barline (0: the melody starts on a downbeat). */
  readonly pickup?: number;
  /** Meter changes after tick 0 (barlines follow the meter in force). */
  readonly meterChanges?: readonly MeterChange[];
  /** Grace notes (pitch, before the event at this index). */
  readonly graces?: readonly { readonly before: number; readonly pitch: number }[];
  /** Whether the last barline is written at the end (default true). */
  readonly finalBarline?: boolean;
}

function barLength(meter: Meter): number {
  return (meter.numerator * 4 * Q) / meter.denominator;
}

export function fixtureMelody(steps: readonly Step[], options: FixtureOptions = {}): Melody {
  const meter = options.meter ?? { numerator: 4, denominator: 4 };
  const meters: MeterChange[] = [{ tick: 0, meter }, ...(options.meterChanges ?? [])];
  const events: MelodyEvent[] = [];
  let time = 0;
  steps.forEach(([pitch, ticks], index) => {
    for (const grace of options.graces ?? []) {
      if (grace.before === index) events.push({ kind: 'note', pitch: grace.pitch, onset: time, duration: 0, grace: true });
    }
    events.push(pitch === null ? { kind: 'rest', onset: time, duration: ticks } : { kind: 'note', pitch, onset: time, duration: ticks });
    time += ticks;
  });
  const end = time;
  const barlines: number[] = [];
  let tick = options.pickup ?? 0;
  if (tick > 0) barlines.push(tick);
  for (;;) {
    const inForce = [...meters].reverse().find((change) => change.tick <= tick)!.meter ?? meter;
    tick += barLength(inForce);
    if (tick > end) break;
    if (tick < end || options.finalBarline !== false) barlines.push(tick);
  }
  const mode = options.mode ?? 'major';
  return {
    title: options.title ?? 'fixture',
    source: `fixture:${options.title ?? 'fixture'}`,
    key: { tonic: mode === 'major' ? 0 : 9, mode, fifths: 0 },
    keySource: 'file',
    meters,
    barlines,
    events,
    phraseStarts: [0],
  };
}

/** Kind, pitch, onset and duration of the sounding events: what the encodings reproduce. */
export function comparable(events: readonly MelodyEvent[]): string[] {
  return events
    .filter((event) => !(event.kind === 'note' && event.grace === true))
    .map((event) => `${event.kind === 'note' ? event.pitch : 'r'}@${event.onset}+${event.duration}`);
}

/** The melodies every encoding test runs over, by name. */
export function sampleMelodies(): Record<string, Melody> {
  return {
    simple: fixtureMelody(
      [[60, Q], [62, Q], [64, Q], [65, Q], [67, 2 * Q], [67, 2 * Q], [69, Q], [69, Q], [67, 2 * Q], [65, Q], [64, Q], [60, 2 * Q]],
      { title: 'simple' },
    ),
    pickup: fixtureMelody(
      [[67, E], [72, Q], [71, E], [69, Q], [67, E], [65, Q], [64, E], [62, E], [60, Q]],
      { title: 'pickup', meter: { numerator: 3, denominator: 4 }, pickup: E, finalBarline: false },
    ),
    rests: fixtureMelody(
      [[null, Q], [69, Q], [72, E], [null, E], [null, Q], [71, Q + E], [69, E], [68, Q], [69, Q], [null, 2 * Q]],
      { title: 'rests', mode: 'minor' },
    ),
    tiedOverBarline: fixtureMelody(
      // A dotted half tied into the next bar, and a note held over two whole bars.
      [[60, Q], [64, 3 * Q + Q], [65, Q], [67, 2 * Q], [72, 8 * Q + 2 * Q], [60, 2 * Q]],
      { title: 'tiedOverBarline' },
    ),
    meterChange: fixtureMelody(
      [[60, Q], [62, Q], [64, Q], [65, Q], [67, Q], [69, Q], [67, 2 * Q], [60, Q]],
      { title: 'meterChange', meter: { numerator: 2, denominator: 4 }, meterChanges: [{ tick: 4 * Q, meter: { numerator: 3, denominator: 4 } }] },
    ),
    sixEightWithGrace: fixtureMelody(
      [[64, E], [65, E], [67, E], [69, Q + E], [67, Q], [65, E], [64, Q + E], [60, Q + E]],
      { title: 'sixEightWithGrace', meter: { numerator: 6, denominator: 8 }, graces: [{ before: 3, pitch: 71 }] },
    ),
  };
}

/** Triplets: representable by `events`, not by `steps`. */
export function tripletMelody(): Melody {
  return fixtureMelody(
    [[60, T], [62, T], [64, T], [65, Q], [67, 2 * Q], [69, T], [67, T], [65, T], [64, Q], [60, 2 * Q]],
    { title: 'triplets' },
  );
}
