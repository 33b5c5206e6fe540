// The tune-quality report: tunes generated per meter (or, for a multi-style model, per style), set against the real
// songs of that meter (or style). Each figure is one a listener hears: the pitch classes, intervals and note lengths
// (as histogram overlaps, 1 = the same mix), how much a tune repeats its own phrases, whether it loops on one bar,
// how it ends, its share of pentatonic notes; per style also whether the style classifier hears it as that style.
import type { StyleClassifier } from '../../music/style-classifier.js';
import { histogramOverlap, mergeHistograms, tuneStats, type Histogram, type TuneStats } from '../../music/tune-stats.js';
import { TICKS_PER_QUARTER, type Melody, type Meter } from '../../music/types.js';

export interface Spread {
  readonly mean: number;
  readonly max: number;
}

export interface SideFigures {
  readonly tunes: number;
  readonly repetition: number;
  readonly longestIdenticalRun: Spread;
  readonly notesPerBar: number;
  /** Share of notes by length in quarters, the most common first (top 6). */
  readonly lengthShares: readonly { readonly quarters: number; readonly share: number }[];
  readonly finalAtLeastBeat: number;
  readonly finalOnDownbeat: number;
  readonly finalOnDownbeatOrMid: number;
  readonly finalBeats: number;
  readonly endsOnTonic: number;
  /** Share of tunes whose bars are mostly copies (at most a quarter of them distinct). */
  readonly copiedBars: number;
  /** Share of all notes on the key's pentatonic scale (degrees 1 2 3 5 6 of its major: tune-stats.ts). */
  readonly pentatonicShare: number;
}

