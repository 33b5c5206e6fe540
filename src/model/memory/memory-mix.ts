// Within-song memory: the network's next-token distribution (the long-term model: what songs in general do)
// mixed with the short-term model of the tune so far (what this song did before). The mixture is linear, with the
// weight of the short-term model chosen by the longest context of the tune that has occurred before: an order-6
// match is strong evidence that a phrase is coming back, an order-1 match is none. In 'short-term-linear-v2' the
// weight also depends on how sure the network is (the entropy of its own distribution, in a few buckets): where the
// network is unsure the tune's past gets a larger share, where it is sure a smaller one (IDyOM weights each model by
// its entropy too; Pearce 2005). The weights are fitted on held-out songs (memory-fit.ts) and saved in the model
// folder, so that scoring, the CLI and the bot all use the same mixture. Measured on the shipped model's 809
// validation songs, cross-fitted: network alone 3.429, v1 2.959, v2 2.934 bits per note (README, "Within-song memory";
// the shipped folder keeps v1 until v2's tunes are checked).
// A log-linear (geometric) mixture per matched order measured worse than the linear one (2.992): notes/issue-9.
// With `longTerm`, the mixture is then mixed once more, linearly, with the long-term n-gram model of the training
// songs (long-term.ts), with one weight per order of the longest context it matched.
import type { Encoding } from '../encodings/encoding.js';
import type { LongTermModel } from './long-term.js';
import { ShortTermModel } from './short-term.js';

/** Where a tune's own tokens start (after its conditioning): the first token the within-song memory sees. */
export function memoryStart(encoding: Encoding, tokens: Int32Array): number {
  return encoding.scoredPositions(tokens).positions[0] ?? tokens.length;
}

/** The settings saved in a model folder's metadata (`memory`). */
export type MemorySettings = LinearMemorySettings | EntropyMemorySettings;

/** The long-term model's part: its file in the model folder and its mixing weights (memory.longTerm). */
export interface LongTermSettings {
  /** The file in the model folder (long-term.bin) and its SHA-256, checked when the folder loads. */
  readonly file: string;
  readonly sha256: string;
  /** weights[k]: the long-term model's share when its longest matched context has order k (the last entry for more). */
  readonly weights: readonly number[];
  /** How it was built and fitted (calibrate): for the record, not read back. */
  readonly built?: Readonly<Record<string, unknown>>;
  readonly fittedOn?: Readonly<Record<string, unknown>>;
}

/** One weight per longest matched order. */
export interface LinearMemorySettings {
  readonly kind: 'short-term-linear-v1';
  readonly longTerm?: LongTermSettings;
  /** Longest context of the short-term model. */
  readonly maxOrder: number;
  /** weights[k]: the short-term model's share when the longest matched context has order k (the last entry for more). */
  readonly weights: readonly number[];
}

/** One weight per longest matched order and bucket of the network's entropy. */
export interface EntropyMemorySettings {
  readonly kind: 'short-term-linear-v2';
  readonly longTerm?: LongTermSettings;
  readonly maxOrder: number;
  /** Ascending bucket edges of the network's entropy in bits: bucket b holds entropies with b edges at or below them. */
  readonly entropyEdges: readonly number[];
  /** weights[k][b]: the short-term model's share at matched order k (the last row for more) and entropy bucket b. */
  readonly weights: readonly (readonly number[])[];
}

export class MemorySettingsError extends Error {
  override readonly name = 'MemorySettingsError';
}

const KINDS = ['short-term-linear-v1', 'short-term-linear-v2'];

const isWeight = (w: unknown): w is number => typeof w === 'number' && w >= 0 && w < 1;

