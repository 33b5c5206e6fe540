// The tune-quality report: tunes generated per meter, set against the real songs of that meter. Each figure is one a
// listener hears: the pitch classes, intervals and note lengths (as histogram overlaps, 1 = the same mix), how much
// a tune repeats its own phrases, whether it loops on one bar, how it ends.
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
  };
}

export function meterKey(meter: Meter): string {
  return `${meter.numerator}/${meter.denominator}`;
}

/** Generated tunes against real songs of the same meter. */
export function meterQuality(meter: Meter, generated: readonly Melody[], real: readonly Melody[]): MeterQuality {
  const g = generated.map(tuneStats);
  const r = real.map(tuneStats);
  const merged = (stats: readonly TuneStats[], pick: (s: TuneStats) => Histogram): Histogram => mergeHistograms(stats.map(pick));
  return {
    meter: meterKey(meter),
    generated: sideFigures(g),
    real: sideFigures(r),
    overlap: {
      pitchClass: histogramOverlap(merged(g, (s) => s.pitchClasses), merged(r, (s) => s.pitchClasses)),
      interval: histogramOverlap(merged(g, (s) => s.intervals), merged(r, (s) => s.intervals)),
      length: histogramOverlap(merged(g, (s) => s.lengths), merged(r, (s) => s.lengths)),
    },
  };
}
