// Token text <-> token id for one encoding. The order of `tokens` is the id order saved in the model folder.
import { EncodingError } from './encoding-error.js';

export class Vocabulary {
  readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  constructor(tokens: readonly string[]) {
    const ids = new Map<string, number>();
    tokens.forEach((token, id) => {
      if (ids.has(token)) throw new EncodingError(`vocabulary lists token "${token}" twice (ids ${ids.get(token)} and ${id})`);
      ids.set(token, id);
    });
    this.tokens = [...tokens];
    this.ids = ids;
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of `token`, or undefined when the vocabulary lacks it. */
  find(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** The id of `token`; throws when the vocabulary lacks it. */
  id(token: string): number {
    const id = this.ids.get(token);
    if (id === undefined) throw new EncodingError(`token "${token}" is not in the vocabulary (${this.size} tokens)`);
    return id;
  }

  /** The text of token `id`; throws for an id outside 0..size-1. */
  text(id: number): string {
    const token = Number.isInteger(id) ? this.tokens[id] : undefined;
    if (token === undefined) throw new EncodingError(`token id ${id} is outside the vocabulary (ids 0..${this.size - 1})`);
    return token;
  }
}
