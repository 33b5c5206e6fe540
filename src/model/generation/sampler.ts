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

/** The next token id: one of those `allowed` marks with 1. */
export function sampleToken(logits: Float32Array, allowed: Uint8Array, settings: SamplingSettings, random: Random): number {
  if (allowed.length !== logits.length) {
    throw new SamplingError(`the mask has ${allowed.length} entries but the vocabulary ${logits.length}`);
  }
  const candidates: number[] = [];
  let max = -Infinity;
  for (let k = 0; k < logits.length; k++) {
    if (!allowed[k]) continue;
    candidates.push(k);
    if ((logits[k] as number) > max) max = logits[k] as number;
  }
  if (candidates.length === 0) throw new SamplingError('the encoding allows no token here');
  if (candidates.length === 1 || settings.temperature < 1e-3) {
    let best = candidates[0] as number;
    for (const k of candidates) if ((logits[k] as number) > (logits[best] as number)) best = k;
    return best;
  }
  const weights = candidates.map((k) => Math.exp(((logits[k] as number) - max) / settings.temperature));
  let total = weights.reduce((a, b) => a + b, 0);
  let pool = candidates.map((token, index) => ({ token, weight: weights[index] as number }));
  if (settings.topP < 1) {
    pool.sort((a, b) => b.weight - a.weight || a.token - b.token);
    const keep: typeof pool = [];
    let cumulative = 0;
    for (const entry of pool) {
      keep.push(entry);
      cumulative += entry.weight / total;
      if (cumulative >= settings.topP) break;
    }
    pool = keep;
    total = pool.reduce((sum, entry) => sum + entry.weight, 0);
  }
  let draw = random.next() * total;
  for (const entry of pool) {
    draw -= entry.weight;
    if (draw < 0) return entry.token;
  }
  return (pool[pool.length - 1] as { token: number }).token;
}
