// How well a model predicts songs: bits per note (comparable across encodings, since both count the same notes and
// rests and score every token of the song after the conditioning) and next-token accuracy in the model's own tokens.
// Optionally also bits per note "with the grammar": generation never samples from the bare softmax but from the
// softmax masked by the encoding's SamplingState and renormalized, so that figure scores each song under the
// distribution the product actually samples from.
import type { Melody } from '../../music/types.js';
import type { Encoding, EncodingName, SamplingRequest } from '../encodings/encoding.js';
import { barTicks, meterText } from '../encodings/durations.js';
import { EncodingError } from '../encodings/encoding-error.js';
import { melodySoundingEvents } from '../encodings/melody-events.js';
import { featureTracker } from '../encodings/input-features.js';
import { LstmStepper, logSoftmaxAt } from '../network/lstm-inference.js';
import type { LstmWeights } from '../network/lstm-weights.js';
import { memoryStart, TuneMemory, type MemorySettings } from '../memory/memory-mix.js';
import type { LongTermModel } from '../memory/long-term.js';

/** What evaluation needs of a model: its encoding and the log-probabilities it gives a token sequence. */
export interface ScoringModel {
  readonly encoding: Encoding;
  /** Natural-log p(tokens[i] | tokens[<i]) for every i; index 0 is not predicted (0). */
  logProbs(tokens: Int32Array): Float32Array;
  /** The most probable token after tokens[<i] for every i >= 1 (index 0 unused); without it accuracy is null. */
  predictions?(tokens: Int32Array): Int32Array;
  /**
   * Natural-log p(tokens[i] | tokens[<i]) renormalized over the tokens masks[i] allows (1) wherever masks[i] is set,
   * the plain log p elsewhere. Needed for the grammar figure (`EvaluateOptions.grammar`).
   */
  maskedLogProbs?(tokens: Int32Array, masks: readonly (Uint8Array | undefined)[]): Float64Array;
}

export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';
}

export interface EvaluationResult {
  readonly encoding: EncodingName;
  /** Songs scored. */
  readonly songs: number;
  /** Songs the encoding cannot represent, by reason. */
  readonly skipped: number;
  readonly skippedReasons: Readonly<Record<string, number>>;
  /** Notes and rests of the scored songs. */
  readonly notes: number;
  /** Token positions scored. */
  readonly tokens: number;
  /** Total bits (-log2 p) over the scored positions. */
  readonly bits: number;
  readonly bitsPerNote: number | null;
  readonly bitsPerToken: number | null;
  /** Share of scored positions where the model's most probable token was the right one; null if not available. */
  readonly accuracy: number | null;
  /**
   * Total bits with the grammar: each song replayed through its encoding's SamplingState (the song's meter, mode,
   * pickup and bar count, no primer, free ending), every scored token's probability masked by `allowed()` and
   * renormalized; a song the grammar cannot replay counts its plain bits. Null unless `grammar` was asked for.
   */
  readonly grammarBits: number | null;
  readonly grammarBitsPerNote: number | null;
  /** Songs the grammar could not replay (counted at their plain bits in `grammarBits`); null without `grammar`. */
  readonly grammarFallbackSongs: number | null;
  /** Those songs by reason (e.g. "meter change", "incomplete last bar"); null without `grammar`. */
  readonly grammarFallbackReasons: Readonly<Record<string, number>> | null;
  /** The songs the grammar did replay alone: both figures on them, where the grammar's effect shows undiluted. */
  readonly grammarReplayed: ReplayedSongs | null;
  /** The scored songs that carry a style (Melody.style), by style: their notes and bits (with the grammar: null without). */
  readonly byStyle: Readonly<Record<string, StyleFigures>>;
}

export interface StyleFigures {
  readonly songs: number;
  readonly notes: number;
  readonly bits: number;
  readonly grammarBits: number | null;
}

export interface ReplayedSongs {
  readonly songs: number;
  readonly notes: number;
  /** Plain bits over their scored positions. */
  readonly bits: number;
  /** Bits with the grammar over the same positions. */
  readonly grammarBits: number;
}

export interface EvaluateOptions {
  /** Groups a rejection reason into a category for `skippedReasons` (default: the reason as is). */
  readonly categorize?: (reason: string) => string;
  readonly onProgress?: (done: number, total: number) => void;
  /** Also score every song with the grammar's mask (needs the model's `maskedLogProbs`). */
  readonly grammar?: boolean;
}

/** Why a song cannot be replayed through its encoding's SamplingState: it then counts its plain bits. */
export class GrammarFallback extends Error {
  override readonly name = 'GrammarFallback';
  constructor(readonly category: string, message: string) {
    super(message);
  }
}