/** Checks a `memory` entry read from JSON; throws MemorySettingsError saying what is wrong. */
export function parseMemorySettings(value: unknown): MemorySettings {
  const entry = value as Record<string, unknown> | null;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new MemorySettingsError('memory must be an object');
  if (typeof entry.kind !== 'string' || !KINDS.includes(entry.kind)) {
    throw new MemorySettingsError(`memory.kind must be ${KINDS.map((k) => `"${k}"`).join(' or ')}, got ${JSON.stringify(entry.kind)}`);
  }
  const maxOrder = entry.maxOrder;
  if (typeof maxOrder !== 'number' || !Number.isInteger(maxOrder) || maxOrder < 0 || maxOrder > 64) {
    throw new MemorySettingsError(`memory.maxOrder must be a whole number from 0 to 64, got ${JSON.stringify(maxOrder)}`);
  }
  const weights = entry.weights;
  const longTerm = entry.longTerm === undefined ? {} : { longTerm: parseLongTermSettings(entry.longTerm) };
  if (entry.kind === 'short-term-linear-v1') {
    if (!Array.isArray(weights) || weights.length === 0 || !weights.every(isWeight)) {
      throw new MemorySettingsError('memory.weights must be a non-empty list of numbers in [0, 1)');
    }
    return { kind: 'short-term-linear-v1', maxOrder, weights: [...weights], ...longTerm };
  }
  const edges = entry.entropyEdges;
  if (!Array.isArray(edges) || !edges.every((e, i) => typeof e === 'number' && Number.isFinite(e) && e >= 0 && (i === 0 || e > (edges[i - 1] as number)))) {
    throw new MemorySettingsError(`memory.entropyEdges must be a list of ascending numbers of bits >= 0, got ${JSON.stringify(edges)}`);
  }
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new MemorySettingsError('memory.weights must be a non-empty list of rows, one per matched order');
  }
  weights.forEach((row: unknown, k) => {
    if (!Array.isArray(row) || row.length !== edges.length + 1 || !row.every(isWeight)) {
      throw new MemorySettingsError(`memory.weights[${k}] must be a list of ${edges.length + 1} numbers in [0, 1) (one per entropy bucket), got ${JSON.stringify(row)}`);
    }
  });
  return { kind: 'short-term-linear-v2', maxOrder, entropyEdges: [...(edges as number[])], weights: (weights as number[][]).map((row) => [...row]), ...longTerm };
}

function parseLongTermSettings(value: unknown): LongTermSettings {
  const entry = value as Record<string, unknown> | null;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new MemorySettingsError('memory.longTerm must be an object');
  if (typeof entry.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(entry.file)) {
    throw new MemorySettingsError(`memory.longTerm.file must be a file name in the model folder, got ${JSON.stringify(entry.file)}`);
  }
  if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
    throw new MemorySettingsError('memory.longTerm.sha256 must be the SHA-256 of its file as 64 lower-case hex digits');
  }
  const weights = entry.weights;
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every(isWeight)) {
    throw new MemorySettingsError('memory.longTerm.weights must be a non-empty list of numbers in [0, 1)');
  }
  return { ...(entry as object), file: entry.file, sha256: entry.sha256, weights: [...(weights as number[])] } as LongTermSettings;
}

/**
 * The entropy in bits of the network's distribution that the memory mixes with: the softmax of `logits` over the
 * tokens `allowed` marks 1 (all without it; a logit of -Infinity, as a masked stepper gives, counts as not allowed).
 * Scoring with the grammar and generation both mix over the grammar's tokens, so both bucket by the same entropy.
 */
export function networkEntropyBits(logits: Float32Array, allowed?: Uint8Array): number {
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) if ((allowed === undefined || allowed[k] === 1) && logits[k]! > max) max = logits[k]!;
  if (max === -Infinity) return 0;
  // H = ln Z - sum_k p_k (l_k - max), with Z = sum_k e^(l_k - max).
  let total = 0;
  let weighted = 0;
  for (let k = 0; k < logits.length; k++) {
    if (allowed !== undefined && allowed[k] !== 1) continue;
    const d = logits[k]! - max;
    if (d === -Infinity) continue;
    const e = Math.exp(d);
    total += e;
    weighted += e * d;
  }
  return (Math.log(total) - weighted / total) / Math.LN2;
}

