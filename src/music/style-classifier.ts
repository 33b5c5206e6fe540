// The style check: a multinomial naive Bayes classifier that tells which style (tradition) a melody is in, from
// n-grams of its scale degrees, intervals, note lengths and metric positions. Trained on labelled real songs, it
// says how often generated tunes of a style are heard as that style. Pure: melodies and labels in, scores out.
//
// Written by hand because it is small (counting and logarithms) and no npm package does naive Bayes over our own
// features with add-k smoothing and a JSON form we control (the text-classification packages tokenise strings).
import { TICKS_PER_QUARTER, type Melody, type MelodyEvent, type NoteEvent } from './types.js';

/**
 * The kinds of feature a melody is counted by. Degrees are pitch classes relative to the key's tonic (0 = tonic ..
 * 11), so a tune counts the same in any key; `r` is a rest. Lengths are in ticks, intervals in semitones (clamped
 * to +-13), metric positions in ticks from the bar's start.
 */
export const STYLE_FEATURE_FAMILIES = [
  'degree',
  'degree-length',
  'degree-bigram',
  'degree-trigram',
  'interval',
  'interval-bigram',
  'interval-trigram',
  'length-bigram',
  'length-trigram',
  'position-degree',
  'position-length',
  'meter',
] as const;

export type StyleFeatureFamily = (typeof STYLE_FEATURE_FAMILIES)[number];

export type StylePrior = 'uniform' | 'training';

export interface StyleClassifierOptions {
  /** Feature families counted (default DEFAULT_STYLE_FAMILIES). */
  readonly families?: readonly StyleFeatureFamily[];
  /** Add-k smoothing constant, above 0 (default 0.1). */
  readonly smoothing?: number;
  /**
   * `uniform` (the default): every style is as likely before the notes are heard, so a small style is not
   * swallowed by a large one; `training`: styles are as likely as their share of the training songs.
   */
  readonly prior?: StylePrior;
}

/**
 * Chosen by greedy forward selection on balanced accuracy (the mean over styles of the share of a style's songs
 * assigned to it) in 5-fold cross-validation on the Essen training songs (`npx tsx scripts/style-check.ts --select`):
 * interval trigrams alone 40.1% over the ten styles, with scale degrees on metric positions 44.5%; no third family
 * gained half a point (the best, degrees with lengths, 44.9%). Smoothing 0.1 beat 0.01, 0.03, 0.3 and 1.
 */
export const DEFAULT_STYLE_FAMILIES: readonly StyleFeatureFamily[] = ['interval-trigram', 'position-degree'];
export const DEFAULT_STYLE_SMOOTHING = 0.1;

export interface StyleExample {
  readonly melody: Melody;
  readonly style: string;
}

export interface StyleResult {
  /** The most likely style. */
  readonly style: string;
  /**
   * Per style, the log-probability of the melody's features (natural log, with the prior) divided by its notes:
   * higher is more likely; styles sorted most likely first.
   */
  readonly scores: readonly { readonly style: string; readonly score: number }[];
}

/** The trained counts, as JSON can hold them. A trained classifier derives from its songs: mind their licence. */
export interface StyleClassifierJSON {
  readonly version: typeof JSON_VERSION;
  readonly families: readonly StyleFeatureFamily[];
  readonly smoothing: number;
  readonly prior: StylePrior;
  /** Style -> training songs. */
  readonly songs: Readonly<Record<string, number>>;
  /** Family -> style -> feature -> count. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>>;
}

export interface StyleClassifier {
  /** The styles it knows, sorted. */
  readonly styles: readonly string[];
  readonly options: Required<StyleClassifierOptions>;
  classify(melody: Melody): StyleResult;
  toJSON(): StyleClassifierJSON;
}

const JSON_VERSION = 1;

/** A classifier that cannot be trained or read, or a melody it cannot classify. */
export class StyleClassifierError extends Error {
  override readonly name = 'StyleClassifierError';
}