/**
 * The sampling request a song would have been generated under: its meter (one for the whole song), mode, pickup
 * (the ticks before the first barline when that first bar is short) and number of bars after it (a short last bar
 * that gives the pickup back counts as one: `closingBar`); no primer, no forced tonic ending. Throws GrammarFallback for a song no request describes.
 */
export function songSamplingRequest(melody: Melody): SamplingRequest {
  const first = melody.meters[0];
  if (first === undefined || first.tick !== 0) throw new GrammarFallback('no meter', 'the melody has no meter at tick 0');
  const meter = first.meter;
  if (meter === null) throw new GrammarFallback('free meter', 'free meter: sampling needs a time signature');
  const events = melodySoundingEvents(melody);
  const last = events[events.length - 1]!;
  const end = last.onset + last.duration;
  // A repeated signature changes nothing (and gets no token); a change at or after the end is never reached.
  const change = melody.meters.find((m) => m.tick > 0 && m.tick < end && meterText(m.meter) !== meterText(meter));
  if (change !== undefined) throw new GrammarFallback('meter change', `the meter changes to ${meterText(change.meter)} at tick ${change.tick}`);
  const bar = barTicks(meter);
  if (bar === null) throw new GrammarFallback('meter', `a bar of ${meterText(meter)} is not a whole number of ticks`);
  const firstBarline = melody.barlines.find((tick) => tick > 0);
  const pickup = firstBarline !== undefined && firstBarline < bar ? firstBarline : 0;
  // The last bar gives back the pickup (most written songs): pickup and last bar make one bar.
  if (pickup > 0 && end % bar === 0 && end / bar >= 1 && (end - pickup) % bar !== 0) {
    return { meter, mode: melody.key.mode, bars: end / bar, primer: [], pickup, endOnTonic: false, closingBar: true, ...styleOf(melody) };
  }
  const bars = (end - pickup) / bar;
  if (!Number.isInteger(bars) || bars < 1) {
    throw new GrammarFallback(
      'incomplete last bar',
      `${end - pickup} ticks after a pickup of ${pickup} are not a whole number of ${meterText(meter)} bars (${bar} ticks)`,
    );
  }
  return { meter, mode: melody.key.mode, bars, primer: [], pickup, endOnTonic: false, ...styleOf(melody) };
}

function styleOf(melody: Melody): { style?: string } {
  return melody.style === undefined ? {} : { style: melody.style };
}

/**
 * The grammar's mask at every scored position of a song (indexed like `ids`), from replaying the song's own tokens
 * through a SamplingState built for it. Throws GrammarFallback when the grammar cannot produce the song.
 */
export function grammarMasks(encoding: Encoding, melody: Melody, ids: Int32Array, positions: Int32Array): (Uint8Array | undefined)[] {
  try {
    const state = encoding.startSampling(songSamplingRequest(melody));
    const prefix = state.prefix;
    const start = positions[0] ?? ids.length;
    if (prefix.length !== start || prefix.some((token, i) => token !== ids[i])) {
      throw new GrammarFallback('prefix', `the sampling prefix [${prefix.join(' ')}] is not the song's conditioning [${ids.slice(0, start).join(' ')}]`);
    }
    const masks: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(ids.length);
    positions.forEach((position, i) => {
      if (position !== start + i) throw new GrammarFallback('positions', `scored position ${position} does not follow ${start + i - 1}`);
      const allowed = state.allowed();
      const token = ids[position]!;
      if (allowed[token] !== 1) throw new GrammarFallback('token not allowed', `the grammar does not allow token "${encoding.config.vocabulary[token] ?? token}" at position ${position}`);
      masks[position] = allowed;
      state.push(token);
    });
    if (!state.done) throw new GrammarFallback('not finished', 'the song ends before the grammar does');
    return masks;
  } catch (error) {
    if (error instanceof EncodingError) throw new GrammarFallback('encoding error', error.message);
    throw error;
  }
}

