// How often a style's tunes come back to their own phrases. The collection's styles differ: the children's songs
// repeat 0.52 of their 5-note interval patterns, the Alpine songs 0.44, the German 0.35, the ballads 0.26 and the
// central-east European songs 0.20 (tune-stats.ts's repetition, validation songs). The tunes did not follow: 0.27-0.35
// in every style at the default temperature (250 tunes a style, shipped model, 2026-12-02). The temperature is what
// moves it most: at 0.9 the tunes of every style repeat 0.40-0.49, at 1.2 0.08-0.14. So calibrate fits each style a
// factor on the temperature, by bisection, so that its tunes repeat their phrases as often as its training songs, and
// the composer samples at the user's temperature times it (StyleInfo.temperature). A user's temperature keeps its
// meaning: 1 is the style's own, above is wilder, below tamer. Measured in the README ("Each style's temperature").
import type { StyleTemperatureFit } from '../model/folder/model-folder.js';
import { tuneStats } from '../music/tune-stats.js';
import type { Melody } from '../music/types.js';
import type { Composer } from './composer.js';

/** A style whose tunes' repetition is within this (absolute) of its songs' keeps the factor 1. */
export const REPETITION_TOLERANCE = 0.03;
/** Tunes composed per style and factor tried (the style's defaults). */
export const TEMPERATURE_FIT_TUNES = 100;
/**
 * Their random seeds: TEMPERATURE_FIT_SEEDS + 1 ... + TEMPERATURE_FIT_TUNES, apart from the seeds 1..N that `folkbot
 * evaluate --generate N` composes with, so that the report measures the factors on tunes they were not fitted on.
 */
export const TEMPERATURE_FIT_SEEDS = 2_000_000;
/** The factor is sought in [FACTOR_MIN, FACTOR_MAX]: at 0.8 and 1.25 every style's tunes leave its songs' range. */
const FACTOR_MIN = 0.8;
const FACTOR_MAX = 1.25;
const BISECTION_STEPS = 7;

/** Mean repetition (tune-stats.ts) of the melodies: the share of each one's 5-note interval patterns heard again in it. */
export function meanRepetition(melodies: readonly Melody[]): number {
  return melodies.length === 0 ? 0 : melodies.reduce((sum, melody) => sum + tuneStats(melody).repetition, 0) / melodies.length;
}

/**
 * The temperature factor that brings `repetition(factor)` (which falls as the factor rises) nearest `target`: 1 when the
 * unscaled repetition is within REPETITION_TOLERANCE of it, else by bisection over [FACTOR_MIN, FACTOR_MAX], rounded to
 * 3 decimals before it is tried (so the repetition reported is that of the factor returned).
 */
export function fitTemperatureFactor(repetition: (factor: number) => number, target: number): StyleTemperatureFit {
  const unscaled = repetition(1);
  if (Math.abs(unscaled - target) <= REPETITION_TOLERANCE) return { songs: target, tunes: unscaled, factor: 1, scaledTunes: unscaled };
  // Too little repetition: a cooler temperature (factor below 1), and the other way round.
  let low = unscaled < target ? FACTOR_MIN : 1;
  let high = unscaled < target ? 1 : FACTOR_MAX;
  let best = { factor: 1, repetition: unscaled };
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const factor = Math.round(((low + high) / 2) * 1000) / 1000;
    const found = repetition(factor);
    if (Math.abs(found - target) < Math.abs(best.repetition - target)) best = { factor, repetition: found };
    if (found > target) low = factor;
    else high = factor;
  }
  return { songs: target, tunes: unscaled, factor: best.factor, scaledTunes: best.repetition };
}

/**
 * Per style of the composer's model, the fit of fitTemperatureFactor against the mean repetition of `songsOf(style)`
 * (those with a meter at their start); styles without such songs are left out. The tunes are composed as users get
 * them, with the composer's folder and options.
 */
export function fitStyleTemperatures(composer: Composer, songsOf: (style: string) => readonly Melody[]): Map<string, StyleTemperatureFit> {
  const fits = new Map<string, StyleTemperatureFit>();
  for (const { name } of composer.styles) {
    // Songs in free meter (no meter at their start) have no bars to count patterns by: tune-stats.ts refuses them.
    const songs = songsOf(name).filter((song) => song.meters[0]?.meter != null);
    if (songs.length === 0) continue;
    const repetition = (factor: number): number => {
      const trial = composer.withOptions({ temperatureFactors: { [name]: factor } });
      return meanRepetition(Array.from({ length: TEMPERATURE_FIT_TUNES }, (_, i) => trial.composeMelody({ style: name, randomSeed: TEMPERATURE_FIT_SEEDS + i + 1 }).melody));
    };
    fits.set(name, fitTemperatureFactor(repetition, meanRepetition(songs)));
  }
  return fits;
}
