// Fitting the long-term model's share of the mixture (memory-mix.ts) on held-out songs: for every scored token the
// probability the network with the short-term memory gave it, the probability the long-term model gave it, and the
// order of the longest context the long-term model matched; one weight per order, each fitted alone (the
// log-likelihood is concave in it), as the short-term weights are (memory-fit.ts). Both distributions are taken over
// the tokens the grammar allows where the song's grammar replays it (as generation samples), over every token where
// it does not. The honest figure is cross-fitted: weights fitted on the even songs score the odd ones and back.
import type { Encoding } from '../encodings/encoding.js';
import type { LogitsPass } from '../scoring/evaluate.js';
import type { LongTermModel } from './long-term.js';
import { fitCellWeights, type MixtureEvidence } from './memory-fit.js';
import { memoryStart, TuneMemory, type MemorySettings } from './memory-mix.js';

export interface LongTermEvidence extends MixtureEvidence {
  readonly maxOrder: number;
  /** Per scored token: the song's index and the long-term model's longest matched order (-1: none). */
  readonly song: Int32Array;
  readonly order: Int32Array;
  /** Notes and rests of the songs (the denominator of bits per note). */
  readonly notes: number;
}

/** A held-out song: its tokens and, where its grammar replays it, the grammar's mask per position. */
export interface EvidenceSong {
  readonly tokens: Int32Array;
  readonly masks?: readonly (Uint8Array | undefined)[];
}

/** Runs the network with the short-term memory (`memory`; any long-term part of it is left out) and the long-term model over every song. */
export function collectLongTermEvidence(
  encoding: Encoding,
  pass: LogitsPass,
  songs: readonly EvidenceSong[],
  memory: MemorySettings,
  longTerm: LongTermModel,
  onProgress?: (done: number, total: number) => void,
): LongTermEvidence {
  // Given no long-term model, TuneMemory mixes the network with the short-term model alone.
  const tuneMemory = new TuneMemory(memory, encoding.vocabularySize);
  const longTermProbabilities = new Float64Array(encoding.vocabularySize);
  const list = new Int32Array(encoding.vocabularySize);
  const song: number[] = [];
  const order: number[] = [];
  const base: number[] = [];
  const added: number[] = [];
  let notes = 0;
  songs.forEach(({ tokens, masks }, index) => {
    const scored = encoding.scoredPositions(tokens);
    const wanted = new Set(scored.positions);
    notes += scored.notes;
    const start = memoryStart(encoding, tokens);
    tuneMemory.reset();
    pass(tokens, (position, logits) => {
      if (position - 1 >= start) tuneMemory.push(tokens[position - 1]!);
      else tuneMemory.pushConditioning(tokens[position - 1]!);
      if (!wanted.has(position)) return;
      const target = tokens[position]!;
      const allowed = masks?.[position];
      base.push(tuneMemory.probabilities(logits, allowed)[target]!);
      let count = 0;
      for (let k = 0; k < encoding.vocabularySize; k++) if (allowed === undefined || allowed[k] === 1) list[count++] = k;
      const total = longTerm.distribution(tokens, position, list, count, allowed, longTermProbabilities);
      order.push(longTerm.lastOrder);
      added.push(longTermProbabilities[target]! / total);
      song.push(index);
    });
    onProgress?.(index + 1, songs.length);
  });
  return {
    maxOrder: longTerm.options.maxOrder,
    length: song.length,
    song: Int32Array.from(song),
    order: Int32Array.from(order),
    base: Float64Array.from(base),
    added: Float64Array.from(added),
    notes,
  };
}

/** One weight per matched order 0..maxOrder (a token the model matched nothing for keeps weight 0). */
export function fitLongTermWeights(evidence: LongTermEvidence, use: (index: number) => boolean = () => true): number[] {
  const matched = (i: number): boolean => evidence.order[i]! >= 0 && use(i);
  return fitCellWeights(evidence, evidence.maxOrder + 1, (i) => evidence.order[i]!, matched, () => 0);
}

/** Total bits of the chosen tokens with these weights (none: the network with the short-term memory alone). */
export function longTermBits(evidence: LongTermEvidence, weights: readonly number[] | undefined, use: (index: number) => boolean = () => true): number {
  let nats = 0;
  for (let i = 0; i < evidence.length; i++) {
    if (!use(i)) continue;
    const order = evidence.order[i]!;
    const mu = weights === undefined || order < 0 ? 0 : weights[Math.min(order, weights.length - 1)]!;
    nats -= Math.log((1 - mu) * evidence.base[i]! + mu * evidence.added[i]!);
  }
  return nats / Math.LN2;
}

export interface LongTermFit {
  readonly weights: readonly number[];
  /** Bits per note of the network with the short-term memory, without the long-term model. */
  readonly withoutBitsPerNote: number;
  /** With it, weights fitted on the other half of the songs. */
  readonly crossFittedBitsPerNote: number;
  /** With it, weights fitted on all the songs (what is saved). */
  readonly fittedBitsPerNote: number;
}

export function fitLongTerm(evidence: LongTermEvidence): LongTermFit {
  const even = (i: number): boolean => evidence.song[i]! % 2 === 0;
  const odd = (i: number): boolean => !even(i);
  const cross = longTermBits(evidence, fitLongTermWeights(evidence, even), odd) + longTermBits(evidence, fitLongTermWeights(evidence, odd), even);
  const weights = fitLongTermWeights(evidence);
  return {
    weights,
    withoutBitsPerNote: longTermBits(evidence, undefined) / evidence.notes,
    crossFittedBitsPerNote: cross / evidence.notes,
    fittedBitsPerNote: longTermBits(evidence, weights) / evidence.notes,
  };
}