/** The entropy bucket of `entropy`: how many of the ascending `edges` are at or below it. */
export function entropyBucket(edges: readonly number[], entropy: number): number {
  let b = 0;
  while (b < edges.length && entropy >= edges[b]!) b++;
  return b;
}

/**
 * The short-term model's fitted share: for v1 by the matched order alone, for v2 by the order and the network's
 * entropy (of `logits` over the tokens `allowed`, computed only for v2; `entropy` when the caller has it already).
 */
export function memoryWeight(settings: MemorySettings, order: number, logits: Float32Array | undefined, entropy?: number, allowed?: Uint8Array): number {
  const rows = settings.weights;
  if (settings.kind === 'short-term-linear-v1') return settings.weights[Math.min(order, rows.length - 1)]!;
  const row = settings.weights[Math.min(order, rows.length - 1)]!;
  const bits = entropy ?? networkEntropyBits(logits!, allowed);
  return row[entropyBucket(settings.entropyEdges, bits)]!;
}

/**
 * One tune's memory: feed it every token of the tune after its conditioning, and it turns the network's logits
 * into the mixed distribution of the next token.
 */
export class TuneMemory {
  private readonly model: ShortTermModel;
  /** The long-term model's weights, when the settings have one and its model was given. */
  private readonly longTermWeights: readonly number[] | undefined;
  /** Every token so far, the conditioning included: the long-term model's context. */
  private readonly history: number[] = [];
  /** The history's latest token of each of the long-term model's conditioning slots (V: none yet). */
  private readonly slotTokens: Int32Array;
  private readonly shortTerm: Float64Array;
  private readonly mixed: Float64Array;
  private readonly logMixed: Float32Array;
  /** mix's tokens: list[0..count). */
  private readonly list: Int32Array;
  private count = 0;

  constructor(
    readonly settings: MemorySettings,
    readonly vocabularySize: number,
    /** The long-term model of settings.longTerm (without it, the mixture leaves the long-term part out). */
    readonly longTerm?: LongTermModel,
  ) {
    if (longTerm !== undefined && longTerm.vocabularySize !== vocabularySize) {
      throw new MemorySettingsError(`the long-term model has ${longTerm.vocabularySize} tokens but the encoding ${vocabularySize}`);
    }
    this.longTermWeights = longTerm !== undefined ? settings.longTerm?.weights : undefined;
    this.slotTokens = new Int32Array(longTerm?.slotCount ?? 0).fill(vocabularySize);
    this.model = new ShortTermModel(vocabularySize, settings.maxOrder);
    this.shortTerm = new Float64Array(vocabularySize);
    this.mixed = new Float64Array(vocabularySize);
    this.logMixed = new Float32Array(vocabularySize);
    this.list = new Int32Array(vocabularySize);
  }

  reset(): void {
    this.model.reset();
    this.history.length = 0;
    this.slotTokens.fill(this.vocabularySize);
  }

  /** Appends a token of the tune (after its conditioning): both models see it. */
  push(token: number): void {
    this.model.push(token);
    this.pushConditioning(token);
  }

  /** Appends a token of the tune's conditioning (style, meter, mode...): only the long-term model's context has it. */
  pushConditioning(token: number): void {
    this.history.push(token);
    const slot = this.longTerm?.slotOfToken(token) ?? -1;
    if (slot >= 0) this.slotTokens[slot] = token;
  }

  /**
   * The short-term model's share for the next token: the fitted weight w, or with `strength` s, 1 - (1 - w)^s (s > 1
   * leans on the tune's own past more: a generation setting, as temperature is; scoring uses 1).
   */
  private weight(order: number, logits: Float32Array, allowed: Uint8Array | undefined, strength: number): number {
    const w = memoryWeight(this.settings, order, logits, undefined, allowed);
    return strength === 1 ? w : 1 - Math.pow(1 - w, strength);
  }

