// The mix of note lengths per style and meter. The tunes follow their style's songs only roughly: 100 German 2/4
// tunes (the shipped model, 2026-12-02) had 12.4% sixteenths and 66.2% eighths, the style's 758 training songs in 2/4
// 15.6% and 64.0%; in 3/4, 2.5% dotted quarters against 3.5%. So calibrate fits, for each style and meter with enough
// training songs, one bias per common note length on the log-probabilities of the tokens that start a note of that
// length (GenerateOptions.tokenBias), so that the tunes' mix of lengths matches the songs', and the composer samples
// with them (StyleInfo.noteLengths). Measured in the README ("Note lengths per meter").
import type { NoteLengthFit } from '../model/folder/model-folder.js';
import { histogramOverlap, mergeHistograms, tuneStats, type Histogram } from '../music/tune-stats.js';
import type { Melody, Meter } from '../music/types.js';
import { beatUnitTicks } from '../model/encodings/durations.js';
import type { Composer } from './composer.js';

/** A style and meter gets biases only with at least this many training songs in the meter: fewer give a noisy mix. */
export const MIN_LENGTH_SONGS = 100;
/** A length gets a bias only when at least this share of the songs' notes has it; rarer ones keep the network's odds. */
export const MIN_LENGTH_SHARE = 0.01;
/**
 * Tunes composed per style, meter and round of the fit: with 100, a fit's sixteenths in German 2/4 came out at 17.3%
 * of 300 other tunes' notes against the songs' 15.6%.
 */
export const NOTE_LENGTH_TUNES = 300;
/**
 * Their random seeds: NOTE_LENGTH_SEEDS + 1 ... + NOTE_LENGTH_TUNES, apart from the seeds 1..N that `folkbot
 * evaluate --generate N` composes with (and from style-temperature.ts's), so that the report measures the biases on
 * tunes they were not fitted on.
 */
export const NOTE_LENGTH_SEEDS = 3_000_000;
/** Rounds of the fit: each moves every bias by the log of its length's share in the songs over that in the tunes. */
export const NOTE_LENGTH_ROUNDS = 4;
/**
 * The share of that log step taken: the full step overshoots, since raising one length's odds lowers the others'
 * shares and the bar's grammar ties lengths together (a sixteenth asks for another to fill the beat).
 */
const STEP = 0.8;
/** A bias stays within [-BIAS_LIMIT, BIAS_LIMIT] (natural log: e^1.5, about 4.5 times the odds). */
const BIAS_LIMIT = 1.5;
/** Biases are kept only when they bring the tunes' mix at least this much closer to the songs' (overlap, 0..1). */
export const MIN_OVERLAP_GAIN = 0.005;

/** Shares of the melodies' notes by length in ticks (tune-stats.ts's lengths: a note tied over a barline is one). */
export function noteLengthShares(melodies: readonly Melody[]): Histogram {
  const counts = mergeHistograms(melodies.map((melody) => tuneStats(melody).lengths));
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  return new Map([...counts].map(([ticks, n]) => [ticks, total === 0 ? 0 : n / total]));
}

/**
 * Biases by note length (ticks, as text) that bring `shares(biases)` (the tunes' mix of lengths with those biases)
 * nearest `target` (the songs' mix), by NOTE_LENGTH_ROUNDS rounds of damped log-ratio steps on the lengths that hold
 * at least MIN_LENGTH_SHARE of the songs' notes. The round whose mix overlaps the songs' most is returned; no biases
 * at all when it gains less than MIN_OVERLAP_GAIN over the unbiased tunes.
 */
