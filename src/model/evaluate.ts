// How well a model predicts songs: bits per note (comparable across encodings, since both count the same notes and
// rests and score every token of the song after the conditioning) and next-token accuracy in the model's own tokens.
import type { Melody } from '../music/types.js';
import type { Encoding, EncodingName } from './encoding.js';
import { LstmStepper, logSoftmaxAt } from './lstm-inference.js';
import type { LstmWeights } from './lstm-weights.js';

/** What evaluation needs of a model: its encoding and the log-probabilities it gives a token sequence. */
export interface ScoringModel {
  readonly encoding: Encoding;
  /** Natural-log p(tokens[i] | tokens[<i]) for every i; index 0 is not predicted (0). */
  logProbs(tokens: Int32Array): Float32Array;
  /** The most probable token after tokens[<i] for every i >= 1 (index 0 unused); without it accuracy is null. */
  predictions?(tokens: Int32Array): Int32Array;
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
}

export interface EvaluateOptions {
  /** Groups a rejection reason into a category for `skippedReasons` (default: the reason as is). */
  readonly categorize?: (reason: string) => string;
  readonly onProgress?: (done: number, total: number) => void;
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
  melodies.forEach((melody, index) => {
    const reason = encoding.reject(melody);
    if (reason !== null) {
      const category = options.categorize ? options.categorize(reason) : reason;
      skippedReasons[category] = (skippedReasons[category] ?? 0) + 1;
      skipped++;
    } else {
      const ids = encoding.encode(melody);
      const logProbs = model.logProbs(ids);
      if (logProbs.length !== ids.length) {
        throw new EvaluationError(`the model gave ${logProbs.length} log-probabilities for the ${ids.length} tokens of ${melody.source}`);
      }
      const scored = encoding.scoredPositions(ids);
      const predictions = accuracyAvailable ? model.predictions?.(ids) : undefined;
      if (predictions === undefined) accuracyAvailable = false;
      for (const position of scored.positions) {
        const logProb = logProbs[position]!;
        if (!Number.isFinite(logProb) || logProb > 1e-6) {
          throw new EvaluationError(`the model gave log p = ${logProb} at token ${position} of ${melody.source} (expected a finite value <= 0)`);
        }
        nats -= logProb;
        if (predictions !== undefined && predictions[position] === ids[position]) hits++;
      }
      songs++;
      notes += scored.notes;
      tokens += scored.positions.length;
    }
    options.onProgress?.(index + 1, melodies.length);
  });
  const bits = nats / Math.LN2;
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
  };
}

/**
 * A scoring model over trained LSTM weights (e.g. a loaded generator's): one pass over a song gives both the
 * log-probabilities and the argmax predictions, with the same plain-JS inference as generation.
 */
export function lstmScoringModel(encoding: Encoding, weights: LstmWeights): ScoringModel {
  if (encoding.vocabularySize !== weights.config.vocabularySize) {
    throw new EvaluationError(`the encoding has ${encoding.vocabularySize} tokens but the network ${weights.config.vocabularySize}`);
  }
  const stepper = new LstmStepper(weights);
  let last: { tokens: Int32Array; logProbs: Float32Array; predictions: Int32Array } | undefined;
  const score = (tokens: Int32Array): { logProbs: Float32Array; predictions: Int32Array } => {
    if (last?.tokens === tokens) return last;
    const logProbs = new Float32Array(tokens.length);
    const predictions = new Int32Array(tokens.length).fill(-1);
    stepper.reset();
    for (let i = 0; i + 1 < tokens.length; i++) {
      const logits = stepper.step(tokens[i]!);
      logProbs[i + 1] = logSoftmaxAt(logits, tokens[i + 1]!);
      let best = 0;
      for (let k = 1; k < logits.length; k++) if (logits[k]! > logits[best]!) best = k;
      predictions[i + 1] = best;
    }
    last = { tokens, logProbs, predictions };
    return last;
  };
  return { encoding, logProbs: (tokens) => score(tokens).logProbs, predictions: (tokens) => score(tokens).predictions };
}