const degreeOf = (pitch: number, tonic: number): number => (((pitch - tonic) % 12) + 12) % 12;
const clampInterval = (step: number): number => Math.max(-13, Math.min(13, step));

/** Ticks from the start of the bar each event starts in; a pickup is counted back from the first barline. */
function barPositions(melody: Melody, events: readonly MelodyEvent[]): number[] {
  const lines = melody.barlines.filter((tick) => tick > 0);
  const firstMeter = melody.meters[0]?.meter;
  const firstBar = firstMeter === null || firstMeter === undefined ? 0 : (firstMeter.numerator * 4 * TICKS_PER_QUARTER) / firstMeter.denominator;
  const positions: number[] = [];
  let line = -1;
  for (const event of events) {
    while (line + 1 < lines.length && lines[line + 1]! <= event.onset) line++;
    if (line >= 0) positions.push(event.onset - lines[line]!);
    else positions.push(lines.length > 0 && lines[0]! < firstBar ? firstBar - lines[0]! + event.onset : event.onset);
  }
  return positions;
}

function gram(values: readonly (number | string)[], start: number, size: number): string | null {
  return start + size <= values.length ? values.slice(start, start + size).join(' ') : null;
}

/**
 * The features of one melody by family: feature -> count. Grace notes are left out; rests are events of degree `r`
 * (they break no n-gram of degrees and lengths, and intervals skip them).
 */
export function melodyStyleFeatures(melody: Melody, families: readonly StyleFeatureFamily[]): Map<StyleFeatureFamily, Map<string, number>> {
  const events = melody.events.filter((event) => !(event.kind === 'note' && event.grace === true));
  const notes = events.filter((event): event is NoteEvent => event.kind === 'note');
  const degrees = events.map((event) => (event.kind === 'note' ? degreeOf(event.pitch, melody.key.tonic) : 'r'));
  const lengths = events.map((event) => event.duration);
  const intervals = notes.slice(1).map((note, index) => clampInterval(note.pitch - notes[index]!.pitch));
  const needsPositions = families.includes('position-degree') || families.includes('position-length');
  const positions = needsPositions ? barPositions(melody, events) : [];
  const result = new Map<StyleFeatureFamily, Map<string, number>>();
  for (const family of families) {
    const counts = new Map<string, number>();
    const add = (feature: string | null): void => {
      if (feature !== null) counts.set(feature, (counts.get(feature) ?? 0) + 1);
    };
    switch (family) {
      case 'degree':
        degrees.forEach((degree) => add(String(degree)));
        break;
      case 'degree-length':
        degrees.forEach((degree, i) => add(`${degree}:${lengths[i]}`));
        break;
      case 'degree-bigram':
        degrees.forEach((_, i) => add(gram(degrees, i, 2)));
        break;
      case 'degree-trigram':
        degrees.forEach((_, i) => add(gram(degrees, i, 3)));
        break;
      case 'interval':
        intervals.forEach((step) => add(String(step)));
        break;
      case 'interval-bigram':
        intervals.forEach((_, i) => add(gram(intervals, i, 2)));
        break;
      case 'interval-trigram':
        intervals.forEach((_, i) => add(gram(intervals, i, 3)));
        break;
      case 'length-bigram':
        lengths.forEach((_, i) => add(gram(lengths, i, 2)));
        break;
      case 'length-trigram':
        lengths.forEach((_, i) => add(gram(lengths, i, 3)));
        break;
      case 'position-degree':
        degrees.forEach((degree, i) => add(`${positions[i]}@${degree}`));
        break;
      case 'position-length':
        lengths.forEach((length, i) => add(`${positions[i]}@${length}`));
        break;
      case 'meter':
        for (const change of melody.meters) add(change.meter === null ? 'free' : `${change.meter.numerator}/${change.meter.denominator}`);
        break;
    }
    result.set(family, counts);
  }
  return result;
}

