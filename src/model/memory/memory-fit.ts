// Fitting the within-song memory's weights on held-out songs. For every scored token of every song we note the
// longest context the short-term model matched, and the probability the network and the short-term model each gave
// the true token. The mixture's log-likelihood is concave in each order's weight, so each weight is fitted alone by
// a golden-section search. The honest figure is cross-fitted: weights fitted on the even songs score the odd ones
// and the other way round, so no song is scored with weights that saw it.
import type { Encoding } from '../encodings/encoding.js';
import type { LogitsPass } from '../scoring/evaluate.js';
import { memoryStart, type MemorySettings } from './memory-mix.js';
import { ShortTermModel } from './short-term.js';

export interface MemoryEvidence {
  readonly maxOrder: number;
  /** Per scored token: the song's index, the matched order, p(network), p(short-term). */
  readonly song: Int32Array;
  readonly order: Int32Array;
  readonly network: Float64Array;
  readonly shortTerm: Float64Array;
  /** Notes and rests of the songs (the denominator of bits per note). */
  readonly notes: number;
  /** Notes and rests per song. */
  readonly songNotes: readonly number[];
}

/** Runs the network and the short-term model over every song (already encoded), noting each scored token. */
export function collectMemoryEvidence(
  encoding: Encoding,
  pass: LogitsPass,
  songs: readonly Int32Array[],
  maxOrder: number,
  onProgress?: (done: number, total: number) => void,
): MemoryEvidence {
  const song: number[] = [];
  const order: number[] = [];
  const network: number[] = [];
  const shortTerm: number[] = [];
  const songNotes: number[] = [];
  const model = new ShortTermModel(encoding.vocabularySize, maxOrder);
  const prediction = new Float64Array(encoding.vocabularySize);
  let notes = 0;
  songs.forEach((tokens, index) => {
    const scored = encoding.scoredPositions(tokens);
    const wanted = new Set(scored.positions);
    notes += scored.notes;
    songNotes.push(scored.notes);
    const start = memoryStart(encoding, tokens);
    model.reset();
    pass(tokens, (position, logits) => {
      if (position - 1 >= start) model.push(tokens[position - 1]!);
      if (!wanted.has(position)) return;
      const target = tokens[position]!;
      let max = -Infinity;
      for (let k = 0; k < logits.length; k++) if (logits[k]! > max) max = logits[k]!;
      let sum = 0;
      for (let k = 0; k < logits.length; k++) sum += Math.exp(logits[k]! - max);
      const { order: matched } = model.predict(prediction);
      song.push(index);
      order.push(matched);
      network.push(Math.exp(logits[target]! - max) / sum);
      shortTerm.push(prediction[target]!);
    });
    onProgress?.(index + 1, songs.length);
  });
  return {
    maxOrder,
    song: Int32Array.from(song),
    order: Int32Array.from(order),
    network: Float64Array.from(network),
    shortTerm: Float64Array.from(shortTerm),
    notes,
    songNotes,
  };
}

/** The weight per matched order that maximises the likelihood of the chosen tokens (`use(i)`). */
export function fitMemoryWeights(evidence: MemoryEvidence, use: (index: number) => boolean = () => true): number[] {
  const weights: number[] = [];
  for (let k = 0; k <= evidence.maxOrder; k++) {
    const indices: number[] = [];
    for (let i = 0; i < evidence.order.length; i++) if (evidence.order[i] === k && use(i)) indices.push(i);
    const loss = (lambda: number): number => {
      let nats = 0;
      for (const i of indices) nats -= Math.log(lambda * evidence.shortTerm[i]! + (1 - lambda) * evidence.network[i]!);
      return nats;
    };
    let lo = 0;
    let hi = 0.99;
    for (let step = 0; step < 40 && indices.length > 0; step++) {
      const a = lo + (hi - lo) / 3;
      const b = hi - (hi - lo) / 3;
      if (loss(a) < loss(b)) hi = b;
      else lo = a;
    }
    weights.push(indices.length > 0 ? Math.round(((lo + hi) / 2) * 1e4) / 1e4 : 0);
  }
  return weights;
}

/** Total bits of the chosen tokens under the mixture with `weights`. */
export function mixtureBits(evidence: MemoryEvidence, weights: readonly number[], use: (index: number) => boolean = () => true): number {
  let nats = 0;
  for (let i = 0; i < evidence.order.length; i++) {
    if (!use(i)) continue;
    const lambda = weights[Math.min(evidence.order[i]!, weights.length - 1)]!;
    nats -= Math.log(lambda * evidence.shortTerm[i]! + (1 - lambda) * evidence.network[i]!);
  }
  return nats / Math.LN2;
}

export interface MemoryFit {
  readonly settings: MemorySettings;
  /** Bits per note of the network alone on these songs. */
  readonly networkBitsPerNote: number;
  /** Bits per note with the memory, weights fitted on the other half of the songs. */
  readonly crossFittedBitsPerNote: number;
  /** Bits per note with the memory, weights fitted on all the songs (what is saved). */
  readonly fittedBitsPerNote: number;
}

export function fitMemory(evidence: MemoryEvidence): MemoryFit {
  const even = (i: number): boolean => evidence.song[i]! % 2 === 0;
  const odd = (i: number): boolean => !even(i);
  const crossBits = mixtureBits(evidence, fitMemoryWeights(evidence, even), odd) + mixtureBits(evidence, fitMemoryWeights(evidence, odd), even);
  const weights = fitMemoryWeights(evidence);
  return {
    settings: { kind: 'short-term-linear-v1', maxOrder: evidence.maxOrder, weights },
    networkBitsPerNote: mixtureBits(evidence, weights.map(() => 0)) / evidence.notes,
    crossFittedBitsPerNote: crossBits / evidence.notes,
    fittedBitsPerNote: mixtureBits(evidence, weights) / evidence.notes,
  };
}
