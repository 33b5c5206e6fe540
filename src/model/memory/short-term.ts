// The short-term model: what the tune so far predicts about its own next token. Folk songs repeat their phrases
// (a line comes back, a bar answers the one before), and a network trained on thousands of songs predicts a token
// from the corpus's habits, not from this song's; this model does the opposite. It is an interpolated n-gram model
// over the tune's own tokens (orders 0..maxOrder, Witten-Bell escapes down to a uniform distribution: PPM's
// "method C" with blending, as IDyOM's short-term model; Pearce 2005), rebuilt token by token as the tune grows.
//
// Written by hand because no n-gram library does incremental, per-sequence models over integer tokens: the whole
// state is the token history and, for every earlier position, how long the context before it matches the current
// context (updated in O(n) per token). A tune has a few hundred tokens, so a step costs a few microseconds.

export interface ShortTermPrediction {
  /** The longest order whose context occurred before (0 when none has: only the order-0 counts, or nothing). */
  readonly order: number;
  /** How many times that longest context occurred before. */
  readonly count: number;
  /** How many different tokens followed it. */
  readonly types: number;
  /** Entropy of `probabilities` in bits. */
  readonly entropy: number;
}

export class ShortTermModel {
  private readonly history: number[] = [];
  /** match[j]: how many tokens before position j equal the last tokens of the history (capped at maxOrder). */
  private match: Int32Array;
  private readonly counts: Float64Array;
  private readonly seen: Int32Array;
  private readonly touched: number[] = [];
  /** distribution's scratch: the tokens whose probability is their own, and those probabilities. */
  private readonly own: number[] = [];
  private readonly owned: Uint8Array;
  private readonly ownValue: Float64Array;

  constructor(
    readonly vocabularySize: number,
    readonly maxOrder = 8,
  ) {
    if (!Number.isInteger(vocabularySize) || vocabularySize < 1) throw new RangeError(`vocabulary size must be a whole number >= 1, got ${vocabularySize}`);
    if (!Number.isInteger(maxOrder) || maxOrder < 0) throw new RangeError(`max order must be a whole number >= 0, got ${maxOrder}`);
    this.match = new Int32Array(256);
    this.counts = new Float64Array(vocabularySize);
    this.seen = new Int32Array(vocabularySize);
    this.owned = new Uint8Array(vocabularySize);
    this.ownValue = new Float64Array(vocabularySize);
  }

  get length(): number {
    return this.history.length;
  }

  reset(): void {
    this.history.length = 0;
  }

  /** Appends a token to the tune so far. */
  push(token: number): void {
    if (!Number.isInteger(token) || token < 0 || token >= this.vocabularySize) {
      throw new RangeError(`token id ${token} is outside the vocabulary (0..${this.vocabularySize - 1})`);
    }
    const n = this.history.length;
    if (n + 1 > this.match.length) {
      const grown = new Int32Array(this.match.length * 2);
      grown.set(this.match);
      this.match = grown;
    }
    // After appending, position j+1's context is the old context of j extended by history[j], matched against the
    // old current context extended by `token`: it keeps matching exactly when history[j] === token.
    for (let j = n - 1; j >= 0; j--) {
      this.match[j + 1] = this.history[j] === token ? Math.min(this.maxOrder, this.match[j]! + 1) : 0;
    }
    this.match[0] = 0;
    this.history.push(token);
  }

  /**
   * The distribution of the next token given the tune so far, written into `out` (length: the vocabulary). With an
   * empty history it is uniform.
   */
  predict(out: Float64Array): ShortTermPrediction {
    const prediction = this.distribution(out);
    let entropy = 0;
    for (let v = 0; v < out.length; v++) {
      const p = out[v]!;
      if (p > 0) entropy -= p * Math.log2(p);
    }
    return { ...prediction, entropy };
  }

  /**
   * `predict` without the entropy: what generation needs at every token. Interpolating order by order scales every
   * token's probability by the order's escape share and adds its count; most tokens of the vocabulary never
   * followed any context of this tune, and those all share one value, so only the tokens that did are kept one by
   * one (the same float64 operations in the same order as scaling all of them: the same bits).
   */
  distribution(out: Float64Array): Omit<ShortTermPrediction, 'entropy'> {
    const V = this.vocabularySize;
    if (out.length !== V) throw new RangeError(`the output has ${out.length} entries but the vocabulary ${V}`);
    const n = this.history.length;
    // Positions j = 1..n-1 hold a token that followed a context; match[j] is how long that context matches ours.
    // Position 0's token followed nothing; it counts at order 0 only, with match 0 like every other.
    let top = 0;
    for (let j = 0; j < n; j++) if (this.match[j]! > top) top = this.match[j]!;
    let longestCount = n;
    let longestTypes = 0;
    // The probability of every token no context has been followed by yet; those that have, in `own`.
    let shared = 1 / V;
    const own = this.own;
    const value = this.ownValue;
    for (let order = 0; order <= top; order++) {
      let total = 0;
      for (let j = 0; j < n; j++) {
        if (this.match[j]! < order) continue;
        const token = this.history[j]!;
        if (this.seen[token] === 0) this.touched.push(token);
        this.seen[token] = 1;
        this.counts[token] = this.counts[token]! + 1;
        total++;
      }
      if (total > 0) {
        const types = this.touched.length;
        const scale = types / (total + types);
        shared = shared * scale;
        for (const token of own) value[token] = value[token]! * scale;
        for (const token of this.touched) {
          if (this.owned[token] === 0) {
            this.owned[token] = 1;
            own.push(token);
            value[token] = shared;
          }
          value[token] = value[token]! + this.counts[token]! / (total + types);
        }
        longestCount = total;
        longestTypes = types;
      }
      for (const token of this.touched) {
        this.counts[token] = 0;
        this.seen[token] = 0;
      }
      this.touched.length = 0;
    }
    out.fill(shared);
    for (const token of own) {
      out[token] = value[token]!;
      this.owned[token] = 0;
    }
    own.length = 0;
    return { order: n === 0 ? 0 : top, count: n === 0 ? 0 : longestCount, types: longestTypes };
  }
}
