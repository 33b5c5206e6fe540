// Within-song memory: the network's next-token distribution (the long-term model: what songs in general do)
// mixed with the short-term model of the tune so far (what this song did before). The mixture is linear, with the
// weight of the short-term model chosen by the longest context of the tune that has occurred before: an order-6
// match is strong evidence that a phrase is coming back, an order-1 match is none. The weights are fitted on
// held-out songs (memory-fit.ts) and saved in the model folder, so that scoring, the CLI and the bot all use the
// same mixture. Measured on the shipped model's 571 validation songs: 3.26 -> 2.80 bits per note (cross-fitted).
import type { Encoding } from '../encodings/encoding.js';
import { ShortTermModel } from './short-term.js';

/** Where a tune's own tokens start (after its conditioning): the first token the within-song memory sees. */
export function memoryStart(encoding: Encoding, tokens: Int32Array): number {
  return encoding.scoredPositions(tokens).positions[0] ?? tokens.length;
}

/** The settings saved in a model folder's metadata (`memory`). */
export interface MemorySettings {
  readonly kind: 'short-term-linear-v1';
  /** Longest context of the short-term model. */
  readonly maxOrder: number;
  /** weights[k]: the short-term model's share when the longest matched context has order k (the last entry for more). */
  readonly weights: readonly number[];
}

export class MemorySettingsError extends Error {
  override readonly name = 'MemorySettingsError';
}

/** Checks a `memory` entry read from JSON; throws MemorySettingsError saying what is wrong. */
export function parseMemorySettings(value: unknown): MemorySettings {
  const entry = value as Partial<MemorySettings> | null;
  if (entry === null || typeof entry !== 'object') throw new MemorySettingsError('memory must be an object');
  if (entry.kind !== 'short-term-linear-v1') throw new MemorySettingsError(`memory.kind must be "short-term-linear-v1", got ${JSON.stringify(entry.kind)}`);
  if (!Number.isInteger(entry.maxOrder) || (entry.maxOrder as number) < 0 || (entry.maxOrder as number) > 64) {
    throw new MemorySettingsError(`memory.maxOrder must be a whole number from 0 to 64, got ${JSON.stringify(entry.maxOrder)}`);
  }
  const weights = entry.weights;
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every((w) => typeof w === 'number' && w >= 0 && w < 1)) {
    throw new MemorySettingsError('memory.weights must be a non-empty list of numbers in [0, 1)');
  }
  return { kind: 'short-term-linear-v1', maxOrder: entry.maxOrder as number, weights: [...weights] };
}

/**
 * One tune's memory: feed it every token of the tune after its conditioning, and it turns the network's logits
 * into the mixed distribution of the next token.
 */
export class TuneMemory {
  private readonly model: ShortTermModel;
  private readonly shortTerm: Float64Array;
  private readonly mixed: Float64Array;
  private readonly logMixed: Float32Array;

  constructor(
    readonly settings: MemorySettings,
    readonly vocabularySize: number,
  ) {
    this.model = new ShortTermModel(vocabularySize, settings.maxOrder);
    this.shortTerm = new Float64Array(vocabularySize);
    this.mixed = new Float64Array(vocabularySize);
    this.logMixed = new Float32Array(vocabularySize);
  }

  reset(): void {
    this.model.reset();
  }

  push(token: number): void {
    this.model.push(token);
  }

  /**
   * The short-term model's share for the next token: the fitted weight w, or with `strength` s, 1 - (1 - w)^s (s > 1
   * leans on the tune's own past more: a generation setting, as temperature is; scoring uses 1).
   */
  private weight(order: number, strength: number): number {
    const weights = this.settings.weights;
    const w = weights[Math.min(order, weights.length - 1)]!;
    return strength === 1 ? w : 1 - Math.pow(1 - w, strength);
  }

  /**
   * The mixed probabilities of the next token (a buffer reused by the next call), from the network's logits.
   * With `allowed`, tokens it marks 0 get probability 0 and the rest are renormalized.
   */
  probabilities(logits: Float32Array, allowed?: Uint8Array, strength = 1): Float64Array {
    const V = this.vocabularySize;
    const prediction = this.model.predict(this.shortTerm);
    const lambda = this.weight(prediction.order, strength);
    let max = -Infinity;
    for (let k = 0; k < V; k++) if ((allowed === undefined || allowed[k] === 1) && logits[k]! > max) max = logits[k]!;
    let networkTotal = 0;
    let shortTermTotal = 0;
    const mixed = this.mixed;
    for (let k = 0; k < V; k++) {
      if (allowed !== undefined && allowed[k] !== 1) {
        mixed[k] = 0;
        continue;
      }
      const p = Math.exp(logits[k]! - max);
      mixed[k] = p;
      networkTotal += p;
      shortTermTotal += this.shortTerm[k]!;
    }
    let total = 0;
    for (let k = 0; k < V; k++) {
      if (mixed[k] === 0 && (allowed !== undefined && allowed[k] !== 1)) continue;
      const value = (1 - lambda) * (mixed[k]! / networkTotal) + (shortTermTotal > 0 ? (lambda * this.shortTerm[k]!) / shortTermTotal : 0);
      mixed[k] = value;
      total += value;
    }
    for (let k = 0; k < V; k++) mixed[k] = mixed[k]! / total;
    return mixed;
  }

  /** ln of `probabilities` (-Infinity where 0), for samplers that take logits. */
  logits(logits: Float32Array, allowed?: Uint8Array, strength = 1): Float32Array {
    const p = this.probabilities(logits, allowed, strength);
    for (let k = 0; k < p.length; k++) this.logMixed[k] = p[k]! > 0 ? Math.log(p[k]!) : -Infinity;
    return this.logMixed;
  }
}