export function fitNoteLengthBiases(shares: (biases: Readonly<Record<string, number>>) => Histogram, target: Histogram, songs: number): NoteLengthFit {
  const unbiased = shares({});
  const overlap = histogramOverlap(unbiased, target);
  const lengths = [...target].filter(([, share]) => share >= MIN_LENGTH_SHARE).map(([ticks]) => ticks);
  let biases: Record<string, number> = {};
  let found = unbiased;
  let best = { biases, overlap };
  for (let round = 0; round < NOTE_LENGTH_ROUNDS; round++) {
    const next: Record<string, number> = {};
    for (const ticks of lengths) {
      // A length the tunes never took gets the largest step up that the floor allows, not an infinite one.
      const ratio = (target.get(ticks) as number) / Math.max(found.get(ticks) ?? 0, MIN_LENGTH_SHARE / 10);
      const bias = (biases[String(ticks)] ?? 0) + STEP * Math.log(ratio);
      next[String(ticks)] = Math.round(Math.min(BIAS_LIMIT, Math.max(-BIAS_LIMIT, bias)) * 1000) / 1000;
    }
    biases = next;
    found = shares(biases);
    const reached = histogramOverlap(found, target);
    if (reached > best.overlap) best = { biases, overlap: reached };
  }
  if (best.overlap - overlap < MIN_OVERLAP_GAIN) return { songs, overlap, biases: {}, biasedOverlap: overlap };
  return { songs, overlap, biases: best.biases, biasedOverlap: best.overlap };
}

/**
 * Per style of the composer's model, and per meter that at least MIN_LENGTH_SONGS of `songsOf(style)` start in (and
 * the model composes in), the fit of fitNoteLengthBiases against those songs. The tunes are composed as users get
 * them in that meter, with the composer's folder and options, and its other biases in place.
 */
export function fitStyleNoteLengths(composer: Composer, songsOf: (style: string) => readonly Melody[]): Map<string, Record<string, NoteLengthFit>> {
  const fits = new Map<string, Record<string, NoteLengthFit>>();
  for (const { name } of composer.styles) {
    const byMeter = new Map<string, Melody[]>();
    for (const song of songsOf(name)) {
      const meter = song.meters[0]?.meter;
      if (meter === null || meter === undefined) continue;
      const text = `${meter.numerator}/${meter.denominator}`;
      if (!composer.meters.includes(text)) continue;
      byMeter.set(text, [...(byMeter.get(text) ?? []), song]);
    }
    const styleFits: Record<string, NoteLengthFit> = {};
    for (const [text, songs] of [...byMeter].sort((a, b) => b[1].length - a[1].length)) {
      if (songs.length < MIN_LENGTH_SONGS) continue;
      const [numerator, denominator] = text.split('/').map(Number) as [number, number];
      const meter: Meter = { numerator, denominator };
      const tunes = (biases: Readonly<Record<string, number>>): Histogram => {
        const trial = composer.withOptions({ noteLengthBiases: { [name]: { [text]: biases } } });
        return noteLengthShares(Array.from({ length: NOTE_LENGTH_TUNES }, (_, i) => trial.composeMelody({ style: name, meter, randomSeed: NOTE_LENGTH_SEEDS + i + 1 }).melody));
      };
      styleFits[text] = fitNoteLengthBiases(tunes, noteLengthShares(songs), songs.length);
    }
    if (Object.keys(styleFits).length > 0) fits.set(name, styleFits);
  }
  return fits;
}

/**
 * GenerateOptions.tokenBias for a meter: each token that starts a note (the encoding's tokenNoteBeats, in beat units
 * of the meter) gets the bias of its length in ticks; undefined when no token gets one.
 */
export function noteLengthTokenBias(tokenNoteBeats: Float64Array, meter: Meter, biases: Readonly<Record<string, number>>): Float32Array | undefined {
  const unit = beatUnitTicks(meter);
  if (unit === null || Object.keys(biases).length === 0) return undefined;
  const out = new Float32Array(tokenNoteBeats.length);
  let any = false;
  tokenNoteBeats.forEach((beats, token) => {
    if (Number.isNaN(beats)) return;
    const bias = biases[String(Math.round(beats * unit))];
    if (bias === undefined || bias === 0) return;
    out[token] = bias;
    any = true;
  });
  return any ? out : undefined;
}