export interface MeterQuality {
  readonly meter: string;
  readonly generated: SideFigures;
  readonly real: SideFigures;
  readonly overlap: { readonly pitchClass: number; readonly interval: number; readonly length: number };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function share(stats: readonly TuneStats[], test: (s: TuneStats) => boolean): number {
  return stats.length === 0 ? 0 : stats.filter(test).length / stats.length;
}

function lengthShares(histogram: Histogram): { quarters: number; share: number }[] {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  return [...histogram.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([ticks, count]) => ({ quarters: Math.round((ticks / TICKS_PER_QUARTER) * 1000) / 1000, share: count / total }));
}

function notesShare(stats: readonly TuneStats[], pick: (s: TuneStats) => number): number {
  const notes = stats.reduce((sum, s) => sum + s.notes, 0);
  return notes === 0 ? 0 : stats.reduce((sum, s) => sum + pick(s), 0) / notes;
}

export function sideFigures(stats: readonly TuneStats[]): SideFigures {
  return {
    tunes: stats.length,
    repetition: mean(stats.map((s) => s.repetition)),
    longestIdenticalRun: { mean: mean(stats.map((s) => s.longestIdenticalRun)), max: Math.max(0, ...stats.map((s) => s.longestIdenticalRun)) },
    notesPerBar: mean(stats.map((s) => s.notesPerBar)),
    lengthShares: lengthShares(mergeHistograms(stats.map((s) => s.lengths))),
    finalAtLeastBeat: share(stats, (s) => s.finalBeats >= 1 - 1e-9),
    finalOnDownbeat: share(stats, (s) => s.finalPosition === 'downbeat'),
    finalOnDownbeatOrMid: share(stats, (s) => s.finalPosition !== 'other'),
    finalBeats: mean(stats.map((s) => s.finalBeats)),
    endsOnTonic: share(stats, (s) => s.endsOnTonic),
    copiedBars: share(stats, (s) => s.bars >= 4 && s.distinctBars <= 0.25),
    pentatonicShare: notesShare(stats, (s) => s.pentatonicNotes),
  };
}

export function meterKey(meter: Meter): string {
  return `${meter.numerator}/${meter.denominator}`;
}

interface Comparison {
  readonly generated: SideFigures;
  readonly real: SideFigures;
  readonly overlap: { readonly pitchClass: number; readonly interval: number; readonly length: number };
}

function compare(generated: readonly Melody[], real: readonly Melody[]): Comparison {
  const g = generated.map(tuneStats);
  const r = real.map(tuneStats);
  const merged = (stats: readonly TuneStats[], pick: (s: TuneStats) => Histogram): Histogram => mergeHistograms(stats.map(pick));
  return {
    generated: sideFigures(g),
    real: sideFigures(r),
    overlap: {
      pitchClass: histogramOverlap(merged(g, (s) => s.pitchClasses), merged(r, (s) => s.pitchClasses)),
      interval: histogramOverlap(merged(g, (s) => s.intervals), merged(r, (s) => s.intervals)),
      length: histogramOverlap(merged(g, (s) => s.lengths), merged(r, (s) => s.lengths)),
    },
  };
}

/** Generated tunes against real songs of the same meter. */
export function meterQuality(meter: Meter, generated: readonly Melody[], real: readonly Melody[]): MeterQuality {
  return { meter: meterKey(meter), ...compare(generated, real) };
}

/** How often the style classifier hears a set of melodies as the style, and what it hears instead most often. */
export interface HeardAs {
  readonly melodies: number;
  /** Share heard as the style (0 without melodies). */
  readonly share: number;
  readonly mostOftenElse: { readonly style: string; readonly share: number } | null;
}

/** Tunes generated in one style against the real songs of that style, in the same mix of meters. */
export interface StyleQuality extends Comparison {
  readonly style: string;
  /** Tunes per meter ("2/4" -> tunes), as the real songs' meters share them out. */
  readonly meters: Readonly<Record<string, number>>;
  /** The style check: the real songs and the generated tunes as the classifier hears them. */
  readonly check: { readonly real: HeardAs; readonly generated: HeardAs };
}

function heardAs(classifier: StyleClassifier, style: string, melodies: readonly Melody[]): HeardAs {
  const said = new Map<string, number>();
  for (const melody of melodies) {
    const heard = classifier.classify(melody).style;
    said.set(heard, (said.get(heard) ?? 0) + 1);
  }
  const n = melodies.length;
  const other = [...said].filter(([name]) => name !== style).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  return { melodies: n, share: n === 0 ? 0 : (said.get(style) ?? 0) / n, mostOftenElse: other === undefined ? null : { style: other[0], share: other[1] / n } };
}

/**
 * Tunes generated in `style` against the style's real songs (the same meter mix: see styleMeterPlan). The
 * classifier must not have been trained on `real`, or the check flatters the real side.
 */
export function styleQuality(style: string, generated: readonly Melody[], real: readonly Melody[], classifier: StyleClassifier): StyleQuality {
  const meters: Record<string, number> = {};
  for (const tune of generated) {
    const meter = tune.meters[0]?.meter;
    const key = meter === null || meter === undefined ? 'free' : meterKey(meter);
    meters[key] = (meters[key] ?? 0) + 1;
  }
  const classified = (melodies: readonly Melody[]): Melody[] => melodies.filter((melody) => melody.events.some((event) => event.kind === 'note' && event.grace !== true));
  return {
    style,
    meters,
    ...compare(generated, real),
    check: { real: heardAs(classifier, style, classified(real)), generated: heardAs(classifier, style, classified(generated)) },
  };
}

/**
 * How many of `tunes` tunes to compose in each meter so that they share the meters out as the style's real songs
 * do (largest remainders; ties to the meter listed first), over the meters in `counts` (meter -> real songs).
 */
export function styleMeterPlan(counts: ReadonlyMap<string, number>, tunes: number): Map<string, number> {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const plan = new Map<string, number>();
  if (total === 0) return plan;
  const exact = [...counts].map(([meter, count]) => ({ meter, exact: (tunes * count) / total }));
  for (const { meter, exact: share } of exact) plan.set(meter, Math.floor(share));
  let left = tunes - [...plan.values()].reduce((a, b) => a + b, 0);
  for (const { meter } of [...exact].sort((a, b) => (b.exact % 1) - (a.exact % 1))) {
    if (left === 0) break;
    plan.set(meter, plan.get(meter)! + 1);
    left--;
  }
  for (const [meter, count] of plan) if (count === 0) plan.delete(meter);
  return plan;
}
