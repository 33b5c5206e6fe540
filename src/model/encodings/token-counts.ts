// Corpus statistics for building vocabularies.
import type { Melody } from '../../music/types.js';
import { EncodingError } from './encoding-error.js';

/** For each token text, how many of the melodies use it; melodies the tokenizer refuses are skipped. */
export function countSongsPerToken(melodies: readonly Melody[], tokenize: (melody: Melody) => readonly string[]): Map<string, number> {
  const songs = new Map<string, number>();
  for (const melody of melodies) {
    let tokens: readonly string[];
    try {
      tokens = tokenize(melody);
    } catch (error) {
      if (error instanceof EncodingError) continue;
      throw error;
    }
    for (const token of new Set(tokens)) songs.set(token, (songs.get(token) ?? 0) + 1);
  }
  return songs;
}
