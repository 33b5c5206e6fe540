// Picking the next token from the network's logits: the encoding's mask first (forbidden tokens get
// probability 0), then temperature, then nucleus (top-p) truncation, then a draw from the seeded PRNG.
import type { Random } from './random.js';

export interface SamplingSettings {
  /** > 0; 1 = the model's distribution, lower = more conservative. Below 1e-3 the most likely token is taken. */
  readonly temperature: number;
  /** In (0, 1]: sample only from the smallest set of tokens whose probabilities add up to at least this. */
  readonly topP: number;
}

export class SamplingError extends Error {
  override readonly name = 'SamplingError';
}

export function checkSamplingSettings(settings: SamplingSettings): void {
  if (!(Number.isFinite(settings.temperature) && settings.temperature > 0)) {
    throw new SamplingError(`temperature must be a positive number, got ${settings.temperature}`);
  }
  if (!(settings.topP > 0 && settings.topP <= 1)) throw new SamplingError(`topP must be in (0, 1], got ${settings.topP}`);
}

/** sampleToken's scratch, grown to the vocabulary: the candidates and their weights (generation calls it per token). */
let candidates = new Int32Array(0);
let weights = new Float64Array(0);

/** The next token id: one of those `allowed` marks with 1. */
export function sampleToken(logits: Float32Array, allowed: Uint8Array, settings: SamplingSettings, random: Random): number {
  if (allowed.length !== logits.length) {
    throw new SamplingError(`the mask has ${allowed.length} entries but the vocabulary ${logits.length}`);
  }
  if (candidates.length < logits.length) {
    candidates = new Int32Array(logits.length);
    weights = new Float64Array(logits.length);
  }
  let count = 0;
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) {
    if (!allowed[k]) continue;
    candidates[count++] = k;
    if ((logits[k] as number) > max) max = logits[k] as number;
  }
  if (count === 0) throw new SamplingError('the encoding allows no token here');
  if (count === 1 || settings.temperature < 1e-3) {
    let best = candidates[0] as number;
    for (let i = 1; i < count; i++) {
      const k = candidates[i] as number;
      if ((logits[k] as number) > (logits[best] as number)) best = k;
    }
    return best;
  }
  let total = 0;
  for (let i = 0; i < count; i++) {
    const weight = Math.exp(((logits[candidates[i] as number] as number) - max) / settings.temperature);
    weights[i] = weight;
    total += weight;
  }
  if (settings.topP < 1) return nucleusDraw(count, total, settings.topP, random);
  let draw = random.next() * total;
  for (let i = 0; i < count; i++) {
    draw -= weights[i] as number;
    if (draw < 0) return candidates[i] as number;
  }
  return candidates[count - 1] as number;
}

/** The draw among the smallest set of the `count` candidates, most likely first, whose share reaches `topP`. */
function nucleusDraw(count: number, total: number, topP: number, random: Random): number {
  const pool = Array.from({ length: count }, (_, i) => ({ token: candidates[i] as number, weight: weights[i] as number }));
  pool.sort((a, b) => b.weight - a.weight || a.token - b.token);
  const keep: typeof pool = [];
  let cumulative = 0;
  for (const entry of pool) {
    keep.push(entry);
    cumulative += entry.weight / total;
    if (cumulative >= topP) break;
  }
  const kept = keep.reduce((sum, entry) => sum + entry.weight, 0);
  let draw = random.next() * kept;
  for (const entry of keep) {
    draw -= entry.weight;
    if (draw < 0) return entry.token;
  }
  return (keep[keep.length - 1] as { token: number }).token;
}