/** Scores every melody (in C major / A minor) the model's encoding can represent. */
export function evaluateSongs(model: ScoringModel, melodies: readonly Melody[], options: EvaluateOptions = {}): EvaluationResult {
  const { encoding } = model;
  const skippedReasons: Record<string, number> = {};
  let songs = 0;
  let skipped = 0;
  let notes = 0;
  let tokens = 0;
  let nats = 0;
  let hits = 0;
  let accuracyAvailable = model.predictions !== undefined;
  const grammar = options.grammar === true;
  if (grammar && model.maskedLogProbs === undefined) {
    throw new EvaluationError('the grammar figure needs a model that gives masked log-probabilities (maskedLogProbs)');
  }
  let grammarNats = 0;
  let grammarFallbackSongs = 0;
  const grammarFallbackReasons: Record<string, number> = {};
  const replayed = { songs: 0, notes: 0, nats: 0, grammarNats: 0 };
  const byStyle: Record<string, { songs: number; notes: number; bits: number; grammarBits: number | null }> = {};
  melodies.forEach((melody, index) => {
    const reason = encoding.reject(melody);
    if (reason !== null) {
      const category = options.categorize ? options.categorize(reason) : reason;
      skippedReasons[category] = (skippedReasons[category] ?? 0) + 1;
      skipped++;
    } else {
      const ids = encoding.encode(melody);
      const scored = encoding.scoredPositions(ids);
      // Masked first: a model that scores a song in one pass then serves the plain figure from the same pass.
      let masked: Float64Array | undefined;
      if (grammar) {
        let masks: (Uint8Array | undefined)[] | undefined;
        try {
          masks = grammarMasks(encoding, melody, ids, scored.positions);
        } catch (error) {
          if (!(error instanceof GrammarFallback)) throw error;
          grammarFallbackSongs++;
          grammarFallbackReasons[error.category] = (grammarFallbackReasons[error.category] ?? 0) + 1;
        }
        if (masks !== undefined) {
          masked = model.maskedLogProbs!(ids, masks);
          if (masked.length !== ids.length) {
            throw new EvaluationError(`the model gave ${masked.length} masked log-probabilities for the ${ids.length} tokens of ${melody.source}`);
          }
        }
      }
      const logProbs = model.logProbs(ids);
      if (logProbs.length !== ids.length) {
        throw new EvaluationError(`the model gave ${logProbs.length} log-probabilities for the ${ids.length} tokens of ${melody.source}`);
      }
      const predictions = accuracyAvailable ? model.predictions?.(ids) : undefined;
      if (predictions === undefined) accuracyAvailable = false;
      const songNats = nats;
      const songGrammarNats = grammarNats;
      for (const position of scored.positions) {
        const logProb = logProbs[position]!;
        if (!Number.isFinite(logProb) || logProb > 1e-6) {
          throw new EvaluationError(`the model gave log p = ${logProb} at token ${position} of ${melody.source} (expected a finite value <= 0)`);
        }
        nats -= logProb;
        if (predictions !== undefined && predictions[position] === ids[position]) hits++;
        if (grammar) {
          const grammarLogProb = masked === undefined ? logProb : masked[position]!;
          if (!Number.isFinite(grammarLogProb) || grammarLogProb > 1e-6) {
            throw new EvaluationError(
              `the model gave masked log p = ${grammarLogProb} at token ${position} of ${melody.source} (expected a finite value <= 0)`,
            );
          }
          grammarNats -= grammarLogProb;
        }
      }
      if (masked !== undefined) {
        replayed.songs++;
        replayed.notes += scored.notes;
        replayed.nats += nats - songNats;
        replayed.grammarNats += grammarNats - songGrammarNats;
      }
      songs++;
      notes += scored.notes;
      tokens += scored.positions.length;
      if (melody.style !== undefined) {
        const figures = (byStyle[melody.style] ??= { songs: 0, notes: 0, bits: 0, grammarBits: grammar ? 0 : null });
        figures.songs++;
        figures.notes += scored.notes;
        figures.bits += (nats - songNats) / Math.LN2;
        if (figures.grammarBits !== null) figures.grammarBits += (grammarNats - songGrammarNats) / Math.LN2;
      }
    }
    options.onProgress?.(index + 1, melodies.length);
  });
  const bits = nats / Math.LN2;
  const grammarBits = grammar ? grammarNats / Math.LN2 : null;
  return {
    encoding: encoding.config.name,
    songs,
    skipped,
    skippedReasons,
    notes,
    tokens,
    bits,
    bitsPerNote: notes > 0 ? bits / notes : null,
    bitsPerToken: tokens > 0 ? bits / tokens : null,
    accuracy: accuracyAvailable && tokens > 0 ? hits / tokens : null,
    grammarBits,
    grammarBitsPerNote: grammarBits !== null && notes > 0 ? grammarBits / notes : null,
    grammarFallbackSongs: grammar ? grammarFallbackSongs : null,
    grammarFallbackReasons: grammar ? grammarFallbackReasons : null,
    grammarReplayed: grammar
      ? { songs: replayed.songs, notes: replayed.notes, bits: replayed.nats / Math.LN2, grammarBits: replayed.grammarNats / Math.LN2 }
      : null,
    byStyle,
  };
}

