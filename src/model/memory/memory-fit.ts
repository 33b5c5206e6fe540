// Fitting the within-song memory's weights on held-out songs. For every scored token of every song we note the
// longest context the short-term model matched, the entropy of the network's distribution, and the probability the
// network and the short-term model each gave the true token. Each weight has its cell of tokens (v1: the matched
// order; v2: the order and the network's entropy bucket), the mixture's log-likelihood is concave in it, so each is
// fitted alone by a golden-section search. The honest figure is cross-fitted: weights fitted on the even songs score the odd ones
// and the other way round, so no song is scored with weights that saw it.
import type { Encoding } from '../encodings/encoding.js';
import type { LogitsPass } from '../scoring/evaluate.js';
import { entropyBucket, memoryStart, memoryWeight, networkEntropyBits, type EntropyMemorySettings, type LinearMemorySettings, type MemorySettings } from './memory-mix.js';
import { ShortTermModel } from './short-term.js';

export interface MemoryEvidence {
  readonly maxOrder: number;
  /** Per scored token: the song's index, the matched order, the network's entropy in bits, p(network), p(short-term). */
  readonly song: Int32Array;
  readonly order: Int32Array;
  readonly networkEntropy: Float64Array;
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
  const networkEntropy: number[] = [];
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
      networkEntropy.push(networkEntropyBits(logits));
      network.push(Math.exp(logits[target]! - max) / sum);
      shortTerm.push(prediction[target]!);
    });
    onProgress?.(index + 1, songs.length);
  });
  return {
    maxOrder,
    song: Int32Array.from(song),
    order: Int32Array.from(order),
    networkEntropy: Float64Array.from(networkEntropy),
    network: Float64Array.from(network),
    shortTerm: Float64Array.from(shortTerm),
    notes,
    songNotes,
  };
}

/** Per token, the probability each of two models gave the true token: what a linear mixture of them is fitted on. */
export interface MixtureEvidence {
  /** Tokens noted. */
  readonly length: number;
  /** p(true token) under the model that keeps the share 1 - w. */
  readonly base: Float64Array;
  /** p(true token) under the model mixed in with the share w. */
  readonly added: Float64Array;
}

/**
 * The weight per cell (`cell(i)` in 0..cells-1) that maximises the likelihood of the chosen tokens (`use(i)`) under
 * (1 - w) base + w added; a cell without tokens gets `empty(c)`. The log-likelihood is concave in w, so a ternary
 * search finds it.
 */
export function fitCellWeights(evidence: MixtureEvidence, cells: number, cell: (index: number) => number, use: (index: number) => boolean, empty: (c: number) => number): number[] {
  const members: number[][] = Array.from({ length: cells }, () => []);
  for (let i = 0; i < evidence.length; i++) if (use(i)) members[cell(i)]!.push(i);
  return members.map((indices, c) => {
    if (indices.length === 0) return empty(c);
    const loss = (lambda: number): number => {
      let nats = 0;
      for (const i of indices) nats -= Math.log(lambda * evidence.added[i]! + (1 - lambda) * evidence.base[i]!);
      return nats;
    };
    let lo = 0;
    let hi = 0.99;
    for (let step = 0; step < 40; step++) {
      const a = lo + (hi - lo) / 3;
      const b = hi - (hi - lo) / 3;
      if (loss(a) < loss(b)) hi = b;
      else lo = a;
    }
    return Math.round(((lo + hi) / 2) * 1e4) / 1e4;
  });
}

/** The short-term evidence as a mixture of the network (base) and the short-term model (added). */
function shortTermMixture(evidence: MemoryEvidence): MixtureEvidence {
  return { length: evidence.order.length, base: evidence.network, added: evidence.shortTerm };
}

/** The weight per matched order that maximises the likelihood of the chosen tokens (`use(i)`): v1's weights. */
export function fitMemoryWeights(evidence: MemoryEvidence, use: (index: number) => boolean = () => true): number[] {
  return fitCellWeights(shortTermMixture(evidence), evidence.maxOrder + 1, (i) => evidence.order[i]!, use, () => 0);
}

/** The entropy bucket edges (bits) of v2: chosen on the shipped model's validation songs (notes/issue-9-memory.md). */
export const ENTROPY_EDGES: readonly number[] = [1, 2, 3, 4];

/**
 * v2's weights: one per matched order and network entropy bucket. A cell without tokens takes its order's v1 weight
 * (fitted on the same tokens), so a rare entropy at a common order is not left without memory.
 */
export function fitEntropyWeights(evidence: MemoryEvidence, edges: readonly number[] = ENTROPY_EDGES, use: (index: number) => boolean = () => true): number[][] {
  const buckets = edges.length + 1;
  const byOrder = fitMemoryWeights(evidence, use);
  const flat = fitCellWeights(
    shortTermMixture(evidence),
    (evidence.maxOrder + 1) * buckets,
    (i) => evidence.order[i]! * buckets + entropyBucket(edges, evidence.networkEntropy[i]!),
    use,
    (c) => byOrder[Math.floor(c / buckets)]!,
  );
  return byOrder.map((_, k) => flat.slice(k * buckets, (k + 1) * buckets));
}

/** Fitted settings of a kind on the chosen tokens. */
export function fitMemorySettings(evidence: MemoryEvidence, kind: MemorySettings['kind'], use: (index: number) => boolean = () => true): MemorySettings {
  if (kind === 'short-term-linear-v1') return { kind, maxOrder: evidence.maxOrder, weights: fitMemoryWeights(evidence, use) } satisfies LinearMemorySettings;
  return { kind, maxOrder: evidence.maxOrder, entropyEdges: [...ENTROPY_EDGES], weights: fitEntropyWeights(evidence, ENTROPY_EDGES, use) } satisfies EntropyMemorySettings;
}

/**
 * Total bits of the chosen tokens under the mixture with `settings` (the same weights TuneMemory uses), or of the
 * network alone without them.
 */
export function mixtureBits(evidence: MemoryEvidence, settings: MemorySettings | undefined, use: (index: number) => boolean = () => true): number {
  let nats = 0;
  for (let i = 0; i < evidence.order.length; i++) {
    if (!use(i)) continue;
    const lambda = settings === undefined ? 0 : memoryWeight(settings, evidence.order[i]!, undefined, evidence.networkEntropy[i]!);
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

/** Fits the memory of a kind (v1 unless told) on all the songs, and its cross-fitted figure (even songs score odd ones and back). */
export function fitMemory(evidence: MemoryEvidence, kind: MemorySettings['kind'] = 'short-term-linear-v1'): MemoryFit {
  const even = (i: number): boolean => evidence.song[i]! % 2 === 0;
  const odd = (i: number): boolean => !even(i);
  const crossBits = mixtureBits(evidence, fitMemorySettings(evidence, kind, even), odd) + mixtureBits(evidence, fitMemorySettings(evidence, kind, odd), even);
  const settings = fitMemorySettings(evidence, kind);
  return {
    settings,
    networkBitsPerNote: mixtureBits(evidence, undefined) / evidence.notes,
    crossFittedBitsPerNote: crossBits / evidence.notes,
    fittedBitsPerNote: mixtureBits(evidence, settings) / evidence.notes,
  };
}