  /**
   * The mixed probabilities of the next token (a buffer reused by the next call), from the network's logits.
   * With `allowed`, tokens it marks 0 get probability 0 and the rest are renormalized.
   */
  probabilities(logits: Float32Array, allowed?: Uint8Array, strength = 1): Float64Array {
    const total = this.mix(logits, allowed, strength);
    const mixed = this.mixed;
    if (allowed !== undefined) {
      const zero = 0 / total;
      for (let k = 0; k < this.vocabularySize; k++) if (allowed[k] !== 1) mixed[k] = zero;
    }
    return mixed;
  }

  /** ln of `probabilities` (-Infinity where 0), for samplers that take logits. */
  logits(logits: Float32Array, allowed?: Uint8Array, strength = 1): Float32Array {
    this.mix(logits, allowed, strength);
    const count = this.count;
    const out = this.logMixed;
    if (count < this.vocabularySize) out.fill(-Infinity);
    for (let i = 0; i < count; i++) {
      const k = this.list[i]!;
      const p = this.mixed[k]!;
      out[k] = p > 0 ? Math.log(p) : -Infinity;
    }
    return out;
  }

  /**
   * Writes the mixed probabilities of the tokens `allowed` marks 1 (all without it) into `mixed`, and lists those
   * tokens in `list[0..count)`; returns the total they were divided by. Only those tokens are computed: the grammar
   * leaves about half the vocabulary, and generation asks at every token.
   */
  private mix(logits: Float32Array, allowed: Uint8Array | undefined, strength: number): number {
    const V = this.vocabularySize;
    const prediction = this.model.distribution(this.shortTerm);
    const lambda = this.weight(prediction.order, logits, allowed, strength);
    const list = this.list;
    let count = 0;
    for (let k = 0; k < V; k++) if (allowed === undefined || allowed[k] === 1) list[count++] = k;
    this.count = count;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      const k = list[i]!;
      if (logits[k]! > max) max = logits[k]!;
    }
    // The long-term model's part (long-term.ts): its contexts first, so that its dense row is summed in the pass below.
    const longTerm = this.longTermWeights !== undefined ? this.longTerm : undefined;
    let rows: Float32Array | undefined;
    let rowStart = 0;
    let rowSum = 0;
    if (longTerm !== undefined) {
      longTerm.match(this.history, this.history.length, this.slotTokens);
      rows = longTerm.rows;
      rowStart = longTerm.rowStart;
    }
    let networkTotal = 0;
    let shortTermTotal = 0;
    const mixed = this.mixed;
    for (let i = 0; i < count; i++) {
      const k = list[i]!;
      const p = Math.exp(logits[k]! - max);
      mixed[k] = p;
      networkTotal += p;
      shortTermTotal += this.shortTerm[k]!;
      if (rows !== undefined) rowSum += rows[rowStart + k]!;
    }
    let total = 0;
    for (let i = 0; i < count; i++) {
      const k = list[i]!;
      const value = (1 - lambda) * (mixed[k]! / networkTotal) + (shortTermTotal > 0 ? (lambda * this.shortTerm[k]!) / shortTermTotal : 0);
      mixed[k] = value;
      total += value;
    }
    // Both parts sum to 1 over the allowed tokens, so the blend (1 - mu) memory + mu long-term does too.
    const order = longTerm?.lastOrder ?? -1;
    const mu = rows === undefined || order < 0 ? 0 : this.longTermWeights![Math.min(order, this.longTermWeights!.length - 1)]!;
    if (mu > 0) {
      const rest = longTerm!.rest;
      const scale = mu / (rest * rowSum + longTerm!.sparseMass(allowed));
      const keep = (1 - mu) / total;
      const rowScale = scale * rest;
      for (let i = 0; i < count; i++) {
        const k = list[i]!;
        mixed[k] = keep * mixed[k]! + rowScale * rows![rowStart + k]!;
      }
      longTerm!.addSparse(mixed, scale, allowed);
    } else {
      for (let i = 0; i < count; i++) {
        const k = list[i]!;
        mixed[k] = mixed[k]! / total;
      }
    }
    return total;
  }
}