function checkOptions(options: StyleClassifierOptions): Required<StyleClassifierOptions> {
  const families = options.families ?? DEFAULT_STYLE_FAMILIES;
  const smoothing = options.smoothing ?? DEFAULT_STYLE_SMOOTHING;
  const prior = options.prior ?? 'uniform';
  if (families.length === 0) throw new StyleClassifierError('a style classifier needs at least one feature family');
  for (const family of families) {
    if (!STYLE_FEATURE_FAMILIES.includes(family)) throw new StyleClassifierError(`unknown feature family "${String(family)}"; known: ${STYLE_FEATURE_FAMILIES.join(', ')}`);
  }
  if (new Set(families).size !== families.length) throw new StyleClassifierError(`feature families are listed twice: ${families.join(', ')}`);
  if (!(Number.isFinite(smoothing) && smoothing > 0)) throw new StyleClassifierError(`smoothing must be a number above 0, got ${smoothing}`);
  if (prior !== 'uniform' && prior !== 'training') throw new StyleClassifierError(`prior must be "uniform" or "training", got "${String(prior)}"`);
  return { families: [...families], smoothing, prior };
}

type Counts = Map<StyleFeatureFamily, Map<string, Map<string, number>>>;

/** Log-probabilities precomputed from the counts: family -> feature -> per-style log p (styles in sorted order). */
interface Tables {
  readonly logProb: Map<StyleFeatureFamily, Map<string, Float64Array>>;
  readonly logPrior: Float64Array;
}

function buildTables(styles: readonly string[], songs: ReadonlyMap<string, number>, counts: Counts, options: Required<StyleClassifierOptions>): Tables {
  const k = options.smoothing;
  const logProb = new Map<StyleFeatureFamily, Map<string, Float64Array>>();
  for (const family of options.families) {
    const byStyle = counts.get(family) ?? new Map<string, Map<string, number>>();
    const vocabulary = new Set<string>();
    for (const features of byStyle.values()) for (const feature of features.keys()) vocabulary.add(feature);
    const denominators = styles.map((style) => {
      let total = 0;
      for (const count of byStyle.get(style)?.values() ?? []) total += count;
      return Math.log(total + k * vocabulary.size);
    });
    const table = new Map<string, Float64Array>();
    for (const feature of vocabulary) {
      table.set(feature, Float64Array.from(styles, (style, s) => Math.log((byStyle.get(style)?.get(feature) ?? 0) + k) - denominators[s]!));
    }
    logProb.set(family, table);
  }
  const allSongs = [...songs.values()].reduce((a, b) => a + b, 0);
  const logPrior = Float64Array.from(styles, (style) => (options.prior === 'uniform' ? -Math.log(styles.length) : Math.log((songs.get(style) ?? 0) / allSongs)));
  return { logProb, logPrior };
}

function makeClassifier(styles: readonly string[], songs: ReadonlyMap<string, number>, counts: Counts, options: Required<StyleClassifierOptions>): StyleClassifier {
  const tables = buildTables(styles, songs, counts, options);
  return {
    styles,
    options,
    classify(melody: Melody): StyleResult {
      const notes = melody.events.filter((event) => event.kind === 'note' && event.grace !== true).length;
      if (notes === 0) throw new StyleClassifierError(`${melody.source}: a melody without notes has no style to tell`);
      const totals = Float64Array.from(tables.logPrior);
      for (const [family, features] of melodyStyleFeatures(melody, options.families)) {
        const table = tables.logProb.get(family)!;
        for (const [feature, count] of features) {
          // A feature no training song had says nothing about the style: it is left out rather than smoothed.
          const row = table.get(feature);
          if (row !== undefined) for (let s = 0; s < styles.length; s++) totals[s]! += count * row[s]!;
        }
      }
      const scores = styles.map((style, s) => ({ style, score: totals[s]! / notes })).sort((a, b) => b.score - a.score || a.style.localeCompare(b.style));
      return { style: scores[0]!.style, scores };
    },
    toJSON(): StyleClassifierJSON {
      const json: Record<string, Record<string, Record<string, number>>> = {};
      for (const [family, byStyle] of counts) {
        json[family] = Object.fromEntries([...byStyle].map(([style, features]) => [style, Object.fromEntries(features)]));
      }
      return { version: JSON_VERSION, families: options.families, smoothing: options.smoothing, prior: options.prior, songs: Object.fromEntries(songs), counts: json };
    },
  };
}