/** ln of the softmax of `logits` at `index`, over only the entries `allowed` marks 1 (`index` must be one). */
export function maskedLogSoftmaxAt(logits: Float32Array, index: number, allowed: Uint8Array): number {
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) if (allowed[k] === 1 && logits[k]! > max) max = logits[k]!;
  let sum = 0;
  for (let k = 0; k < logits.length; k++) if (allowed[k] === 1) sum += Math.exp(logits[k]! - max);
  return logits[index]! - max - Math.log(sum);
}

/**
 * Runs a network over a song: calls `visit(i, logits)` for i = 1 .. tokens.length - 1 in order, with the logits of
 * tokens[i] given tokens[<i] (the buffer may be reused between calls).
 */
export type LogitsPass = (tokens: Int32Array, visit: (position: number, logits: Float32Array) => void) => void;

/**
 * A scoring model over any network that gives next-token logits: one pass over a song gives the log-probabilities,
 * the argmax predictions and (given masks) the masked log-probabilities; the last song's pass is reused. With
 * `memory`, every distribution is the network's mixed with the song's short-term model (memory-mix.ts), and with
 * `longTerm` also with the long-term model, as when generating.
 */
export function logitsScoringModel(encoding: Encoding, pass: LogitsPass, memory?: MemorySettings, longTerm?: LongTermModel): ScoringModel {
  interface Scored {
    readonly tokens: Int32Array;
    readonly masks: readonly (Uint8Array | undefined)[] | undefined;
    readonly logProbs: Float32Array;
    readonly predictions: Int32Array;
    readonly masked: Float64Array | undefined;
  }
  const tuneMemory = memory === undefined ? undefined : new TuneMemory(memory, encoding.vocabularySize, longTerm);
  let last: Scored | undefined;
  const score = (tokens: Int32Array, masks?: readonly (Uint8Array | undefined)[]): Scored => {
    if (last?.tokens === tokens && (masks === undefined || last.masks === masks)) return last;
    const logProbs = new Float32Array(tokens.length);
    const predictions = new Int32Array(tokens.length).fill(-1);
    const masked = masks === undefined ? undefined : new Float64Array(tokens.length);
    const start = memoryStart(encoding, tokens);
    tuneMemory?.reset();
    pass(tokens, (position, logits) => {
      const token = tokens[position]!;
      if (tuneMemory !== undefined) {
        if (position - 1 >= start) tuneMemory.push(tokens[position - 1]!);
        else tuneMemory.pushConditioning(tokens[position - 1]!);
      }
      let best = 0;
      if (tuneMemory === undefined) {
        logProbs[position] = logSoftmaxAt(logits, token);
        for (let k = 1; k < logits.length; k++) if (logits[k]! > logits[best]!) best = k;
      } else {
        const p = tuneMemory.probabilities(logits);
        logProbs[position] = Math.log(p[token]!);
        for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
      }
      predictions[position] = best;
      if (masked !== undefined) {
        const allowed = masks![position];
        if (allowed === undefined) masked[position] = logProbs[position]!;
        else if (tuneMemory === undefined) masked[position] = maskedLogSoftmaxAt(logits, token, allowed);
        else masked[position] = Math.log(tuneMemory.probabilities(logits, allowed)[token]!);
      }
    });
    last = { tokens, masks, logProbs, predictions, masked };
    return last;
  };
  return {
    encoding,
    logProbs: (tokens) => score(tokens).logProbs,
    predictions: (tokens) => score(tokens).predictions,
    maskedLogProbs: (tokens, masks) => score(tokens, masks).masked!,
  };
}

/** Runs the LSTM over a song with the same plain-JS inference as generation. */
export function lstmPass(encoding: Encoding, weights: LstmWeights): LogitsPass {
  if (encoding.vocabularySize !== weights.config.vocabularySize) {
    throw new EvaluationError(`the encoding has ${encoding.vocabularySize} tokens but the network ${weights.config.vocabularySize}`);
  }
  const stepper = new LstmStepper(weights, { features: featureTracker(encoding, weights.config) });
  return (tokens, visit) => {
    stepper.reset({ tokens });
    for (let i = 0; i + 1 < tokens.length; i++) visit(i + 1, stepper.step(tokens[i]!));
  };
}

/**
 * A scoring model over trained LSTM weights (e.g. a loaded generator's), with the same plain-JS inference as
 * generation, and with the model's within-song memory when given.
 */
export function lstmScoringModel(encoding: Encoding, weights: LstmWeights, memory?: MemorySettings, longTerm?: LongTermModel): ScoringModel {
  return logitsScoringModel(encoding, lstmPass(encoding, weights), memory, longTerm);
}
