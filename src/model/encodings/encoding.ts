// The contract between melodies and the network: an encoding turns a Melody (already transposed to C major /
// A minor) into token ids and back, and steers sampling so that generated tunes are well formed.
// Implementations: ./encodings/steps.ts (the reference system's) and ./encodings/events.ts (the default).
import type { Melody, MelodyEvent, Meter, Mode } from '../../music/types.js';

export type EncodingName = 'steps' | 'events';

/** Everything needed to rebuild an encoding without the corpus; saved as JSON in the model folder. */
export interface EncodingConfig {
  readonly name: EncodingName;
  /** Token text by id. */
  readonly vocabulary: readonly string[];
  /** Encoding-specific settings (e.g. pitch range, duration set). Plain JSON. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The musical frame a tune is generated in (always in C major / A minor; the caller transposes). */
export interface SamplingRequest {
  readonly meter: Meter;
  readonly mode: Mode;
  /** Total length of the tune in complete bars, primer included. */
  readonly bars: number;
  /** The seed's notes and rests (onsets from 0, already transposed); the tune starts with exactly these. */
  readonly primer: readonly MelodyEvent[];
  /** Ticks before the first full bar in the primer (an anacrusis), 0 when the primer starts on a downbeat. */
  readonly pickup: number;
  /** End on the tonic of `mode` (C or A), or on `finalPitchClass` when given. */
  readonly endOnTonic: boolean;
  /**
   * With `endOnTonic`: the pitch class (0 = C .. 11) the last note must have instead of the tonic, for a style whose
   * songs end on the final of their mode (a Chinese tune in C gong often ends on G, zhi, or A, yu).
   */
  readonly finalPitchClass?: number;
  /**
   * The last bar gives back the pickup: it lasts a bar less the pickup, so that the pickup and the last bar make one
   * bar between them, as in most written songs. `bars` then counts the short last bar as a bar.
   */
  readonly closingBar?: boolean;
  /** With `endOnTonic`: the final note starts on a strong beat of its bar (the downbeat, the middle of the bar). */
  readonly finalOnStrongBeat?: boolean;
  /**
   * With `endOnTonic`: where the final note lies, as in a written song of the meter (song-shapes.ts): it starts
   * `start` ticks before the end and sounds `length` ticks, and rests fill what is left. It takes the place of
   * `finalOnStrongBeat` where it can be built; absent or impossible: that rule applies.
   */
  readonly finalPlace?: { readonly start: number; readonly length: number };
  /** At most this many identical bars in a row (a loop guard); absent: no limit. */
  readonly maxRepeatedBars?: number;
  /** With `endOnTonic`: the final note at most this many semitones from the note before it; absent: any octave. */
  readonly maxFinalLeap?: number;
  /**
   * Every sampled note at most this many semitones from the note before it, unless no token would be left (the
   * primer's own notes are the user's); absent: any leap.
   */
  readonly maxLeap?: number;
  /** The style to compose in, for a model with styles (events encoding's style tokens); ignored by one without. */
  readonly style?: string;
}

/**
 * The state of one tune being sampled. The sampler first feeds `prefix` to the network, then repeatedly asks
 * `allowed()` for the tokens that keep the tune well formed, samples one of them, and `push`es it, until `done`.
 */
export interface SamplingState {
  /** Tokens to feed before sampling starts: conditioning, then the primer. */
  readonly prefix: Int32Array;
  /** How many `|` tokens the finished tune will have (for input features that count the bars to go). */
  readonly plannedBarlines?: number;
  /** A mask over the vocabulary: 1 where the token may come next, 0 where not. Never all zeros unless done. */
  allowed(): Uint8Array;
  push(token: number): void;
  readonly done: boolean;
  /** The whole tune so far (primer included) as events, onsets from 0. */
  events(): readonly MelodyEvent[];
}

export interface Encoding {
  readonly config: EncodingConfig;
  readonly vocabularySize: number;
  /** The styles the encoding conditions on (a token in front of each song); empty or absent: none. */
  readonly styles?: readonly string[];
  /** Why this melody cannot be encoded (e.g. a pitch or duration outside the vocabulary), or null when it can. */
  reject(melody: Melody): string | null;
  /**
   * The token ids of a whole song, conditioning and end-of-tune token included; the network predicts
   * tokens[i] from tokens[0..i-1] for every i >= 1.
   */
  encode(melody: Melody): Int32Array;
  /** The inverse of encode: decode(encode(m)) reproduces m's events (grace notes aside), meter and mode. */
  decode(tokens: ArrayLike<number>): DecodedTune;
  /**
   * Which token positions (indices into encode()'s output, all >= 1) count when measuring a song's
   * likelihood (every note, rest and the end; not the conditioning the caller supplies), and how many notes and
   * rests the song has: bits per note = total bits over those positions / notes, comparable across encodings.
   */
  scoredPositions(tokens: Int32Array): { readonly positions: Int32Array; readonly notes: number };
  startSampling(request: SamplingRequest): SamplingState;
  /**
   * Per token id, the pitch (MIDI) of the note the token starts, or -1 for every other token (rests, ties, barlines,
   * conditioning); absent for an encoding whose tokens do not start notes one by one. Sampling uses it to know which
   * token repeats the last note's pitch (GenerateOptions.repeatedNoteBias).
   */
  readonly tokenPitches?: Int16Array;
  /**
   * Per token id, 1 where the token starts a note off the major pentatonic of the key the encoding samples in, else 0;
   * absent where tokenPitches is. Sampling uses it for GenerateOptions.offPentatonicBias.
   */
  readonly offPentatonicTokens?: Uint8Array;
  /**
   * Per token id, the length of the note the token starts in beat units of the meter in force (the meter's
   * denominator: 1/2 is an eighth in 2/4), or NaN for every other token; absent where tokenPitches is. The composer
   * turns a style's note-length biases into GenerateOptions.tokenBias with it.
   */
  readonly tokenNoteBeats?: Float64Array;
  /**
   * Sets of extra categorical inputs this encoding can give the network beside each token (e.g. the metric
   * position), by name; absent when it has none. A network uses one only when its config names the same spec.
   */
  readonly inputFeatureSets?: readonly InputFeatureSpec[];
  /** A fresh tracker computing the named set token by token; present exactly when `inputFeatureSets` is. */
  inputFeatureTracker?(name: string): InputFeatureTracker;
}

/** Names a set of categorical input features and the number of values (buckets) of each. */
export interface InputFeatureSpec {
  readonly name: string;
  readonly sizes: readonly number[];
}

/** What a tracker may know about the song it starts on, so that a pickup's notes get their true metric position. */
export interface SongStart {
  /** The whole song's tokens (training, scoring): the tracker may look ahead in them. */
  readonly tokens?: ArrayLike<number>;
  /** The ticks before the first barline (sampling: the request's pickup); wins over `tokens`. */
  readonly pickup?: number;
  /** The number of `|` tokens the whole tune has (sampling: what the request will produce); wins over `tokens`. */
  readonly barlines?: number;
}

/**
 * Follows a song token by token and gives, for each token fed to the network, the feature values that hold
 * after it (one per entry of the spec's sizes, each in 0..size-1). The same code serves training (a whole song)
 * and generation (one token at a time).
 */
export interface InputFeatureTracker {
  /** Back to the start of a song. */
  reset(start?: SongStart): void;
  /** Feeds one token; returns the feature values holding after it (a buffer reused by the next call). */
  next(token: number): readonly number[];
}

export interface DecodedTune {
  readonly events: readonly MelodyEvent[];
  readonly meter: Meter | null;
  readonly mode: Mode | null;
}
