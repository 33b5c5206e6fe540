// A synthetic encoding with an input feature, for testing networks that take features without the corpus:
// token 0 = start, 1..3 = "durations" 1..3, 4 = barline, 5 = end. Bars hold BAR units: a duration never crosses
// the barline (one longer than what is left is cut to fit), and the barline comes exactly when the bar is full.
// So whether `|` comes next, and which durations can, depends only on what is left of the bar: the feature.
import type { DecodedTune, Encoding, EncodingConfig, InputFeatureSpec, InputFeatureTracker, SamplingRequest, SamplingState } from '../../src/model/encodings/encoding.js';
import type { Melody } from '../../src/music/types.js';

export const BAR = 6;
const BARLINE = 4;
const END = 5;

export const CLOCK_FEATURES: InputFeatureSpec = { name: 'test-clock', sizes: [BAR + 1] };

/** Feature: units left in the bar after each token (0..BAR). */
export class ClockTracker implements InputFeatureTracker {
  private left = BAR;
  private readonly values = [BAR];
  reset(): void {
    this.left = BAR;
  }
  next(token: number): readonly number[] {
    if (token === BARLINE || token === 0) this.left = BAR;
    else if (token >= 1 && token <= 3) this.left = Math.max(0, this.left - token);
    this.values[0] = this.left;
    return this.values;
  }
}

export function clockEncoding(withFeatures = true): Encoding {
  const vocabulary = ['<start>', 'd1', 'd2', 'd3', '|', '<end>'];
  const config: EncodingConfig = { name: 'events', vocabulary, options: { synthetic: 'clock' } };
  const unsupported = (): never => {
    throw new Error('the clock encoding has no melodies');
  };
  return {
    config,
    vocabularySize: vocabulary.length,
    reject: (_melody: Melody) => null,
    encode: unsupported,
    decode: (): DecodedTune => ({ events: [], meter: null, mode: null }),
    scoredPositions: (tokens) => ({
      positions: Int32Array.from({ length: Math.max(tokens.length - 1, 0) }, (_, k) => k + 1),
      notes: Math.max(tokens.length - 2, 1),
    }),
    startSampling: (_request: SamplingRequest): SamplingState => unsupported(),
    ...(withFeatures ? { inputFeatureSets: [CLOCK_FEATURES], inputFeatureTracker: () => new ClockTracker() } : {}),
  };
}

/** Songs of `bars` bars with random durations (seeded), as described above. */
export function clockSongs(count: number, bars: number, seed: number): Int32Array[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const song = [0];
    for (let bar = 0; bar < bars; bar++) {
      let left = BAR;
      while (left > 0) {
        const duration = Math.min(left, 1 + Math.floor(next() * 3));
        song.push(duration);
        left -= duration;
      }
      song.push(bar + 1 < bars ? BARLINE : END);
    }
    return Int32Array.from(song);
  });
}