/** Trains a classifier on labelled melodies; every style needs at least one song with notes. */
export function trainStyleClassifier(examples: readonly StyleExample[], options: StyleClassifierOptions = {}): StyleClassifier {
  const checked = checkOptions(options);
  const songs = new Map<string, number>();
  const counts: Counts = new Map(checked.families.map((family) => [family, new Map<string, Map<string, number>>()]));
  for (const { melody, style } of examples) {
    if (typeof style !== 'string' || style === '') throw new StyleClassifierError(`${melody.source}: a training song needs a style name, got ${JSON.stringify(style)}`);
    if (!melody.events.some((event) => event.kind === 'note' && event.grace !== true)) continue;
    songs.set(style, (songs.get(style) ?? 0) + 1);
    for (const [family, features] of melodyStyleFeatures(melody, checked.families)) {
      const byStyle = counts.get(family)!;
      const target = byStyle.get(style) ?? new Map<string, number>();
      for (const [feature, count] of features) target.set(feature, (target.get(feature) ?? 0) + count);
      byStyle.set(style, target);
    }
  }
  if (songs.size < 2) throw new StyleClassifierError(`a style classifier needs songs with notes of at least two styles, got ${songs.size === 0 ? 'none' : `only "${[...songs.keys()][0]}"`}`);
  return makeClassifier([...songs.keys()].sort(), songs, counts, checked);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** A classifier from its toJSON form, checked: a damaged or foreign file gets an error saying what is wrong. */
export function styleClassifierFromJSON(json: unknown): StyleClassifier {
  if (!isRecord(json)) throw new StyleClassifierError('a style classifier file holds a JSON object');
  if (json.version !== JSON_VERSION) throw new StyleClassifierError(`style classifier version ${JSON.stringify(json.version)} is not the supported version ${JSON_VERSION}; train it again`);
  if (!Array.isArray(json.families)) throw new StyleClassifierError('style classifier: "families" must be a list of feature families');
  const options = checkOptions({ families: json.families as StyleFeatureFamily[], smoothing: json.smoothing as number, prior: json.prior as StylePrior });
  if (!isRecord(json.songs)) throw new StyleClassifierError('style classifier: "songs" must map each style to its training songs');
  const songs = new Map<string, number>();
  for (const [style, count] of Object.entries(json.songs)) {
    if (!isCount(count) || count === 0) throw new StyleClassifierError(`style classifier: style "${style}" must have a positive whole number of songs, got ${JSON.stringify(count)}`);
    songs.set(style, count);
  }
  if (songs.size < 2) throw new StyleClassifierError(`style classifier: it needs at least two styles, got ${songs.size}`);
  if (!isRecord(json.counts)) throw new StyleClassifierError('style classifier: "counts" must map each feature family to counts per style');
  const counts: Counts = new Map();
  for (const family of options.families) {
    const byStyle = json.counts[family];
    if (!isRecord(byStyle)) throw new StyleClassifierError(`style classifier: no counts for feature family "${family}"`);
    const parsed = new Map<string, Map<string, number>>();
    for (const [style, features] of Object.entries(byStyle)) {
      if (!songs.has(style)) throw new StyleClassifierError(`style classifier: counts of family "${family}" name style "${style}", which has no songs`);
      if (!isRecord(features)) throw new StyleClassifierError(`style classifier: counts of "${family}" for "${style}" must be an object of feature -> count`);
      const map = new Map<string, number>();
      for (const [feature, count] of Object.entries(features)) {
        if (!isCount(count)) throw new StyleClassifierError(`style classifier: count of "${feature}" in "${family}" for "${style}" must be a whole number, got ${JSON.stringify(count)}`);
        map.set(feature, count);
      }
      parsed.set(style, map);
    }
    counts.set(family, parsed);
  }
  return makeClassifier([...songs.keys()].sort(), songs, counts, options);
}
